@testable import CEKAuditOpenBao
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Testing

/// The chunked line reader of the OpenBao audit-log collector: whole lines handed out in place, whatever the refill
/// size — lines cut across refills, CRLF, a last line without newline, lines longer than the buffer (kept) and longer
/// than the limit (skipped as too long, with their exact length) — and the SHA-256 of every byte read.
struct AuditLogChunkReaderTests {
    /// A line as the collector sees it: its text (`\r` before the `\n` dropped), or the length of a too-long line.
    enum Seen: Equatable, CustomStringConvertible {
        case text(String)
        case tooLong(Int)
        var description: String {
            switch self {
            case .text(let t): return "text(\(t.count) bytes: \(t.prefix(20)))"
            case .tooLong(let n): return "tooLong(\(n))"
            }
        }
    }

    static func temp(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-chunk-\(UUID().uuidString).log")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Every line of `path` read with refills of `chunk` bytes, and the digest.
    static func lines(_ path: String, chunk: Int, max: Int = 1 << 20) throws -> ([Seen], String, Int) {
        let reader = try AuditLogChunkReader(path: path, chunkSize: chunk, maxLineLength: max)
        var seen: [Seen] = []
        while let piece = try reader.next() {
            switch piece {
            case .tooLong(let n): seen.append(.tooLong(n))
            case .lines(let run, _):
                // Whole lines only: a run ends just after a newline, or at the end of the file.
                var text = Array(run)
                var start = 0
                while start < text.count {
                    let nl = text[start...].firstIndex(of: 0x0A) ?? text.count
                    var end = nl
                    if end > start, text[end - 1] == 0x0D { end -= 1 }
                    seen.append(.text(String(decoding: text[start..<end], as: UTF8.self)))
                    start = nl + 1
                }
                text.removeAll()
            }
        }
        return (seen, reader.finishDigest(), reader.size)
    }

    /// The digest of the same file by ``LineReader`` (the reader this one replaced for audit logs).
    static func lineReaderDigest(_ path: String) throws -> String {
        var r = try LineReader(path: path)
        while try r.next() != nil {}
        return r.finishDigest()
    }

    @Test func linesCutAcrossRefillsCRLFAndALastLineWithoutNewline() throws {
        let text = "first line\r\nsecond\n\n  \t\nthird, the longest line of them all\r\nlast without newline"
        let path = try Self.temp(Array(text.utf8))
        let expected: [Seen] = [.text("first line"), .text("second"), .text(""), .text("  \t"),
                                .text("third, the longest line of them all"), .text("last without newline")]
        let digest = try Self.lineReaderDigest(path)
        for chunk in [1, 2, 3, 5, 7, 11, 64, 4 << 20] {
            let (seen, d, size) = try Self.lines(path, chunk: chunk)
            #expect(seen == expected, "chunk \(chunk)")
            #expect(d == digest, "chunk \(chunk)")
            #expect(size == text.utf8.count)
        }
        // A file ending in a newline has no empty last line; an empty file has no line.
        let ended = try Self.temp(Array("a\nb\n".utf8))
        #expect(try Self.lines(ended, chunk: 3).0 == [.text("a"), .text("b")])
        let empty = try Self.temp([])
        let (none, emptyDigest, _) = try Self.lines(empty, chunk: 4)
        #expect(none.isEmpty)
        #expect(emptyDigest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func aLineLongerThanTheBufferIsKeptAndOneLongerThanTheLimitIsSkipped() throws {
        let long = String(repeating: "x", count: 100)      // longer than the 8-byte buffer, within the limit
        let tooLong = String(repeating: "y", count: 300)   // past the 200-byte limit
        let limit = String(repeating: "z", count: 200)     // exactly the limit: kept
        let text = "a\n\(long)\n\(tooLong)\r\nb\n\(limit)\n\(tooLong)"
        let path = try Self.temp(Array(text.utf8))
        let digest = try Self.lineReaderDigest(path)
        for chunk in [1, 8, 13, 64, 1000] {
            let (seen, d, _) = try Self.lines(path, chunk: chunk, max: 200)
            // The too-long line's length counts its `\r` (the line is not read), like LineReader's.
            #expect(seen == [.text("a"), .text(long), .tooLong(301), .text("b"), .text(limit), .tooLong(300)], "chunk \(chunk)")
            #expect(d == digest, "chunk \(chunk)")
        }
    }

    /// Read-ahead: a run stays as it was while the next one is read into the other buffer (the collector decodes one
    /// run while reading the next), and hashing on another thread up to each run's `readUpTo` while the reader goes on
    /// gives the digest of the file — lines cut across refills, CRLF, a last line without newline, a line longer
    /// than the chunk, prefixed lines as in the corpus case, a too-long line between runs.
    @Test func aRunStaysValidWhileTheNextIsReadAndHashingOnAnotherThreadKeepsFileOrder() throws {
        var text = ""
        for n in 0..<400 {
            switch n % 9 {
            case 2: text += "**prod-eu**{\"n\":\(n)}\r\n"
            case 5: text += String(repeating: "L", count: 40 + n) + "\n"   // longer than the smaller chunks
            case 7: text += String(repeating: "T", count: 700) + "\n"      // past the limit: too long
            default: text += "{\"line\":\(n)}\n"
            }
        }
        text += "last without newline"
        let path = try Self.temp(Array(text.utf8))
        let digest = try Self.lineReaderDigest(path)
        let (expected, _, _) = try Self.lines(path, chunk: 1 << 20, max: 600)
        for chunk in [3, 16, 61, 256, 1000] {
            let reader = try AuditLogChunkReader(path: path, chunkSize: chunk, maxLineLength: 600)
            var seen: [Seen] = []
            var previous: (run: UnsafeRawBufferPointer, copy: [UInt8])?
            let queue = DispatchQueue(label: "hash")
            let group = DispatchGroup()
            func split(_ bytes: [UInt8]) {
                var start = 0
                while start < bytes.count {
                    let nl = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                    var end = nl
                    if end > start, bytes[end - 1] == 0x0D { end -= 1 }
                    seen.append(.text(String(decoding: bytes[start..<end], as: UTF8.self)))
                    start = nl + 1
                }
            }
            while let piece = try reader.next() {
                // The run handed out before this call is intact (the reader filled the other buffer meanwhile).
                if let p = previous {
                    #expect(Array(p.run) == p.copy, "chunk \(chunk)")
                    split(p.copy)
                    previous = nil
                }
                switch piece {
                case .tooLong(let n): seen.append(.tooLong(n))
                case .lines(let run, let readUpTo):
                    previous = (run, Array(run))
                    // Hashed on another thread while the reader goes on (as the collector's decoding task does).
                    let box = ReaderBox(reader: reader)
                    queue.async(group: group) { box.reader.hash(upTo: readUpTo) }
                }
            }
            if let p = previous { split(p.copy) }
            group.wait()
            #expect(seen == expected, "chunk \(chunk)")
            #expect(seen.contains(.tooLong(700)) && seen.contains(.text("**prod-eu**{\"n\":2}")) && seen.last == .text("last without newline"))
            #expect(reader.finishDigest() == digest, "chunk \(chunk)")
        }
    }

    /// The reader handed to the hashing thread (it only calls ``AuditLogChunkReader/hash(upTo:)``, which locks).
    struct ReaderBox: @unchecked Sendable {
        let reader: AuditLogChunkReader
    }

    @Test func aFolderOrAMissingFileIsRefused() throws {
        #expect(throws: (any Error).self) { try AuditLogChunkReader(path: FileManager.default.temporaryDirectory.path) }
        #expect(throws: (any Error).self) { try AuditLogChunkReader(path: "/nonexistent/cek-audit/audit.log") }
    }

    /// The collector gives the same facts and diagnostics (line numbers included) whatever the refill size and the
    /// number of workers: shares and refills cut lines anywhere, the tally still sees them in file order.
    @Test func collectorFactsDoNotDependOnRefillSizeOrWorkers() throws {
        var lines: [String] = []
        for n in 0..<3_000 {
            switch n % 53 {
            case 7: lines.append("{\"time\": truncated")
            case 19: lines.append("**edge**" + OpenBaoAuditLogCollectorTests.line("request", id: "p\(n)", op: "update", path: "decrypt/k\(n % 3)"))
            case 23: lines.append(" \t ")
            case 31:
                lines.append(OpenBaoAuditLogCollectorTests.line("request", id: "c\(n)", op: "update", path: "keys/k\(n % 3)/config",
                                                                  data: #"{"deletion_allowed":true,"auto_rotate_period":"24h","plaintext":"hmac-sha256:aa"}"#))
            default:
                lines.append(OpenBaoAuditLogCollectorTests.line("request", id: "r\(n)", op: "update", path: "encrypt/k\(n % 3)",
                                                                  display: n % 5 == 0 ? nil : "svc\(n % 4)"))
                lines.append(OpenBaoAuditLogCollectorTests.line("response", id: "r\(n)", op: "update", path: "encrypt/k\(n % 3)",
                                                                  error: n % 11 == 0 ? "1 error occurred:\\n\\t* boom\\n\\n" : nil))
            }
        }
        lines.insert(String(repeating: "q", count: 5_000), at: 1_000)
        let path = try OpenBaoAuditLogCollectorTests.temp(lines.joined(separator: "\r\n"))
        func run(chunk: Int, workers: Int) -> FactSet {
            var c = OpenBaoAuditLogCollector()
            c.chunkSize = chunk
            c.workers = workers
            return c.collect(files: [.init(path: path, locator: "audit.log")], label: "audit.log", context: CollectionContext(now: Fixtures.now))
        }
        let reference = run(chunk: 4 << 20, workers: 1)
        let log = try #require(reference.resources(of: .logSource).first)
        #expect(log["parse_errors"] == .int(3_000 / 53 + 1 + 1))
        #expect(reference.resources(of: .keyUsage).count == 3)
        #expect(reference.resource(.keyUsage, named: "transit/keys/k1")?["settings"] != nil)
        for (chunk, workers) in [(97, 1), (97, 2), (1_000, 4), (64 << 10, 2), (4 << 20, 2)] {
            let other = run(chunk: chunk, workers: workers)
            #expect(other.resources == reference.resources, "chunk \(chunk), workers \(workers)")
            #expect(other.diagnostics == reference.diagnostics, "chunk \(chunk), workers \(workers)")
            #expect(other.evidence.map(\.sha256) == reference.evidence.map(\.sha256))
        }
    }
}
