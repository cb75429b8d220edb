import Foundation

/// The strings one scanning worker meets again and again in KMS records — event names, regions, accounts, key
/// ARNs, principals — each made once and handed out again when the same bytes come back, with a small integer id.
///
/// A KMS record yields about ten such strings; making each anew (validation, allocation, then reference counting
/// and freeing) was the largest single cost of decoding a record. A lookup here is one hash of the bytes, one
/// `memcmp` and a retain. Bounded: at most ``capacity`` entries and ``maxProbes`` probes per lookup, so unique
/// values (or bytes crafted to collide; the hash is seeded per worker) cost one fresh `String` each, never a
/// growing table or a long search. Values that are unique per record (event ids, request ids, messages) are not
/// interned by the reader. Not shared between threads: each worker's ``LogAggregate`` holds its own.
struct StringInterner: Sendable {
    /// Most entries held (a power of two, half the slots).
    static let capacity = 1 << 15
    /// Most slots looked at per lookup before giving up on interning the value.
    static let maxProbes = 16

    private struct Slot: Sendable {
        var hash: UInt64 = 0
        var offset: Int32 = -1   // -1: empty
        var length: Int32 = 0
        var id: Int32 = 0
    }

    private var slots: [Slot] = []
    private var bytes: [UInt8] = []
    private(set) var strings: [String] = []
    private let seed: UInt64
    /// The time string of the previous record and its bytes: records of one file mostly share the second.
    private var lastTime: String?
    private var lastTimeBytes: [UInt8] = []

    init() {
        var g = SystemRandomNumberGenerator()
        seed = g.next() | 1
    }

    /// The string spelled by the `count` UTF-8 bytes at `p` (not validated: invalid bytes become U+FFFD, as
    /// `String(decoding:as:)` does), and its id when it is interned (`nil` when the table is full or the probes ran
    /// out).
    mutating func string(_ p: UnsafeRawPointer, _ count: Int) -> (String, Int32?) {
        if count == 0 { return ("", nil) }
        if slots.isEmpty { slots = Array(repeating: Slot(), count: Self.capacity * 2) }
        let h = hash(p, count)
        let mask = slots.count - 1
        var k = Int(truncatingIfNeeded: h) & mask
        for _ in 0..<Self.maxProbes {
            let s = slots[k]
            if s.offset < 0 {
                let made = String(decoding: UnsafeRawBufferPointer(start: p, count: count), as: UTF8.self)
                guard strings.count < Self.capacity, bytes.count + count < Int(Int32.max) else { return (made, nil) }
                let id = Int32(strings.count)
                slots[k] = Slot(hash: h, offset: Int32(bytes.count), length: Int32(count), id: id)
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count))
                strings.append(made)
                return (made, id)
            }
            if s.hash == h, Int(s.length) == count,
               bytes.withUnsafeBytes({ memcmp($0.baseAddress! + Int(s.offset), p, count) == 0 }) {
                return (strings[Int(s.id)], s.id)
            }
            k = (k + 1) & mask
        }
        return (String(decoding: UnsafeRawBufferPointer(start: p, count: count), as: UTF8.self), nil)
    }

    /// A time string: the previous record's when the bytes are the same, else made anew (times are not interned:
    /// they would fill the table).
    mutating func time(_ p: UnsafeRawPointer, _ count: Int) -> String {
        if count == 0 { return "" }
        if let last = lastTime, lastTimeBytes.count == count,
           lastTimeBytes.withUnsafeBytes({ memcmp($0.baseAddress!, p, count) == 0 }) {
            return last
        }
        let made = String(decoding: UnsafeRawBufferPointer(start: p, count: count), as: UTF8.self)
        lastTime = made
        lastTimeBytes = Array(UnsafeRawBufferPointer(start: p, count: count))
        return made
    }

    /// The bytes' ``WordHash``, seeded per run and finalized (the low bits choose the slot).
    @inline(__always) private func hash(_ p: UnsafeRawPointer, _ count: Int) -> UInt64 {
        WordHash.finalize(WordHash.chain(UnsafeRawBufferPointer(start: p, count: count), seed))
    }
}
