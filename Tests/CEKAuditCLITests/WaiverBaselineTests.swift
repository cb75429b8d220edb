import CEKAuditTestSupport
import Foundation
import Testing

/// Waivers, baselines and stable finding ids on the bundled example (issue 14's acceptance points).
@Suite(.serialized) struct WaiverBaselineTests {
    /// A copy of `examples/acme-ai-platform` in a fresh folder named `name`.
    static func copyExample(named name: String = "acme") throws -> URL {
        let dir = try CLI.tempDir().appendingPathComponent(name)
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("examples/acme-ai-platform"), to: dir)
        return dir
    }

    struct Report {
        let json: [String: Any]
        var results: [[String: Any]] { ReportJSON.results(json) }
        var guidelines: [[String: Any]] { json["guidelines"] as? [[String: Any]] ?? [] }
        func verdict(ofGuideline id: String) -> String? { guidelines.first { $0["id"] as? String == id }?["verdict"] as? String }
        func results(of check: String) -> [[String: Any]] { results.filter { $0["check"] as? String == check } }
        var waivers: [[String: Any]] { (json["waivers"] as? [String: Any])?["waivers"] as? [[String: Any]] ?? [] }
        func state(of waiver: String) -> String? {
            waivers.first { ($0["waiver"] as? [String: Any])?["id"] as? String == waiver }?["state"] as? String
        }
        var comparisonCounts: [String: Int] { (json["comparison"] as? [String: Any])?["counts"] as? [String: Int] ?? [:] }
    }

    static func assess(_ dir: URL, _ extra: [String] = []) throws -> (CLI.Result, Report, URL) {
        let out = dir.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)")
        let r = try CLI.run(["assess", dir.path, "-o", out.path, "-q"] + extra)
        let data = try Data(contentsOf: out.appendingPathComponent("report.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return (r, Report(json: json), out)
    }

    static func appendWaiver(_ dir: URL, _ yaml: String) throws {
        let url = dir.appendingPathComponent("waivers.yaml")
        try (try String(contentsOf: url, encoding: .utf8) + yaml).write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func liveWaiverWaivesTheDatabaseAndAG7Passes() throws {
        let dir = try Self.copyExample()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let (r, report, out) = try Self.assess(dir)
        let db = report.results(of: "CEK08-CCM3-DATA-STORE-CMK").first { ($0["subject"] as? [String: Any])?["id"] as? String == "terraform/plan.json#aws_db_instance.feature_store" }
        #expect(db?["verdict"] as? String == "waived")
        #expect((db?["waiver"] as? [String: Any])?["id"] as? String == "W-2026-014")
        #expect(report.verdict(ofGuideline: "AG-7") == "pass", "\(report.results.filter { $0["guideline"] as? String == "AG-7" })")
        #expect(report.state(of: "W-2026-014") == "active")
        #expect(r.status == 1)   // the example's other failures remain
        #expect(try CLI.schemaErrors(out.appendingPathComponent("report.json")) == nil)
    }

    @Test func expiredWaiverKeepsTheFailFailsAG7AndStaleIsReported() throws {
        let dir = try Self.copyExample()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try Self.appendWaiver(dir, """
          - id: W-OLD
            check: CEK08-AG3-ROTATION-PERIOD
            resource: aws_kms_key.legacy_reports
            justification: Reports are re-keyed by hand.
            compensating_control: Quarterly manual rotation.
            approver: ciso@acme.example.com
            created: 2026-01-01
            expires: 2026-09-30
          - id: W-NOTHING
            check: CEK08-AG2-GRANT-TENANT-BOUNDARY
            resource: "arn:aws:kms:*:999999999999:key/*"
            justification: Legacy partner grant.
            compensating_control: Partner access reviewed monthly.
            approver: ciso@acme.example.com
            expires: 2027-01-31

        """)
        let (r, report, _) = try Self.assess(dir)
        let legacy = report.results(of: "CEK08-AG3-ROTATION-PERIOD").first { ($0["subject"] as? [String: Any])?["name"] as? String == "aws_kms_key.legacy_reports" }
        #expect(legacy?["verdict"] as? String == "fail")
        #expect(report.verdict(ofGuideline: "AG-7") == "fail")
        let ag7 = report.results(of: "CEK08-AG7-WAIVERS-DOCUMENTED").filter { $0["verdict"] as? String == "fail" }
        #expect(ag7.count == 1)
        #expect((ag7.first?["message"] as? String)?.contains("W-OLD") == true)
        #expect(report.state(of: "W-OLD") == "expired")
        #expect(report.state(of: "W-NOTHING") == "stale")
        #expect(r.status != 0)
        #expect(r.stderr.contains("W-NOTHING") && r.stderr.contains("stale"))
    }

    @Test func expiredWaiverAloneExitsTwo() throws {
        // Only the waiver register fails: status 2, not 1.
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = CLI.packageRoot.appendingPathComponent("Tests/CEKAuditCollectorsTests/Fixtures/cases/asymmetric")
        try FileManager.default.copyItem(at: fixture, to: dir.appendingPathComponent("case"))
        let waivers = dir.appendingPathComponent("waivers.yaml")
        try """
        schema_version: 1
        waivers:
          - {id: W-1, check: AG-3, tenant: nobody, justification: j, compensating_control: c, approver: a, expires: 2020-01-01}
        """.write(to: waivers, atomically: true, encoding: .utf8)
        let ok = try CLI.run(["assess", dir.appendingPathComponent("case").path, "-o", dir.appendingPathComponent("out").path, "-q"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let r = try CLI.run(["assess", dir.appendingPathComponent("case").path, "-o", dir.appendingPathComponent("out").path, "-q",
                             "--waivers", waivers.path])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("W-1"))
    }

    @Test func waiverFileErrorsNameTheLine() throws {
        let dir = try Self.copyExample()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try Self.appendWaiver(dir, "  - id: W-BAD\n    check: CEK08-CCM3-DATA-STORE-CMK\n    resource: x\n    expirs: 2027-01-01\n")
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path, "-q"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("waivers.yaml:24:5"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'expires'?"))
    }

    @Test func baselineClassifiesOneFixedAndFailOnNewPasses() throws {
        let dir = try Self.copyExample()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let (_, _, first) = try Self.assess(dir)
        // Remove the partner's statement from the training-data key policy (planned values and resource changes).
        let plan = dir.appendingPathComponent("terraform/plan.json")
        let statement = #",{\"Sid\":\"PartnerAnalyticsDecrypt\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:role/partner-analytics\"},\"Action\":[\"kms:Decrypt\",\"kms:DescribeKey\"],\"Resource\":\"*\"}"#
        let text = try String(contentsOf: plan, encoding: .utf8)
        #expect(text.contains(statement))
        try text.replacingOccurrences(of: statement, with: "").write(to: plan, atomically: true, encoding: .utf8)
        let baseline = first.appendingPathComponent("report.json").path
        let (r, report, _) = try Self.assess(dir, ["--baseline", baseline, "--fail-on", "new"])
        #expect(report.comparisonCounts["fixed"] == 1, "\(report.json["comparison"] ?? "none")")
        #expect(report.comparisonCounts["new"] == 0)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")

        // A passing key's rotation period goes to 800 days instead: one new failure.
        let fresh = try Self.copyExample()
        defer { try? FileManager.default.removeItem(at: fresh.deletingLastPathComponent()) }
        let plan2 = fresh.appendingPathComponent("terraform/plan.json")
        let t2 = try String(contentsOf: plan2, encoding: .utf8)
        try t2.replacingOccurrences(of: "\"rotation_period_in_days\": 365", with: "\"rotation_period_in_days\": 800").write(to: plan2, atomically: true, encoding: .utf8)
        let (r2, report2, _) = try Self.assess(fresh, ["--baseline", baseline, "--fail-on", "new"])
        #expect(report2.comparisonCounts["new"] == 1, "\(report2.json["comparison"] ?? "none")")
        #expect(r2.status == 1)

        // `diff` writes the same comparison as JSON and Markdown.
        let diffOut = dir.deletingLastPathComponent().appendingPathComponent("diff")
        let (_, _, second) = try Self.assess(fresh)
        let d = try CLI.run(["diff", first.path, second.path, "-o", diffOut.path])
        #expect(d.status == 1)
        let md = try String(contentsOf: diffOut.appendingPathComponent("diff.md"), encoding: .utf8)
        #expect(md.contains("**New** (1)"))
        #expect(FileManager.default.fileExists(atPath: diffOut.appendingPathComponent("diff.json").path))
    }

    @Test func findingIDsIgnoreFolderNameAndSourceOrder() throws {
        let a = try Self.copyExample(named: "first-copy")
        let b = try Self.copyExample(named: "another-name")
        defer {
            try? FileManager.default.removeItem(at: a.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: b.deletingLastPathComponent())
        }
        // Reverse the order of the sources in b's audit.yaml.
        let audit = b.appendingPathComponent("audit.yaml")
        let text = try String(contentsOf: audit, encoding: .utf8)
        guard let start = text.range(of: "sources:\n") else { Issue.record("no sources"); return }
        let entries = text[start.upperBound...].components(separatedBy: "\n  - ").map { $0.hasPrefix("  - ") ? String($0.dropFirst(4)) : $0 }
            .map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        #expect(entries.count >= 6)
        let reordered = text[..<start.upperBound] + entries.reversed().map { "  - " + $0 }.joined(separator: "\n") + "\n"
        try String(reordered).write(to: audit, atomically: true, encoding: .utf8)
        let (_, ra, _) = try Self.assess(a)
        let (_, rb, _) = try Self.assess(b)
        let ids = { (r: Report) in r.results.compactMap { $0["id"] as? String }.sorted() }
        #expect(!ids(ra).isEmpty)
        #expect(ids(ra) == ids(rb))
        #expect(Set(ids(ra)).count == ids(ra).count, "finding ids are unique")
    }
}
