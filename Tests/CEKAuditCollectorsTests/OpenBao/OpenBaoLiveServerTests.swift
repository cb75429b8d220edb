import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Logging
import Testing

/// Against the real OpenBao 2.7.2 dev server that `scripts/services/openbao.sh` starts and seeds (two tenants; keys
/// with and without auto-rotation, exportable, deletable, imported (BYOK), rotated; a root policy reaching into
/// tenant-b). `scripts/test.sh` always starts it; run alone, these tests are skipped without `CEK_AUDIT_BAO_ADDR`.
@Suite(.enabled(if: LiveServer.available, "needs the OpenBao dev server of scripts/services/openbao.sh"))
struct OpenBaoLiveServerTests {
    @Test func tenantATokenIsDeniedTenantBKeyButReadsItsOwn() async throws {
        let transport = AsyncHTTPClientTransport(caFile: LiveServer.caFile, timeout: 10)
        let client = OpenBaoClient(address: try #require(URL(string: LiveServer.tlsAddress)), transport: transport, token: LiveServer.probeToken)
        let foreign = await client.get("transit/keys/orders-b", namespace: "tenant-b")
        let own = await client.get("transit/keys/orders-a", namespace: "tenant-a")
        await transport.shutdown()
        #expect(foreign.status == 403)
        #expect(foreign.errorMessage == "permission denied")
        #expect(own.status == 200)
    }

    @Test func liveAssessmentOverTLSGivesTheSeededVerdicts() async throws {
        let facts = try await LiveServer.collect(address: LiveServer.tlsAddress, caFile: LiveServer.caFile)
        #expect(facts.unreachableTargets.isEmpty)
        #expect(facts.hasInventory(of: .key))
        let keys = facts.resources(of: .key)
        #expect(Set(keys.map(\.name)) == Set(LiveServer.keys))
        #expect(keys.allSatisfy { $0["evidence_kind"] == .string("observed") && $0["service"] == .string("openbao") })
        func key(_ n: String) -> Resource? { keys.first { $0.name.hasSuffix("/" + n) } }
        #expect(key("byok-a")?["custody"] == .string("imported"))
        #expect(key("orders-a")?["custody"] == .string("customer-generated"))
        #expect(key("orders-a")?["versions.latest"] == .number(3))
        #expect(key("orders-b")?["tenant"] == .string("tenant-b"))
        #expect(key("hmac-b")?["spec_class"] == .string("hmac"))
        #expect(key("signing-a")?["rotation.applicable"] == .bool(true), "transit rotates asymmetric keys")
        #expect(key("orders-b")?["isolation.foreign_policies"] == .strings(["root:support-decrypt"]))
        // The probe: tenant A's token was refused on each of tenant B's keys, and that refusal is evidence.
        for n in ["orders-b", "scratch-b", "hmac-b"] { #expect(key(n)?["isolation.probe"] == .string("denied"), "\(n)") }
        #expect(facts.evidence.contains { $0.locator.hasSuffix("tenant-b/transit/keys/orders-b#probe") })
        let seal = try #require(facts.resources(of: .keyStore).first)
        #expect(seal["seal_type"] == .string("shamir"))
        #expect(facts.resources(of: .auditTrail).first?["device_type"] == .string("file"))
        // tenant-b's second mount holds no keys: OpenBao answers its LIST with 404, and that is a complete, empty
        // listing, not a cut-off one (it was read as "did not end within 1000 pages" before).
        let target = try #require(facts.resources(of: .target).first)
        #expect(target["transit_mounts"]?.displayText.contains("tenant-b/transit-archive/") == true, "\(String(describing: target["transit_mounts"]))")
        #expect(facts.coverage.first { $0.source.hasSuffix("(transit keys)") }?.status == .complete, "\(facts.coverage)")
        #expect(!facts.diagnostics.contains { $0.message.contains("transit-archive") }, "\(facts.diagnostics)")

        let r = RulesEngine(catalog: try Fixtures.catalog(), now: Date()).evaluate(facts)
        func v(_ check: String) -> [String: Verdict] {
            Dictionary(uniqueKeysWithValues: r.verdicts(check).map { (($0.key as NSString).lastPathComponent, $0.value) })
        }
        #expect(v("CEK08-AG1-CMK-EXISTS") == ["all keys": .pass])
        #expect(v("CEK08-AG3-ROTATION-PERIOD") == ["orders-a": .pass, "orders-b": .pass, "hmac-b": .pass, "signing-a": .fail,
                                                   "export-a": .fail, "scratch-b": .fail, "byok-a": .notApplicable])
        #expect(v("CEK08-AG3-ROTATION-RECENT")["orders-a"] == .pass)
        #expect(v("CEK08-AG3-ROTATION-RECENT")["hmac-b"] == .inconclusive, "transit reports no version times for HMAC keys")
        #expect(v("CEK08-AG3-DELETION-WINDOW") == ["scratch-b": .fail, "orders-a": .notApplicable, "orders-b": .notApplicable,
                                                   "hmac-b": .notApplicable, "signing-a": .notApplicable, "export-a": .notApplicable,
                                                   "byok-a": .notApplicable])
        #expect(v("CEK08-AG3-KEY-MATERIAL-CONTAINED")["export-a"] == .fail)
        #expect(v("CEK08-AG3-KEY-MATERIAL-CONTAINED").filter { $0.key != "export-a" }.values.allSatisfy { $0 == .pass })
        #expect(v("CEK08-AG1-IMPORTED-MATERIAL-EXPIRY")["byok-a"] == .notApplicable)
        #expect(v("CEK08-AG2-NAMESPACE-ISOLATION") == ["orders-a": .pass, "signing-a": .pass, "export-a": .pass, "byok-a": .pass,
                                                      "orders-b": .fail, "scratch-b": .fail, "hmac-b": .fail])
        #expect(v("CEK08-AG2-POLICY-TENANT-BOUNDARY").values.allSatisfy { $0 == .notApplicable })
        #expect(v("CEK08-AG4-AUDIT-TRAIL").values.first == .fail, "a file audit device has no integrity validation")
        #expect(v("CEK08-AG10-KEY-STORE-CONNECTED").values.first == .notApplicable, "a Shamir seal has no upstream")
        #expect(v("CEK08-CCM2-KMS-INVENTORY").values.first == .pass)
    }

    @Test func plainHTTPThroughURLSessionReadsTheSameFacts() async throws {
        let tls = try await LiveServer.collect(address: LiveServer.tlsAddress, caFile: LiveServer.caFile)
        let plain = try await LiveServer.collect(address: LiveServer.plainAddress, caFile: nil)
        #expect(plain.unreachableTargets.isEmpty)
        let a = tls.resources(of: .key), b = plain.resources(of: .key)
        #expect(a.map(\.id) == b.map(\.id))
        for (x, y) in zip(a, b) { #expect(x.fields == y.fields, "\(x.name)") }
    }

    @Test func theDocumentedReadOnlyPolicySufficesAndIsNotCountedAsReachingKeys() async throws {
        let facts = try await LiveServer.collect(address: LiveServer.plainAddress, caFile: nil, tokenEnv: "CEK_AUDIT_BAO_AUDITOR_TOKEN")
        #expect(facts.coverage.filter { $0.source.hasPrefix("openbao://") }.allSatisfy { $0.status == .complete },
                "\(facts.coverage.map { "\($0.source) \($0.status) \($0.detail ?? "")" })")
        #expect(facts.hasInventory(of: .key))
        #expect(Set(facts.resources(of: .key).map(\.name)) == Set(LiveServer.keys))
        for k in facts.resources(of: .key) {
            #expect(!(k["isolation.policies"]?.displayText.contains("cek-auditor") ?? true), "\(k.name)")
        }
        #expect(facts.resource(.key, named: "tenant-a/transit/keys/orders-a")?["isolation.cross_tenant"] == .bool(false))
        #expect(facts.resource(.key, named: "tenant-b/transit/keys/orders-b")?["isolation.cross_tenant"] == .bool(true))
    }

    @Test func withoutTheCAFileTLSFailsAndTheTargetIsUnreachable() async throws {
        let facts = try await LiveServer.collect(address: LiveServer.tlsAddress, caFile: nil, retries: 0)
        #expect(facts.unreachableTargets == ["bao-live"])
        #expect(facts.resources(of: .key).isEmpty)
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("cannot reach") })
    }

    @Test func theAuditLogTheServerWroteRecordsUsageLifecycleAndAttempts() throws {
        let copy = try LiveServer.completeLinesOfAuditLog()
        let facts = OpenBaoAuditLogCollector().collect(files: [.init(path: copy, locator: "audit.log")], label: "audit.log",
                                                       context: CollectionContext(now: Date()))
        let log = try #require(facts.resources(of: ResourceType.logSource).first)
        #expect(log["parse_errors"] == FactValue.int(0))
        #expect(log["prefix"] == FactValue.null)
        #expect(log["categories"] == FactValue.strings(["access", "decrypt", "encrypt", "lifecycle", "sign-verify-mac"]))
        #expect(log["attributed"] == FactValue.bool(true))
        #expect(log["tenants"].map { $0.displayText.contains("tenant-a") && $0.displayText.contains("tenant-b") } == true)
        func key(_ path: String) -> Resource? { facts.resource(.keyUsage, named: path) }
        #expect(key("tenant-a/transit/keys/byok-a")?["lifecycle"] == FactValue.strings(["import"]))
        #expect(key("tenant-a/transit/keys/orders-a")?["lifecycle"] == FactValue.strings(["configure", "configure-rotation", "create", "rotate"]))
        #expect(key("tenant-a/transit/keys/signing-a")?["usage.sign-verify-mac"] == FactValue.int(2))
        #expect(key("tenant-b/transit/keys/hmac-b")?["usage.sign-verify-mac"] == FactValue.int(1))
        let ordersB = try #require(key("tenant-b/transit/keys/orders-b"))
        #expect(ordersB["usage.encrypt"] == FactValue.int(1))
        #expect(ordersB["failed_attempts"].map { $0.displayText.contains("delete (deletion is not allowed for this key)") } == true,
                "the refused delete is an attempt")
        #expect(ordersB["failed_attempts"].map { $0.displayText.contains("read (permission denied)") } == true,
                "tenant A's read of tenant B's key was denied")
        #expect(!(ordersB["lifecycle"]?.displayText.contains("delete") ?? true))
        let r = RulesEngine(catalog: try Fixtures.catalog(), now: Date()).evaluate(facts)
        #expect(r.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").values.first == Verdict.pass)
        #expect(r.verdicts("CEK08-AG4-LOGS-READABLE").values.first == Verdict.pass)
        #expect(r.verdicts("CEK08-AG3-LIFECYCLE-EXERCISED").values.first == Verdict.pass)
    }
}

/// The dev server's coordinates, from the `export` lines of `scripts/services/openbao.sh`.
enum LiveServer {
    static let env = ProcessInfo.processInfo.environment
    static var available: Bool { env["CEK_AUDIT_BAO_ADDR"] != nil && env["CEK_AUDIT_BAO_TOKEN"] != nil }
    static var tlsAddress: String { env["CEK_AUDIT_BAO_ADDR"] ?? "" }
    static var plainAddress: String { env["CEK_AUDIT_BAO_PLAIN_ADDR"] ?? "" }
    static var caFile: String? { env["CEK_AUDIT_BAO_CACERT"] }
    static var probeToken: String? { env["CEK_AUDIT_BAO_PROBE_TOKEN"] }
    static let keys = ["tenant-a/transit/keys/orders-a", "tenant-a/transit/keys/signing-a", "tenant-a/transit/keys/export-a",
                       "tenant-a/transit/keys/byok-a", "tenant-b/transit/keys/orders-b", "tenant-b/transit/keys/scratch-b",
                       "tenant-b/transit/keys/hmac-b"]

    /// Collects the server as the `openbao` target would, with the isolation probe of tenant A.
    static func collect(address: String, caFile: String?, retries: Int = 2, tokenEnv: String = "CEK_AUDIT_BAO_TOKEN") async throws -> FactSet {
        var options: [String: FactValue] = [
            "address": .string(address), "token_env": .string(tokenEnv), "retries": .number(Double(retries)),
            "timeout_seconds": .number(10), "probe_token_env": .string("CEK_AUDIT_BAO_PROBE_TOKEN"), "probe_namespace": .string("tenant-a"),
        ]
        if let caFile { options["ca_file"] = .string(caFile) }
        let target = AssessmentFile.Target(kind: "openbao", name: "bao-live", options: options, line: 1, file: "/audit.yaml")
        let collector = OpenBaoTargetCollector()
        try collector.validate(target)
        let observations = await collector.collect(target, context: CollectionContext(now: Date()), logger: Logger(label: "live"))
        let facts = NormalizeStage.run(observations, settings: AnalysisSettings())
        return facts
    }

    /// A copy of the server's audit log cut after its last complete line (the server may be writing while we read).
    static func completeLinesOfAuditLog() throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: env["CEK_AUDIT_BAO_AUDIT_LOG"] ?? ""))
        let end = (data.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-live-\(UUID().uuidString).log")
        try data.prefix(end).write(to: url)
        return url.path
    }
}
