import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads one audit-log line (a JSON object) into an ``AuditLogRecord`` straight from its bytes, without
/// `JSONDecoder` and without building a tree: the members the collector reads are decoded, every other value is
/// skipped. It accepts and refuses what `JSONDecoder` does for this type, so a line is a parse error in exactly the
/// same cases:
/// - the whole line is checked against the JSON grammar (RFC 8259: strings with their escapes and UTF-8, numbers,
///   literals, nesting, separators), skipped values included, with only white space after the object;
/// - a member read as a string, a boolean or an object must be of that type or `null` (absent), else the line does
///   not decode, as a `Decodable` optional of the wrong type throws;
/// - `request.data` and `response.data` values are scalars as ``AuditScalar`` reads them (boolean, number, string,
///   anything else `.other`); with a repeated member, the last one counts.
///
/// In lean mode (``read(_:lean:)``, what the collector uses) the line is checked the same way and fails in the same
/// cases, but only what ``AuditLogTally`` reads is kept: `request.data` members that are settings
/// (``AuditLogTally/settingNames``), the `error` member of `response.data`, and of the principal candidates
/// (`auth.display_name`, `auth.entity_id`, `auth.accessor`, `request.client_token_accessor`) only those up to the
/// first non-empty one — so the facts are the same while most per-line strings and dictionaries are never made.
struct AuditLineReader {
    struct Failure: Error {
        var offset: Int
    }

    private let b: UnsafeRawBufferPointer
    private var i: Int
    private let end: Int
    private let lean: Bool
    /// Lean mode: unescaped principal candidates of the last `auth` / `request` object, made into text only when
    /// needed (escaped ones are decoded at once, since decoding can fail).
    private var lazyEntity: Range<Int>?
    private var lazyAccessor: Range<Int>?
    private var lazyTokenAccessor: Range<Int>?

    private init(_ b: UnsafeRawBufferPointer, lean: Bool) {
        self.b = b
        i = 0
        end = b.count
        self.lean = lean
    }

    /// Decodes `bytes` (one line, starting at its `{`).
    /// - Parameter lean: keep only the members ``AuditLogTally`` reads (see the type's documentation); the line is
    ///   accepted or refused exactly as without it.
    /// - Throws: ``Failure`` where the line stops being JSON or a member has the wrong type.
    static func read(_ bytes: UnsafeRawBufferPointer, lean: Bool = false) throws -> AuditLogRecord {
        var r = AuditLineReader(bytes, lean: lean)
        var record = try r.record()
        r.ws()
        guard r.i == r.end else { throw Failure(offset: r.i) }
        if lean { r.settlePrincipal(&record) }
        return record
    }

    /// Lean mode: makes the deferred principal candidates into text, in the order ``AuditLogRecord/principal`` reads
    /// them, up to the first non-empty one.
    private func settlePrincipal(_ r: inout AuditLogRecord) {
        func given(_ s: String?) -> Bool { s.map { !$0.isEmpty } ?? false }
        func plain(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: b[range]), as: UTF8.self) }
        if r.auth != nil {
            if given(r.auth?.displayName) { return }
            if let e = lazyEntity { r.auth?.entityID = plain(e) }
            if given(r.auth?.entityID) { return }
            if let a = lazyAccessor { r.auth?.accessor = plain(a) }
            if given(r.auth?.accessor) { return }
        }
        if r.request != nil, let t = lazyTokenAccessor { r.request?.clientTokenAccessor = plain(t) }
    }

    /// Lean mode: a deferred candidate when the string at the cursor is plain (its range, the field left `nil`), else
    /// its text as ``string()`` reads it.
    private mutating func candidate() throws -> (String?, Range<Int>?) {
        guard lean else { return (try string(), nil) }
        if null() { return (nil, nil) }
        guard i < end, at(i) == 0x22 else { throw fail() }
        let (r, escaped) = try stringBody()
        if escaped { return (try text(r, escaped: true), nil) }
        return (nil, r)
    }

    // MARK: Grammar

    @inline(__always) private func at(_ k: Int) -> UInt8 { b.load(fromByteOffset: k, as: UInt8.self) }
    private func fail() -> Failure { Failure(offset: i) }

    @inline(__always) private mutating func ws() {
        while i < end {
            let c = at(i)
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// Skips a string at `"`, checking escapes and UTF-8; returns the range of its body and
    /// whether it holds escapes. Plain ASCII runs go eight bytes at a time.
    private mutating func stringBody() throws -> (Range<Int>, Bool) {
        guard i < end, at(i) == 0x22 else { throw fail() }
        i += 1
        let start = i
        var escaped = false, ascii = true
        while true {
            while i + 8 <= end {
                let w = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let hits = Self.special(w)
                if hits == 0 { i += 8; continue }
                i += hits.trailingZeroBitCount >> 3
                break
            }
            guard i < end else { throw fail() }
            let c = at(i)
            if c == 0x22 {
                let r = start..<i
                i += 1
                if !ascii, String(validating: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self) == nil { throw Failure(offset: start) }
                return (r, escaped)
            }
            if c == 0x5C {
                escaped = true
                guard i + 1 < end else { throw fail() }
                switch at(i + 1) {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= end else { throw fail() }
                    for k in 2..<6 where Self.hex(at(i + k)) == nil { throw fail() }
                    i += 6
                default: throw fail()
                }
                continue
            }
            if c < 0x20 { throw fail() }
            if c >= 0x80 { ascii = false }
            i += 1
        }
    }

    /// High bit set in each byte of `w` that is `"`, `\\`, below 0x20 or above 0x7F; the lowest set bit is exact.
    @inline(__always) private static func special(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)
        let s = w ^ (ones &* 0x5C)
        let zq = (q &- ones) & ~q
        let zs = (s &- ones) & ~s
        let lt = (w &- ones &* 0x20) & ~w
        return (zq | zs | lt | w) & high
    }

    @inline(__always) private static func hex(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// The decoded text of a string body (escapes resolved; an unpaired surrogate is an error, as in `JSONDecoder`).
    private func text(_ r: Range<Int>, escaped: Bool) throws -> String {
        let raw = UnsafeRawBufferPointer(rebasing: b[r])
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        var k = r.lowerBound
        while k < r.upperBound {
            let c = at(k)
            guard c == 0x5C else { out.append(c); k += 1; continue }
            let e = at(k + 1)
            k += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = unit(at: k)
                k += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard k + 6 <= r.upperBound, at(k) == 0x5C, at(k + 1) == 0x75 else { throw Failure(offset: k) }
                    let low = unit(at: k + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw Failure(offset: k) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw Failure(offset: k)
                }
                guard let u = Unicode.Scalar(scalar) else { throw Failure(offset: k) }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(e)   // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The code unit of the four hex digits at `k` (checked by ``stringBody()``).
    private func unit(at k: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 4 | (Self.hex(at(k + $1)) ?? 0) }
    }

    /// Skips a number by the JSON grammar; returns its range.
    private mutating func number() throws -> Range<Int> {
        let start = i
        if i < end, at(i) == 0x2D { i += 1 }
        guard i < end else { throw fail() }
        if at(i) == 0x30 { i += 1 } else {
            guard (0x31...0x39).contains(at(i)) else { throw fail() }
            while i < end, (0x30...0x39).contains(at(i)) { i += 1 }
        }
        if i < end, at(i) == 0x2E {
            i += 1
            let digits = i
            while i < end, (0x30...0x39).contains(at(i)) { i += 1 }
            guard i > digits else { throw fail() }
        }
        if i < end, at(i) == 0x65 || at(i) == 0x45 {
            i += 1
            if i < end, at(i) == 0x2B || at(i) == 0x2D { i += 1 }
            let digits = i
            while i < end, (0x30...0x39).contains(at(i)) { i += 1 }
            guard i > digits else { throw fail() }
        }
        return start..<i
    }

    /// Skips `literal` (`true`, `false`, `null`) at the cursor.
    private mutating func literal(_ s: StaticString) throws {
        let n = s.utf8CodeUnitCount
        guard i + n <= end, memcmp(b.baseAddress! + i, s.utf8Start, n) == 0 else { throw fail() }
        i += n
    }

    /// Skips any value, checking it whole.
    private mutating func skipValue(depth: Int = 0) throws {
        ws()
        guard i < end, depth < 512 else { throw fail() }
        switch at(i) {
        case 0x22: _ = try stringBody()
        case 0x7B:
            i += 1
            var first = true
            while try nextKey(first: &first) != nil { try skipValue(depth: depth + 1) }
        case 0x5B:
            i += 1
            ws()
            if i < end, at(i) == 0x5D { i += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                ws()
                guard i < end else { throw fail() }
                if at(i) == 0x2C { i += 1; continue }
                if at(i) == 0x5D { i += 1; return }
                throw fail()
            }
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        default: _ = try number()
        }
    }

    /// A member key: its bytes, or its decoded text when it is spelt with escapes (`"t\u0069me"` is `time`).
    private enum Key {
        case raw(Range<Int>)
        case decoded(String)
    }

    /// The next member key of the current object (the cursor after its `:`), or `nil` past its closing brace.
    private mutating func nextKey(first: inout Bool) throws -> Key? {
        ws()
        guard i < end else { throw fail() }
        if at(i) == 0x7D { i += 1; return nil }
        if !first {
            guard at(i) == 0x2C else { throw fail() }
            i += 1
            ws()
        }
        first = false
        let (key, escaped) = try stringBody()
        ws()
        guard i < end, at(i) == 0x3A else { throw fail() }
        i += 1
        return escaped ? .decoded(try text(key, escaped: true)) : .raw(key)
    }

    @inline(__always) private func equals(_ k: Key, _ s: StaticString) -> Bool {
        switch k {
        case .raw(let r):
            return r.count == s.utf8CodeUnitCount && memcmp(b.baseAddress! + r.lowerBound, s.utf8Start, r.count) == 0
        case .decoded(let t):
            return t.utf8.elementsEqual(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
    }

    /// `null` at the cursor (skipped): the member reads as absent.
    private mutating func null() -> Bool {
        ws()
        guard i + 4 <= end, at(i) == 0x6E else { return false }
        return (try? literal("null")) != nil
    }

    // MARK: Members

    private mutating func string() throws -> String? {
        if null() { return nil }
        guard i < end, at(i) == 0x22 else { throw fail() }
        let (r, escaped) = try stringBody()
        return try text(r, escaped: escaped)
    }

    private mutating func bool() throws -> Bool? {
        if null() { return nil }
        guard i < end else { throw fail() }
        if at(i) == 0x74 { try literal("true"); return true }
        if at(i) == 0x66 { try literal("false"); return false }
        throw fail()
    }

    /// Enters an object: `false` for `null`; anything else is an error.
    private mutating func object() throws -> Bool {
        if null() { return false }
        guard i < end, at(i) == 0x7B else { throw fail() }
        i += 1
        return true
    }

    private mutating func record() throws -> AuditLogRecord {
        var r = AuditLogRecord()
        ws()
        guard i < end, at(i) == 0x7B else { throw fail() }
        i += 1
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "time") { r.time = try string() }
            else if equals(k, "type") { r.type = try string() }
            else if equals(k, "error") { r.error = try string() }
            else if equals(k, "auth") { lazyEntity = nil; lazyAccessor = nil; r.auth = try auth() }
            else if equals(k, "request") { lazyTokenAccessor = nil; r.request = try request() }
            else if equals(k, "response") { r.response = try response() }
            else { try skipValue(depth: 1) }
        }
        return r
    }

    private mutating func auth() throws -> AuditLogRecord.Auth? {
        guard try object() else { return nil }
        var a = AuditLogRecord.Auth()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "display_name") { a.displayName = try string() }
            else if equals(k, "entity_id") { (a.entityID, lazyEntity) = try candidate() }
            else if equals(k, "accessor") { (a.accessor, lazyAccessor) = try candidate() }
            else if equals(k, "policy_results") {
                if try object() {
                    var p = AuditLogRecord.Auth.PolicyResults()
                    var f2 = true
                    while let k2 = try nextKey(first: &f2) {
                        if equals(k2, "allowed") { p.allowed = try bool() } else { try skipValue(depth: 3) }
                    }
                    a.policyResults = p
                } else {
                    a.policyResults = nil
                }
            }
            else { try skipValue(depth: 2) }
        }
        return a
    }

    private mutating func request() throws -> AuditLogRecord.Request? {
        guard try object() else { return nil }
        var q = AuditLogRecord.Request()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "id") { q.id = try string() }
            else if equals(k, "operation") { q.operation = try string() }
            else if equals(k, "path") { q.path = try string() }
            else if equals(k, "mount_point") { q.mountPoint = try string() }
            else if equals(k, "mount_type") { q.mountType = try string() }
            else if equals(k, "client_token_accessor") { (q.clientTokenAccessor, lazyTokenAccessor) = try candidate() }
            else if equals(k, "namespace") {
                if try object() {
                    var n = AuditLogRecord.Namespace()
                    var f2 = true
                    while let k2 = try nextKey(first: &f2) {
                        if equals(k2, "id") { n.id = try string() }
                        else if equals(k2, "path") { n.path = try string() }
                        else { try skipValue(depth: 3) }
                    }
                    q.namespace = n
                } else {
                    q.namespace = nil
                }
            }
            else if equals(k, "data") { q.data = try data(keep: .settings) }
            else { try skipValue(depth: 2) }
        }
        return q
    }

    private mutating func response() throws -> AuditLogRecord.Response? {
        guard try object() else { return nil }
        var s = AuditLogRecord.Response()
        var first = true
        while let k = try nextKey(first: &first) {
            if equals(k, "data") { s.data = try data(keep: .error) } else { try skipValue(depth: 2) }
        }
        return s
    }

    /// Which `data` members lean mode keeps.
    private enum DataKeep {
        /// `request.data`: the members ``AuditLogTally`` records as settings.
        case settings
        /// `response.data`: `error`.
        case error
    }

    /// Whether lean mode keeps the `data` member with key bytes `r`.
    private func keeps(_ r: Range<Int>, _ keep: DataKeep) -> Bool {
        let p = b.baseAddress! + r.lowerBound
        switch keep {
        case .error: return r.count == 5 && memcmp(p, "error", 5) == 0
        case .settings:
            for name in Self.settingKeys where name.utf8CodeUnitCount == r.count && memcmp(p, name.utf8Start, r.count) == 0 { return true }
            return false
        }
    }

    /// Whether lean mode keeps the `data` member named `key` (a key spelt with escapes).
    private static func keeps(_ key: String, _ keep: DataKeep) -> Bool {
        switch keep {
        case .error: return key == "error"
        case .settings: return AuditLogTally.settingNames.contains(key)
        }
    }

    /// ``AuditLogTally/settingNames`` as bytes (the tests hold the two lists to each other).
    static let settingKeys: [StaticString] = [
        "type", "exportable", "allow_plaintext_backup", "deletion_allowed", "auto_rotate_period", "min_decryption_version",
        "min_encryption_version", "derived", "convergent_encryption", "allow_rotation", "key_size", "hash_function",
    ]

    /// A `data` object: every member as an ``AuditScalar`` (lean mode: only the members `keep` names; the others are
    /// checked and skipped).
    private mutating func data(keep: DataKeep) throws -> [String: AuditScalar]? {
        guard try object() else { return nil }
        var out: [String: AuditScalar] = [:]
        var first = true
        while true {
            ws()
            guard i < end else { throw fail() }
            if at(i) == 0x7D { i += 1; return out }
            if !first {
                guard at(i) == 0x2C else { throw fail() }
                i += 1
                ws()
            }
            first = false
            let (kr, kEscaped) = try stringBody()
            // Lean mode makes the key into text only when it is kept (or escaped: decoding it can fail).
            let decodedKey = kEscaped ? try text(kr, escaped: true) : nil
            let kept = !lean || (decodedKey.map { Self.keeps($0, keep) } ?? keeps(kr, keep))
            ws()
            guard i < end, at(i) == 0x3A else { throw fail() }
            i += 1
            ws()
            guard i < end else { throw fail() }
            if !kept {
                // Checked as the full reader checks it: an escaped string is decoded, since that can fail.
                if at(i) == 0x22 {
                    let (r, escaped) = try stringBody()
                    if escaped { _ = try text(r, escaped: true) }
                } else {
                    try skipValue(depth: 3)
                }
                continue
            }
            let key = decodedKey ?? String(decoding: UnsafeRawBufferPointer(rebasing: b[kr]), as: UTF8.self)
            switch at(i) {
            case 0x22:
                let (r, escaped) = try stringBody()
                out[key] = .string(try text(r, escaped: escaped))
            case 0x74: try literal("true"); out[key] = .bool(true)
            case 0x66: try literal("false"); out[key] = .bool(false)
            case 0x2D, 0x30...0x39:
                let r = try number()
                // A number a Double cannot hold is not one for JSONDecoder either: `.other`, as AuditScalar reads it.
                let d = Double(String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self))
                out[key] = d.map { $0.isFinite ? AuditScalar.number($0) : .other } ?? .other
            default:
                try skipValue(depth: 3)
                out[key] = .other
            }
        }
    }
}
