import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// The live Azure Key Vault target through the command line, against the tests' own fake Azure Resource Manager
/// (started once for the suite): `assess` runs end to end with the client-credentials grant, the per-vault audit check
/// gets its verdicts, and no credential reaches any output.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AzureTargetCLITests {
    static let shared = Task { () throws -> FakeAzureServer in
        try FakeAzureServer(config: FakeAzureScenario.config(), maxSeconds: 240)
    }

    func assessment(_ dir: URL, target: String) throws {
        try "schema_version: 1\nname: azure-live\nas_of: 2026-11-01T00:00:00Z\ntargets:\n  - \(target)\n".write(
            to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
    }

    @Test func assessRunsEndToEndAndNoCredentialLeaks() async throws {
        let server = try await Self.shared.value
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, target: FakeAzureScenario.targetYAML(name: "prod", server: server.endpoint, secretVariable: "CEK_CLI_AZURE_SECRET"))
        let out = dir.appendingPathComponent("out")
        let r = try await CLI.runDetached(["assess", dir.path, "-o", out.path],
                                          environment: ["CEK_CLI_AZURE_SECRET": FakeAzureScenario.clientSecret, "AZURE_ACCESS_TOKEN": "", "HOME": dir.path],
                                          timeout: 120)
        #expect([0, 1, 2].contains(r.status), "exit \(r.status): \(r.stderr)")
        let reportURL = out.appendingPathComponent("report.json")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as? [String: Any])
        let text = try String(contentsOf: reportURL, encoding: .utf8)
        #expect(text.contains("azure-keyvault://prod/subscriptions/\(FakeAzureScenario.subscription)"))
        var verdicts: [String: String] = [:]
        for result in ReportJSON.results(report) where result["check"] as? String == "CEK08-AG4-VAULT-AUDIT-EVENTS" {
            if let name = (result["subject"] as? [String: Any])?["name"] as? String { verdicts[name] = result["verdict"] as? String }
        }
        #expect(verdicts["diagnostic settings of kv-audit"] == "pass", "\(verdicts)")
        #expect(verdicts["diagnostic settings of kv-disabled"] == "fail")
        #expect(verdicts["diagnostic settings of kv-none"] == "fail")
        #expect(verdicts["diagnostic settings of kv-denied"] == "inconclusive")
        let schema = try CLI.schemaErrors(reportURL)
        #expect(schema == nil, "\(schema ?? "")")
        let secrets = [FakeAzureScenario.accessToken, FakeAzureScenario.clientSecret]
        #expect(CredentialForms.leaks(in: r.stdout + r.stderr, secrets: secrets).isEmpty)
        let leaks = CredentialForms.leaks(under: out, secrets: secrets)
        #expect(leaks.isEmpty, "\(leaks)")
        #expect(server.requests().contains { $0["path"]?.stringValue == "/\(FakeAzureScenario.tenant)/oauth2/v2.0/token" && $0["ok"] == .bool(true) })
    }

    @Test func aMalformedAzureTargetExits65WithItsLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, target: "{kind: azure-keyvault, name: prod, tenant_id: \(FakeAzureScenario.tenant)}")
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("audit.yaml:5"), "\(r.stderr)")
        #expect(r.stderr.contains("no subscriptions"))
    }
}
