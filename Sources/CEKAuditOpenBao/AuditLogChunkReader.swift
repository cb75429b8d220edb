import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file as runs of whole lines in one reused buffer (POSIX `open` / `read`), hashing every byte on the way
/// (SHA-256, FIPS 180-4), so a log of any size is read in bounded memory: one chunk, or the longest line kept
/// (``maxLineLength``) when that is larger.
///
/// Each ``next()`` hands out the bytes of the next whole lines in place (no copy, no array per line): a run that ends
/// just after a `\n`, or, at the end of the file, the rest (a last line without newline). The caller splits the run
/// at `\n` itself. A line longer than ``maxLineLength`` bytes (its `\n` not counted) is not kept: it comes as
/// ``Piece/tooLong(length:)`` and is skipped up to its newline. Unlike ``LineReader``, whether a line is too long does
/// not depend on where chunks end.
///
/// The hash of the bytes just read can be taken on another thread while the run is decoded (``hashPending()``); it is
/// taken anyway before the buffer is reused. Not shared between threads otherwise.
final class AuditLogChunkReader {
    /// What ``next()`` hands out.
    enum Piece {
        /// Whole lines, each ended by `\n` except (at the end of the file) the last; valid until the next ``next()``.
        case lines(UnsafeRawBufferPointer)
        /// One line of `length` bytes longer than ``maxLineLength``, skipped.
        case tooLong(length: Int)
    }

    /// Bytes read per refill (4 MiB): large enough that a batch keeps both cores busy, small enough for the cache.
    static let defaultChunkSize = 4 << 20
    /// Longest line kept (16 MiB): an audit record with a large batch request still fits.
    let maxLineLength: Int
    /// Bytes read so far.
    private(set) var size = 0

    private let fd: Int32
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var filled = 0
    /// Bytes at the start of the buffer handed out by the last ``next()``; moved out at the next one.
    private var consumed = 0
    /// Start of the bytes read but not hashed yet (they run to `filled`).
    private var unhashed = 0
    private var eof = false
    private var skipping = false
    private var skipped = 0
    private var hasher = SHA256()
    private var closed = false

    /// Opens `path` (a regular file or anything `read(2)` can read).
    /// - Parameters:
    ///   - chunkSize: bytes read per refill (tests use a few bytes to cut lines across refills).
    ///   - maxLineLength: longest line kept, in bytes without its `\n`.
    /// - Throws: `POSIXError` with the `errno` of the failed `open` (`ENOENT`, `EACCES` …) or `EISDIR` for a folder.
    init(path: String, chunkSize: Int = AuditLogChunkReader.defaultChunkSize, maxLineLength: Int = 16 * 1024 * 1024) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw POSIXError(.EISDIR)
        }
        self.fd = fd
        self.maxLineLength = maxLineLength
        // Never more than a longest line and its newline: the buffer always starts at a line's start, so a line too
        // long to keep is one whose newline does not fit in a full buffer.
        capacity = max(1, min(chunkSize, maxLineLength + 1))
        guard let b = malloc(capacity) else {
            close(fd)
            throw POSIXError(.ENOMEM)
        }
        base = b
    }

    deinit {
        if !closed { close(fd) }
        free(base)
    }

    /// Hashes the bytes read since the last call. Safe to run on another thread while the run handed out by
    /// ``next()`` is read there (it only reads the buffer); not while ``next()`` runs.
    func hashPending() {
        guard unhashed < filled else { return }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base + unhashed, count: filled - unhashed))
        unhashed = filled
    }

    /// The SHA-256 of everything read, lowercase hex; closes the file. Call after the last ``next()``.
    func finishDigest() -> String {
        hashPending()
        if !closed { close(fd); closed = true }
        return LowerHex.encode(hasher.finalize())
    }

    /// The next run of whole lines or the next too-long line, or `nil` at the end of the file.
    /// - Throws: `POSIXError` when `read(2)` fails.
    func next() throws -> Piece? {
        hashPending()
        if consumed > 0 {
            if consumed < filled { memmove(base, base + consumed, filled - consumed) }
            filled -= consumed
            unhashed = filled
            consumed = 0
        }
        while true {
            if !eof, filled < capacity { try fill() }
            if skipping {
                hashPending()
                if let nl = memchr(base, 0x0A, filled) {
                    let n = base.distance(to: nl)
                    consumed = n + 1
                    skipping = false
                    defer { skipped = 0 }
                    return .tooLong(length: skipped + n)
                }
                skipped += filled
                filled = 0
                unhashed = 0
                if eof {
                    skipping = false
                    defer { skipped = 0 }
                    return .tooLong(length: skipped)
                }
                continue
            }
            if filled == 0 { return nil }   // only at the end of the file: fill() reads until full or EOF
            if let last = lastNewline() {
                consumed = last + 1
                return .lines(UnsafeRawBufferPointer(start: base, count: consumed))
            }
            if eof {
                consumed = filled
                return .lines(UnsafeRawBufferPointer(start: base, count: filled))
            }
            // A full buffer without a newline: one line longer than the buffer.
            if capacity > maxLineLength {
                skipping = true   // at least maxLineLength + 1 bytes: too long
                continue
            }
            let grown = Swift.min(capacity * 2, maxLineLength + 1)
            guard let b = realloc(base, grown) else { throw POSIXError(.ENOMEM) }
            base = b
            capacity = grown
        }
    }

    /// The offset of the last `\n` in the buffer (lines are short: a backward scan stops soon).
    private func lastNewline() -> Int? {
        var k = filled - 1
        while k >= 0 {
            if base.load(fromByteOffset: k, as: UInt8.self) == 0x0A { return k }
            k -= 1
        }
        return nil
    }

    /// Reads until the buffer is full or the file ends.
    private func fill() throws {
        while filled < capacity {
            let n = read(fd, base + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 {
                eof = true
                return
            }
            filled += n
            size += n
        }
    }
}
