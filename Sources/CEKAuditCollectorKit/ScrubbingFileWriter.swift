import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written in pieces as they are produced, scrubbed of a run's credentials on the way
/// (``CredentialScrubber/scrub(_:)-(Data)`` applied across piece boundaries), and put in place atomically: the bytes go
/// to a new file beside the destination, which ``finish()`` renames over it (POSIX `rename(2)`), so a reader never
/// sees a half-written report and an earlier report stays until the new one is whole.
///
/// Lets a reporter stream a 20 MB `report.json` to disk in pieces of 256 KiB instead of holding the whole file in
/// memory (issue 16: peak RSS of a 10,000-key live run). The output is byte for byte what scrubbing the concatenated
/// pieces and writing them at once gives: positions whose match could reach into bytes not yet written are held back
/// until they have arrived (at most ``PatternTable/maximumSpan`` bytes).
///
/// Not thread-safe: one writer per file, used from one task. A writer dropped without ``finish()`` removes its
/// partial file.
public final class ScrubbingFileWriter {
    /// Where the file goes once finished.
    public let path: String
    /// The partial file beside `path`.
    private let partial: String
    private var fd: Int32
    private let table: PatternTable
    /// Input not yet scanned: the tail a match might still span.
    private var carry: [UInt8] = []
    /// Output waiting for one `write(2)`.
    private var pending = Data()
    /// Bytes written to the file so far.
    public private(set) var bytesWritten = 0
    /// Whether any credential was replaced.
    public private(set) var scrubbedAny = false

    /// Output is written to the file once this much has gathered.
    private static let writeSize = 1 << 18

    /// Opens a new partial file beside `path` (`.<name>.partial-<pid>`, created exclusively, mode 0666 less the umask, as other files are).
    /// - Parameters:
    ///   - path: the file to write; replaced by ``finish()``, untouched until then.
    ///   - scrubber: the run's credentials; its table is taken now (credentials registered later do not apply).
    /// - Throws: `POSIXError` with the reason (`EACCES`, `ENOSPC` …) when the partial file cannot be created.
    public init(path: String, scrubber: CredentialScrubber) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
        unlink(partial)
        fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw Self.failure(path, errno) }
        table = scrubber.snapshot
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(partial)
        }
    }

    /// Appends `bytes` (scrubbed; possibly held back until later bytes arrive).
    /// - Throws: `POSIXError` when the file cannot be written (`ENOSPC`: a full disk); the partial file is
    ///   removed by ``finish()``'s caller dropping the writer.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw Self.failure(path, EBADF) }
        if table.isEmpty {
            pending.append(contentsOf: bytes)
        } else {
            carry.append(contentsOf: bytes)
            // A match starting before `limit` ends inside the carry; later positions wait for more bytes.
            let limit = carry.count - table.maximumSpan
            if limit > 0 { scan(limit: limit) }
        }
        if pending.count >= Self.writeSize { try flushPending() }
    }

    /// Appends `data`. See ``write(_:)-(UnsafeRawBufferPointer)``.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Scrubs and writes what is held back, closes the file and renames it to ``path``.
    /// - Returns: the file's size in bytes.
    /// - Throws: `POSIXError` when a write, the close or the rename fails.
    @discardableResult
    public func finish() throws -> Int {
        guard fd >= 0 else { throw Self.failure(path, EBADF) }
        if !carry.isEmpty { scan(limit: carry.count) }
        try flushPending()
        let status = close(fd)
        fd = -1
        guard status == 0 else { let e = errno; unlink(partial); throw Self.failure(path, e) }
        guard rename(partial, path) == 0 else { let e = errno; unlink(partial); throw Self.failure(path, e) }
        return bytesWritten
    }

    private func scan(limit: Int) {
        let (resume, matched) = carry.withUnsafeBytes { table.scan($0, limit: limit, into: &pending) }
        scrubbedAny = scrubbedAny || matched
        carry.removeFirst(resume)
    }

    private func flushPending() throws {
        try pending.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            var done = 0
            while done < b.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                #else
                let n = Darwin.write(fd, b.baseAddress! + done, b.count - done)
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure(path, errno)
                }
                done += n
            }
        }
        bytesWritten += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    private static func failure(_ path: String, _ code: Int32) -> POSIXError {
        POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO, userInfo: [NSFilePathErrorKey: path])
    }
}
