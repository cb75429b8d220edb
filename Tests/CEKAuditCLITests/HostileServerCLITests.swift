import CEKAuditTestSupport
import Foundation
import Testing

/// `cek-audit assess` and `collect` against a hostile OpenBao and AWS endpoint of the tests' own, as a user runs them:
/// the process ends by itself (no crash signal, no hang: it is killed, and fails the test, after 50 s) with an
/// ordinary exit status, and no credential, in any encoding, reaches stdout, stderr, any report or any bundle file.
/// The default body and walk limits are the ones in force.
@Suite(.serialized) struct HostileServerCLITests {
    static let token = "s.CLI-Hostile/Token+4e2a=Zq81Lm"
    static let accessKey = "ASIACLIHOSTILEEXMPL7"
    static let secretKey = "cLiSeCrEt/K7MDENG/bPxRfiCYHOSTILEKEY0001"
    static let sessionToken = "FwoGZXIvYXdzEHostileCLI/Session+Token//////////wEaDCLI=="
    static let secrets = [token, accessKey, secretKey, sessionToken]

    static func audit(_ server: HostileServer, extra: String = "") -> String {
        """
        schema_version: 1
        name: hostile
        targets:
          - kind: openbao
            name: bao
            address: \(server.address)
            token_env: HOSTILE_BAO_TOKEN
            timeout_seconds: 2
            retries: 0
        \(extra)
          - kind: aws-kms
            name: aws
            endpoint: \(server.address)
            regions: [us-east-1]
            timeout_seconds: 2
            max_attempts: 1
        \(extra)
        """
    }

    static let environment = ["HOSTILE_BAO_TOKEN": token, "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey,
                              "AWS_SESSION_TOKEN": sessionToken, "HOME": "/nonexistent", "AWS_PROFILE": "", "AWS_REGION": ""]

    @Test(.serialized, .timeLimit(.minutes(3)), arguments: [
        ([HostileServer.Behaviour.oddNames, .echo], ""),
        ([.endless, .echo], "    max_requests: 120"),
        ([.huge], ""),
        ([.drip], ""),
        ([.malformed, .echo, .oddNames], ""),
    ] as [([HostileServer.Behaviour], String)])
    func assessAndCollectEndCleanlyAndLeakNothing(_ behaviours: [HostileServer.Behaviour], _ extra: String) async throws {
        let server = try HostileServer(Set(behaviours), extraSecrets: [Self.secretKey], hugeBytes: 70_000_000, dripInterval: 0.3)
        defer { server.stop() }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.audit(server, extra: extra).utf8).write(to: dir.appendingPathComponent("audit.yaml"))
        let reports = dir.appendingPathComponent("reports"), bundle = dir.appendingPathComponent("bundle")

        let assess = try await CLI.runDetached(["assess", dir.path, "-o", reports.path, "--format", "json", "html", "sarif", "junit", "--fail-on", "inconclusive"],
                                 environment: Self.environment, timeout: 50)
        #expect([1, 2].contains(assess.status), "exit \(assess.status): \(assess.stderr.suffix(2000))")
        let collect = try await CLI.runDetached(["collect", dir.path, "--bundle", bundle.path], environment: Self.environment, timeout: 50)
        #expect(collect.status == 0, "exit \(collect.status): \(collect.stderr.suffix(2000))")
        let evaluate = try await CLI.runDetached(["evaluate", bundle.path, "-o", dir.appendingPathComponent("again").path], timeout: 50)
        #expect([0, 1, 2].contains(evaluate.status), "the bundle reads back: \(evaluate.stderr.suffix(2000))")

        for (name, text) in [("assess stdout", assess.stdout), ("assess stderr", assess.stderr), ("collect stdout", collect.stdout),
                             ("collect stderr", collect.stderr), ("evaluate stderr", evaluate.stderr)] {
            #expect(CredentialForms.leaks(in: text, secrets: Self.secrets).isEmpty, "\(name)")
        }
        #expect(CredentialForms.leaks(under: dir, secrets: Self.secrets) == [])
        for f in ["report.json", "report.html", "report.sarif", "report.junit.xml"] {
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent(f).path), "\(f)")
        }
    }
}
