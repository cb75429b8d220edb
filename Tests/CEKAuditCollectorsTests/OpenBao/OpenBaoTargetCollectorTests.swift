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

/// The live collector against a scripted server: what it reads, how failures become unknown facts and failed
/// coverage (never a pass, never a dropped key), and that tokens never reach evidence.
struct OpenBaoTargetCollectorTests {
    static let token = "s.PLANTED-collection-token-7f3a"
    static let now = Date(timeIntervalSince1970: 1_793_491_200)   // 2026-11-01T00:00:00Z

    /// A small two-tenant server. `overrides` replaces answers by route (`tenant-b/transit/keys?list`).
    static func server(_ overrides: [String: OpenBaoHTTPResponse] = [:]) -> RecordedTransport {
        let routes = routes(overrides)
        return RecordedTransport { request, _ in answer(request, routes) }
    }

    static func answer(_ request: OpenBaoHTTPRequest, _ routes: [String: OpenBaoHTTPResponse]) -> OpenBaoHTTPResponse {
        routes[request.route] ?? RecordedTransport.json(404, #"{"errors":["no route \#(request.route)"]}"#)
    }

    static func routes(_ overrides: [String: OpenBaoHTTPResponse] = [:]) -> [String: OpenBaoHTTPResponse] {
        let key = { (type: String, extra: String) in
            #"{"data":{"type":"\#(type)","exportable":false,"allow_plaintext_backup":false,"deletion_allowed":false,"auto_rotate_period":2592000,"imported_key":false,"soft_deleted":false,"latest_version":2,"min_available_version":0,"min_decryption_version":1,"min_encryption_version":0,"supports_encryption":true,"supports_signing":false,"keys":{"1":1780000000,"2":1790000000}\#(extra)}}"#
        }
        var routes: [String: OpenBaoHTTPResponse] = [
            "sys/health": RecordedTransport.json(200, #"{"initialized":true,"sealed":false,"version":"2.7.2"}"#),
            "sys/seal-status": RecordedTransport.json(200, #"{"type":"pkcs11","sealed":false,"initialized":true}"#),
            "auth/token/lookup-self": RecordedTransport.json(200, #"{"data":{"id":"\#(token)","accessor":"acc","display_name":"auditor","policies":["auditor"]}}"#),
            "sys/namespaces?list": RecordedTransport.json(200, #"{"data":{"keys":["tenant-a/","tenant-b/"]}}"#),
            "tenant-a/sys/namespaces?list": RecordedTransport.json(404, #"{"errors":[]}"#),
            "tenant-b/sys/namespaces?list": RecordedTransport.json(404, #"{"errors":[]}"#),
            "sys/mounts": RecordedTransport.json(200, #"{"data":{"sys/":{"type":"system"}}}"#),
            "tenant-a/sys/mounts": RecordedTransport.json(200, #"{"data":{"transit/":{"type":"transit"},"kv/":{"type":"kv"}}}"#),
            "tenant-b/sys/mounts": RecordedTransport.json(200, #"{"data":{"transit/":{"type":"transit"}}}"#),
            "tenant-a/transit/keys?list": RecordedTransport.json(200, #"{"data":{"keys":["import/","orders"]}}"#),
            "tenant-b/transit/keys?list": RecordedTransport.json(200, #"{"data":{"keys":["ledger","broken"]}}"#),
            "tenant-a/transit/keys/orders": RecordedTransport.json(200, key("aes256-gcm96", "")),
            "tenant-b/transit/keys/ledger": RecordedTransport.json(200, key("ed25519", "")),
            "tenant-b/transit/keys/broken": RecordedTransport.json(500, #"{"errors":["storage failure"]}"#),
            "sys/policies/acl?list": RecordedTransport.json(200, #"{"data":{"keys":["default","root"]}}"#),
            "sys/policies/acl/default": RecordedTransport.json(200, #"{"data":{"policy":"path \"auth/token/lookup-self\" { capabilities = [\"read\"] }"}}"#),
            "tenant-a/sys/policies/acl?list": RecordedTransport.json(200, #"{"data":{"keys":["kms"]}}"#),
            "tenant-a/sys/policies/acl/kms": RecordedTransport.json(200, #"{"data":{"policy":"path \"transit/*\" { capabilities = [\"update\"] }"}}"#),
            "tenant-b/sys/policies/acl?list": RecordedTransport.json(200, #"{"data":{"keys":[]}}"#),
            "sys/audit": RecordedTransport.json(200, #"{"data":{"file/":{"type":"file","options":{"file_path":"/var/log/bao/audit.log"}}}}"#),
        ]
        for (k, v) in overrides { routes[k] = v }
        return routes
    }

    static func target(_ options: [String: FactValue] = [:]) -> AssessmentFile.Target {
        var o: [String: FactValue] = ["address": .string("https://bao.example.com:8200"), "token_env": .string("AUDIT_TOKEN")]
        for (k, v) in options { o[k] = v }
        return AssessmentFile.Target(kind: "openbao", name: "bao-test", options: o, line: 7)
    }

    static func collect(_ transport: RecordedTransport, options: [String: FactValue] = [:],
                        environment: [String: String] = ["AUDIT_TOKEN": token]) async -> FactSet {
        let c = OpenBaoTargetCollector(environment: environment, transport: { _ in transport }, pause: { _ in })
        let observations = await c.collect(target(options), context: CollectionContext(now: now), logger: Logger(label: "test"))
        return NormalizeStage.run(observations, settings: AnalysisSettings())
    }

    @Test func collectsKeysAsAnInventoryAndDropsTheImportPseudoEntry() async throws {
        let facts = await Self.collect(Self.server())
        let keys = facts.resources(of: .key)
        #expect(keys.map(\.name) == ["tenant-a/transit/keys/orders", "tenant-b/transit/keys/broken", "tenant-b/transit/keys/ledger"])
        #expect(facts.hasInventory(of: .key))
        let orders = try #require(keys.first { $0.name == "tenant-a/transit/keys/orders" })
        #expect(orders["tenant"] == .string("tenant-a"))
        #expect(orders["evidence_kind"] == .string("observed"))
        #expect(orders["custody"] == .string("customer-generated"))
        #expect(orders["rotation.period_days"] == .number(30))
        #expect(orders["rotation.last_rotated"] == .string("2026-09-21T14:13:20Z"))
        #expect(orders["created"] == .string("2026-05-28T20:26:40Z"))
        #expect(orders["isolation.cross_tenant"] == .bool(false))
        let ledger = try #require(keys.first { $0.name == "tenant-b/transit/keys/ledger" })
        #expect(ledger["rotation.applicable"] == .bool(true), "transit rotates asymmetric keys too")
        #expect(ledger["spec_class"] == .string("asymmetric"))
        let seal = try #require(facts.resources(of: .keyStore).first)
        #expect(seal["seal_class"] == .string("hsm"))
        #expect(seal["connection_state"] == .string("CONNECTED"))
        let trail = try #require(facts.resources(of: .auditTrail).first)
        #expect(trail["kind"] == .string("openbao-audit-device"))
        #expect(trail["integrity_validation"] == .bool(false))
        #expect(facts.resources(of: .target).first?["namespaces"] == .strings(["root", "tenant-a", "tenant-b"]))
    }

    @Test func aFailedKeyReadKeepsTheKeyWithUnknownFactsNamingEndpointAndStatus() async throws {
        let facts = await Self.collect(Self.server())
        let broken = try #require(facts.resource(.key, named: "tenant-b/transit/keys/broken"))
        let reason = try #require(broken["rotation.enabled"]?.unknownReason)
        #expect(reason == "GET /v1/transit/keys/broken in namespace tenant-b returned HTTP 500 (storage failure)")
        #expect(broken["manager"] == .string("customer"))
        #expect(facts.diagnostics.contains { $0.message.contains("tenant-b/transit/keys/broken unreadable") })
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Self.now).evaluate(facts)
        // Every check reading the key's own settings is inconclusive; isolation comes from the policies, which were read.
        // The Google Cloud and Azure checks (next rotation time, Key Access Justifications, key expiry) apply by service
        // and are not applicable.
        let googleOnly: Set<String> = ["CEK08-AG3-ROTATION-OVERDUE", "CEK08-AG3-FIRST-ROTATION-WITHIN-LIMIT", "CEK08-AG2-ACCESS-JUSTIFICATIONS",
                                       "CEK08-AG3-KEY-EXPIRY"]
        #expect(results.filter { $0.subject?.name == "tenant-b/transit/keys/broken" && googleOnly.contains($0.check) }.allSatisfy { $0.verdict == .notApplicable })
        let onBroken = results.filter { $0.subject?.name == "tenant-b/transit/keys/broken" && $0.check != "CEK08-AG2-NAMESPACE-ISOLATION"
            && !googleOnly.contains($0.check) }
        #expect(onBroken.count >= 5)
        #expect(onBroken.allSatisfy { $0.verdict == .inconclusive }, "\(onBroken.map { "\($0.check) \($0.verdict)" })")
    }

    @Test func aFailedListingIsAFailedSourceSoChecksAreInconclusive() async throws {
        let facts = await Self.collect(Self.server(["tenant-b/transit/keys?list": RecordedTransport.json(403, #"{"errors":["permission denied"]}"#)]))
        #expect(!facts.hasInventory(of: .key))
        let failed = try #require(facts.coverage.first { $0.status == .failed })
        #expect(failed.source == "openbao://bao-test/v1/tenant-b/transit/keys?list=true")
        #expect(failed.detail == "LIST /v1/transit/keys in namespace tenant-b returned HTTP 403 (permission denied)")
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Self.now).evaluate(facts)
        #expect(results.contains { $0.check == "CEK08-AG3-ROTATION-PERIOD" && $0.verdict == .inconclusive && $0.subject?.id == failed.source })
    }

    /// Numbers a server may send that are no version and no date (1e300 would trap an Int conversion, and a date
    /// past year 9999 has no RFC 3339 form) leave the facts unknown.
    @Test func outOfRangeNumbersAreNeitherVersionsNorDates() async throws {
        let facts = await Self.collect(Self.server(["tenant-a/transit/keys/orders": RecordedTransport.json(200, #"{"data":{"type":"aes256-gcm96","latest_version":1e300,"min_available_version":-1e300,"auto_rotate_period":1e308,"min_decryption_version":1.5,"keys":{"1":1e300,"2":-5,"99999999999999999999":1},"exportable":false,"allow_plaintext_backup":false}}"#)]))
        let key = try #require(facts.resource(.key, named: "tenant-a/transit/keys/orders"))
        #expect(key["created"]?.isKnown == false)
        #expect(key["rotation.last_rotated"]?.isKnown == false)
        #expect(key["rotation.enabled"] == .bool(true))
    }

    @Test func unreadableRootPoliciesMakeTenantIsolationUnknown() async throws {
        let facts = await Self.collect(Self.server(["sys/policies/acl?list": RecordedTransport.json(403, #"{"errors":["permission denied"]}"#)]))
        let orders = try #require(facts.resource(.key, named: "tenant-a/transit/keys/orders"))
        #expect(orders["isolation.cross_tenant"]?.isKnown == false)
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Self.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG2-NAMESPACE-ISOLATION")["tenant-a/transit/keys/orders"] == .inconclusive)
    }

    @Test func anUnreachableTargetIsReportedAndNothingPasses() async throws {
        let down = RecordedTransport { _, _ in throw URLError(.cannotConnectToHost) }
        let facts = await Self.collect(down)
        #expect(facts.unreachableTargets == ["bao-test"])
        #expect(facts.resources(of: .key).isEmpty)
        #expect(facts.coverage.contains { $0.status == .failed && $0.resourceTypes.contains(.key) })
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Self.now).evaluate(facts)
        for check in ["CEK08-AG1-CMK-EXISTS", "CEK08-AG3-ROTATION-PERIOD", "CEK08-AG4-AUDIT-TRAIL", "CEK08-AG2-POLICY-TENANT-BOUNDARY"] {
            #expect(results.filter { $0.check == check }.allSatisfy { $0.verdict == .inconclusive }, "\(check)")
        }
    }

    @Test func withoutATokenOnlyHealthAndSealAreRead() async throws {
        let server = Self.server()
        let facts = await Self.collect(server, environment: [:])
        #expect(server.requests.map(\.route) == ["sys/health", "sys/seal-status"])
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("no token was found (environment variable AUDIT_TOKEN)") })
        #expect(facts.coverage.contains { $0.status == .failed && $0.resourceTypes.contains(.key) })
    }

    @Test func tokensNeverReachEvidence() async throws {
        let facts = await Self.collect(Self.server(["sys/audit": RecordedTransport.json(200, #"{"data":{},"echo":"\#(Self.token)"}"#)]))
        #expect(!facts.payloads.isEmpty)
        for (id, bytes) in facts.payloads {
            #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.token), "token in payload \(id)")
        }
        let encoded = try JSONEncoder().encode(facts.resources) + JSONEncoder().encode(facts.evidence) + JSONEncoder().encode(facts.diagnostics)
        #expect(!String(decoding: encoded, as: UTF8.self).contains(Self.token))
    }

    @Test func theProbeNeedsAValidTokenAndRecordsDenials() async throws {
        let probeToken = "s.PLANTED-probe-token-91c2"
        let routes = Self.routes()
        let server = RecordedTransport { request, _ in
            if request.headers["X-Vault-Token"] == probeToken {
                if request.route == "tenant-a/auth/token/lookup-self" { return RecordedTransport.json(200, #"{"data":{"id":"\#(probeToken)"}}"#) }
                return RecordedTransport.json(403, #"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#)
            }
            return Self.answer(request, routes)
        }
        let facts = await Self.collect(server, options: ["probe_token_env": .string("PROBE"), "probe_namespace": .string("tenant-a")],
                                       environment: ["AUDIT_TOKEN": Self.token, "PROBE": probeToken])
        #expect(facts.resource(.key, named: "tenant-b/transit/keys/ledger")?["isolation.probe"] == .string("denied"))
        #expect(facts.resource(.key, named: "tenant-a/transit/keys/orders")?["isolation.probe"] == .null)
        for (_, bytes) in facts.payloads { #expect(!String(decoding: bytes, as: UTF8.self).contains(probeToken)) }
        // An invalid probe token proves nothing: its 403s are unknown, not denials.
        let invalid = RecordedTransport { request, _ in
            if request.headers["X-Vault-Token"] == probeToken { return RecordedTransport.json(403, #"{"errors":["permission denied"]}"#) }
            return Self.answer(request, routes)
        }
        let facts2 = await Self.collect(invalid, options: ["probe_token_env": .string("PROBE"), "probe_namespace": .string("tenant-a")],
                                        environment: ["AUDIT_TOKEN": Self.token, "PROBE": probeToken])
        #expect(facts2.resource(.key, named: "tenant-b/transit/keys/ledger")?["isolation.probe"]?.isKnown == false)
    }

    @Test(arguments: [
        (["address": FactValue.string("bao.example.com")], "is not an http(s) address"),
        (["address": .string("https://bao.example.com"), "colour": .string("red")], "colour: unknown option"),
        (["address": .string("https://bao.example.com"), "token_env": .string("s.abc.def")], "is not an environment variable name"),
        (["address": .string("https://bao.example.com"), "timeout_seconds": .number(0)], "timeout_seconds"),
        (["address": .string("https://bao.example.com"), "ca_file": .string("/nonexistent/ca.pem")], "does not exist"),
        (["address": .string("https://bao.example.com"), "probe_namespace": .string("tenant-a")], "needs both a token"),
        (["address_env": .string("NOT_SET_ANYWHERE")], "is not set"),
        (["address": .string("https://bao.example.com"), "max_namespace_depth": .number(-1)], "max_namespace_depth: expected a whole number from 0 to 64"),
        (["address": .string("https://bao.example.com"), "max_namespace_depth": .string("deep")], "max_namespace_depth: expected a whole number"),
        (["address": .string("https://bao.example.com"), "max_namespaces": .number(0)], "max_namespaces: expected a whole number from 1 to 100000"),
        (["address": .string("https://bao.example.com"), "max_namespaces": .number(2.5)], "max_namespaces: expected a whole number"),
        (["address": .string("https://bao.example.com"), "max_requests": .number(0)], "max_requests: expected a whole number from 1 to 10000000"),
    ])
    func invalidOptionsNameTheOptionAndLine(_ options: [String: FactValue], _ message: String) {
        let target = AssessmentFile.Target(kind: "openbao", name: "bao", options: options, line: 12, file: "audit.yaml",
                                           optionLines: Dictionary(uniqueKeysWithValues: options.keys.map { ($0, 14) }))
        let c = OpenBaoTargetCollector(environment: [:])
        do {
            try c.validate(target)
            Issue.record("accepted \(options)")
        } catch let e as CEKAuditError {
            let text = e.errorDescription ?? ""
            #expect(text.contains(message), "\(text)")
            #expect(text.hasPrefix("audit.yaml:14:") || text.hasPrefix("audit.yaml:12:"), "\(text)")
        } catch { Issue.record("\(error)") }
    }

    @Test func theRegistryKnowsOpenBao() {
        #expect(CollectorRegistry.builtIn.collector(for: "openbao") != nil)
    }
}

