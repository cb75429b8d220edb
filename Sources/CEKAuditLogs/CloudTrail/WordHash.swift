/// The CloudTrail scan's one non-cryptographic hash: bytes taken eight at a time as little-endian words (the tail
/// zero-padded), each mixed in with a multiply by the 64-bit golden ratio and an xorshift, the length first so that
/// fields hashed one after another cannot trade bytes. Its tables (``StringInterner``, the deduplication's
/// ``CloudTrailCollector/EventTable``) seed it per run, so ids crafted offline to collide do not collide here.
/// One multiply's latency per eight bytes (FNV-1a took one per byte of every event id, time and request id).
enum WordHash {
    static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// `bytes` mixed into `h` (a seed, or the hash of the fields before).
    @inline(__always) static func chain(_ bytes: UnsafeRawBufferPointer, _ h: UInt64) -> UInt64 {
        let m = multiplier
        var h = (h ^ UInt64(bytes.count)) &* m
        h ^= h >> 29
        guard let p = bytes.baseAddress else { return h }
        let n = bytes.count
        var k = 0
        while k + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* m
            h ^= h >> 29
            k += 8
        }
        if k < n {
            var tail: UInt64 = 0, shift: UInt64 = 0
            while k < n {
                tail |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << shift
                shift += 8
                k += 1
            }
            h = (h ^ tail) &* m
            h ^= h >> 29
        }
        return h
    }

    /// Spreads the high bits of a chained hash into the low ones, which choose a table's slot.
    @inline(__always) static func finalize(_ h: UInt64) -> UInt64 {
        let x = (h ^ (h >> 32)) &* multiplier
        return x ^ (x >> 29)
    }
}
