import CEKAuditCore
import CEKAuditOpenBao
import CEKAuditTestSupport
import Foundation
import Testing

/// `cek-audit probe` and `assess --probe`: opt-in, sandbox targets only, a plan without calls, and — against the real
/// OpenBao dev server of `scripts/services/openbao-probe.sh` — a full run, an interrupted run, leftovers of a killed
/// run, and the probe-backed checks. The CLI's probe namespaces live under `cli-probes/`, apart from those of the
/// collector tests (which run at the same time on the same server).
@Suite(.serialized) struct ProbeCLITests {
    static let env = ProcessInfo.processInfo.environment
    static var live: Bool { env["CEK_AUDIT_PROBE_BAO_PLAIN_ADDR"] != nil && env["CEK_AUDIT_PROBE_BAO_TOKEN"] != nil }
    static let parent = "cli-probes"

    static func assessment(sandbox: Bool, address: String = "address_env: CEK_AUDIT_PROBE_BAO_PLAIN_ADDR") throws -> URL {
        let dir = try CLI.tempDir()
        let yaml = """
        schema_version: 1
        name: probe-cli
        targets:
          - kind: openbao
            name: bao-sandbox
            \(address)
            token_env: CEK_AUDIT_PROBE_BAO_TOKEN
            namespace: \(parent)
            retries: 0
        \(sandbox ? "    sandbox: true\n" : "")
        """
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("audit.yaml"))
        return dir
    }

    /// One transport for the whole test process (a static is never released, so its pool needs no shutdown).
    static let transport = AsyncHTTPClientTransport(caFile: nil, timeout: 10)

    static func client() throws -> OpenBaoClient {
        OpenBaoClient(address: try #require(URL(string: env["CEK_AUDIT_PROBE_BAO_PLAIN_ADDR"] ?? "")), transport: transport,
                      token: env["CEK_AUDIT_PROBE_BAO_TOKEN"], retries: 0)
    }

    /// Probe namespaces under `cli-probes/`, `nil` when they cannot be listed.
    static func namespaces() async throws -> [String]? {
        await OpenBaoProbe.leftovers(client: try client(), parent: parent + "/")
    }

    /// Polls (up to 10 s) until no probe namespace of run `id` is listed; returns those still listed.
    static func remaining(run id: String) async throws -> [String]? {
        var left = try await namespaces()?.filter { $0.hasPrefix("cek-audit-probe-\(id)") }
        for _ in 0..<100 where left != [] {
            try await Task.sleep(nanoseconds: 100_000_000)
            left = try await namespaces()?.filter { $0.hasPrefix("cek-audit-probe-\(id)") }
        }
        return left
    }

    static func prepareParent() async throws {
        let c = try client()
        _ = await c.write("POST", OpenBaoPath(["sys", "namespaces", parent]))
    }

    @Test func aTargetNotMarkedSandboxIsRefused() throws {
        let dir = try Self.assessment(sandbox: false, address: "address: http://127.0.0.1:9")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["probe", dir.path], environment: ["CEK_AUDIT_PROBE_BAO_TOKEN": "unused-token-value-123456"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("target bao-sandbox (openbao) is not marked `sandbox: true`"), "\(r.stderr)")
        #expect(r.stderr.contains("no target may be probed"))
        let assess = try CLI.run(["assess", dir.path, "--probe", "-o", dir.appendingPathComponent("out").path, "-q"],
                                 environment: ["CEK_AUDIT_PROBE_BAO_TOKEN": "unused-token-value-123456"])
        #expect(assess.stderr.contains("not probed: target bao-sandbox (openbao) is not marked `sandbox: true`"), "\(assess.stderr)")
    }

    @Test func thePlanListsStepsAndCallsWithoutMakingThem() throws {
        // Port 9 (discard) on loopback: any call would fail; the plan makes none.
        let dir = try Self.assessment(sandbox: true, address: "address: http://127.0.0.1:9")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["probe", dir.path, "--plan", "--run-id", "demo"], environment: ["CEK_AUDIT_PROBE_BAO_TOKEN": "unused-token-value-123456"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("run tag cek-audit-probe-demo — nothing is sent"))
        for step in ["create-key", "encrypt-decrypt", "rotate", "decrypt-old-version", "revoke-old-version", "byok-import", "isolation", "delete-key", "cleanup"] {
            #expect(r.stdout.contains(". \(step) ["), "\(step) missing from the plan")
        }
        #expect(r.stdout.contains("POST /v1/transit/keys/cek-audit-probe-demo-key in namespace cli-probes/cek-audit-probe-demo/"))
        #expect(r.stdout.contains("expects refused-as-expected"))
    }

    @Test func theHelpListsTheFlags() throws {
        let probe = try CLI.run(["probe", "--help"])
        for flag in ["--plan", "--cleanup", "--target", "--probe-timeout", "--run-id"] { #expect(probe.stdout.contains(flag), "\(flag)") }
        let assess = try CLI.run(["assess", "--help"])
        #expect(assess.stdout.contains("--probe "))
    }

    /// A server that accepts connections and never answers: the probe timeout stops the steps, and the run ends well
    /// before the per-call timeout (30 s) would have.
    @Test(.timeLimit(.minutes(1))) func theProbeTimeoutStopsAHangingRun() async throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let portFile = dir.appendingPathComponent("port")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-c", "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(8)\n"
                            + "open('\(portFile.path)', 'w').write(str(s.getsockname()[1]))\nconns = []\nwhile True:\n    conns.append(s.accept())\n"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        var port = ""
        for _ in 0..<100 where port.isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
            port = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
        }
        #expect(Int(port) != nil, "the hanging server did not start")
        let yaml = """
        schema_version: 1
        name: probe-hang
        targets:
          - kind: openbao
            name: bao-hang
            address: http://127.0.0.1:\(port)
            token_env: CEK_AUDIT_PROBE_BAO_TOKEN
            timeout_seconds: 30
            retries: 0
            sandbox: true
        """
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("audit.yaml"))
        let start = Date()
        let r = try await CLI.runDetached(["probe", dir.path, "--probe-timeout", "1", "--output", dir.appendingPathComponent("probe").path],
                                          environment: ["CEK_AUDIT_PROBE_BAO_TOKEN": "unused-token-value-123456"], timeout: 45)
        #expect(Date().timeIntervalSince(start) < 20, "the timeout did not stop the hanging call")
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("The probe timeout (1 s) passed"), "\(r.stderr)")
        #expect(r.stdout.contains("stopped: the run was interrupted"), "\(r.stdout)")
        #expect(r.stdout.contains("created: nothing"), "\(r.stdout)")
    }

    @Test(.enabled(if: live, "needs the OpenBao dev server of scripts/services/openbao-probe.sh"))
    func aFullRunSucceedsWritesItsJournalAndLeavesNothing() async throws {
        try await Self.prepareParent()
        let dir = try Self.assessment(sandbox: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Self.namespaces() != nil)
        let out = dir.appendingPathComponent("probe")
        let r = try await CLI.runDetached(["probe", dir.path, "--output", out.path, "--run-id", "clifull"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("run cek-audit-probe-clifull: completed"))
        #expect(r.stdout.contains("revoke-old-version") && r.stdout.contains("refused-as-expected"))
        #expect(r.stdout.contains("namespace cli-probes/cek-audit-probe-clifull-other/ (removed)"), "\(r.stdout)")
        #expect(!r.stdout.contains("LEFT BEHIND"))
        let journal = try String(contentsOf: out.appendingPathComponent("bao-sandbox/journal.json"), encoding: .utf8)
        #expect(journal.contains("\"run_tag\" : \"cek-audit-probe-clifull\""))
        let token = try #require(Self.env["CEK_AUDIT_PROBE_BAO_TOKEN"])
        for text in [r.stdout, r.stderr, journal] {
            for canary in [token, "vault:v", "client_token", "BEGIN PUBLIC KEY"] { #expect(!text.contains(canary), "output holds \(canary)") }
        }
        #expect(try await Self.remaining(run: "clifull") == [])
    }

    @Test(.enabled(if: live, "needs the OpenBao dev server of scripts/services/openbao-probe.sh"))
    func sigintMidRunCleansUpAndKilledRunsAreCleanedByCleanup() async throws {
        try await Self.prepareParent()
        let dir = try Self.assessment(sandbox: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Self.namespaces() != nil)
        for (signal, id) in [(SIGINT, "clisigint"), (SIGTERM, "clisigterm"), (SIGKILL, "clisigkill")] {
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = ["probe", dir.path, "--output", dir.appendingPathComponent("probe").path, "--run-id", id]
            p.currentDirectoryURL = CLI.packageRoot
            // Held after its first step, so the signal lands mid-run however fast the server answers.
            var environment = ProcessInfo.processInfo.environment
            environment["CEK_AUDIT_PROBE_HOLD"] = "create-namespace:30"
            p.environment = environment
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Signal once the run's namespace exists: the run is mid-way.
            var seen = false
            for _ in 0..<400 where !seen {
                seen = try await Self.namespaces()?.contains("cek-audit-probe-\(id)/") == true
                if !seen { try await Task.sleep(nanoseconds: 10_000_000) }
            }
            #expect(seen, "the run \(id) never created its namespace")
            kill(p.processIdentifier, signal)
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            if signal == SIGKILL {
                // Killed outright: nothing could clean up, so the tagged namespace is left for `probe --cleanup`.
                #expect(try await Self.namespaces()?.contains("cek-audit-probe-\(id)/") == true)
            } else {
                let text = String(decoding: stdout, as: UTF8.self)
                #expect(p.terminationStatus == 2 || p.terminationStatus == 1, "\(text)")
                #expect(text.contains("stopped: the run was interrupted"), "\(text)")
                #expect(!text.contains("LEFT BEHIND"), "\(text)")
                #expect(try await Self.remaining(run: id) == [], "\(text)")
            }
        }
        let cleanup = try await CLI.runDetached(["probe", dir.path, "--cleanup"])
        #expect(cleanup.status == 0, "\(cleanup.stdout)\n\(cleanup.stderr)")
        #expect(cleanup.stdout.contains("namespace cli-probes/cek-audit-probe-clisigkill/: removed"), "\(cleanup.stdout)")
        #expect(try await Self.remaining(run: "clisigkill") == [])
    }

    @Test(.enabled(if: live, "needs the OpenBao dev server of scripts/services/openbao-probe.sh"))
    func assessWithProbeTurnsAG8ToPassAndAddsProbeEvidence() async throws {
        try await Self.prepareParent()
        let dir = try Self.assessment(sandbox: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report")
        let plain = try await CLI.runDetached(["assess", dir.path, "-o", out.path, "-q"])
        #expect([0, 1, 2].contains(plain.status), "\(plain.stderr)")
        let without = try Self.report(out)
        #expect(without.guideline("AG-8") == "manual")
        #expect(without.results.allSatisfy { !($0["check"] as? String ?? "").contains("PROBE") })

        let r = try await CLI.runDetached(["assess", dir.path, "--probe", "-o", out.path, "-q"])
        #expect([0, 1, 2].contains(r.status), "\(r.stderr)")
        let with = try Self.report(out)
        #expect(with.guideline("AG-8") == "pass")
        for (check, verdict) in [("CEK08-AG8-PROBE-RUN", "pass"), ("CEK08-AG1-PROBE-IMPORT", "pass"), ("CEK08-AG2-PROBE-ISOLATION", "pass"),
                                 ("CEK08-AG3-PROBE-LIFECYCLE", "pass"), ("CEK08-AG8-PREPRODUCTION-TEST", "not_applicable")] {
            #expect(with.verdicts(check) == [verdict], "\(check)")
        }
        #expect(with.evidenceKinds.contains("probe-journal"))
        #expect(try CLI.schemaErrors(out.appendingPathComponent("report.json")) == nil)
        let token = try #require(Self.env["CEK_AUDIT_PROBE_BAO_TOKEN"])
        let json = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(!json.contains(token) && !r.stderr.contains(token))
    }

    @Test(.enabled(if: env["CEK_AUDIT_PROBE_MOTO_ENDPOINT"] != nil, "needs the moto server of scripts/services/moto-probe.sh"))
    func onMotoRevocationIsNotEnforcedAndImportIsNotSupported() async throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let endpoint = try #require(Self.env["CEK_AUDIT_PROBE_MOTO_ENDPOINT"])
        let yaml = """
        schema_version: 1
        name: probe-moto
        targets:
          - kind: aws-kms
            name: moto-sandbox
            endpoint: "\(endpoint)"
            regions: [us-east-1]
            max_attempts: 1
            probe_foreign_role_arn: arn:aws:iam::333333333333:role/tenant-c
            sandbox: true
        """
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("audit.yaml"))
        let secret = "cli-probe-secret-5e1d7b"
        let environment = ["AWS_ACCESS_KEY_ID": "AKIACLIPROBE00000001", "AWS_SECRET_ACCESS_KEY": secret, "HOME": "/nonexistent",
                           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]
        let out = dir.appendingPathComponent("report")
        let r = try await CLI.runDetached(["assess", dir.path, "--probe", "--run-id", "climoto", "-o", out.path], environment: environment)
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("revocation not enforced by this endpoint"), "\(r.stderr)")
        #expect(r.stderr.contains("not supported by this endpoint"), "\(r.stderr)")
        let report = try Self.report(out)
        #expect(report.verdicts("CEK08-AG3-PROBE-LIFECYCLE") == ["fail"])
        #expect(report.verdicts("CEK08-AG1-PROBE-IMPORT") == ["inconclusive"])
        #expect(report.verdicts("CEK08-AG2-PROBE-ISOLATION") == ["pass"])
        // The sandbox test itself ran to the end and cleaned up (AG-8); what it found is judged by AG-1, AG-2 and AG-3.
        #expect(report.verdicts("CEK08-AG8-PROBE-RUN") == ["pass"])
        #expect(try CLI.schemaErrors(out.appendingPathComponent("report.json")) == nil)
        let json = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(!json.contains(secret) && !r.stderr.contains(secret) && !r.stdout.contains(secret))
        // Nothing of the run is usable afterwards: `probe --cleanup` finds no key or alias still to remove.
        let cleanup = try await CLI.runDetached(["probe", dir.path, "--cleanup"], environment: environment)
        #expect(cleanup.status == 0, "\(cleanup.stderr)")
        #expect(!cleanup.stdout.contains("climoto"), "\(cleanup.stdout)")
    }

    struct Report {
        var json: [String: Any]
        var results: [[String: Any]] { ReportJSON.results(json) }
        func guideline(_ id: String) -> String? {
            (json["guidelines"] as? [[String: Any]] ?? []).first { $0["id"] as? String == id }?["verdict"] as? String
        }
        func verdicts(_ check: String) -> [String] { results.filter { $0["check"] as? String == check }.compactMap { $0["verdict"] as? String } }
        var evidenceKinds: Set<String> { Set(ReportJSON.evidence(json).compactMap { $0["kind"] as? String }) }
    }

    static func report(_ dir: URL) throws -> Report {
        let data = try Data(contentsOf: dir.appendingPathComponent("report.json"))
        return Report(json: try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }
}
