import CEKAuditCollectorKit
import CEKAuditCore
import CEKScan
import Foundation

/// The scanning primitives shared by ``RecordSplitter`` and ``CloudTrailRecordReader``: a position in a byte
/// buffer that skips whitespace, strings and whole values by the JSON grammar (RFC 8259) without building a tree.
struct JSONByteCursor {
    struct Failure: Error {
        var offset: Int
        var message: String
    }

    let b: UnsafeRawBufferPointer
    var i: Int
    let end: Int

    init(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.b = b
        self.i = range.lowerBound
        self.end = range.upperBound
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { b.load(fromByteOffset: k, as: UInt8.self) }

    /// The byte at the cursor, or `nil` at the end.
    @inline(__always) var current: UInt8? { i < end ? byte(i) : nil }

    func fail(_ m: String) -> Failure { Failure(offset: i, message: m) }

    @inline(__always) mutating func ws() {
        while i < end {
            let c = byte(i)
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    /// Skips a string starting at `"`; returns the range of its contents and whether it holds escapes.
    /// Eight bytes at a time: a word without a quote, a backslash or a control byte is skipped whole (SWAR).
    mutating func string() throws -> (Range<Int>, Bool) {
        guard i < end, byte(i) == 0x22 else { throw fail("expected a string") }
        i += 1
        let start = i
        var escaped = false
        while true {
            while i + 8 <= end {
                let w = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let hits = Self.special(w)
                if hits == 0 { i += 8; continue }
                i += hits.trailingZeroBitCount >> 3
                break
            }
            guard i < end else { break }
            let c = byte(i)
            if c == 0x5C { escaped = true; i += 2; continue }
            if c == 0x22 { let r = start..<i; i += 1; return (r, escaped) }
            if c < 0x20 { throw fail("control character inside a string") }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// High bit set in each byte of `w` that is `"`, `\\` or below 0x20; the lowest set bit is exact (borrows only
    /// propagate upwards), which is all the caller reads.
    @inline(__always) static func special(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)
        let s = w ^ (ones &* 0x5C)
        let zq = (q &- ones) & ~q
        let zs = (s &- ones) & ~s
        let lt = (w &- ones &* 0x20) & ~w
        return (zq | zs | lt) & high
    }

    /// Skips an object or array starting at the cursor, honouring strings; checks nesting only (and, inside
    /// strings, what ``string()`` checks: termination and no raw control bytes). One tight loop over the bytes,
    /// string bodies eight bytes at a time: this is what every record of another service costs.
    mutating func composite() throws {
        guard let base = b.baseAddress else { throw fail("unclosed object or array") }
        // 64 bytes at a time (SSE2) when the value is well-formed; otherwise the loop below decides and reports.
        let fast = cek_skip_composite(base.assumingMemoryBound(to: UInt8.self), i, end)
        if fast >= 0 {
            i = fast
            return
        }
        try compositeBytewise()
    }

    /// ``composite()`` one byte at a time (string bodies eight at a time): the reference the SSE2 path must agree
    /// with, and the one that reports errors.
    mutating func compositeBytewise() throws {
        guard let base = b.baseAddress else { throw fail("unclosed object or array") }
        var depth = 0
        var k = i
        let e = end
        while k < e {
            let c = base.load(fromByteOffset: k, as: UInt8.self)
            if c == 0x22 {
                k += 1
                body: while true {
                    while k + 8 <= e {
                        let hits = Self.special(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: k, as: UInt64.self)))
                        if hits == 0 { k += 8; continue }
                        k += hits.trailingZeroBitCount >> 3
                        break
                    }
                    guard k < e else { i = k; throw fail("unterminated string") }
                    let s = base.load(fromByteOffset: k, as: UInt8.self)
                    if s == 0x5C { k += 2; continue }
                    if s == 0x22 { k += 1; break body }
                    if s < 0x20 { i = k; throw fail("control character inside a string") }
                    k += 1
                }
                continue
            }
            if c == 0x7B || c == 0x5B {
                depth += 1
            } else if c == 0x7D || c == 0x5D {
                depth -= 1
                if depth == 0 { i = k + 1; return }
            }
            k += 1
        }
        i = k
        throw fail("unclosed object or array")
    }

    /// Skips any value (after whitespace).
    mutating func skipValue() throws {
        ws()
        guard i < end else { throw fail("expected a value") }
        switch byte(i) {
        case 0x22: _ = try string()
        case 0x7B, 0x5B: try composite()
        default:
            let start = i
            while i < end {
                let c = byte(i)
                if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { break }
                i += 1
            }
            if i == start { throw fail("expected a value") }
        }
    }

    /// Whether the bytes in `r` spell `s`.
    /// Compared a word at a time: keys of 8 to 16 bytes (most CloudTrail member names) by their first and last
    /// eight bytes, two loads; a `memcmp` call per candidate key cost more than the comparison.
    @inline(__always) func equals(_ r: Range<Int>, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard r.count == n, let base = b.baseAddress else { return false }
        let p = UnsafeRawPointer(s.utf8Start)
        let q = base + r.lowerBound
        if n >= 8 {
            guard q.loadUnaligned(as: UInt64.self) == p.loadUnaligned(as: UInt64.self),
                  q.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) else { return false }
            return n <= 16 || memcmp(q + 8, p + 8, n - 16) == 0
        }
        var k = 0
        while k < n {
            if q.load(fromByteOffset: k, as: UInt8.self) != p.load(fromByteOffset: k, as: UInt8.self) { return false }
            k += 1
        }
        return true
    }
}
