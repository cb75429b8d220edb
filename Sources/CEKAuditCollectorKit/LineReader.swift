import CEKAuditCore
import Crypto
import Foundation

/// Reads a file as lines in fixed-size chunks, hashing every byte on the way (SHA-256, FIPS 180-4), so a log of any
/// size is read in bounded memory: one chunk plus the longest line kept (``maxLineLength``).
///
/// Lines end at `\n`; a trailing `\r` is dropped. A line longer than ``maxLineLength`` is reported as
/// ``Line/tooLong(length:)`` and skipped up to its newline.
public struct LineReader {
    public enum Line {
        case text([UInt8])
        case tooLong(length: Int)
    }

    static let chunkSize = 256 * 1024
    /// Longest line kept (16 MiB): an audit record with a large batch request still fits.
    let maxLineLength: Int
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var skipping = false
    private var skippedLength = 0
    private var hasher = SHA256()
    /// Bytes read so far.
    public private(set) var size = 0

    /// Opens `path`.
    /// - Throws: when the file cannot be opened.
    public init(path: String, maxLineLength: Int = 16 * 1024 * 1024) throws {
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        self.maxLineLength = maxLineLength
    }

    /// The SHA-256 of everything read, lowercase hex. Call after the last line.
    public mutating func finishDigest() -> String {
        try? handle.close()
        return LowerHex.encode(hasher.finalize())
    }

    /// The next line, or `nil` at the end of the file.
    /// - Throws: when reading fails.
    public mutating func next() throws -> Line? {
        while true {
            if let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let length = nl - start
                if skipping {
                    skipping = false
                    let total = skippedLength + length
                    skippedLength = 0
                    start = nl + 1
                    return .tooLong(length: total)
                }
                var end = nl
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start = nl + 1
                return .text(line)
            }
            if buffer.count - start > maxLineLength || (skipping && buffer.count > start) {
                // No newline within the limit: drop what we have and skip to the next newline.
                skippedLength += buffer.count - start
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if eof {
                if skipping {
                    skipping = false
                    defer { skippedLength = 0 }
                    return .tooLong(length: skippedLength)
                }
                guard start < buffer.count else { return nil }
                var line = Array(buffer[start...])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                start = buffer.count
                return .text(line)
            }
            let chunk = try handle.read(upToCount: LineReader.chunkSize) ?? Data()
            if chunk.isEmpty { eof = true; continue }
            hasher.update(data: chunk)
            size += chunk.count
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: chunk)
        }
    }
}
