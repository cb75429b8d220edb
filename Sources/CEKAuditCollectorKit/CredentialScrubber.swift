import Foundation

/// The credentials one run holds, and the one place they are taken out of whatever leaves the process: the bytes a
/// server sent, before they become evidence or facts, and every report, bundle file and console line, last thing
/// before it is written (DESIGN.md, "Credentials … never enter evidence, logs or reports").
///
/// Live collectors ``register(_:)`` every credential they resolve (a token, an access key id, a secret access key, a
/// session token, the temporary credentials of an assumed role); clients scrub what servers answer; writers scrub
/// what they write. One instance serves a whole run (the CLI keeps one per process), so a credential registered by
/// one collector is also removed from what another one, or a report, would show.
///
/// **What is matched.** Decoded characters, not raw bytes: each character of a credential is recognised whether it
/// appears raw, as a JSON string escape (RFC 8259 §7: `\u0042` in either hex case, UTF-16 surrogate pairs, `\/`,
/// `\\`, `\"`, `\b` `\f` `\n` `\r` `\t`; `\u` and `\/` also behind more backslashes, as JSON nested in a JSON string
/// writes them), as an HTML / XML character reference (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`,
/// `&#47;`, `&#x2F;`), or percent-encoded (RFC 3986 §2.1, either hex case, the `%` itself possibly JSON-escaped), in
/// any mix. Base64 forms (RFC 4648 §4 and the URL-safe alphabet of §5) are matched too, at each of the three byte
/// alignments a credential can have inside a longer encoded value (only the characters that depend on the
/// credential alone). Each match, escapes included, becomes ``marker``.
///
/// **Termination.** One pass from left to right that never re-reads its own output: it ends for any credential and
/// any text (a credential that occurs inside the marker, such as `e`, cannot make it loop).
///
/// **Short values.** Credentials shorter than ``minimumLength`` characters are refused by ``register(_:)``: they
/// cannot be told apart from ordinary words (a dev-server token `root`, a test key `testing`) and removing them would
/// blank reports. `register` returns `false` so the collector can say so in a diagnostic.
public final class CredentialScrubber: @unchecked Sendable {
    // @unchecked: `secrets` and `table` are only read or replaced under `lock`; a table is immutable once built.

    /// Replacement text of every match.
    public static let marker = "[redacted]"
    /// Shortest credential, in characters, that is registered.
    public static let minimumLength = 8
    static let markerBytes = Array(marker.utf8)

    private let lock = NSLock()
    private var secrets: Set<String> = []
    private var table = PatternTable(secrets: [])

    /// - Parameter secrets: credentials to register at once (empty and short ones are skipped).
    public init(secrets: [String] = []) {
        for s in secrets { register(s) }
    }

    /// Adds a credential. Registering the same value twice is harmless.
    /// - Returns: `false` when `secret` is `nil`, empty or shorter than ``minimumLength`` (it is not scrubbed).
    @discardableResult
    public func register(_ secret: String?) -> Bool {
        guard let secret, secret.count >= Self.minimumLength else { return false }
        lock.withLock {
            if secrets.insert(secret).inserted { table = PatternTable(secrets: secrets) }
        }
        return true
    }

    /// Whether no credential is registered (scrubbing then returns its input unchanged).
    public var isEmpty: Bool { lock.withLock { secrets.isEmpty } }

    /// The pattern table as it is now (writers that scrub many pieces take one table for all of them).
    var snapshot: PatternTable { lock.withLock { table } }

    /// `data` with every form of every registered credential replaced by ``marker``; the same bytes when none occurs.
    public func scrub(_ data: Data) -> Data {
        let t = snapshot
        guard !t.isEmpty else { return data }
        var out = Data()
        // Nothing is copied unless something matched: scrubbing a report of several MB that holds no credential (the
        // usual case) costs no second copy of it in memory (issue 16: peak RSS of a 1,000-key live run).
        let matched = data.withUnsafeBytes { t.scan($0, limit: $0.count, into: &out, copyUnmatched: false).matched }
        return matched ? out : data
    }

    /// `text` with every form of every registered credential replaced by ``marker``.
    public func scrub(_ text: String) -> String {
        guard !snapshot.isEmpty else { return text }
        let data = Data(text.utf8)
        let clean = scrub(data)
        return clean == data ? text : String(decoding: clean, as: UTF8.self)
    }

    /// Copies the first `bytes` bytes of the file at `source` to `destination`, scrubbed, in chunks (constant memory;
    /// a match that spans two chunks is still found).
    /// - Returns: whether anything was replaced (the copy then differs from the source).
    /// - Throws: when the source cannot be read or is shorter than `bytes`, or the destination cannot be written.
    public func copy(_ source: String, bytes: Int, to destination: URL) throws -> Bool {
        let t = snapshot
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
        }
        let output = try FileHandle(forWritingTo: destination)
        defer { try? output.close() }
        var remaining = bytes
        var carry = Data()
        var changed = false
        while remaining > 0 {
            guard let chunk = try input.read(upToCount: min(remaining, 1 << 20)), !chunk.isEmpty else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: source])
            }
            remaining -= chunk.count
            carry.append(chunk)
            // A match starting before `limit` ends inside the buffer; later positions wait for the next chunk.
            let limit = remaining == 0 || t.isEmpty ? carry.count : carry.count - t.maximumSpan
            guard limit > 0 else { continue }
            var out = Data()
            let (resume, matched) = carry.withUnsafeBytes { t.scan($0, limit: limit, into: &out) }
            changed = changed || matched
            try output.write(contentsOf: out)
            carry = Data(carry.dropFirst(resume))
        }
        if !carry.isEmpty { try output.write(contentsOf: carry) }
        return changed
    }
}

/// The byte patterns of a set of credentials and the one-pass matcher over decoded characters.
struct PatternTable: Sendable {
    /// Pattern bytes, longest first.
    let patterns: [[UInt8]]
    /// Pattern indices by first byte.
    let byFirst: [[Int]]
    /// Bytes that may start a match: first bytes of patterns, and `\`, `&`, `%`, which start an encoded character.
    let starts: [Bool]
    /// Raw byte pairs that may begin a match (`first << 8 | second`): a pattern's first two bytes, or its first byte
    /// followed by `\`, `&` or `%`. A cheap filter that spares most positions the full decoding.
    let pairs: [Bool]
    /// Longest raw span one match can take (every character in its longest encoding), for chunked copies.
    let maximumSpan: Int

    var isEmpty: Bool { patterns.isEmpty }

    init(secrets: Set<String>) {
        var all = Set<[UInt8]>()
        for s in secrets {
            all.insert(Array(s.utf8))
            for form in Self.base64Forms(Array(s.utf8)) { all.insert(Array(form.utf8)) }
        }
        patterns = all.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        var byFirst = [[Int]](repeating: [], count: 256)
        var starts = [Bool](repeating: false, count: 256)
        var pairs = [Bool](repeating: false, count: 65_536)
        let escapes = [UInt8(ascii: "\\"), UInt8(ascii: "&"), UInt8(ascii: "%")]
        for (i, p) in patterns.enumerated() {
            byFirst[Int(p[0])].append(i)
            starts[Int(p[0])] = true
            for second in (p.count > 1 ? [p[1]] : Array(0...255)) + escapes { pairs[Int(p[0]) << 8 | Int(second)] = true }
        }
        if !patterns.isEmpty {
            for c in [UInt8(ascii: "\\"), UInt8(ascii: "&"), UInt8(ascii: "%")] { starts[Int(c)] = true }
        }
        self.byFirst = byFirst
        self.starts = starts
        self.pairs = pairs
        // A percent-escape whose three characters are each `\u` escapes behind eight backslashes (39 bytes) is the
        // longest encoding of one byte.
        maximumSpan = (patterns.first?.count ?? 0) * 3 * (CharacterDecoding.maximumNesting + 5) + 64
    }

    /// Base64 of `bytes` at byte offsets 0, 1 and 2 of a longer value, standard and URL-safe alphabets: only the
    /// characters whose six bits all come from `bytes` (RFC 4648 §4, §5), when at least
    /// ``CredentialScrubber/minimumLength`` of them remain.
    static func base64Forms(_ bytes: [UInt8]) -> [String] {
        var out: [String] = []
        for offset in 0..<3 {
            let padded = Data([UInt8](repeating: 0, count: offset) + bytes + [0, 0, 0])
            let text = Array(padded.base64EncodedString())
            let first = (8 * offset + 5) / 6
            let end = (8 * offset + 8 * bytes.count) / 6
            guard end - first >= CredentialScrubber.minimumLength, end <= text.count else { continue }
            let core = String(text[first..<end])
            out.append(core)
            out.append(core.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        }
        return out
    }

    /// Scans the positions `0 ..< limit` of `b`, appending to `out` the input with ``CredentialScrubber/marker`` in
    /// place of each match.
    /// - Parameter copyUnmatched: whether `out` receives the input when nothing matched; with `false`, `out` stays
    ///   empty then (the caller keeps the input as it is) and receives the whole scrubbed input otherwise.
    /// - Returns: `resume`, the index up to which the input is accounted for in `out` (`limit`, or the end of a
    ///   match that reaches past it), and whether anything matched.
    func scan(_ b: UnsafeRawBufferPointer, limit: Int, into out: inout Data, copyUnmatched: Bool = true) -> (resume: Int, matched: Bool) {
        var i = 0
        var emitted = 0
        var matched = false
        while i < limit {
            let c = b[i]
            guard starts[Int(c)] else { i += 1; continue }
            // A raw first byte whose next byte no pattern can continue with starts no match.
            if c != 0x5C, c != 0x26, c != 0x25, i + 1 < b.count, !pairs[Int(c) << 8 | Int(b[i + 1])] { i += 1; continue }
            let unit = CharacterDecoding.byte(b, i)
            var best: Int?
            for p in byFirst[Int(unit.first)] {
                if let end = CharacterDecoding.match(patterns[p], in: b, at: i), end > (best ?? i) { best = end }
            }
            guard let end = best else { i += 1; continue }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[emitted..<i]))
            out.append(contentsOf: CredentialScrubber.markerBytes)
            matched = true
            i = end
            emitted = end
        }
        let resume = max(emitted, limit)
        if emitted < resume && (matched || copyUnmatched) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[emitted..<resume])) }
        return (resume, matched)
    }
}

/// Decoding of one character at a position: JSON escapes and HTML character references, then percent-encoding.
enum CharacterDecoding {
    /// Longest run of backslashes read before `u` or `/` (JSON nested eight levels deep).
    static let maximumNesting = 8

    /// Up to four UTF-8 bytes of one decoded character, and where the next encoded character starts.
    struct Unit {
        var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var count: Int
        var next: Int

        init(byte: UInt8, next: Int) {
            bytes.0 = byte
            count = 1
            self.next = next
        }

        init(scalar: UInt32, next: Int) {
            self.next = next
            switch scalar {
            case 0..<0x80: bytes.0 = UInt8(scalar); count = 1
            case 0x80..<0x800:
                bytes = (UInt8(0xC0 | (scalar >> 6)), UInt8(0x80 | (scalar & 0x3F)), 0, 0); count = 2
            case 0x800..<0x10000:
                bytes = (UInt8(0xE0 | (scalar >> 12)), UInt8(0x80 | ((scalar >> 6) & 0x3F)), UInt8(0x80 | (scalar & 0x3F)), 0); count = 3
            default:
                bytes = (UInt8(0xF0 | ((scalar >> 18) & 0x07)), UInt8(0x80 | ((scalar >> 12) & 0x3F)), UInt8(0x80 | ((scalar >> 6) & 0x3F)),
                         UInt8(0x80 | (scalar & 0x3F)))
                count = 4
            }
        }

        var first: UInt8 { bytes.0 }

        subscript(j: Int) -> UInt8 {
            switch j {
            case 0: return bytes.0
            case 1: return bytes.1
            case 2: return bytes.2
            default: return bytes.3
            }
        }
    }

    /// The end index of `pattern` decoded from `b` at `start`, or `nil`.
    static func match(_ pattern: [UInt8], in b: UnsafeRawBufferPointer, at start: Int) -> Int? {
        var i = start
        var k = 0
        while k < pattern.count {
            guard i < b.count else { return nil }
            let u = byte(b, i)
            guard k + u.count <= pattern.count else { return nil }
            for j in 0..<u.count where u[j] != pattern[k + j] { return nil }
            k += u.count
            i = u.next
        }
        return i
    }

    /// One byte-level unit at `i`: `%XX` (whose three characters may themselves be escaped) is one byte; anything
    /// else is one ``character(_:_:)``.
    static func byte(_ b: UnsafeRawBufferPointer, _ i: Int) -> Unit {
        let u = character(b, i)
        guard u.count == 1, u.first == UInt8(ascii: "%"), u.next < b.count else { return u }
        let h1 = character(b, u.next)
        guard h1.count == 1, let x = hex(h1.first), h1.next < b.count else { return u }
        let h2 = character(b, h1.next)
        guard h2.count == 1, let y = hex(h2.first) else { return u }
        return Unit(byte: x << 4 | y, next: h2.next)
    }

    /// One character at `i`: a JSON escape, an HTML / XML character reference, or the raw byte. A `\u` or `\/` escape
    /// may follow a run of backslashes (`\\u0042`): JSON inside a JSON string (a key policy in an AWS answer) escapes
    /// its escapes again, and the character is the same.
    static func character(_ b: UnsafeRawBufferPointer, _ i: Int) -> Unit {
        let c = b[i]
        if c == UInt8(ascii: "\\"), i + 1 < b.count {
            var j = i
            while j < b.count, j - i < CharacterDecoding.maximumNesting, b[j] == UInt8(ascii: "\\") { j += 1 }
            let run = j - i
            if j < b.count, b[j] == UInt8(ascii: "u"), let high = hex4(b, j + 1) {
                if (0xD800...0xDBFF).contains(high) {
                    // The low surrogate, escaped the same way.
                    let k = j + 5
                    if k + run + 4 < b.count, (k..<k + run).allSatisfy({ b[$0] == UInt8(ascii: "\\") }), b[k + run] == UInt8(ascii: "u"),
                       let low = hex4(b, k + run + 1), (0xDC00...0xDFFF).contains(low) {
                        return Unit(scalar: 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), next: k + run + 5)
                    }
                } else if !(0xDC00...0xDFFF).contains(high) {
                    return Unit(scalar: high, next: j + 5)
                }
                // A lone surrogate is no character.
            } else if j < b.count, b[j] == UInt8(ascii: "/") {
                return Unit(byte: UInt8(ascii: "/"), next: j + 1)
            }
            switch b[i + 1] {
            case UInt8(ascii: "\\"): return Unit(byte: UInt8(ascii: "\\"), next: i + 2)
            case UInt8(ascii: "\""): return Unit(byte: UInt8(ascii: "\""), next: i + 2)
            case UInt8(ascii: "b"): return Unit(byte: 0x08, next: i + 2)
            case UInt8(ascii: "f"): return Unit(byte: 0x0C, next: i + 2)
            case UInt8(ascii: "n"): return Unit(byte: 0x0A, next: i + 2)
            case UInt8(ascii: "r"): return Unit(byte: 0x0D, next: i + 2)
            case UInt8(ascii: "t"): return Unit(byte: 0x09, next: i + 2)
            default: break
            }
        }
        if c == UInt8(ascii: "&"), let (scalar, next) = reference(b, i) {
            return Unit(scalar: scalar, next: next)
        }
        return Unit(byte: c, next: i + 1)
    }

    /// `&name;`, `&#D…;` or `&#xH…;` at `i` (HTML Living Standard, "Character references"; XML 1.0 §4.1).
    static func reference(_ b: UnsafeRawBufferPointer, _ i: Int) -> (UInt32, Int)? {
        var j = i + 1
        var text: [UInt8] = []
        while j < b.count, j - i <= 12, b[j] != UInt8(ascii: ";") {
            text.append(b[j])
            j += 1
        }
        guard j < b.count, b[j] == UInt8(ascii: ";"), !text.isEmpty else { return nil }
        let name = String(decoding: text, as: UTF8.self)
        let scalar: UInt32?
        switch name {
        case "amp": scalar = 0x26
        case "lt": scalar = 0x3C
        case "gt": scalar = 0x3E
        case "quot": scalar = 0x22
        case "apos": scalar = 0x27
        default:
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                scalar = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                scalar = UInt32(name.dropFirst(), radix: 10)
            } else {
                scalar = nil
            }
        }
        guard let s = scalar, Unicode.Scalar(s) != nil else { return nil }
        return (s, j + 1)
    }

    static func hex4(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32? {
        guard i + 3 < b.count else { return nil }
        var v: UInt32 = 0
        for j in i..<i + 4 {
            guard let h = hex(b[j]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
