import CEKDeflate
import CEKZlib
import Foundation

/// gzip decompression (RFC 1952). ``inflateWhole(_:limit:)`` inflates a whole file in one call through libdeflate
/// (about twice zlib's speed); ``inflate(_:limit:truncate:)`` and ``head(_:count:)`` stream through the system zlib
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
    public static func head(_ data: Data, count: Int) throws -> Data {
        try inflate(data, limit: count, truncate: true)
    }

    /// Inflates `data`.
    /// - Parameters:
    ///   - limit: refuse output larger than this many bytes (a decompression bomb guard).
    ///   - truncate: stop at `limit` and return what was inflated instead of throwing.
    /// - Throws: ``Failure``.
    public static func inflate(_ data: Data, limit: Int = 2 * 1024 * 1024 * 1024, truncate: Bool = false) throws -> Data {
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
                if output.count > limit {
                    if truncate { output.removeSubrange(limit...); return }
                    throw Failure.tooLarge(limit)
                }
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
        guard let inBase = input.baseAddress, input.count > 0 else { return InflatedBytes(base: nil, count: 0) }
        guard let decompressor = libdeflate_alloc_decompressor() else { throw Failure.corrupt("libdeflate could not start") }
        defer { libdeflate_free_decompressor(decompressor) }
        let ceiling = input.count > Int.max / 1032 ? limit : min(limit, input.count * 1032)
        var capacity = input.count * 4
        if input.count >= 18 {
            let isize = Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self)))
            if isize >= input.count / 2 { capacity = isize }
        }
        capacity = max(256, min(capacity, ceiling))
        guard var out = malloc(capacity) else { throw Failure.tooLarge(capacity) }
        var produced = 0, consumed = 0
        do {
            while consumed < input.count {
                var inUsed = 0, outUsed = 0
                let status = libdeflate_gzip_decompress_ex(decompressor, inBase + consumed, input.count - consumed,
                                                           out + produced, capacity - produced, &inUsed, &outUsed)
                switch status {
                case LIBDEFLATE_SUCCESS:
                    consumed += inUsed
                    produced += outUsed
                case LIBDEFLATE_INSUFFICIENT_SPACE:
                    guard capacity < limit else { throw Failure.tooLarge(limit) }
                    capacity = capacity > limit / 2 ? limit : capacity * 2
                    guard let grown = realloc(out, capacity) else { throw Failure.tooLarge(capacity) }
                    out = grown
                default:
                    throw Failure.corrupt(consumed == 0 ? "invalid or truncated gzip data" : "invalid data after gzip member at byte \(consumed)")
                }
            }
        } catch {
            free(out)
            throw error
        }
        return InflatedBytes(base: out, count: produced)
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
