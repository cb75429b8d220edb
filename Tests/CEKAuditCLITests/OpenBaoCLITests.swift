import CEKAuditTestSupport
import Foundation
import Testing

/// The `openbao` target and audit log through the command line: one report over AWS files and a live OpenBao
/// server, tokens kept out of every output, exit 69 for an unreachable server, exit 65 for a bad option.
@Suite(.serialized) struct OpenBaoCLITests {
    static let env = ProcessInfo.processInfo.environment
    static var live: Bool { env["CEK_AUDIT_BAO_PLAIN_ADDR"] != nil && env["CEK_AUDIT_BAO_TOKEN"] != nil }

    static func write(_ yaml: String, in dir: URL) throws {
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("audit.yaml"))
    }

    @Test(.enabled(if: live, "needs the OpenBao dev server of scripts/services/openbao.sh"))
    func awsFilesAndOpenBaoGiveOneReportWithEveryTenant() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["assess", "examples/openbao", "-o", out.path],
                            environment: ["BAO_ADDR": Self.env["CEK_AUDIT_BAO_PLAIN_ADDR"] ?? "", "BAO_TOKEN": Self.env["CEK_AUDIT_BAO_TOKEN"] ?? ""])
        #expect(r.status == 1, "failures by design: \(r.stderr)")
        #expect(r.stderr.contains("target acme-bao: collected as openbao"))
        #expect(r.stderr.contains("audit-log/: read as openbao-audit-log: 1 file(s)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        let resources = ReportJSON.resources(json)
        let keys = resources.filter { $0["type"] as? String == "key" }
        let tenants = Set(keys.compactMap { ($0["fields"] as? [String: Any])?["tenant"] as? String })
        #expect(tenants.isSuperset(of: ["acme-platform", "tenant-a", "tenant-b"]), "\(tenants)")
        let services = Set(keys.compactMap { ($0["fields"] as? [String: Any])?["service"] as? String })
        #expect(services == ["aws-kms", "openbao"])
        #expect(resources.contains { $0["type"] as? String == "log_source" })
        #expect(resources.contains { $0["type"] as? String == "key_store" && $0["id"] as? String == "openbao://acme-bao#seal" })
        #expect(try CLI.schemaErrors(out.appendingPathComponent("report.json")) == nil)
    }

    @Test(.enabled(if: live, "needs the OpenBao dev server of scripts/services/openbao.sh"))
    func tokensNeverReachReportsEvidenceOrTheTerminal() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try #require(Self.env["CEK_AUDIT_BAO_TOKEN"]), probe = try #require(Self.env["CEK_AUDIT_BAO_PROBE_TOKEN"])
        try Self.write("""
        schema_version: 1
        name: token-leak-check
        sources:
          - path: \(Self.env["CEK_AUDIT_BAO_AUDIT_LOG"] ?? "")
            kind: openbao-audit-log
        targets:
          - kind: openbao
            name: bao-tls
            address_env: CEK_AUDIT_BAO_ADDR
            token_env: CEK_AUDIT_BAO_TOKEN
            ca_file: \(Self.env["CEK_AUDIT_BAO_CACERT"] ?? "")
            probe_token_env: CEK_AUDIT_BAO_PROBE_TOKEN
            probe_namespace: tenant-a
          - kind: openbao
            name: bao-bad-probe
            address_env: CEK_AUDIT_BAO_PLAIN_ADDR
            token_env: CEK_AUDIT_BAO_TOKEN
            probe_token_env: CEK_AUDIT_BAO_TOKEN
            probe_namespace: nowhere
        """, in: dir)
        let out = dir.appendingPathComponent("reports")
        let r = try CLI.run(["assess", dir.appendingPathComponent("audit.yaml").path, "-o", out.path, "--format", "json", "html"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("target bao-tls: collected as openbao"))
        var texts = [("stdout", r.stdout), ("stderr", r.stderr)]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            texts.append((name, try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)))
        }
        #expect(texts.count == 5, "stdout, stderr, report.json, report.html, evidence.html: \(texts.map(\.0))")
        // The evidence bundle too: every API response it keeps is redacted, and evaluating it gives the verdicts.
        let bundle = dir.appendingPathComponent("bundle")
        let collect = try CLI.run(["collect", dir.appendingPathComponent("audit.yaml").path, "--bundle", bundle.path])
        #expect(collect.status == 0, "\(collect.stderr)")
        let evaluated = try CLI.run(["evaluate", bundle.path, "-o", dir.appendingPathComponent("eval").path])
        #expect(evaluated.status == 1, "\(evaluated.stderr)")
        texts += [("collect stdout", collect.stdout), ("collect stderr", collect.stderr), ("evaluate stderr", evaluated.stderr)]
        let walker = FileManager.default.enumerator(atPath: bundle.path)
        var bundled = 0
        while let rel = walker?.nextObject() as? String {
            let url = bundle.appendingPathComponent(rel)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            bundled += 1
            texts.append(("bundle/\(rel)", String(decoding: try Data(contentsOf: url), as: UTF8.self)))
        }
        #expect(bundled > 20, "API responses and the audit log are in the bundle")
        for (name, text) in texts {
            #expect(!text.contains(root), "the root token is in \(name)")
            #expect(!text.contains(probe), "the probe token is in \(name)")
        }
    }

    /// Runs `cek-audit args…` with stderr on a pseudo-terminal (util-linux `script`), as a person at a terminal would;
    /// returns what the terminal showed.
    static func onTerminal(_ args: [String], environment: [String: String]) throws -> (status: Int32, screen: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", ([CLI.executable.path] + args).map { "'\($0)'" }.joined(separator: " "), "/dev/null"]
        p.currentDirectoryURL = CLI.packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: live && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs the OpenBao dev server and util-linux script"))
    func aTerminalSeesKeysAndLogsProgressAndNothingElseDoes() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["BAO_ADDR": Self.env["CEK_AUDIT_BAO_PLAIN_ADDR"] ?? "", "BAO_TOKEN": Self.env["CEK_AUDIT_BAO_TOKEN"] ?? ""]
        let shown = try Self.onTerminal(["assess", "examples/openbao", "-o", dir.appendingPathComponent("tty").path], environment: env)
        #expect(shown.status == 1, "\(shown.screen)")
        // One line redrawn in place: keys done of listed for the live target, files for the audit log.
        let redraws = shown.screen.components(separatedBy: "\r").filter { $0.contains("Collecting keys: ") }
        #expect(!redraws.isEmpty, "\(shown.screen)")
        #expect(redraws.contains { $0.range(of: #"Collecting keys: [1-9][0-9]* of [1-9][0-9]* listed so far"#, options: .regularExpression) != nil }, "\(redraws)")
        #expect(shown.screen.contains("Scanning logs: 1/1 files"))
        // Quiet on the terminal, and never in a pipe or a report.
        let quiet = try Self.onTerminal(["assess", "examples/openbao", "-q", "-o", dir.appendingPathComponent("quiet").path], environment: env)
        #expect(!quiet.screen.contains("Collecting keys") && !quiet.screen.contains("Scanning logs"), "\(quiet.screen)")
        let piped = try CLI.run(["assess", "examples/openbao", "-o", dir.appendingPathComponent("piped").path], environment: env)
        #expect(!piped.stderr.contains("Collecting keys") && !piped.stderr.contains("\r"))
        for name in ["report.json", "report.html"] {
            let text = try String(contentsOf: dir.appendingPathComponent("tty/\(name)"), encoding: .utf8)
            #expect(!text.contains("Collecting keys") && !text.contains("Scanning logs"))
        }
    }

    @Test func anUnreachableRequiredTargetExits69AfterWritingTheReports() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write("""
        schema_version: 1
        name: bao-down
        targets:
          - kind: openbao
            name: bao-down
            address: http://127.0.0.1:9
            retries: 0
            timeout_seconds: 3
        """, in: dir)
        let out = dir.appendingPathComponent("reports")
        let r = try CLI.run(["assess", dir.path, "-o", out.path], environment: ["BAO_TOKEN": "s.unused"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("required target(s) unreachable: bao-down"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.json").path))
    }

    @Test func aBadOptionExits65NamingItsLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write("""
        schema_version: 1
        name: bao-bad
        targets:
          - kind: openbao
            address: https://bao.example.com:8200
            token: s.do-not-put-tokens-here
        """, in: dir)
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("r").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("audit.yaml:6: error: target openbao-1 (openbao): token: unknown option"), "\(r.stderr)")
    }
}
