@testable import CEKAuditLogs
import CEKScan
import Foundation
import Testing

/// The SSE2/AVX2 skip of objects and arrays (`cek_skip_composite`, Sources/CEKScan) against the byte loop it
/// short-cuts (``JSONByteCursor/compositeBytewise()``): from every `{` and `[` of a CloudTrail-like file, clean and
/// with random bytes replaced by quotes, backslashes, brackets and control bytes, the fast path either gives the same
/// end as the byte loop or declines (-1), and ``JSONByteCursor/composite()`` always ends where the byte loop does.
struct JSONSkipTests {
    static let record = #"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","sessionContext":{"attributes":{"mfa":"false"},"x":[1,2,{"y":"}]{["}]}},"eventTime":"2026-10-01T10:00:00Z","eventSource":"kms.amazonaws.com","userAgent":"a \"quoted\" \\ agent \\","requestParameters":{"keyId":"k","note":"{\"eventSource\":\"kms.amazonaws.com\"}","deep":[[[[{"a":[{"b":"\\\\\""}]}]]]]},"resources":[{"type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k"}],"end":"\u00e9\ud83d\ude00"}"#

    /// A file of `count` records (long enough to cross many 64-byte blocks, with escapes at block edges).
    static func file(_ count: Int) -> [UInt8] {
        var records: [String] = []
        for k in 0..<count {
            // Shift block alignment record by record: a padding string of varying length, ending in escapes.
            records.append(record.replacingOccurrences(of: #""end":"#, with: #""pad":"\#(String(repeating: "x", count: k % 67))\\\"","end":"#))
        }
        return Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
    }

    /// (fast end or -1, byte-loop end or nil, composite() end or nil) from `start`.
    static func ends(_ bytes: [UInt8], from start: Int) -> (Int, Int?, Int?) {
        bytes.withUnsafeBytes { b in
            let fast = cek_skip_composite(b.baseAddress!.assumingMemoryBound(to: UInt8.self), start, b.count)
            var slow = JSONByteCursor(b, start..<b.count), both = JSONByteCursor(b, start..<b.count)
            let slowEnd: Int? = (try? slow.compositeBytewise()) != nil ? slow.i : nil
            let bothEnd: Int? = (try? both.composite()) != nil ? both.i : nil
            return (fast, slowEnd, bothEnd)
        }
    }

    @Test func fastPathAgreesWithTheByteLoopOnWellFormedJSON() {
        let bytes = Self.file(40)
        var decided = 0
        for start in bytes.indices where bytes[start] == 0x7B || bytes[start] == 0x5B {
            let (fast, slow, both) = Self.ends(bytes, from: start)
            if fast >= 0 { decided += 1; #expect(fast == slow, "start \(start)") }
            #expect(both == slow, "start \(start)")
        }
        // On well-formed text the fast path decides nearly everywhere (it declines only inside strings' brackets).
        #expect(decided > 500)
        // The whole file closes at its end.
        #expect(Self.ends(bytes, from: 0).0 == bytes.count)
    }

    @Test func fastPathNeverDisagreesOnDamagedJSON() {
        var rng = SystemRandomNumberGenerator()
        let clean = Self.file(8)
        let damage: [UInt8] = Array(#""\{}[]"#.utf8) + [0x01, 0x0A, 0x1F, 0x61]
        for _ in 0..<300 {
            var bytes = clean
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = damage.randomElement(using: &rng)!
            }
            let starts = bytes.indices.filter { bytes[$0] == 0x7B || bytes[$0] == 0x5B }
            for start in starts.shuffled(using: &rng).prefix(40) {
                let (fast, slow, both) = Self.ends(bytes, from: start)
                if fast >= 0 { #expect(fast == slow, "start \(start) in \(String(decoding: bytes, as: UTF8.self))") }
                #expect(both == slow)
            }
        }
    }

    @Test func fastPathDeclinesWhatOnlyTheByteLoopMayJudge() {
        for text in ["{\"a\":\"\u{01}\"}", #"{"a":"\"#, #"{"a":1"#, #"{\"a":1}"#, "{\"a\":\"\\\u{01}\"}"] {
            let bytes = Array(text.utf8)
            #expect(Self.ends(bytes, from: 0).0 == -1, "\(text)")
        }
        // The byte loop accepts an escaped control byte; composite() must too, through the fallback.
        let escapedControl = Array("{\"a\":\"\\\u{01}\"}".utf8)
        #expect(Self.ends(escapedControl, from: 0).2 == escapedControl.count)
    }

    /// `cek_find` (first and last byte compared 16 or 32 places at a time) against a naive search: needles of 1 to 20
    /// bytes in haystacks of every length up to 100 over a small alphabet (many partial matches, matches straddling
    /// the 16- and 32-byte steps and the haystack's end), and the two needles the CloudTrail prefilter uses.
    @Test func findAgreesWithANaiveSearch() {
        func naive(_ h: [UInt8], _ n: [UInt8]) -> Int {
            if n.isEmpty { return 0 }
            guard h.count >= n.count else { return -1 }
            for i in 0...(h.count - n.count) where h[i..<i + n.count].elementsEqual(n) { return i }
            return -1
        }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab\\uk".utf8)
        var checked = 0
        for length in 0...100 {
            for _ in 0..<12 {
                let h = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let m = Int(rng.next() % 6)
                let n = (0..<m).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let fast = h.withUnsafeBufferPointer { hb in n.withUnsafeBufferPointer { nb in cek_find(hb.baseAddress, hb.count, nb.baseAddress, nb.count) } }
                #expect(fast == naive(h, n), "haystack \(String(decoding: h, as: UTF8.self)) needle \(String(decoding: n, as: UTF8.self))")
                checked += 1
            }
        }
        for needle in ["kms.amazonaws.com", "\\u", "arn:aws:kms:eu-west-1:111122223333:key/"] {
            let n = Array(needle.utf8)
            let bytes = Self.file(12)
            for start in stride(from: 0, to: bytes.count, by: 13) {
                let h = Array(bytes[start..<min(bytes.count, start + 700)])
                let fast = h.withUnsafeBufferPointer { hb in n.withUnsafeBufferPointer { nb in cek_find(hb.baseAddress, hb.count, nb.baseAddress, nb.count) } }
                #expect(fast == naive(h, n))
            }
        }
        #expect(checked == 101 * 12)
    }

    /// `cek_contains_either` (one pass for two needles) is the same as two naive searches, including needles of
    /// different lengths, matches in the last places, and the CloudTrail prefilter's pair.
    @Test func containsEitherAgreesWithTwoSearches() {
        func has(_ h: [UInt8], _ n: [UInt8]) -> Bool {
            guard h.count >= n.count else { return false }
            return (0...(h.count - n.count)).contains { h[$0..<$0 + n.count].elementsEqual(n) }
        }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab\\uk".utf8)
        var found = 0, missed = 0
        for length in 0...120 {
            for _ in 0..<10 {
                let h = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let a = (0..<(2 + Int(rng.next() % 5))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let c = (0..<(2 + Int(rng.next() % 3))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                let fast = h.withUnsafeBufferPointer { hb in
                    a.withUnsafeBufferPointer { ab in c.withUnsafeBufferPointer { cb in
                        cek_contains_either(hb.baseAddress, hb.count, ab.baseAddress, ab.count, cb.baseAddress, cb.count) } }
                }
                let want = has(h, a) || has(h, c)
                #expect((fast != 0) == want, "haystack \(String(decoding: h, as: UTF8.self)) needles \(String(decoding: a, as: UTF8.self)) \(String(decoding: c, as: UTF8.self))")
                if want { found += 1 } else { missed += 1 }
            }
        }
        #expect(found > 100 && missed > 100, "both outcomes exercised")
        let kms = Array("kms.amazonaws.com".utf8), escape = Array("\\u".utf8)
        let bytes = Self.file(6)
        for start in stride(from: 0, to: bytes.count, by: 11) {
            let h = Array(bytes[start..<min(bytes.count, start + 400)])
            let fast = h.withUnsafeBufferPointer { hb in
                kms.withUnsafeBufferPointer { ab in escape.withUnsafeBufferPointer { cb in
                    cek_contains_either(hb.baseAddress, hb.count, ab.baseAddress, ab.count, cb.baseAddress, cb.count) } }
            }
            #expect((fast != 0) == (has(h, kms) || has(h, escape)))
        }
    }
}
