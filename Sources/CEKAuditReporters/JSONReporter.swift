import CEKAuditCore
import Foundation

/// Renders `report.json` (schema 3.0.0): the ``AssessmentReport`` with its results, resources and evidence stored as
/// ``ReportTables`` — results that share check, verdict, severity and waiver are one entry of `groups`, each result a
/// compact array row of `results` referring to it, to its subject in `subjects` (a resource row), to its evidence in
/// `provenance` and to its reasons in `reasons` (when not the group's); resources one table per type (values shared
/// by every row said once); evidence items one table per collector, kind, locator folder and collection time; each
/// provenance entry an item position and a pointer position in `pointers`. Keys are sorted and dates RFC 3339 UTC;
/// every top-level member, and every row of a table, starts a line, so the file is compact yet diffs line by line.
/// The schema is `Schemas/report.schema.json` (JSON Schema draft 2020-12), versioned by `schema_version`.
public struct JSONReporter: Sendable {
    public init() {}

    /// Encodes the report.
    /// - Throws: `EncodingError` if a value cannot be encoded (non-finite numbers).
    public func render(_ report: AssessmentReport) throws -> Data {
        // The streamed bytes gathered in one buffer reserved at about the file's size: the file exists once.
        var data = Data()
        data.reserveCapacity(report.results.count * 64 + report.resources.count * 600 + report.evidence.count * 200 + 1 << 20)
        try withoutActuallyEscaping({ (piece: UnsafeRawBufferPointer) in data.append(contentsOf: piece) }) { sink in
            try render(report, to: sink, chunk: 1 << 18)
        }
        return data
    }

    /// Encodes the report into `sink` in pieces of 256 KiB as they are written, line breaks inserted on the
    /// way: the same bytes as ``render(_:)``, but the whole file is never in memory (a 10,000-key report.json is
    /// 15-25 MB; issue 16's peak RSS at 10,000 live keys).
    /// - Throws: `EncodingError` as ``render(_:)``; whatever `sink` throws (the first error; nothing is passed to the
    ///   sink after it).
    public func render(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        try render(report, to: sink, chunk: 1 << 18)
    }

    /// ``render(_:to:)`` with pieces of `chunk` bytes (tests use a few bytes, to cross every boundary).
    func render(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int) throws {
        let out = JSONText(streamingTo: sink, chunk: chunk)
        try write(report, into: out)
        try out.finish()
    }

    /// Writes the report's members into `out`, compact (no line breaks).
    private func write(_ report: AssessmentReport, into out: JSONText) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(DateParsing.iso(date))
        }
        var doc = ReportDocument(report)
        // What building the tables freed goes back to the system before the file's bytes are written.
        HeapTrim.release()
        // The tables that grow with the keys (results, resources, evidence items, provenance, pointers) are written
        // here directly, the other members by JSONEncoder: no intermediate tree of 100,000s of values (time and
        // memory at 10,000 keys: the 38,500 evidence items of a per-call export alone made a tree of ~270,000).
        // Members in sorted key order.
        out.byte(UInt8(ascii: "{"))
        var first = true
        for key in ReportDocument.CodingKeys.allCases.sorted(by: { $0.stringValue < $1.stringValue }) {
            var encoded: Data?
            if !ReportDocument.writtenDirectly.contains(key) {
                guard let value = doc.value(for: key) else { continue }
                encoded = try encoder.encode(value)
            }
            if !first { out.byte(UInt8(ascii: ",")) }
            first = false
            out.string(key.stringValue)
            out.byte(UInt8(ascii: ":"))
            switch key {
            case .results:
                out.rows(doc.tables.results)
                doc.tables.results = []
            case .resources:
                try out.tables(doc.tables.resources)
                // Written: the rows go (and their pages back to the system) before the results fill the buffer, so
                // the tables and the whole file are not all in memory at the end (peak RSS of a 10,000-key run).
                doc.tables.resources = []
                HeapTrim.release()
            case .evidence:
                out.evidence(doc.tables.evidence)
                doc.tables.evidence = []
            case .provenance: out.provenance(doc.tables.provenance)
            case .pointers: out.strings(doc.tables.pointers)
            default: if let encoded { out.append(encoded) }
            }
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// Inserts line breaks into compact JSON: after the opening brace, after each comma between top-level members,
    /// after each comma at depth 2 to 4 that is followed by an object or at depth 2 or 4 followed by an array (the
    /// rows of the tables), and before the closing brace; ends with a newline. Bytes inside strings are never touched, so the value is unchanged.
    static func lineBreaks(_ json: Data) -> Data {
        var breaker = LineBreaker()
        var out: [UInt8] = []
        json.withUnsafeBytes { breaker.process($0, upTo: $0.count, into: &out) }
        out.append(0x0A)
        return Data(out)
    }
}

/// The members of `report.json`: the report's own, with `results`, `resources` and `evidence` replaced by
/// ``ReportTables``.
struct ReportDocument {
    let report: AssessmentReport
    var tables: ReportTables

    init(_ report: AssessmentReport) {
        self.report = report
        tables = ReportTables(results: report.results, resources: report.resources, evidence: report.evidence)
    }

    /// The members ``JSONText`` writes itself (the tables that grow with the keys).
    static let writtenDirectly: Set<CodingKeys> = [.results, .resources, .evidence, .provenance, .pointers]

    /// The value of a member written by JSONEncoder; `nil` for an absent optional member (and for the members
    /// ``JSONText`` writes).
    func value(for key: CodingKeys) -> (any Encodable)? {
        switch key {
        case .schemaVersion: return report.schemaVersion
        case .tool: return report.tool
        case .assessment: return report.assessment
        case .generatedAt: return report.generatedAt
        case .catalog: return report.catalog
        case .parameters: return report.parameters
        case .summary: return report.summary
        case .caiq: return report.caiq
        case .guidelines: return report.guidelines
        case .coverage: return report.coverage
        case .diagnostics: return report.diagnostics
        case .settings: return report.settings
        case .waivers:
            if let w = report.waivers { return w }
            return nil
        case .comparison:
            if let c = report.comparison { return c }
            return nil
        case .groups: return tables.groups
        case .reasons: return tables.reasons
        case .templates: return tables.templates
        case .subjects: return tables.subjects
        case .results, .resources, .evidence, .provenance, .pointers: return nil
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tool, assessment, catalog, parameters, summary, caiq, guidelines, evidence, coverage, diagnostics, settings, waivers, comparison
        case groups, reasons, templates, subjects, provenance, pointers, results, resources
        case schemaVersion = "schema_version"
        case generatedAt = "generated_at"
    }
}

/// Compact JSON text for the rows of ``ReportTables`` (RFC 8259): objects with their keys in sorted order, strings
/// with `"`, `\\` and control characters escaped and everything else as UTF-8, integers in decimal, as JSONEncoder
/// writes them with `.sortedKeys` and `.withoutEscapingSlashes`. The bytes gather in one `malloc` buffer of about a
/// piece's size and go to a sink whenever it is full, with line breaks inserted on the way (``LineBreaker``);
/// ``finish()`` passes the rest.
final class JSONText {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written and not yet passed on.
    private(set) var count = 0

    /// A text that passes its bytes to `sink` whenever about `chunk` bytes have gathered.
    init(streamingTo sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int) {
        capacity = max(chunk, 16)
        guard let p = malloc(capacity) else { fatalError("out of memory for \(chunk) bytes of JSON") }
        base = p.bindMemory(to: UInt8.self, capacity: capacity)
        self.sink = sink
    }

    deinit { free(base) }

    /// Where the bytes go.
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    /// The first error the sink threw: nothing more reaches the sink, and ``finish()`` throws it.
    private var sinkError: (any Error)?
    /// Line breaks of the bytes already passed on, carried from piece to piece.
    private var breaker = LineBreaker()
    /// The next piece with its line breaks.
    private var piece: [UInt8] = []

    /// Room for `extra` more bytes.
    @inline(__always) private func ensure(_ extra: Int) {
        guard count + extra > capacity else { return }
        grow(extra)
    }

    @inline(never) private func grow(_ extra: Int) {
        drain(final: false)
        if count + extra <= capacity { return }
        // The buffer stays at the piece size, or at the largest single write when that is larger.
        let wanted = count + extra
        guard let p = realloc(base, wanted) else { fatalError("out of memory for \(wanted) bytes of JSON") }
        base = p.bindMemory(to: UInt8.self, capacity: wanted)
        capacity = wanted
    }

    /// Passes the bytes written so far to the sink, with their line breaks, but the last one: a comma's line break
    /// depends on the byte after it. `final` passes everything and the closing newline.
    private func drain(final: Bool) {
        let limit = final ? count : count - 1
        guard limit > 0 || final else { return }
        piece.removeAll(keepingCapacity: true)
        breaker.process(UnsafeRawBufferPointer(start: base, count: count), upTo: limit, into: &piece)
        if final { piece.append(0x0A) }
        if sinkError == nil {
            do { try piece.withUnsafeBytes { try sink($0) } } catch { sinkError = error }
        }
        let rest = count - limit
        if rest > 0 { memmove(base, base + limit, rest) }
        count = rest
    }

    /// Passes what is left to the sink.
    /// - Throws: the first error the sink threw.
    func finish() throws {
        drain(final: true)
        if let sinkError { throw sinkError }
    }

    @inline(__always) func byte(_ b: UInt8) {
        ensure(1)
        base[count] = b
        count += 1
    }

    private func append(_ p: UnsafeRawBufferPointer) {
        guard let src = p.baseAddress, p.count > 0 else { return }
        ensure(p.count)
        memcpy(base + count, src, p.count)
        count += p.count
    }

    func append(_ d: Data) { d.withUnsafeBytes { append($0) } }

    func raw(_ s: StaticString) {
        s.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    func int(_ n: Int) {
        var s = String(n)
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    func string<S: StringProtocol>(_ s: S) {
        byte(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): byte(UInt8(ascii: "\\")); byte(b)
            case UInt8(ascii: "\\"): byte(UInt8(ascii: "\\")); byte(b)
            case 0x0A: byte(UInt8(ascii: "\\")); byte(UInt8(ascii: "n"))
            case 0x0D: byte(UInt8(ascii: "\\")); byte(UInt8(ascii: "r"))
            case 0x09: byte(UInt8(ascii: "\\")); byte(UInt8(ascii: "t"))
            case 0x00..<0x20:
                raw("\\u00")
                byte(Self.hex[Int(b >> 4)])
                byte(Self.hex[Int(b & 0x0F)])
            default: byte(b)
            }
        }
        byte(UInt8(ascii: "\""))
    }

    func ints(_ list: [Int]) {
        byte(UInt8(ascii: "["))
        for (i, n) in list.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            int(n)
        }
        byte(UInt8(ascii: "]"))
    }

    /// A fact value as ``FactValue``'s `Codable` writes it.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite.
    func fact(_ v: FactValue) throws {
        switch v {
        case .string(let s): string(s)
        case .number(let d):
            guard d.isFinite else {
                throw EncodingError.invalidValue(d, .init(codingPath: [], debugDescription: "a fact value is not a finite number"))
            }
            if d == d.rounded(), abs(d) < 1e15 { int(Int(d)) } else { var t = "\(d)"; t.withUTF8 { append(UnsafeRawBufferPointer($0)) } }
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .null: raw("null")
        case .list(let l):
            byte(UInt8(ascii: "["))
            for (i, item) in l.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                try fact(item)
            }
            byte(UInt8(ascii: "]"))
        case .unknown(let reason):
            raw("{\"unknown\":")
            string(reason)
            byte(UInt8(ascii: "}"))
        }
    }

    /// The result rows (``ReportTables/Row``) as arrays: `[group, subject, finding, evidence, reasons, template,
    /// message, id]`, trailing absent members left out and `null` for an absent one before a present one.
    func rows(_ rows: [ReportTables.Row]) {
        byte(UInt8(ascii: "["))
        for (i, r) in rows.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            byte(UInt8(ascii: "["))
            int(r.group)
            let last = r.id != nil ? 7 : r.message != nil ? 6 : r.template != nil ? 5 : r.reasons != nil ? 4 : 3
            func optionalInt(_ x: Int?) { if let x { int(x) } else { raw("null") } }
            byte(UInt8(ascii: ","))
            optionalInt(r.subject)
            byte(UInt8(ascii: ","))
            if let f = r.finding { string(f) } else { raw("null") }
            byte(UInt8(ascii: ","))
            ints(r.evidence)
            if last >= 4 { byte(UInt8(ascii: ",")); optionalInt(r.reasons) }
            if last >= 5 { byte(UInt8(ascii: ",")); optionalInt(r.template) }
            if last >= 6 { byte(UInt8(ascii: ",")); if let m = r.message { string(m) } else { raw("null") } }
            if last >= 7, let id = r.id { byte(UInt8(ascii: ",")); string(id) }
            byte(UInt8(ascii: "]"))
        }
        byte(UInt8(ascii: "]"))
    }

    /// Strings as a JSON array.
    func strings(_ list: [String]) {
        byte(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            string(s)
        }
        byte(UInt8(ascii: "]"))
    }

    /// The provenance entries (``ReportTables/ProvenanceRef``) as arrays: `[item, pointer, line]`, trailing absent
    /// members left out; an item the report lacks as its id (a string).
    func provenance(_ entries: [ReportTables.ProvenanceRef]) {
        byte(UInt8(ascii: "["))
        for (i, p) in entries.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            byte(UInt8(ascii: "["))
            switch p.item {
            case .position(let n): int(n)
            case .missing(let id): string(id)
            }
            if p.pointer != nil || p.line != nil {
                byte(UInt8(ascii: ","))
                if let x = p.pointer { int(x) } else { raw("null") }
            }
            if let line = p.line { byte(UInt8(ascii: ",")); int(line) }
            byte(UInt8(ascii: "]"))
        }
        byte(UInt8(ascii: "]"))
    }

    /// The evidence tables (``ReportTables/EvidenceTable``), keys sorted; items as `[id, rest, size, sha256]`.
    func evidence(_ tables: [ReportTables.EvidenceTable]) {
        byte(UInt8(ascii: "["))
        for (i, t) in tables.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            raw("{\"collected_at\":")
            string(DateParsing.iso(t.collectedAt))
            raw(",\"collector\":")
            string(t.collector)
            raw(",\"folder\":")
            string(t.folder)
            raw(",\"items\":[")
            for (j, item) in t.items.enumerated() {
                if j > 0 { byte(UInt8(ascii: ",")) }
                byte(UInt8(ascii: "["))
                string(item.id)
                byte(UInt8(ascii: ","))
                string(item.restOfLocator)
                byte(UInt8(ascii: ","))
                int(item.size)
                byte(UInt8(ascii: ","))
                string(item.sha256)
                byte(UInt8(ascii: "]"))
            }
            raw("],\"kind\":")
            string(t.kind)
            byte(UInt8(ascii: "}"))
        }
        byte(UInt8(ascii: "]"))
    }

    /// The resource tables (``ReportTables/ResourceTable``), keys sorted; rows as `[id, name, provenance, value…]`.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite.
    func tables(_ tables: [ReportTables.ResourceTable]) throws {
        byte(UInt8(ascii: "["))
        for (i, t) in tables.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            raw("{\"fields\":")
            strings(t.fields)
            raw(",\"identity\":{")
            for (j, f) in t.identity.keys.sorted().enumerated() {
                if j > 0 { byte(UInt8(ascii: ",")) }
                string(f)
                byte(UInt8(ascii: ":"))
                string(t.identity[f] ?? "")
            }
            raw("},\"rows\":[")
            for (j, row) in t.rows.enumerated() {
                if j > 0 { byte(UInt8(ascii: ",")) }
                byte(UInt8(ascii: "["))
                string(row.id)
                byte(UInt8(ascii: ","))
                string(row.name)
                byte(UInt8(ascii: ","))
                ints(row.provenance)
                for cell in row.values {
                    byte(UInt8(ascii: ","))
                    switch cell {
                    case .absent: raw("{\"absent\":true}")
                    case .value(let v): try fact(v)
                    }
                }
                byte(UInt8(ascii: "]"))
            }
            raw("],\"same\":{")
            for (j, f) in t.same.keys.sorted().enumerated() {
                if j > 0 { byte(UInt8(ascii: ",")) }
                string(f)
                byte(UInt8(ascii: ":"))
                try fact(t.same[f] ?? .null)
            }
            raw("},\"type\":")
            string(t.type.rawValue)
            byte(UInt8(ascii: "}"))
        }
        byte(UInt8(ascii: "]"))
    }
}

/// report.json's line breaks, as a left-to-right pass over pieces of the text: after the opening brace,
/// after each comma between top-level members, after each comma at depth 2 to 4 followed by an object or at depth 2
/// or 4 followed by an array, before the closing brace. Bytes inside strings are never touched. The state (depth,
/// inside a string, after a backslash) is carried from one piece to the next.
struct LineBreaker {
    private var depth = 0
    private var inString = false
    private var escaped = false

    /// Copies `b[0 ..< limit]` into `out` with the line breaks. A comma's break looks at the byte after it, so `limit`
    /// must be less than `b.count` unless the text ends at `limit`.
    mutating func process(_ b: UnsafeRawBufferPointer, upTo limit: Int, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + limit + limit / 8 + 2)
        let n = b.count
        for i in 0..<limit {
            let c = b[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                out.append(c)
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                out.append(c)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                out.append(c)
                if depth == 1 { out.append(0x0A) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                // The closing brace goes on a line of its own.
                if depth == 0 { out.append(0x0A) }
                out.append(c)
            case UInt8(ascii: ","):
                out.append(c)
                if depth == 1 || (depth <= 4 && i + 1 < n && b[i + 1] == UInt8(ascii: "{"))
                    || ((depth == 2 || depth == 4) && i + 1 < n && b[i + 1] == UInt8(ascii: "[")) { out.append(0x0A) }
            default:
                out.append(c)
            }
        }
    }
}
