import CEKAuditReporters
import CEKAuditTestSupport
import Foundation
import Testing

/// `--format caiq-csv` and `caiq-json` on the bundled example: a questionnaire answer a provider would send — no
/// check ids in the implementation description, every claim traceable by evidence id in its own column.
@Suite struct CAIQExportTests {
    static func export() throws -> (csv: String, json: [String: Any], report: [String: Any], out: URL) {
        let out = try CLI.tempDir()
        let r = try CLI.run(["assess", "examples/acme-ai-platform", "--format", "caiq-csv", "--format", "caiq-json", "--format", "json",
                             "--output", out.path, "-q"])
        #expect(r.status == 1, "\(r.stderr)")
        let csv = try String(contentsOf: out.appendingPathComponent("caiq-answers.csv"), encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("caiq-answers.json"))) as? [String: Any])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        return (csv, json, report, out)
    }

    /// Splits RFC 4180 CSV with every field quoted.
    static func rows(_ csv: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(csv).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else if c != "\r" { field.append(c) }
        }
        return rows
    }

    @Test func csvReadsAsAQuestionnaireAnswerWithTraceableClaims() throws {
        let (csv, _, report, out) = try Self.export()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(csv.hasSuffix("\r\n"))
        let rows = Self.rows(csv)
        #expect(rows.first == ["question_id", "question", "catalog_version", "row", "answer", "ownership", "text", "evidence_ids"])
        #expect(rows.dropFirst().allSatisfy { $0.count == 8 })
        let answer = try #require(rows.first { $0.count == 8 && $0[3] == "answer" })
        #expect(answer[0] == "CEK-08.1")
        #expect(answer[2].hasPrefix("AICM "))
        #expect(answer[4] == "No", "the example fails by design")
        #expect(answer[5] == "CSP-Owned")
        #expect(!answer[6].contains("CEK08-"), "no check ids in the implementation description: \(answer[6])")
        #expect(answer[6].contains("imported"))
        // Every evidence id in the CSV is an evidence item of the report.
        let items = Set(ReportJSON.evidence(report).compactMap { $0["id"] as? String })
        let claims = rows.filter { $0.count == 8 && $0[3] == "claim" }
        #expect(claims.count >= 5)
        for c in claims where !c[6].contains("needs an attestation") {
            #expect(!c[7].isEmpty, "claim without evidence: \(c[6])")
            for id in c[7].split(separator: " ") { #expect(items.contains(String(id)), "\(id) is not an evidence item") }
        }
        #expect(rows.contains { $0.count == 8 && $0[3] == "customer_responsibilities" && $0[6].contains("re-import") })
        #expect(rows.contains { $0.count == 8 && $0[3] == "gap" })
    }

    @Test func jsonCarriesTheSameAnswer() throws {
        let (_, json, _, out) = try Self.export()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(json["schema"] as? String == "cek-audit-caiq/1")
        let answers = try #require(json["answers"] as? [[String: Any]])
        let a = try #require(answers.first)
        #expect(a["question_id"] as? String == "CEK-08.1")
        #expect(a["answer"] as? String == "No")
        #expect(a["decided"] as? Bool == true)
        #expect((a["claims"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test func aFieldThatLooksLikeAFormulaIsDefused() {
        #expect(CAIQReporter.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CAIQReporter.csvField("plain") == "\"plain\"")
    }
}
