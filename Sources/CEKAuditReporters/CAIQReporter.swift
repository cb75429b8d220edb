import CEKAuditCore
import Foundation

/// The proposed CAIQ answers as a provider takes them into its questionnaire: one answer per question (CEK-08.1
/// today), with the catalog version it answers, the answer (Yes / No / NA; an undecided answer is left blank with the
/// reason), the SSRM ownership, the implementation description as sentences with no check ids, the customer's
/// responsibilities, and — apart — every claim with the evidence ids behind it and the gaps that keep the answer from
/// Yes. Deterministic: the report's order, no clock.
public struct CAIQReporter: Sendable {
    public init() {}

    /// The questionnaire value of an answer (CAIQ v4 / AI-CAIQ "CSP CAIQ Answer" column): `Yes`, `No`, `NA`, or
    /// empty when the evidence does not decide.
    public static func workbookAnswer(_ a: CAIQAnswer.Answer) -> String {
        switch a {
        case .yes: return "Yes"
        case .no: return "No"
        case .notApplicable: return "NA"
        case .undetermined: return ""
        }
    }

    /// CSV (RFC 4180: CRLF line ends, every field quoted, `"` doubled) with the columns `question_id`, `question`,
    /// `catalog_version`, `row`, `answer`, `ownership`, `text`, `evidence_ids`. Per question: one `answer` row (the
    /// implementation description in `text`, every evidence id in `evidence_ids`), one `customer_responsibilities`
    /// row, one `claim` row per sentence with its own evidence ids, one `gap` row per gap. A leading `=`, `+`, `-` or
    /// `@` in a field is prefixed with `'` so that a spreadsheet never reads text from the evidence as a formula.
    public func renderCSV(_ report: AssessmentReport) -> Data {
        var rows: [[String]] = [["question_id", "question", "catalog_version", "row", "answer", "ownership", "text", "evidence_ids"]]
        for a in report.caiq {
            let answer = Self.workbookAnswer(a.answer)
            let all = Array(Set(a.claims.flatMap(\.evidence))).sorted()
            let head = [a.id, a.question, a.catalogVersion]
            rows.append(head + ["answer", answer, a.ownership, a.description + (a.answer == .undetermined ? " (Left blank: the evidence does not decide the answer.)" : ""), all.joined(separator: " ")])
            rows.append(head + ["customer_responsibilities", "", "", a.customerResponsibilities, ""])
            for c in a.claims { rows.append(head + ["claim", "", "", c.text, c.evidence.joined(separator: " ")]) }
            for g in a.gaps { rows.append(head + ["gap", "", "", g, ""]) }
        }
        let text = rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return Data(text.utf8)
    }

    /// One RFC 4180 field: quoted, `"` doubled, a leading formula character defused with `'`.
    public static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { v = "'" + v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// JSON: `{"schema": "cek-audit-caiq/1", "assessment": …, "answers": [ … ]}`, each answer with `question_id`,
    /// `question`, `catalog_version`, `answer` (workbook value, `null` when undecided), `decided`, `ownership`,
    /// `implementation_description`, `customer_responsibilities`, `claims` (`text`, `evidence`), `gaps`. Sorted keys.
    /// - Throws: `EncodingError` only if a string cannot be encoded (never for valid reports).
    public func renderJSON(_ report: AssessmentReport) throws -> Data {
        struct Answer: Encodable {
            var question_id: String, question: String, catalog_version: String, answer: String?, decided: Bool, ownership: String
            var implementation_description: String, customer_responsibilities: String, claims: [CAIQAnswer.Claim], gaps: [String]
        }
        struct Document: Encodable {
            var schema = "cek-audit-caiq/1"
            var assessment: String
            var assessed_at: String
            var answers: [Answer]
        }
        let answers = report.caiq.map { a in
            Answer(question_id: a.id, question: a.question, catalog_version: a.catalogVersion,
                   answer: a.answer == .undetermined ? nil : Self.workbookAnswer(a.answer), decided: a.answer != .undetermined,
                   ownership: a.ownership, implementation_description: a.description,
                   customer_responsibilities: a.customerResponsibilities, claims: a.claims, gaps: a.gaps)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Document(assessment: report.assessment, assessed_at: DateParsing.iso(report.generatedAt),
                                               answers: answers))
        data.append(0x0A)
        return data
    }
}
