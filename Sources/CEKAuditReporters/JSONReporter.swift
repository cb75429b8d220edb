import CEKAuditCore
import Foundation

/// Renders `report.json` (schema 2.0.0): the ``AssessmentReport`` with its results and resources stored as
/// ``ReportTables`` — results that share check, verdict, severity and waiver are one entry of `groups`, each result a
/// compact row of `results` referring to it, to its reasons in `reasons` (when not the group's), to its subject in
/// `subjects` (a resource row) and to its evidence in `provenance`; resources one table per type. Keys are sorted and dates RFC 3339 UTC; every top-level member, and every element of an array of
/// objects down to the rows of the tables, starts a line, so the file is compact yet diffs line by line. The schema
/// is `Schemas/report.schema.json` (JSON Schema draft 2020-12), versioned by `schema_version`.
public struct JSONReporter: Sendable {
    public init() {}

    /// Encodes the report.
    /// - Throws: `EncodingError` if a value cannot be encoded (non-finite numbers).
    public func render(_ report: AssessmentReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(DateParsing.iso(date))
        }
        return Self.lineBreaks(try encoder.encode(ReportDocument(report)))
    }

    /// Inserts line breaks into compact JSON: after the opening brace, after each comma between top-level members,
    /// after each comma at depth 2 to 4 that is followed by an object, and before the closing brace; ends with a
    /// newline. Bytes inside strings are never touched, so the value is unchanged.
    static func lineBreaks(_ json: Data) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(json.count + json.count / 16 + 2)
        json.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var depth = 0
            var inString = false
            var i = 0
            while i < b.count {
                let c = b[i]
                out.append(c)
                if inString {
                    if c == UInt8(ascii: "\\") {
                        i += 1
                        if i < b.count { out.append(b[i]) }
                    } else if c == UInt8(ascii: "\"") {
                        inString = false
                    }
                    i += 1
                    continue
                }
                switch c {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth == 1 { out.append(0x0A) }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0, out.count >= 2 {
                        out.insert(0x0A, at: out.count - 1)
                    }
                case UInt8(ascii: ","):
                    if depth == 1 || (depth <= 4 && i + 1 < b.count && b[i + 1] == UInt8(ascii: "{")) { out.append(0x0A) }
                default: break
                }
                i += 1
            }
        }
        out.append(0x0A)
        return Data(out)
    }
}

/// The members of `report.json`: the report's own, with `results` and `resources` replaced by ``ReportTables``.
struct ReportDocument: Encodable {
    let report: AssessmentReport
    let tables: ReportTables

    init(_ report: AssessmentReport) {
        self.report = report
        tables = ReportTables(results: report.results, resources: report.resources)
    }

    enum CodingKeys: String, CodingKey {
        case tool, assessment, catalog, parameters, summary, caiq, guidelines, evidence, coverage, diagnostics, settings, waivers, comparison
        case groups, reasons, templates, subjects, provenance, results, resources
        case schemaVersion = "schema_version"
        case generatedAt = "generated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.schemaVersion, forKey: .schemaVersion)
        try c.encode(report.tool, forKey: .tool)
        try c.encode(report.assessment, forKey: .assessment)
        try c.encode(report.generatedAt, forKey: .generatedAt)
        try c.encode(report.catalog, forKey: .catalog)
        try c.encode(report.parameters, forKey: .parameters)
        try c.encode(report.summary, forKey: .summary)
        try c.encode(report.caiq, forKey: .caiq)
        try c.encode(report.guidelines, forKey: .guidelines)
        try c.encode(report.evidence, forKey: .evidence)
        try c.encode(report.coverage, forKey: .coverage)
        try c.encode(report.diagnostics, forKey: .diagnostics)
        try c.encode(report.settings, forKey: .settings)
        try c.encodeIfPresent(report.waivers, forKey: .waivers)
        try c.encodeIfPresent(report.comparison, forKey: .comparison)
        try c.encode(tables.groups, forKey: .groups)
        try c.encode(tables.reasons, forKey: .reasons)
        try c.encode(tables.templates, forKey: .templates)
        try c.encode(tables.subjects, forKey: .subjects)
        try c.encode(tables.provenance, forKey: .provenance)
        try c.encode(tables.results, forKey: .results)
        try c.encode(tables.resources, forKey: .resources)
    }
}
