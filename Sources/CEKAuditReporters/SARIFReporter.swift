import CEKAuditCore
import Foundation

/// Renders `report.sarif`: SARIF 2.1.0 (OASIS Standard, errata 01) for code-scanning dashboards and CI.
///
/// One rule per check (`tool.driver.rules`, with the AICM guideline as a tag and a GitHub `security-severity`), one
/// result per check result: `kind` `fail` (with a `level` from the check's severity), `pass`, `notApplicable`, or
/// `review` for inconclusive and manual results (SARIF §3.27.9; `level` is `none` whenever `kind` is not `fail`,
/// §3.27.10). The evidence file and line of the first provenance link become the physical location, the subject the
/// logical location (§3.33); `partialFingerprints` carry the stable finding id so results compare across runs.
/// Every result with a file-based provenance link gets that file as its location; each rule's `help` comes from the
/// catalog; a waived result carries an accepted external suppression naming the waiver.
public struct SARIFReporter: Sendable {
    public init() {}

    /// Encodes the report. Keys sorted, deterministic.
    /// - Throws: `EncodingError` (not expected: the model holds only strings and numbers).
    public func render(_ report: AssessmentReport) throws -> Data {
        let checks = report.guidelines.flatMap { g in g.checks.map { (g, $0) } }
        var ruleIndex: [String: Int] = [:]
        var rules: [JSONValue] = []
        for (g, c) in checks where ruleIndex[c.id] == nil {
            ruleIndex[c.id] = rules.count
            var rule: [String: JSONValue] = [
                "id": .string(c.id),
                "name": .string(c.id),
                "shortDescription": .object(["text": .string(c.title)]),
                "defaultConfiguration": .object(["level": .string(Self.level(c.severity))]),
                "properties": .object([
                    "tags": .array([.string(report.catalog.framework), .string(report.catalog.control), .string(g.id)].map { $0 }),
                    "security-severity": .string(Self.securitySeverity(c.severity)),
                    "guideline": .string(g.id),
                ]),
            ]
            if let r = c.rationale { rule["fullDescription"] = .object(["text": .string(r)]) }
            rule["help"] = Self.help(c, guideline: g)
            rules.append(.object(rule))
        }
        let files = Dictionary(report.evidence.map { ($0.id, $0.locator) }, uniquingKeysWith: { a, _ in a })
        let results: [JSONValue] = report.results.map { r in
            var out: [String: JSONValue] = [
                "ruleId": .string(r.check),
                "kind": .string(Self.kind(r.verdict)),
                "level": .string(r.verdict == .fail ? Self.level(r.severity) : "none"),
                "message": .object(["text": .string(r.message)]),
                "partialFingerprints": .object(["cekAuditFinding/v1": .string(r.id)]),
                "properties": .object([
                    "verdict": .string(r.verdict.rawValue),
                    "guideline": .string(r.guideline),
                    "reasons": .array(r.reasons.map(JSONValue.string)),
                ]),
            ]
            if let i = ruleIndex[r.check] { out["ruleIndex"] = .number(Double(i)) }
            if let w = r.waiver {
                // A waived failure is an accepted, externally recorded suppression (SARIF §3.35).
                out["suppressions"] = .array([.object(["kind": .string("external"), "status": .string("accepted"),
                                                       "justification": .string("waiver \(w.id) until \(DateParsing.iso(w.expires))")])])
            }
            var location: [String: JSONValue] = [:]
            if let place = FileLocation.first(r.evidence, files: files) {
                var physical: [String: JSONValue] = ["artifactLocation": .object(["uri": .string(Self.uri(place.locator)), "uriBaseId": .string("ASSESSMENT")])]
                if let line = place.line { physical["region"] = .object(["startLine": .number(Double(line))]) }
                location["physicalLocation"] = .object(physical)
            }
            if let s = r.subject {
                location["logicalLocations"] = .array([.object(["name": .string(s.name), "fullyQualifiedName": .string(s.id),
                                                                 "kind": .string("resource")])])
            }
            if !location.isEmpty { out["locations"] = .array([.object(location)]) }
            return .object(out)
        }
        let log: JSONValue = .object([
            "$schema": .string("https://json.schemastore.org/sarif-2.1.0.json"),
            "version": .string("2.1.0"),
            "runs": .array([.object([
                "tool": .object(["driver": .object([
                    "name": .string(report.tool.name), "version": .string(report.tool.version),
                    "rules": .array(rules),
                ])]),
                "automationDetails": .object(["id": .string("cek-audit/\(report.assessment)/")]),
                "originalUriBaseIds": .object(["ASSESSMENT": .object(["description": .object(["text": .string("The assessment folder")])])]),
                "properties": .object([
                    "control": .string(report.catalog.control), "frameworkVersion": .string(report.catalog.frameworkVersion),
                    "assessedAsOf": .string(DateParsing.iso(report.generatedAt)),
                ]),
                "results": .array(results),
            ])]),
        ])
        var data = Data(Self.pretty(log).utf8)
        data.append(0x0A)
        return data
    }

    /// The `artifactLocation.uri` of an evidence file: its locator (a path relative to the assessment folder)
    /// percent-encoded as an RFC 3986 relative reference (SARIF §3.4.3 requires a valid URI reference), keeping `/`.
    /// `a b/"x".json` → `a%20b/%22x%22.json`; a bidi mark or a control character becomes its UTF-8 bytes in `%XX`.
    static func uri(_ locator: String) -> String {
        PercentEncoding.encode(locator, keeping: .relativePath)
    }

    /// The rule's help from the catalog (§3.49.13): what the check requires and why, and the procedure an auditor
    /// follows where the check has one, as text and Markdown.
    static func help(_ c: CheckSummary, guideline g: GuidelineResult) -> JSONValue {
        var text = "\(c.title) (\(g.id): \(g.title))."
        var markdown = "**\(Markdown.inline(c.title))** (\(Markdown.inline(g.id)): \(Markdown.inline(g.title)))."
        if let r = c.rationale { text += "\n\n" + r; markdown += "\n\n" + Markdown.inline(r) }
        if let p = c.procedure { text += "\n\nProcedure:\n" + p; markdown += "\n\n**Procedure**\n\n" + Markdown.inline(p) }
        if let source = c.source { text += "\n\nDefined in \(source)" + (c.line.map { ":\($0)" } ?? "") + "." }
        return .object(["text": .string(text), "markdown": .string(markdown)])
    }

    /// SARIF `kind` for a verdict.
    static func kind(_ v: Verdict) -> String {
        switch v {
        case .pass, .waived: return "pass"
        case .fail: return "fail"
        case .notApplicable: return "notApplicable"
        case .inconclusive, .manual: return "review"
        }
    }

    /// SARIF `level` for a failing check of this severity.
    static func level(_ s: Severity) -> String {
        switch s {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    /// GitHub code scanning's `security-severity` (0.0–10.0, as a string).
    static func securitySeverity(_ s: Severity) -> String {
        switch s {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        case .info: return "1.0"
        }
    }

    /// Two-space indented JSON with sorted keys (the project's JSONValue keeps no key order).
    static func pretty(_ v: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch v {
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[\n" + a.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.keys.sorted().map { inner + JSONValue.quote($0) + ": " + pretty(o[$0] ?? .null, indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return v.compactText
        }
    }
}
