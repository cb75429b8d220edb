import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// The live Google Cloud KMS target through the command line, against the tests' own fake Google Cloud (started once
/// for the suite): `assess` runs end to end, and no credential reaches any output.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct GCPTargetCLITests {
    struct Fixture: Sendable {
        let server: FakeGCPServer
        let account: TestServiceAccount
    }

    static let shared = Task { () throws -> Fixture in
        let account = try TestServiceAccount()
        return Fixture(server: try FakeGCPServer(config: FakeGCPScenario.config(account), maxSeconds: 240), account: account)
    }

    func assessment(_ dir: URL, target: String) throws {
        try "schema_version: 1\nname: gcp-live\nas_of: 2026-11-01T00:00:00Z\ntargets:\n  - \(target)\n".write(
            to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
    }

    @Test func assessRunsEndToEndAndNoCredentialLeaks() async throws {
        let f = try await Self.shared.value
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try f.account.keyFile.write(to: dir.appendingPathComponent("sa.json"))
        try assessment(dir, target: FakeGCPScenario.targetYAML(name: "prod", server: f.server.endpoint, credentialsFile: "sa.json"))
        let out = dir.appendingPathComponent("out")
        let r = try await CLI.runDetached(["assess", dir.path, "-o", out.path], environment: ["GOOGLE_APPLICATION_CREDENTIALS": "", "HOME": dir.path],
                                          timeout: 120)
        #expect([0, 1, 2].contains(r.status), "exit \(r.status): \(r.stderr)")
        let report = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("gcp-kms://prod/projects/example-project"))
        #expect(report.contains("key-hsm"))
        let schema = try CLI.schemaErrors(out.appendingPathComponent("report.json"))
        #expect(schema == nil, "\(schema ?? "")")
        let secrets = [FakeGCPScenario.accessToken] + f.account.privateKeyLines
        #expect(CredentialForms.leaks(in: r.stdout + r.stderr, secrets: secrets).isEmpty)
        let leaks = CredentialForms.leaks(under: out, secrets: secrets)
        #expect(leaks.isEmpty, "\(leaks)")
        #expect(f.server.requests(path: "/token").last?["ok"] == .bool(true))
    }

    @Test func aMalformedGCPTargetExits65WithItsLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, target: "{kind: gcp-kms, name: prod, locations: [global]}")
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("audit.yaml:5"), "\(r.stderr)")
        #expect(r.stderr.contains("no projects"))
    }
}
