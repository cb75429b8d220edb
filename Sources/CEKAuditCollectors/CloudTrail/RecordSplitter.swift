import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Splits a CloudTrail log file (`{"Records": [ {...}, {...} ]}`) into the byte ranges of its records without
/// building a tree, so that records of other services can be counted and skipped cheaply and only KMS records are
/// decoded. Validates the structure it walks (strings, nesting, separators between records); a malformed record
/// of interest is caught when it is decoded.
///
/// Grammar: RFC 8259. Shape: AWS CloudTrail User Guide, "CloudTrail log file examples" and "digest file structure".
struct RecordSplitter {
    enum Shape {
        /// A log file: the records' byte ranges.
        case records([Range<Int>])
        /// A digest file (`digestStartTime` / `logFiles`, no `Records`).
        case digest
        /// A single event record (as some pipelines deliver them).
        case singleEvent
        /// Valid JSON of another shape.
        case other
    }

    struct Failure: Error {
        var offset: Int
        var message: String
    }

    private let b: UnsafeRawBufferPointer
    private let n: Int
    private var i = 0

    private init(_ b: UnsafeRawBufferPointer) {
        self.b = b
        self.n = b.count
    }

    /// Splits a whole file.
    /// - Throws: ``Failure`` with the byte offset of the first structural error.
    static func split(_ b: UnsafeRawBufferPointer) throws -> Shape {
        var s = RecordSplitter(b)
        return try s.file()
    }

    @inline(__always) private func byte(_ k: Int) -> UInt8 { b.load(fromByteOffset: k, as: UInt8.self) }

    private func fail(_ m: String) -> Failure { Failure(offset: i, message: m) }

    @inline(__always) private mutating func ws() {
        while i < n {
            let c = byte(i)
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    /// Skips a string starting at `"`; returns the range of its contents.
    private mutating func string() throws -> Range<Int> {
        guard i < n, byte(i) == 0x22 else { throw fail("expected a string") }
        i += 1
        let start = i
        while i < n {
            let c = byte(i)
            if c == 0x5C { i += 2; continue }
            if c == 0x22 { let r = start..<i; i += 1; return r }
            if c < 0x20 { throw fail("control character inside a string") }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// Skips an object or array, honouring strings.
    private mutating func composite() throws {
        var depth = 0
        while i < n {
            let c = byte(i)
            switch c {
            case 0x22:
                _ = try string()
                continue
            case 0x7B, 0x5B:
                depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 { i += 1; return }
            default:
                break
            }
            i += 1
        }
        throw fail("unclosed object or array")
    }

    /// Skips any value.
    private mutating func value() throws {
        ws()
        guard i < n else { throw fail("unexpected end of file") }
        switch byte(i) {
        case 0x22: _ = try string()
        case 0x7B, 0x5B: try composite()
        default:
            let start = i
            while i < n {
                let c = byte(i)
                if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                i += 1
            }
            if i == start { throw fail("expected a value") }
        }
    }

    private func equals(_ r: Range<Int>, _ s: StaticString) -> Bool {
        guard r.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<r.count where byte(r.lowerBound + k) != p[k] { return false }
        return true
    }

    private mutating func file() throws -> Shape {
        if n >= 3, byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF { i = 3 }
        ws()
        guard i < n, byte(i) == 0x7B else { throw fail("a CloudTrail file is a JSON object") }
        i += 1
        var records: [Range<Int>]?
        var digest = false, single = false
        ws()
        if i < n, byte(i) == 0x7D { return .other }
        while true {
            ws()
            let key = try string()
            ws()
            guard i < n, byte(i) == 0x3A else { throw fail("expected ':' after a key") }
            i += 1
            ws()
            if equals(key, "Records"), i < n, byte(i) == 0x5B {
                i += 1
                var ranges: [Range<Int>] = []
                ws()
                if i < n, byte(i) == 0x5D { i += 1 } else {
                    while true {
                        ws()
                        guard i < n, byte(i) == 0x7B else { throw fail("expected a record object") }
                        let start = i
                        try composite()
                        ranges.append(start..<i)
                        ws()
                        guard i < n else { throw fail("unexpected end of file inside Records") }
                        let c = byte(i)
                        if c == 0x2C { i += 1; continue }
                        if c == 0x5D { i += 1; break }
                        throw fail("expected ',' or ']' between records")
                    }
                }
                records = ranges
            } else {
                if equals(key, "digestStartTime") || equals(key, "logFiles") { digest = true }
                if equals(key, "eventSource") || equals(key, "eventVersion") { single = true }
                try value()
            }
            ws()
            guard i < n else { throw fail("unexpected end of file") }
            let c = byte(i)
            if c == 0x2C { i += 1; continue }
            if c == 0x7D { i += 1; break }
            throw fail("expected ',' or '}' after a member")
        }
        ws()
        if i < n { throw fail("unexpected data after the JSON object") }
        if let records { return .records(records) }
        if digest { return .digest }
        if single { return .singleEvent }
        return .other
    }

    /// 1-based line and column of a byte offset.
    static func position(_ b: UnsafeRawBufferPointer, _ offset: Int) -> (Int, Int) {
        var line = 1, col = 1
        for k in 0..<min(offset, b.count) {
            if b[k] == 0x0A { line += 1; col = 1 } else { col += 1 }
        }
        return (line, col)
    }

    /// Whether `needle` occurs in `range` of `b` (memchr for the first byte, then memcmp).
    static func contains(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ needle: [UInt8]) -> Bool {
        guard let base = b.baseAddress, let first = needle.first, range.count >= needle.count else { return false }
        return needle.withUnsafeBytes { nb -> Bool in
            guard let nbase = nb.baseAddress else { return false }
            var p = base + range.lowerBound
            let last = base + range.upperBound - needle.count
            while p <= last {
                guard let hit = memchr(p, Int32(first), last - p + 1) else { return false }
                if memcmp(hit, nbase, needle.count) == 0 { return true }
                p = UnsafeRawPointer(hit) + 1
            }
            return false
        }
    }
}
