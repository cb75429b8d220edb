import CEKAuditTestSupport
import Foundation
import Testing

/// The bundled example: its committed reports are regenerated and compared byte for byte, so they never go stale,
/// and they validate against the published schema.
@Suite(.serialized) struct ExampleReportTests {
    /// The bundled examples with committed reports.
    static let examples = ["acme-ai-platform", "gcp-vertex-platform", "azure-ai-subscription"]

    @Test(arguments: examples)
    func committedReportsMatchARegeneration(_ example: String) throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["assess", "examples/\(example)", "--output", out.path])
        #expect(r.status == 1, "the example has failures by design: \(r.stderr)")
        for name in ["report.json", "report.html", "evidence.html"] {
            let fresh = try Data(contentsOf: out.appendingPathComponent(name))
            let committed = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("Reports/\(example)/\(name)"))
            #expect(fresh == committed, "Reports/\(example)/\(name) is stale: run `swift run cek-audit assess examples/\(example)` and commit it")
        }
    }

    @Test(.enabled(if: Validators.runJSONSchema, Validators.jsonSchemaMissing), arguments: examples)
    func exampleReportValidatesAgainstTheSchema(_ example: String) throws {
        let errors = try CLI.schemaErrors(CLI.packageRoot.appendingPathComponent("Reports/\(example)/report.json"))
        #expect(errors == nil, "\(errors ?? "")")
    }

    @Test func exampleCoversEveryGuidelineAndTheCAIQQuestion() throws {
        let data = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("Reports/acme-ai-platform/report.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let guidelines = try #require(json["guidelines"] as? [[String: Any]])
        let ids = guidelines.compactMap { $0["id"] as? String }
        #expect(ids == (1...10).map { "AG-\($0)" } + (1...4).map { "CCM-\($0)" })
        #expect(guidelines.allSatisfy { $0["verdict"] is String })
        let caiq = try #require(json["caiq"] as? [[String: Any]])
        #expect(caiq.first?["id"] as? String == "CEK-08.1")
        #expect(["YES", "NO", "NA", "UNDETERMINED"].contains(caiq.first?["answer"] as? String ?? ""))
        // The example shows every verdict the engine produces from files.
        let verdicts = Set(ReportJSON.results(json).compactMap { $0["verdict"] as? String })
        #expect(verdicts.isSuperset(of: ["pass", "fail", "not_applicable", "inconclusive", "manual"]))
    }

    @Test func twoRunsAreByteIdenticalAndSourceDateEpochIsHonoured() throws {
        let a = try CLI.tempDir(), b = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let fixture = "Tests/CEKAuditCollectorsTests/Fixtures/cases/rotation-periods"
        _ = try CLI.run(["assess", fixture, "-o", a.path], environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        _ = try CLI.run(["assess", fixture, "-o", b.path], environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        for name in ["report.json", "report.html", "evidence.html"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)))
        }
        let text = try String(contentsOf: a.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(text.contains("\"generated_at\":\"2023-11-14T22:13:20Z\""))
        #expect(try CLI.schemaErrors(a.appendingPathComponent("report.json")) == nil)
    }
}
