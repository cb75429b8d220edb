import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only scratch file for the bytes of evidence items, so that a live collection holding tens of thousands
/// of API answers keeps only their places in memory (issue 16: 60,000 answers at 10,000 AWS KMS keys).
///
/// The file is created with `mkstemp` in `directory` and unlinked at once: it has no name while the run uses it, is
/// read back through the open descriptor, and disappears with the last ``SpilledPayload`` that refers to it (or with
/// the process, crash included). Appends and reads may come from any task; each append is one `pwrite` at the end
/// of the file, under a lock, so a failed write is reported to the caller of that append and never to a later one.
public final class PayloadSpillFile: @unchecked Sendable {
    // @unchecked: `end` is only read and changed under `lock`; `descriptor` is set once and closed in deinit.

    /// Why the file could not be created, written or read back, with the system's words (`strerror`).
    public enum Failure: Error, LocalizedError, Equatable {
        case cannotCreate(directory: String, reason: String)
        case cannotWrite(reason: String)
        case cannotRead(offset: Int, length: Int, reason: String)

        public var errorDescription: String? {
            switch self {
            case let .cannotCreate(directory, reason): return "cannot create a scratch file for evidence bytes in \(directory): \(reason)"
            case let .cannotWrite(reason): return "cannot write evidence bytes to the scratch file: \(reason)"
            case let .cannotRead(offset, length, reason):
                return "cannot read \(length) evidence bytes back from the scratch file at offset \(offset): \(reason)"
            }
        }
    }

    private let descriptor: Int32
    private let lock = NSLock()
    private var end = 0
    private var failed = false
    /// The folder the (unlinked) file was created in, for messages.
    public let directory: String

    /// Creates an empty, already unlinked scratch file in `directory` (default: the system's temporary folder,
    /// `TMPDIR` or `/tmp`).
    /// - Throws: ``Failure/cannotCreate(directory:reason:)``.
    public init(directory: String = NSTemporaryDirectory()) throws {
        self.directory = directory
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
        template += Array("cek-audit-evidence-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure.cannotCreate(directory: directory, reason: String(cString: strerror(errno))) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    /// A spill file over a descriptor opened elsewhere, which it then owns and closes (tests: `/dev/full` fails
    /// every write with `ENOSPC`, as a full disk does).
    init(descriptor: Int32, directory: String) {
        self.descriptor = descriptor
        self.directory = directory
    }

    deinit { close(descriptor) }

    /// Bytes appended so far.
    public var size: Int { lock.withLock { end } }

    /// Appends `data` and returns where it is.
    /// - Throws: ``Failure/cannotWrite(reason:)`` (a full disk, an I/O error); the file is then unchanged for later
    ///   appends (they go to the same offset).
    public func append(_ data: Data) throws -> SpilledPayload {
        try lock.withLock {
            let offset = end
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var done = 0
                while done < raw.count {
                    let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw Failure.cannotWrite(reason: String(cString: strerror(errno)))
                    }
                    if n == 0 { throw Failure.cannotWrite(reason: "the file system accepted no bytes") }
                    done += n
                }
            }
            end += data.count
            return SpilledPayload(file: self, offset: offset, length: data.count)
        }
    }

    /// The bytes at `offset` (`length` of them), read back.
    /// - Throws: ``Failure/cannotRead(offset:length:reason:)`` on an I/O error or when the file is shorter.
    func read(offset: Int, length: Int) throws -> Data {
        var data = Data(count: length)
        try data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
            var done = 0
            while done < length {
                let n = pread(descriptor, raw.baseAddress! + done, length - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure.cannotRead(offset: offset, length: length, reason: String(cString: strerror(errno)))
                }
                if n == 0 { throw Failure.cannotRead(offset: offset, length: length, reason: "the file ends after \(offset + done) bytes") }
                done += n
            }
        }
        return data
    }

    /// Records that an append failed; `true` only the first time, so a collector reports the fallback once.
    public func noteFailure() -> Bool {
        lock.withLock {
            defer { failed = true }
            return !failed
        }
    }
}

/// Where one evidence item's bytes are in a ``PayloadSpillFile``: the file (kept open as long as this value lives),
/// the byte offset and the length. Equal when they name the same bytes of the same file.
public struct SpilledPayload: Sendable, Hashable {
    public let file: PayloadSpillFile
    /// Byte offset in the file.
    public let offset: Int
    /// Length in bytes.
    public let length: Int

    /// The bytes, read back from the file.
    /// - Throws: ``PayloadSpillFile/Failure/cannotRead(offset:length:reason:)``.
    public func read() throws -> Data { try file.read(offset: offset, length: length) }

    public static func == (a: SpilledPayload, b: SpilledPayload) -> Bool {
        a.file === b.file && a.offset == b.offset && a.length == b.length
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(file))
        hasher.combine(offset)
        hasher.combine(length)
    }
}
