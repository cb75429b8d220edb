import CEKAuditTestSupport
import Foundation
import Testing

/// The live AWS KMS target through the command line: planted secrets never reach any output, exit 69 for an
/// unreachable required target, exit 65 for a malformed target entry.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AWSTargetCLITests {
    static let accessKey = "AKIAPLANTEDEXAMPLE99"
    static let secret = "plantedSecretEXAMPLEKEYdoNotLeak0000000000"
    static let token = "plantedSessionTokenEXAMPLEdoNotLeakAQoDYXdzEPT"

    func assessment(_ dir: URL, targets: String) throws {
        try "schema_version: 1\nname: live\nas_of: 2026-11-01T00:00:00Z\ntargets:\n\(targets)".write(
            to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
    }

    @Test func plantedSecretsNeverReachReportsOrTerminal() throws {
        var scenario = FakeAWSScenario()
        var key = FakeAWSScenario.Key(metadata: FakeAWSScenario.symmetricKey("1234abcd-0000-4000-8000-00000000000a"))
        key.rotation = ["KeyRotationEnabled": true]
        scenario.keys = [key]
        // A service that echoes request material in an error, as SignatureDoesNotMatch can.
        scenario.overrides = [FakeAWSScenario.route("DescribeCustomKeyStores", [FakeAWSScenario.error(
            403, "SignatureDoesNotMatch",
            "The Canonical String for this request should have been 'x-amz-security-token:\(Self.token)' with secret \(Self.secret) for \(Self.accessKey)")])]
        let server = try FakeAWSServer(scenario: scenario.document)
        defer { server.stop() }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, targets: "  - {kind: aws-kms, name: tenant-a, regions: [us-east-1], endpoint: \"\(server.endpoint)\", max_attempts: 1}\n")
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["assess", dir.path, "-o", out.path],
                            environment: ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token,
                                          "AWS_PROFILE": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"])
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        var outputs: [(String, String)] = [("stdout", r.stdout), ("stderr", r.stderr)]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            outputs.append((name, try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)))
        }
        #expect(outputs.count == 5, "stdout, stderr, report.json, report.html, evidence.html: \(outputs.map(\.0))")
        for (name, text) in outputs {
            for planted in [Self.secret, Self.token, Self.accessKey] {
                #expect(!text.contains(planted), "\(name) contains a planted credential")
            }
        }
        #expect(try CLI.schemaErrors(out.appendingPathComponent("report.json")) == nil)
        let report = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("x-amz-security-token:[redacted]"), "the echoed error is kept, scrubbed")
        // Evidence locators are stored as folder + name (schema 3.0.0): read through the table reader.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        #expect(ReportJSON.evidence(json).contains { $0["locator"] as? String == "aws-kms://111122223333/us-east-1/DescribeKey/1234abcd-0000-4000-8000-00000000000a" })
        #expect(server.requests().allSatisfy { $0["signed_headers"]?.stringValue?.contains("x-amz-security-token") == true })
    }

    /// `collect` keeps every API response in the bundle (scrubbed), and `evaluate` reproduces `assess` offline.
    @Test func liveEvidenceGoesIntoABundleAndEvaluatesOffline() throws {
        var scenario = FakeAWSScenario()
        var key = FakeAWSScenario.Key(metadata: FakeAWSScenario.symmetricKey("1234abcd-0000-4000-8000-00000000000b"))
        key.rotation = ["KeyRotationEnabled": false]
        scenario.keys = [key]
        let server = try FakeAWSServer(scenario: scenario.document)
        defer { server.stop() }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, targets: "  - {kind: aws-kms, name: tenant-a, regions: [us-east-1], endpoint: \"\(server.endpoint)\", max_attempts: 1}\n")
        let env = ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token]
        let bundle = dir.appendingPathComponent("bundle")
        let collected = try CLI.run(["collect", dir.path, "--bundle", bundle.path, "-q"], environment: env)
        #expect(collected.status == 0, "\(collected.stderr)")
        let items = try FileManager.default.contentsOfDirectory(atPath: bundle.appendingPathComponent("items").path)
        #expect(items.count >= 12, "one item per API response")
        let files = FileManager.default.enumerator(atPath: bundle.path)?.allObjects.compactMap { $0 as? String } ?? []
        for f in files {
            guard let data = FileManager.default.contents(atPath: bundle.appendingPathComponent(f).path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for planted in [Self.secret, Self.token, Self.accessKey] { #expect(!text.contains(planted), "\(f)") }
        }
        let offline = try CLI.run(["evaluate", bundle.path, "-o", dir.appendingPathComponent("offline").path, "-q"])
        let live = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("live").path, "-q"], environment: env)
        #expect(offline.status == 1 && live.status == 1, "rotation is off: \(offline.stdout) \(live.stdout)")
        let a = try Data(contentsOf: dir.appendingPathComponent("offline/report.json"))
        let b = try Data(contentsOf: dir.appendingPathComponent("live/report.json"))
        #expect(a == b, "evaluate reproduces assess byte for byte")
    }

    @Test func anUnreachableRequiredTargetExits69AfterWritingReports() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let closed = try FakeAWSServer(scenario: ["routes": []], maxSeconds: 5)
        let port = closed.port
        closed.stop()
        let entry = "{kind: aws-kms, name: tenant-a, regions: [us-east-1], endpoint: \"http://127.0.0.1:\(port)\", max_attempts: 1, timeout_seconds: 2"
        let env = ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secret]
        try assessment(dir, targets: "  - \(entry)}\n")
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path], environment: env)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("required target(s) unreachable: tenant-a"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/report.json").path))
        // The bundle remembers it: evaluating offline later exits 69 as well, never 0.
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", dir.path, "--bundle", bundle, "-q"], environment: env).status == 69)
        #expect(try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("eval").path, "-q"]).status == 69)
        try assessment(dir, targets: "  - \(entry), required: false}\n")
        let optional = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path, "-q"], environment: env)
        #expect(optional.status == 0, "an optional target that is down leaves inconclusive results: \(optional.stdout)")
        #expect(optional.stdout.contains("inconclusive"))
    }

    @Test func aMalformedTargetExits65WithItsLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try assessment(dir, targets: "  - kind: aws-kms\n    name: tenant-a\n    concurency: 4\n")
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("audit.yaml:5"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'concurrency'?"))
    }
}
