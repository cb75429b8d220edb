import CEKDeflate
import CEKZlib
import Foundation

/// gzip decompression (RFC 1952). ``inflateWhole(_:limit:)`` inflates a whole file in one call through libdeflate
/// (about twice zlib's speed); ``inflate(_:limit:)`` and ``head(_:count:)`` stream through the system zlib
/// (`inflateInit2` with window bits 15 + 32, which also accepts zlib streams). Both inflate concatenated gzip
/// members in turn.
public enum Gzip {
    /// Errors from zlib.
    public enum Failure: Error, CustomStringConvertible {
        case corrupt(String)
        case tooLarge(Int)
        public var description: String {
            switch self {
            case .corrupt(let m): return "not a valid gzip stream (\(m))"
            case .tooLarge(let n): return "decompresses to more than \(n / 1_048_576) MiB"
            }
        }
    }

    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The first `count` bytes of the inflated stream (or all of it, if shorter): enough to recognise a file's
    /// content without inflating all of it.
    /// - Throws: ``Failure/corrupt(_:)`` when the stream is not gzip.
    ///
    /// Inflates straight into a buffer of `count` bytes and stops there: the cost follows `count`, not the file
    /// (recognition asks for a few KiB of each `.json.gz` of a trail).
    public static func head(_ data: Data, count: Int) throws -> Data {
        if data.isEmpty || count <= 0 { return Data() }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data(count: count)
        var produced = 0
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            try output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                let outBase = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                while produced < count {
                    stream.next_out = outBase + produced
                    stream.avail_out = uInt(count - produced)
                    let status = CEKZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = count - Int(stream.avail_out)
                    if status == Z_STREAM_END {
                        // Another gzip member may follow (concatenated files).
                        guard stream.avail_in > 0 else { return }
                        guard inflateReset(&stream) == Z_OK else { throw Failure.corrupt("reset failed") }
                        continue
                    }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 {
                        // The input ends before `count` bytes: a short prefix of a longer file, or a truncated file.
                        if produced > 0 { return }
                        throw Failure.corrupt("truncated")
                    }
                    guard status == Z_OK || status == Z_BUF_ERROR else {
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw Failure.corrupt(message)
                    }
                }
            }
        }
        output.count = produced
        return output
    }

    /// Inflates `data`.
    /// - Parameters:
    ///   - limit: refuse output larger than this many bytes (a decompression bomb guard).
    /// - Throws: ``Failure``.
    public static func inflate(_ data: Data, limit: Int = 2 * 1024 * 1024 * 1024) throws -> Data {
        if data.isEmpty { return Data() }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        output.reserveCapacity(min(data.count * 8, limit + 1))
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            while true {
                let status: Int32 = buffer.withUnsafeMutableBytes { out in
                    stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(chunk)
                    return CEKZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                output.append(buffer, count: produced)
                if output.count > limit { throw Failure.tooLarge(limit) }
                if status == Z_STREAM_END {
                    // Another gzip member may follow (concatenated files).
                    if stream.avail_in > 0 {
                        guard inflateReset(&stream) == Z_OK else { throw Failure.corrupt("reset failed") }
                        continue
                    }
                    return
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { throw Failure.corrupt("truncated") }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw Failure.corrupt(message)
                }
            }
        }
        return output
    }

    /// Inflates a whole gzip file (all its members, RFC 1952 §2.2) into one owned buffer with libdeflate.
    ///
    /// The output is sized from the trailer's ISIZE (RFC 1952 §2.3.1), which is only a hint: it is the *last* member's
    /// size modulo 2^32, and a damaged or hostile file may state anything. The first guess is therefore bounded by the
    /// input size times deflate's maximum ratio (1032:1) and by `limit`, and the buffer is doubled, up to `limit`,
    /// whenever libdeflate reports it too small. libdeflate checks each member's CRC-32 and ISIZE, as zlib does.
    /// - Parameters:
    ///   - input: the compressed bytes (a mapped file, typically).
    ///   - limit: largest output in bytes; past it the call throws ``Failure/tooLarge(_:)`` so that the caller can
    ///     fall back to a streaming reader or refuse the file.
    /// - Returns: the inflated bytes (empty for empty input).
    /// - Throws: ``Failure/corrupt(_:)`` for anything that is not a complete, valid gzip stream (trailing bytes that
    ///   do not start another member included); ``Failure/tooLarge(_:)`` past `limit`.
    public static func inflateWhole(_ input: UnsafeRawBufferPointer, limit: Int) throws -> InflatedBytes {
        guard input.baseAddress != nil, input.count > 0 else { return InflatedBytes(base: nil, count: 0) }
        guard let decompressor = libdeflate_alloc_decompressor() else { throw Failure.corrupt("libdeflate could not start") }
        defer { libdeflate_free_decompressor(decompressor) }
        var out: UnsafeMutableRawPointer?
        var capacity = 0
        do {
            let produced = try inflateWhole(input, limit: limit, decompressor: decompressor, buffer: &out, capacity: &capacity)
            return InflatedBytes(base: out, count: produced)
        } catch {
            free(out)
            throw error
        }
    }

    /// Inflates a whole gzip file as ``inflateWhole(_:limit:)`` does, into `workspace`'s buffer, which is kept for
    /// the next file: a scan of thousands of files then faults in its output pages once, not once per file (on a
    /// 1.1 GB trail the fresh pages of a buffer per file were 300,000 page faults, a sixth of the CPU time).
    /// - Returns: the inflated bytes, valid until the next use of `workspace`.
    /// - Throws: as ``inflateWhole(_:limit:)``.
    public static func inflateWhole(_ input: UnsafeRawBufferPointer, limit: Int, into workspace: InflateWorkspace) throws -> UnsafeRawBufferPointer {
        guard input.baseAddress != nil, input.count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let produced = try inflateWhole(input, limit: limit, decompressor: workspace.decompressor, buffer: &workspace.base, capacity: &workspace.capacity)
        return UnsafeRawBufferPointer(start: workspace.base, count: produced)
    }

    /// The loop of both ``inflateWhole(_:limit:)`` forms: inflates into `buffer` (`capacity` bytes, `nil`/0 for none
    /// yet), growing it with `realloc` as needed; returns the inflated byte count. On a throw `buffer` stays valid
    /// (possibly grown) and owned by the caller.
    private static func inflateWhole(_ input: UnsafeRawBufferPointer, limit: Int, decompressor: OpaquePointer,
                                     buffer: inout UnsafeMutableRawPointer?, capacity: inout Int) throws -> Int {
        guard let inBase = input.baseAddress else { return 0 }
        let ceiling = input.count > Int.max / 1032 ? limit : min(limit, input.count * 1032)
        var want = input.count * 4
        if input.count >= 18 {
            let isize = Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self)))
            if isize >= input.count / 2 { want = isize }
        }
        want = max(256, min(want, ceiling))
        if buffer == nil || capacity < want {
            guard let grown = realloc(buffer, want) else { throw Failure.tooLarge(want) }
            buffer = grown
            capacity = want
        }
        var produced = 0, consumed = 0
        while consumed < input.count {
            var inUsed = 0, outUsed = 0
            // A reused buffer may be larger than this call's limit: the limit bounds the output, not the buffer.
            let status = libdeflate_gzip_decompress_ex(decompressor, inBase + consumed, input.count - consumed,
                                                       buffer! + produced, min(capacity, limit) - produced, &inUsed, &outUsed)
            switch status {
            case LIBDEFLATE_SUCCESS:
                consumed += inUsed
                produced += outUsed
            case LIBDEFLATE_INSUFFICIENT_SPACE:
                guard capacity < limit else { throw Failure.tooLarge(limit) }
                let larger = capacity > limit / 2 ? limit : capacity * 2
                guard let grown = realloc(buffer, larger) else { throw Failure.tooLarge(larger) }
                buffer = grown
                capacity = larger
            default:
                throw Failure.corrupt(consumed == 0 ? "invalid or truncated gzip data" : "invalid data after gzip member at byte \(consumed)")
            }
        }
        return produced
    }
}

/// A libdeflate decompressor and an output buffer kept from one ``Gzip/inflateWhole(_:limit:into:)`` to the next,
/// for one worker that inflates many files in turn. Not shared between threads: each worker makes its own.
public final class InflateWorkspace {
    let decompressor: OpaquePointer
    var base: UnsafeMutableRawPointer?
    var capacity = 0
    /// Largest buffer kept between files; a larger one (a rare large file) is released after use by ``trim()``.
    public static let keptBytes = 16 * 1024 * 1024

    /// - Throws: ``Gzip/Failure/corrupt(_:)`` when libdeflate cannot allocate its decompressor.
    public init() throws {
        guard let d = libdeflate_alloc_decompressor() else { throw Gzip.Failure.corrupt("libdeflate could not start") }
        decompressor = d
    }

    deinit {
        free(base)
        libdeflate_free_decompressor(decompressor)
    }

    /// Releases the buffer when it grew past ``keptBytes``, so one large file does not hold memory for the rest.
    public func trim() {
        if capacity > Self.keptBytes {
            free(base)
            base = nil
            capacity = 0
        }
    }
}

/// Bytes inflated by ``Gzip/inflateWhole(_:limit:)``: one `malloc`'d buffer, owned, freed when the value goes away.
/// Not a `Data`, so the hot path makes no copy; read it inside ``withBytes(_:)``.
public final class InflatedBytes {
    private let base: UnsafeMutableRawPointer?
    /// Number of inflated bytes.
    public let count: Int

    init(base: UnsafeMutableRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { free(base) }

    /// Calls `body` with the inflated bytes; the pointer is valid only during the call.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}
