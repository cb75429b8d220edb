import CEKAuditCollectorKit
import CEKAuditCore
import CEKScan
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

    typealias Failure = JSONByteCursor.Failure

    private var c: JSONByteCursor

    private init(_ b: UnsafeRawBufferPointer) {
        c = JSONByteCursor(b, 0..<b.count)
    }

    /// Splits a whole file.
    /// - Throws: ``Failure`` with the byte offset of the first structural error.
    static func split(_ b: UnsafeRawBufferPointer) throws -> Shape {
        var s = RecordSplitter(b)
        return try s.file()
    }

    private mutating func file() throws -> Shape {
        if c.end >= 3, c.byte(0) == 0xEF, c.byte(1) == 0xBB, c.byte(2) == 0xBF { c.i = 3 }
        c.ws()
        guard c.current == 0x7B else { throw c.fail("a CloudTrail file is a JSON object") }
        c.i += 1
        var records: [Range<Int>]?
        var digest = false, single = false
        c.ws()
        if c.current == 0x7D { return .other }
        while true {
            c.ws()
            let (key, _) = try c.string()
            c.ws()
            guard c.current == 0x3A else { throw c.fail("expected ':' after a key") }
            c.i += 1
            c.ws()
            if c.equals(key, "Records"), c.current == 0x5B {
                c.i += 1
                var ranges: [Range<Int>] = []
                c.ws()
                if c.current == 0x5D { c.i += 1 } else {
                    while true {
                        c.ws()
                        guard c.current == 0x7B else { throw c.fail("expected a record object") }
                        let start = c.i
                        try c.composite()
                        ranges.append(start..<c.i)
                        c.ws()
                        switch c.current {
                        case 0x2C: c.i += 1; continue
                        case 0x5D: c.i += 1
                        case nil: throw c.fail("unexpected end of file inside Records")
                        default: throw c.fail("expected ',' or ']' between records")
                        }
                        break
                    }
                }
                records = ranges
            } else {
                if c.equals(key, "digestStartTime") || c.equals(key, "logFiles") { digest = true }
                if c.equals(key, "eventSource") || c.equals(key, "eventVersion") { single = true }
                try c.skipValue()
            }
            c.ws()
            switch c.current {
            case 0x2C: c.i += 1; continue
            case 0x7D: c.i += 1
            case nil: throw c.fail("unexpected end of file")
            default: throw c.fail("expected ',' or '}' after a member")
            }
            break
        }
        c.ws()
        if c.i < c.end { throw c.fail("unexpected data after the JSON object") }
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

    /// Whether `a` or `c` (both at least 2 bytes) occurs in `range` of `b`: one pass for both (`cek_contains_either`).
    static func containsEither(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ a: [UInt8], _ c: [UInt8]) -> Bool {
        guard let base = b.baseAddress else { return false }
        return a.withUnsafeBufferPointer { ab in
            c.withUnsafeBufferPointer { cb in
                cek_contains_either((base + range.lowerBound).assumingMemoryBound(to: UInt8.self), range.count, ab.baseAddress, ab.count,
                                    cb.baseAddress, cb.count) != 0
            }
        }
    }

    /// Whether `needle` occurs in `range` of `b` (`cek_find`: first and last byte compared 16 or 32 places at a time).
    static func contains(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ needle: [UInt8]) -> Bool {
        guard let base = b.baseAddress, !needle.isEmpty, range.count >= needle.count else { return false }
        return needle.withUnsafeBufferPointer { nb in
            cek_find((base + range.lowerBound).assumingMemoryBound(to: UInt8.self), range.count, nb.baseAddress, nb.count) >= 0
        }
    }
}
