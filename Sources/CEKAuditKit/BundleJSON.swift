import CEKAuditCore
import Foundation

/// The JSON text of an evidence bundle's `facts.json` and `manifest.json`, written straight into bytes: the same
/// bytes, byte for byte, as ``EvidenceBundle/encoder()`` (Foundation's `JSONEncoder` with `.sortedKeys`,
/// `.prettyPrinted` and `.withoutEscapingSlashes`, dates as ``DateParsing/iso(_:)``) writes for
/// ``EvidenceBundle/FactsFile`` and ``EvidenceBundle/Manifest``, without its `Codable` boxing (a profile of
/// `collect` on 1,000 OpenBao keys put 13 % of the run's CPU in `JSONEncoder`, issue 16).
///
/// The format copied (RFC 8259 text as swift-foundation's `JSONWriter` prints it): two spaces of indentation per
/// level, `"key" : value`, members sorted by the UTF-8 bytes of their keys, an empty array or object as its opening
/// bracket, an empty line and its closing bracket on the line of the parent's indentation; strings with `"` and `\`
/// escaped, `\b` `\t` `\n` `\f` `\r` for those controls and `\u00xx` (lowercase hex) for the other C0 controls,
/// everything else (`/` included) as UTF-8; whole numbers as `Int64` decimal. Members that are `nil` are left out,
/// as synthesized `Codable` conformances leave them. What this writer does not spell out itself — the assessment
/// settings, and any number that is not a whole number below 10^15 — goes through ``EvidenceBundle/encoder()`` and
/// is indented to its place, so the rare shapes cannot drift. `BundleJSONTests` pins the output against
/// `JSONEncoder`'s for every member shape; a change to the `Codable` conformance of a type written here must be
/// made here too (the tests then fail until it is).
struct BundleJSON {
    private(set) var bytes: [UInt8] = []
    /// The last date written and its text (every item of a run shares the collection time).
    private var lastDate: (Date, [UInt8])?

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    // MARK: documents

    /// `facts.json`: `{"coverage", "diagnostics", "resources"}`.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite (as `JSONEncoder` does).
    static func facts(_ file: EvidenceBundle.FactsFile) throws -> Data {
        var w = BundleJSON(capacity: 1 << 20)
        try w.object(level: 0, [
            ("coverage", { w, l in w.array(level: l, file.coverage) { w, l, c in w.coverage(c, level: l) } }),
            ("diagnostics", { w, l in w.array(level: l, file.diagnostics) { w, l, d in w.diagnostic(d, level: l) } }),
            ("resources", { w, l in try w.throwingArray(level: l, file.resources) { w, l, r in try w.resource(r, level: l) } }),
        ])
        return Data(w.bytes)
    }

    /// `manifest.json`: `{"facts_sha256", "items", "schema_version", "settings", "tool_version"}`.
    /// - Throws: what `JSONEncoder` throws for the settings (a number that is not finite).
    static func manifest(_ m: EvidenceBundle.Manifest) throws -> Data {
        var w = BundleJSON(capacity: 512 * m.items.count + 4096)
        try w.object(level: 0, [
            ("facts_sha256", { w, _ in w.string(m.factsSHA256) }),
            ("items", { w, l in w.array(level: l, m.items) { w, l, i in w.manifestItem(i, level: l) } }),
            ("schema_version", { w, _ in w.string(m.schemaVersion) }),
            ("settings", { w, l in try w.encoded(m.settings, level: l) }),
            ("tool_version", { w, _ in w.string(m.toolVersion) }),
        ])
        return Data(w.bytes)
    }

    // MARK: shapes

    typealias Member = (key: StaticString, write: (inout BundleJSON, Int) throws -> Void)

    /// An object whose members are already in sorted order, at indentation `level`.
    private mutating func object(level: Int, _ members: [Member]) throws {
        guard !members.isEmpty else { return emptyContainer("{", "}", level: level) }
        bytes.append(UInt8(ascii: "{"))
        for (i, m) in members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            newline(level + 1)
            bytes.append(UInt8(ascii: "\""))
            m.key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: Self.keyEnd)
            try m.write(&self, level + 1)
        }
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    private static let keyEnd: [UInt8] = Array("\" : ".utf8)

    /// Starts member `key` of an object at `level` (`first` leaves out the comma).
    @inline(__always) private mutating func key(_ key: String, first: Bool, level: Int) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        newline(level + 1)
        string(key)
        bytes.append(contentsOf: Self.colon)
    }

    private static let colon: [UInt8] = Array(" : ".utf8)

    private mutating func emptyContainer(_ open: Unicode.Scalar, _ close: Unicode.Scalar, level: Int) {
        bytes.append(UInt8(ascii: open))
        bytes.append(0x0A)
        newline(level)
        bytes.append(UInt8(ascii: close))
    }

    @inline(__always) private mutating func newline(_ level: Int) {
        bytes.append(0x0A)
        for _ in 0..<level { bytes.append(0x20); bytes.append(0x20) }
    }

    private mutating func array<T>(level: Int, _ list: [T], _ element: (inout BundleJSON, Int, T) -> Void) {
        guard !list.isEmpty else { return emptyContainer("[", "]", level: level) }
        bytes.append(UInt8(ascii: "["))
        for (i, x) in list.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            newline(level + 1)
            element(&self, level + 1, x)
        }
        newline(level)
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func throwingArray<T>(level: Int, _ list: [T], _ element: (inout BundleJSON, Int, T) throws -> Void) throws {
        guard !list.isEmpty else { return emptyContainer("[", "]", level: level) }
        bytes.append(UInt8(ascii: "["))
        for (i, x) in list.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            newline(level + 1)
            try element(&self, level + 1, x)
        }
        newline(level)
        bytes.append(UInt8(ascii: "]"))
    }

    /// A dictionary's members in the order `.sortedKeys` gives them (the UTF-8 bytes of the keys).
    private mutating func dictionary<V>(level: Int, _ d: [String: V], _ value: (inout BundleJSON, Int, V) throws -> Void) rethrows {
        guard !d.isEmpty else { return emptyContainer("{", "}", level: level) }
        bytes.append(UInt8(ascii: "{"))
        // Positions sorted, not the members: moving (key, value) pairs cost retains and releases per swap.
        let members = Array(d)
        let order = members.indices.sorted { Self.precedes(members[$0].key, members[$1].key) }
        for (i, k) in order.enumerated() {
            key(members[k].key, first: i == 0, level: level)
            try value(&self, level + 1, members[k].value)
        }
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes (the order of `.sortedKeys`), compared with `memcmp`.
    static func precedes(_ a: String, _ b: String) -> Bool {
        // Native strings lend their bytes in place (no copy of either string); others are compared byte by byte.
        let inPlace = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        if let inPlace, let result = inPlace { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private mutating func strings<S: RawRepresentable>(level: Int, _ list: [S]) where S.RawValue == String {
        array(level: level, list) { w, _, s in w.string(s.rawValue) }
    }

    // MARK: values

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal, escaped as `JSONEncoder` escapes it.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for (i, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                start = i + 1
                bytes.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(b >> 4)], Self.hex[Int(b & 0x0F)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func int(_ n: Int) {
        var t = String(n)
        t.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func bool(_ b: Bool) {
        bytes.append(contentsOf: b ? Self.trueText : Self.falseText)
    }

    private static let trueText: [UInt8] = Array("true".utf8), falseText: [UInt8] = Array("false".utf8), nullText: [UInt8] = Array("null".utf8)

    /// A number as ``FactValue`` and ``JSONValue`` encode it: a whole number below 10^15 as an integer, anything
    /// else as `JSONEncoder` writes a `Double`.
    private mutating func number(_ d: Double, level: Int) throws {
        if d == d.rounded(), abs(d) < 1e15 { int(Int(Int64(d))) } else { try encoded(d, level: level) }
    }

    /// `value` as ``EvidenceBundle/encoder()`` writes it, indented to `level` (a line break inside JSON text is
    /// always layout: strings escape theirs; the empty line of an empty container stays empty, as `JSONEncoder`
    /// leaves it).
    private mutating func encoded<T: Encodable>(_ value: T, level: Int) throws {
        let data = try EvidenceBundle.encoder().encode(value)
        guard level > 0 else { return bytes.append(contentsOf: data) }
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            for (i, c) in b.enumerated() {
                bytes.append(c)
                if c == 0x0A, i + 1 < b.count, b[i + 1] != 0x0A {
                    for _ in 0..<level { bytes.append(0x20); bytes.append(0x20) }
                }
            }
        }
    }

    private mutating func fact(_ v: FactValue, level: Int) throws {
        switch v {
        case .string(let s): string(s)
        case .number(let d): try number(d, level: level)
        case .bool(let b): bool(b)
        case .null: bytes.append(contentsOf: Self.nullText)
        case .list(let l): try throwingArray(level: level, l) { w, l, x in try w.fact(x, level: l) }
        case .unknown(let reason):
            bytes.append(UInt8(ascii: "{"))
            key("unknown", first: true, level: level)
            string(reason)
            newline(level)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func json(_ v: JSONValue, level: Int) throws {
        switch v {
        case .string(let s): string(s)
        case .number(let d): try number(d, level: level)
        case .bool(let b): bool(b)
        case .null: bytes.append(contentsOf: Self.nullText)
        case .array(let a): try throwingArray(level: level, a) { w, l, x in try w.json(x, level: l) }
        case .object(let o): try dictionary(level: level, o) { w, l, x in try w.json(x, level: l) }
        }
    }

    private mutating func date(_ d: Date) {
        if let (last, text) = lastDate, last == d { return bytes.append(contentsOf: text) }
        let start = bytes.count
        string(DateParsing.iso(d))
        lastDate = (d, Array(bytes[start...]))
    }

    // MARK: bundle types (their synthesized Codable members, sorted)

    private mutating func resource(_ r: Resource, level: Int) throws {
        bytes.append(UInt8(ascii: "{"))
        key("fields", first: true, level: level)
        try dictionary(level: level + 1, r.fields) { w, l, v in try w.fact(v, level: l) }
        key("id", first: false, level: level)
        string(r.id)
        key("name", first: false, level: level)
        string(r.name)
        if let observed = r.observed {
            key("observed", first: false, level: level)
            try dictionary(level: level + 1, observed) { w, l, v in try w.json(v, level: l) }
        }
        key("provenance", first: false, level: level)
        array(level: level + 1, r.provenance) { w, l, p in w.provenance(p, level: l) }
        key("type", first: false, level: level)
        string(r.type.rawValue)
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func provenance(_ p: Provenance, level: Int) {
        bytes.append(UInt8(ascii: "{"))
        key("evidence", first: true, level: level)
        string(p.evidence)
        if let line = p.line {
            key("line", first: false, level: level)
            int(line)
        }
        if let pointer = p.pointer {
            key("pointer", first: false, level: level)
            string(pointer)
        }
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func coverage(_ c: SourceCoverage, level: Int) {
        bytes.append(UInt8(ascii: "{"))
        key("collector", first: true, level: level)
        string(c.collector)
        if let detail = c.detail {
            key("detail", first: false, level: level)
            string(detail)
        }
        key("found", first: false, level: level)
        dictionary(level: level + 1, c.found) { w, _, n in w.int(n) }
        key("inventory_types", first: false, level: level)
        strings(level: level + 1, c.inventoryTypes)
        key("resource_types", first: false, level: level)
        strings(level: level + 1, c.resourceTypes)
        key("source", first: false, level: level)
        string(c.source)
        key("status", first: false, level: level)
        string(c.status.rawValue)
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func diagnostic(_ d: Diagnostic, level: Int) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        if let column = d.column {
            key("column", first: true, level: level)
            int(column)
            first = false
        }
        if let fix = d.fix {
            key("fix", first: first, level: level)
            string(fix)
            first = false
        }
        if let line = d.line {
            key("line", first: first, level: level)
            int(line)
            first = false
        }
        key("message", first: first, level: level)
        string(d.message)
        key("severity", first: false, level: level)
        string(d.severity.rawValue)
        key("source", first: false, level: level)
        string(d.source)
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func manifestItem(_ entry: EvidenceBundle.Manifest.Item, level: Int) {
        bytes.append(UInt8(ascii: "{"))
        key("item", first: true, level: level)
        let item = entry.item, l = level + 1
        bytes.append(UInt8(ascii: "{"))
        key("collected_at", first: true, level: l)
        date(item.collectedAt)
        key("collector", first: false, level: l)
        string(item.collector)
        key("id", first: false, level: l)
        string(item.id)
        key("kind", first: false, level: l)
        string(item.kind)
        key("locator", first: false, level: l)
        string(item.locator)
        key("sha256", first: false, level: l)
        string(item.sha256)
        key("size", first: false, level: l)
        int(item.size)
        newline(l)
        bytes.append(UInt8(ascii: "}"))
        key("path", first: false, level: level)
        string(entry.path)
        newline(level)
        bytes.append(UInt8(ascii: "}"))
    }
}
