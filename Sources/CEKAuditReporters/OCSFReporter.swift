import CEKAuditCore
import Foundation

/// Renders `report.ocsf.jsonl`: one OCSF 1.5.0 **Compliance Finding** event (class `2003`, category `2` Findings;
/// OCSF `events/findings/compliance_finding.json`) per check result, one compact JSON object per line (JSON Lines),
/// in the order of the report's results.
///
/// Each event is `activity_id` 1 Create, so `type_uid` = `class_uid` × 100 + `activity_id` = 200301
/// (`base_event.json`); `severity_id` comes from the check's severity; `time` is the assessment time in
/// **milliseconds** since the epoch (OCSF `timestamp_t`, `dictionary.json`) with `time_dt` beside it, so two runs with
/// the same `SOURCE_DATE_EPOCH` give the same bytes. `compliance` (`objects/compliance.json`) names the check as
/// `control`, `CEK-08` and the guideline as `requirements`, the catalog's framework version as `standards`, and maps
/// the verdict to `status_id` (``complianceStatus(_:)``). `finding_info.uid` is the result's stable finding id.
/// The evidence items a verdict was read from (id, SHA-256, locator) are in `unmapped.evidence`, the subject in
/// `resources`. Every string is written as a JSON string literal (RFC 8259 §7), so text from evidence stays data.
public struct OCSFReporter: Sendable {
    /// The OCSF schema version the events follow (`metadata.version`).
    public static let schemaVersion = "1.5.0"
    /// Compliance Finding (`class_uid`).
    public static let classUID = 2003
    /// Findings (`category_uid`).
    public static let categoryUID = 2
    /// Create (`activity_id`).
    public static let activityID = 1

    /// A reporter; it holds no state.
    public init() {}

    /// The JSON Lines bytes: one event per check result, each line ending in a newline; empty without results.
    public func render(_ report: AssessmentReport) -> Data {
        var titles: [String: String] = [:]
        for g in report.guidelines { for c in g.checks where titles[c.id] == nil { titles[c.id] = c.title } }
        let evidence = Dictionary(report.evidence.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let millis = Self.milliseconds(report.generatedAt)
        let when = DateParsing.iso(report.generatedAt)
        var out = ""
        for r in report.results {
            let (statusID, status) = Self.complianceStatus(r.verdict)
            let (severityID, severity) = Self.severity(r.severity)
            let suppressed = r.verdict == .waived
            var unmapped: [String: JSONValue] = [
                "verdict": .string(r.verdict.rawValue),
                "guideline": .string(r.guideline),
                "evidence": .array(r.evidence.map { p in
                    var e: [String: JSONValue] = ["id": .string(p.evidence)]
                    if let item = evidence[p.evidence] {
                        e["sha256"] = .string(item.sha256)
                        e["locator"] = .string(item.locator)
                        e["kind"] = .string(item.kind)
                    }
                    if let pointer = p.pointer { e["pointer"] = .string(pointer) }
                    if let line = p.line { e["line"] = .number(Double(line)) }
                    return .object(e)
                }),
            ]
            if let w = r.waiver {
                unmapped["waiver"] = .object(["id": .string(w.id), "expires": .string(DateParsing.iso(w.expires))])
            }
            let subject = r.subject ?? SubjectRef(type: "assessment", id: report.assessment, name: report.assessment)
            var event: [String: JSONValue] = [
                "activity_id": .number(Double(Self.activityID)),
                "activity_name": .string("Create"),
                "category_uid": .number(Double(Self.categoryUID)),
                "category_name": .string("Findings"),
                "class_uid": .number(Double(Self.classUID)),
                "class_name": .string("Compliance Finding"),
                "type_uid": .number(Double(Self.classUID * 100 + Self.activityID)),
                "type_name": .string("Compliance Finding: Create"),
                "severity_id": .number(Double(severityID)),
                "severity": .string(severity),
                // Event status (base_event): New, or Suppressed when a waiver accepted the failure.
                "status_id": .number(suppressed ? 3 : 1),
                "status": .string(suppressed ? "Suppressed" : "New"),
                "status_code": .string(r.verdict.rawValue.uppercased()),
                "message": .string(r.message),
                "time": .number(Double(millis)),
                "time_dt": .string(when),
                "metadata": .object([
                    "version": .string(Self.schemaVersion),
                    "event_code": .string(r.check),
                    "uid": .string(r.id),
                    "product": .object([
                        "name": .string(report.tool.name),
                        "vendor_name": .string("cek-audit project"),
                        "version": .string(report.tool.version),
                    ]),
                ]),
                "finding_info": .object([
                    "uid": .string(r.id),
                    "title": .string(titles[r.check] ?? r.check),
                    "desc": .string(r.message),
                ]),
                "compliance": .object([
                    "control": .string(r.check),
                    "requirements": .array([.string(report.catalog.control), .string(r.guideline)]),
                    "standards": .array([.string(Self.standard(report))]),
                    "status_id": .number(Double(statusID)),
                    "status": .string(status),
                    "status_code": .string(r.verdict.rawValue.uppercased()),
                ]),
                "resources": .array([.object([
                    "uid": .string(subject.id),
                    "name": .string(subject.name),
                    "type": .string(subject.type),
                ])]),
                "unmapped": .object(unmapped),
            ]
            if !r.reasons.isEmpty { event["status_detail"] = .string(r.reasons.joined(separator: "; ")) }
            out += JSONValue.object(event).compactText
            out += "\n"
        }
        return Data(out.utf8)
    }

    /// The standard a finding is measured against: `CSA AICM 1.0.3` (the catalog's framework short name is fixed to
    /// AICM's; the version is the catalog's stamp).
    static func standard(_ report: AssessmentReport) -> String {
        "CSA AICM \(report.catalog.frameworkVersion)"
    }

    /// Whole milliseconds since the epoch (OCSF `timestamp_t`).
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// `compliance.status_id` and its caption (OCSF 1.5.0 `objects/compliance.json`): pass → 1 Pass, fail → 3 Fail;
    /// inconclusive, manual, not applicable and waived → 99 Other (the verdict itself is in `status_code` and
    /// `unmapped.verdict`).
    public static func complianceStatus(_ v: Verdict) -> (Int, String) {
        switch v {
        case .pass: return (1, "Pass")
        case .fail: return (3, "Fail")
        case .inconclusive, .manual, .notApplicable, .waived: return (99, "Other")
        }
    }

    /// `severity_id` and caption (OCSF `base_event.json`): info 1 Informational, low 2, medium 3, high 4, critical 5.
    static func severity(_ s: Severity) -> (Int, String) {
        switch s {
        case .info: return (1, "Informational")
        case .low: return (2, "Low")
        case .medium: return (3, "Medium")
        case .high: return (4, "High")
        case .critical: return (5, "Critical")
        }
    }
}
