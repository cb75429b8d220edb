import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file as runs of whole lines into two reused buffers in turn (POSIX `open` / `read`), hashing every byte
/// once (SHA-256, FIPS 180-4), so a log of any size is read in bounded memory: two chunks, or the longest line kept
/// (``maxLineLength``) when that is larger.
///
/// Each ``next()`` hands out the bytes of the next whole lines in place (no copy, no array per line): a run that ends
/// just after a `\n`, or, at the end of the file, the rest (a last line without newline). The caller splits the run
/// at `\n` itself. A run stays valid until the second ``next()`` after the one that handed it out, so the caller can
/// decode one run while the next is read (the bytes of an unfinished line move to the other buffer). A line longer
/// than ``maxLineLength`` bytes (its `\n` not counted) is not kept: it comes as ``Piece/tooLong(length:)`` and is
/// skipped up to its newline. Whether a line is too long does not depend on where chunks end.
///
/// Hashing: ``hash(upTo:)`` takes the bytes read up to a file offset, in file order, under a lock, so it can run on
/// the thread decoding the run while ``next()`` reads the following one; whatever was not hashed yet is hashed
/// before a buffer is reused or bytes are skipped. Not shared between threads otherwise.
final class AuditLogChunkReader {
    /// What ``next()`` hands out.
    enum Piece {
        /// Whole lines, each ended by `\n` except (at the end of the file) the last, and the file offset just past
        /// the bytes read so far (for ``hash(upTo:)``); valid until the second ``next()`` after this one.
        case lines(UnsafeRawBufferPointer, readUpTo: Int)
        /// One line of `length` bytes longer than ``maxLineLength``, skipped.
        case tooLong(length: Int)
    }

    /// Bytes read per refill (4 MiB): large enough that a batch keeps both cores busy, small enough for the cache.
    static let defaultChunkSize = 4 << 20
    /// Longest line kept (16 MiB): an audit record with a large batch request still fits.
    let maxLineLength: Int
    /// Bytes read so far.
    private(set) var size = 0

    /// One of the two buffers: where its bytes sit in the file.
    private struct Buffer {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        /// File offset of the buffer's first byte.
        var offset = 0
        var filled = 0
    }

    private let fd: Int32
    /// The two buffers; their bookkeeping is changed under `hashLock` only (``hash(upTo:)`` reads it on another thread).
    private let buffers: UnsafeMutablePointer<Buffer>
    /// The buffer read last (the one the last run came from).
    private var current = 0
    /// Bytes at the start of the current buffer handed out by the last ``next()``.
    private var consumed = 0
    private var started = false
    private var eof = false
    private var skipping = false
    private var skipped = 0
    private let chunk: Int
    private var closed = false
    private let hashLock = NSLock()
    /// Guarded by `hashLock`.
    private var hasher = SHA256()
    /// Guarded by `hashLock`: file offset up to which every byte is hashed.
    private var hashed = 0

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
        chunk = max(1, min(chunkSize, maxLineLength + 1))
        guard let b0 = malloc(chunk), let b1 = malloc(chunk) else {
            close(fd)
            throw POSIXError(.ENOMEM)
        }
        buffers = .allocate(capacity: 2)
        buffers.initialize(to: Buffer(base: b0, capacity: chunk))
        (buffers + 1).initialize(to: Buffer(base: b1, capacity: chunk))
    }

    deinit {
        if !closed { close(fd) }
        free(buffers[0].base)
        free(buffers[1].base)
        buffers.deinitialize(count: 2)
        buffers.deallocate()
    }

    /// Hashes the bytes read up to file offset `end` that are not hashed yet, in file order. Safe to run on another
    /// thread while ``next()`` runs, for an `end` no further than the last run handed out had read (its `readUpTo`).
    /// Takes the lock per slice of ``hashSlice`` bytes, so that ``next()`` reads beside a long hash instead of waiting
    /// for all of it; each slice starts where the one before ended, whichever thread hashed it.
    func hash(upTo end: Int) {
        while hashSlice(upTo: end) {}
    }

    /// Bytes hashed under one hold of the lock (1 MiB: about half a millisecond with SHA-NI).
    static let hashSlice = 1 << 20

    /// Hashes the next slice of the bytes up to `end`; false when there is none (all hashed, or not read yet).
    private func hashSlice(upTo end: Int) -> Bool {
        hashLock.lock()
        defer { hashLock.unlock() }
        guard hashed < end else { return false }
        // The older buffer first: the bytes of an unfinished line sit in both, at the same file offsets.
        for index in [1 - current, current] {
            let b = buffers[index]
            let lo = Swift.max(hashed, b.offset), hi = Swift.min(end, b.offset + b.filled, lo + Self.hashSlice)
            guard lo < hi, lo == hashed else { continue }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: b.base + (lo - b.offset), count: hi - lo))
            hashed = hi
            return true
        }
        return false
    }

    /// The SHA-256 of everything read, lowercase hex; closes the file. Call after the last ``next()``.
    func finishDigest() -> String {
        hash(upTo: size)
        if !closed { close(fd); closed = true }
        hashLock.lock()
        defer { hashLock.unlock() }
        return LowerHex.encode(hasher.finalize())
    }

    /// The next run of whole lines or the next too-long line, or `nil` at the end of the file.
    /// - Throws: `POSIXError` when `read(2)` fails.
    func next() throws -> Piece? {
        if started {
            // Move to the other buffer (free since the caller is done with the run before last): hash it first, then
            // carry the bytes after the last run over.
            let old = current, other = 1 - current
            hash(upTo: buffers[other].offset + buffers[other].filled)
            let rest = buffers[old].filled - consumed
            hashLock.lock()
            defer { hashLock.unlock() }
            if rest + 1 > buffers[other].capacity { try grow(other, to: Swift.min(Swift.max(rest + 1, chunk), maxLineLength + 1)) }
            if rest > 0 { memcpy(buffers[other].base, buffers[old].base + consumed, rest) }
            buffers[other].offset = buffers[old].offset + consumed
            buffers[other].filled = rest
            current = other
            consumed = 0
        }
        started = true
        while true {
            if !eof, buffers[current].filled < buffers[current].capacity { try fill() }
            let b = buffers[current]
            if skipping {
                if let nl = memchr(b.base, 0x0A, b.filled) {
                    let n = b.base.distance(to: nl)
                    consumed = n + 1
                    skipping = false
                    defer { skipped = 0 }
                    return .tooLong(length: skipped + n)
                }
                discardCurrent()
                if eof {
                    skipping = false
                    defer { skipped = 0 }
                    return .tooLong(length: skipped)
                }
                continue
            }
            if b.filled == 0 { return nil }   // only at the end of the file: fill() reads until full or EOF
            if let last = Self.lastNewline(b.base, b.filled) {
                consumed = last + 1
                return .lines(UnsafeRawBufferPointer(start: b.base, count: consumed), readUpTo: b.offset + b.filled)
            }
            if eof {
                consumed = b.filled
                return .lines(UnsafeRawBufferPointer(start: b.base, count: b.filled), readUpTo: b.offset + b.filled)
            }
            // A full buffer without a newline: one line longer than the buffer.
            if b.capacity > maxLineLength {
                skipping = true   // at least maxLineLength + 1 bytes: too long
                continue
            }
            hashLock.lock()
            defer { hashLock.unlock() }
            try grow(current, to: Swift.min(b.capacity * 2, maxLineLength + 1))
        }
    }

    /// The offset of the last `\n` in the first `count` bytes at `base` (lines are short: a backward scan stops soon).
    private static func lastNewline(_ base: UnsafeMutableRawPointer, _ count: Int) -> Int? {
        var k = count - 1
        while k >= 0 {
            if base.load(fromByteOffset: k, as: UInt8.self) == 0x0A { return k }
            k -= 1
        }
        return nil
    }

    /// Drops the bytes of the current buffer (a too-long line's), hashed first.
    private func discardCurrent() {
        let b = buffers[current]
        hash(upTo: b.offset + b.filled)
        skipped += b.filled
        hashLock.lock()
        buffers[current].offset += b.filled
        buffers[current].filled = 0
        hashLock.unlock()
    }

    /// Makes buffer `index` hold `capacity` bytes, its bytes kept; the caller holds `hashLock`.
    private func grow(_ index: Int, to capacity: Int) throws {
        guard capacity > buffers[index].capacity else { return }
        guard let b = realloc(buffers[index].base, capacity) else { throw POSIXError(.ENOMEM) }
        buffers[index].base = b
        buffers[index].capacity = capacity
    }

    /// Reads into the current buffer until it is full or the file ends.
    private func fill() throws {
        while buffers[current].filled < buffers[current].capacity {
            let b = buffers[current]
            let n = read(fd, b.base + b.filled, b.capacity - b.filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 {
                eof = true
                return
            }
            hashLock.lock()
            buffers[current].filled += n
            hashLock.unlock()
            size += n
        }
    }
}
