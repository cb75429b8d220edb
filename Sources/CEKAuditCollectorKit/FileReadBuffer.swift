import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One buffer a worker reads whole files into, kept from file to file (POSIX `open`/`fstat`/`read`).
///
/// A scan of thousands of log files through a fresh memory map per file paid, on 2 cores, for the page faults of
/// every page and for the `munmap` of every map (a TLB shootdown of the other core each time): a tenth of the CPU
/// of a 1.1 GB plain-JSON trail. Reading into one reused buffer costs a copy from the page cache instead, and a file
/// that shrinks while it is read gives the bytes that were there (a map would fault with SIGBUS). Not shared between
/// threads: each worker makes its own.
public final class FileReadBuffer {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    /// Largest buffer kept between files; a larger one (a rare large file) is released after use by ``trim()``.
    public static let keptBytes = 16 * 1024 * 1024

    public init() {}

    deinit { free(base) }

    /// Reads the whole regular file at `path`.
    /// - Parameter limit: largest size read; a larger file throws `POSIXError(.EFBIG)` so that the caller can map it
    ///   instead or refuse it.
    /// - Returns: its bytes, valid until the next use of this buffer.
    /// - Throws: `POSIXError` with the `errno` of the failed call (`ENOENT`, `EACCES`, `EISDIR` …).
    public func read(_ path: String, limit: Int) throws -> UnsafeRawBufferPointer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.posix(errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.posix(errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Self.posix((st.st_mode & S_IFMT) == S_IFDIR ? EISDIR : EINVAL) }
        let size = Int(st.st_size)
        guard size <= limit else { throw POSIXError(.EFBIG) }
        // One byte more than the size, so that a file grown since `fstat` is noticed and read on.
        try reserve(size + 1)
        var filled = 0
        while true {
            if filled == capacity {
                guard capacity < limit else { throw POSIXError(.EFBIG) }
                try reserve(min(limit, capacity * 2))
            }
            let n = Glibc.read(fd, base! + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.posix(errno)
            }
            if n == 0 { break }
            filled += n
        }
        return UnsafeRawBufferPointer(start: base, count: filled)
    }

    /// Releases the buffer when it grew past ``keptBytes``, so one large file does not hold memory for the rest.
    public func trim() {
        if capacity > Self.keptBytes {
            free(base)
            base = nil
            capacity = 0
        }
    }

    private func reserve(_ bytes: Int) throws {
        guard bytes > capacity else { return }
        guard let grown = realloc(base, bytes) else { throw POSIXError(.ENOMEM) }
        base = grown
        capacity = bytes
    }

    private static func posix(_ code: Int32) -> POSIXError {
        POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}
