import CEKZlib
import Foundation

/// gzip decompression through the system zlib (RFC 1952 framing, `inflateInit2` with window bits 15 + 32, which
/// also accepts zlib streams). Concatenated gzip members are inflated in turn.
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
}
