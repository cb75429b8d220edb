@testable import CEKAuditAzure
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditTestSupport
import Foundation
import Logging
import Testing

/// One collection of the shared fake Azure Resource Manager (``FakeAzureScenario``), made once for the suite.
struct AzureLiveRun: Sendable {
    let server: FakeAzureServer
    let facts: FactSet
    let normalized: FactSet
    /// The requests the shared run sent, taken when it ended: other tests send theirs to the same server later
    /// (a refused secret, an unreachable subscription), in parallel.
    let requestsOfRun: [JSONValue]

    static let secretVariable = "CEK_TEST_AZURE_SECRET"

    static func target(_ options: [String: FactValue], name: String = "prod") -> AssessmentFile.Target {
        AssessmentFile.Target(kind: "azure-keyvault", name: name, options: options, line: 7, file: "/tmp/audit.yaml")
    }

    static func options(server: String) -> [String: FactValue] {
        ["subscriptions": .list([.string(FakeAzureScenario.subscription)]), "tenant_id": .string(FakeAzureScenario.tenant),
         "client_id": .string(FakeAzureScenario.clientId), "client_secret_env": .string(secretVariable),
         "arm_endpoint": .string(server), "authority": .string(server), "timeout_seconds": .number(2),
         "max_attempts": .number(2), "backoff_base_ms": .number(10), "backoff_max_ms": .number(3000)]
    }

    static func make() async throws -> AzureLiveRun {
        let server = try FakeAzureServer(config: FakeAzureScenario.config(), maxSeconds: 240)
        let collector = AzureKeyVaultCollector(environment: [secretVariable: FakeAzureScenario.clientSecret])
        let facts = await collector.collect(target(options(server: server.endpoint)),
                                            context: CollectionContext(now: Date(timeIntervalSince1970: 1_790_000_000)), logger: Logger(label: "test"))
        return AzureLiveRun(server: server, facts: facts, normalized: NormalizeStage.run(facts, settings: AnalysisSettings()),
                            requestsOfRun: server.requests())
    }

    static let shared = Task { try await make() }
}

/// The live azure-keyvault collector against the tests' own loopback Azure Resource Manager: what it reads, the
/// per-vault audit check it feeds, and what each fault (throttling, a 403, a 500, a body cut short, an answer too
/// late, a reflected token) leaves unknown.
@Suite(.timeLimit(.minutes(3)))
struct AzureKeyVaultCollectorTests {
    func run() async throws -> AzureLiveRun { try await AzureLiveRun.shared.value }

    func resource(_ facts: FactSet, _ type: ResourceType, _ name: String) -> Resource? {
        facts.resources.first { $0.type == type && $0.name == name }
    }

    @Test func vaultsPoolsAndKeysAreReadAcrossPages() async throws {
        let r = try await run()
        let stores = r.facts.resources.filter { $0.type == .keyStore }
        #expect(Set(stores.map(\.name)) == ["kv-audit", "kv-disabled", "kv-none", "kv-denied", "hsm-1"])
        #expect(resource(r.facts, .keyStore, "hsm-1")?.fields["kind"] == .string("azure-managed-hsm"))
        let vaultPages = r.server.requests(path: "/subscriptions/\(FakeAzureScenario.subscription)/providers/Microsoft.KeyVault/vaults")
        #expect(vaultPages.map { $0["query"]?["$skiptoken"]?.stringValue ?? "-" } == ["-", "page-2"])
        #expect(vaultPages.allSatisfy { $0["query"]?["api-version"] == .string("2023-07-01") })
        let keys = r.facts.resources.filter { $0.type == .key }
        #expect(Set(keys.map(\.name)) == ["key-rotated", "key-plain", "key-tagged"], "the failed listings add no key")
        let rotated = try #require(resource(r.facts, .key, "key-rotated"))
        #expect(rotated.id == "https://kv-audit.vault.azure.net/keys/key-rotated")
        #expect(rotated.fields["rotation.enabled"] == .bool(true))
        #expect(rotated.fields["rotation.period_days"] == .number(90))
        #expect(rotated.fields["deletion.window_days"] == .int(90))
        #expect(rotated.fields["subscription"] == .string(FakeAzureScenario.subscription))
        let plain = try #require(resource(r.facts, .key, "key-plain"))
        #expect(plain.fields["rotation.enabled"]?.isKnown == false, "no rotationPolicy in the answer: rotation unknown")
        // Every API request carried the token the fake token endpoint issued for the client credentials.
        let token = r.requestsOfRun.filter { $0["path"]?.stringValue?.hasSuffix("/oauth2/v2.0/token") == true }
        #expect(token.count == 1 && token.first?["ok"] == .bool(true), "\(token)")
        #expect(token.first?["path"] == .string("/\(FakeAzureScenario.tenant)/oauth2/v2.0/token"))
        let api = r.requestsOfRun.filter { $0["path"]?.stringValue?.hasSuffix("/token") != true }
        #expect(!api.isEmpty && api.allSatisfy { $0["auth"]?.stringValue == "ok" })
        let target = try #require(r.facts.resources.first { $0.type == .target })
        #expect(target.fields["kind"] == .string("azure-keyvault"))
        #expect(target.fields["tenant"] == .string(FakeAzureScenario.subscription))
        #expect(target.fields["caller"] == .string(FakeAzureScenario.clientId))
        #expect(r.facts.unreachableTargets.isEmpty)
        #expect(r.facts.evidence.allSatisfy { r.facts.payloads[$0.id] != nil })
        #expect(r.facts.evidence.contains { $0.locator == "azure-keyvault://prod\(FakeAzureScenario.vaultID("kv-audit"))/keys?page=2" })
    }

    /// `subscriptions: all`: the enabled subscriptions ARM lists are collected (the same vaults and keys as naming
    /// them), a disabled one and an excluded one are named in the listing's coverage row and not read.
    @Test func allSubscriptionsAreListedThenCollected() async throws {
        var config = FakeAzureScenario.config()
        var routes = config["routes"] as! [[String: Any]]
        let disabled = "00000000-0000-0000-0000-0000000000d1", excluded = "00000000-0000-0000-0000-0000000000e1"
        routes.append(FakeAzureScenario.route("/subscriptions", apiVersion: "2022-12-01", [FakeAzureScenario.ok(["value": [
            ["id": "/subscriptions/\(FakeAzureScenario.subscription)", "subscriptionId": FakeAzureScenario.subscription, "state": "Enabled"],
            ["id": "/subscriptions/\(disabled)", "subscriptionId": disabled, "state": "Disabled"],
            ["id": "/subscriptions/\(excluded)", "subscriptionId": excluded, "state": "Enabled"],
        ]])]))
        config["routes"] = routes
        let server = try FakeAzureServer(config: config, maxSeconds: 240)
        var options = AzureLiveRun.options(server: server.endpoint)
        options["subscriptions"] = .string("all")
        options["exclude_subscriptions"] = .list([.string(excluded)])
        let collector = AzureKeyVaultCollector(environment: [AzureLiveRun.secretVariable: FakeAzureScenario.clientSecret])
        let facts = await collector.collect(AzureLiveRun.target(options), context: CollectionContext(now: Date(timeIntervalSince1970: 1_790_000_000)),
                                            logger: Logger(label: "test"))
        let named = try await run()
        #expect(Set(facts.resources.filter { $0.type == .key }.map(\.id)) == Set(named.facts.resources.filter { $0.type == .key }.map(\.id)))
        let row = try #require(facts.coverage.first { $0.source == "azure-keyvault://prod/subscriptions" })
        #expect(row.detail?.contains("\(disabled) (Disabled)") == true, "\(row)")
        #expect(row.detail?.contains("excluded: \(excluded)") == true, "\(row)")
        #expect(server.requests(path: "/subscriptions/\(excluded)/providers/Microsoft.KeyVault/vaults").isEmpty)
        #expect(server.requests(path: "/subscriptions/\(disabled)/providers/Microsoft.KeyVault/vaults").isEmpty)
        // Sharded (collect --shard i/2): both shards list the subscriptions, exactly one reads the enabled one, and
        // the two merged describe one target with the unsharded keys.
        #expect(collector.divides(AzureLiveRun.target(options)) && !collector.divides(AzureLiveRun.target(AzureLiveRun.options(server: server.endpoint))))
        await ShardDivision.expectDivided(members: ["target:prod/\(FakeAzureScenario.subscription)"], unsharded: facts, now: Date(timeIntervalSince1970: 1_790_000_000)) { context in
            await collector.collect(AzureLiveRun.target(options), context: context, logger: Logger(label: "test"))
        }
        // exclude_subscriptions without `all` is refused.
        var wrong = AzureLiveRun.options(server: server.endpoint)
        wrong["exclude_subscriptions"] = .list([.string(excluded)])
        #expect(throws: CEKAuditError.self) { try AzureTargetOptions(AzureLiveRun.target(wrong)) }
    }

    @Test func theVaultAuditCheckPassesFailsAndIsInconclusivePerVault() async throws {
        let r = try await run()
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(r.normalized).verdicts("CEK08-AG4-VAULT-AUDIT-EVENTS")
        #expect(results["diagnostic settings of kv-audit"] == .pass)
        #expect(results["diagnostic settings of kv-disabled"] == .fail)
        #expect(results["diagnostic settings of kv-none"] == .fail, "an empty complete listing is evidence of no setting")
        #expect(results["diagnostic settings of kv-denied"] == .inconclusive, "403: only this vault's logging is unknown")
        #expect(results["diagnostic settings of hsm-1"] == .pass)
        let denied = try #require(r.facts.resources.first { $0.type == .auditTrail && $0.name == "diagnostic settings of kv-denied" })
        #expect(denied.fields["logging"]?.unknownReason?.contains("HTTP 403 AuthorizationFailed") == true)
        #expect(r.facts.diagnostics.contains { $0.message.hasPrefix("diagnosticSettings.list failed for 1 resource(s)")
            && $0.fix?.contains("Microsoft.Insights/diagnosticSettings/read") == true })
    }

    @Test func roleAssignmentsAndDataStores() async throws {
        let r = try await run()
        let access = try #require(resource(r.facts, .keyPolicy, "access to kv-audit"))
        #expect(access.observed?["role_assignments"]?.asList.count == 2, "the vault's own and the subscription's")
        #expect(access.observed?["role_assignments_unread"] == nil)
        #expect(resource(r.facts, .keyPolicy, "access to kv-none")?.observed?["role_assignments"]?.asList.count == 1)
        let stdata = try #require(resource(r.facts, .dataStore, "stdata"))
        #expect(stdata.fields["key_ref"] == .string("https://kv-audit.vault.azure.net/keys/key-rotated"))
        #expect(resource(r.facts, .dataStore, "stplain")?.fields["key_manager"] == .string("microsoft"))
        let row = try #require(r.facts.coverage.first { $0.source.hasSuffix("/datastores") })
        #expect(row.status == .complete, "an unregistered provider has no resources: \(row.detail ?? "")")
        #expect(r.facts.diagnostics.contains { $0.severity == .info && $0.message.contains("Microsoft.CognitiveServices is not registered") })
    }

    @Test func throttlingIsRetriedHonouringRetryAfter() async throws {
        let r = try await run()
        let first = r.server.requests(path: "\(FakeAzureScenario.vaultID("kv-audit"))/keys").filter { $0["query"]?["$skiptoken"] == nil }
        #expect(first.map { $0["status"]?.numberValue ?? 0 } == [429, 200])
        if first.count == 2, let a = first[0]["time"]?.numberValue, let b = first[1]["time"]?.numberValue {
            #expect(b - a >= 0.9, "Retry-After: 1 was honoured")
        }
    }

    @Test func serverErrorsTruncationAndTimeoutsBecomeUnknownAndPartial() async throws {
        let r = try await run()
        #expect(r.server.requests(path: "\(FakeAzureScenario.vaultID("kv-disabled"))/keys").count == 2, "500 retried up to max_attempts")
        let row = try #require(r.facts.coverage.first { $0.source == "azure-keyvault://prod/subscriptions/\(FakeAzureScenario.subscription)" })
        #expect(row.status == .partial)
        #expect(row.inventoryTypes.isEmpty, "an incomplete key listing proves no absence")
        let keysList = try #require(r.facts.diagnostics.first { $0.message.hasPrefix("keys.list failed for 3 resource(s)") }, "\(r.facts.diagnostics.map(\.message))")
        #expect(keysList.severity == .error)
        let failures = r.facts.diagnostics.map(\.message).joined(separator: "\n")
        #expect(failures.contains("HTTP 500") || keysList.message.contains("HTTP 500"))
        // The answer that came too late was cut off at the per-attempt deadline.
        let late = try #require(r.facts.evidence.first { $0.locator == "azure-keyvault://prod\(FakeAzureScenario.vaultID("hsm-1", hsm: true))/keys" })
        let lateBody = String(decoding: r.facts.payloads[late.id] ?? Data(), as: UTF8.self)
        #expect(lateBody.contains("no complete answer within 2 s (timeout) after 2 attempt(s)"), "\(lateBody)")
        #expect(r.server.requests(path: "\(FakeAzureScenario.vaultID("hsm-1", hsm: true))/keys").count == 2)
        #expect(resource(r.facts, .key, "key-late") == nil && resource(r.facts, .key, "key-cut") == nil)
    }

    @Test func noCredentialReachesFactsEvidenceOrDiagnostics() async throws {
        let r = try await run()
        let secrets = [FakeAzureScenario.accessToken, FakeAzureScenario.clientSecret]
        var texts: [(String, Data)] = r.facts.payloads.map { ($0.key, $0.value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        texts.append(("resources", try encoder.encode(r.normalized.resources)))
        texts.append(("diagnostics", Data(r.facts.diagnostics.map(\.description).joined(separator: "\n").utf8)))
        texts.append(("coverage", try encoder.encode(r.facts.coverage)))
        for (name, data) in texts {
            let leaks = CredentialForms.leaks(in: data, secrets: secrets)
            #expect(leaks.isEmpty, "\(name): \(leaks)")
        }
        // The three reflections did arrive, and were replaced.
        let bodies = r.facts.payloads.values.map { String(decoding: $0, as: UTF8.self) }
        #expect(bodies.filter { $0.contains("request token") }.count == 1)
        #expect(bodies.contains { $0.contains("request token") && $0.contains(CredentialScrubber.marker) })
        #expect(bodies.contains { $0.contains("ticket ") && $0.contains(CredentialScrubber.marker) })
        #expect(bodies.contains { $0.contains("key-tagged") && $0.contains(CredentialScrubber.marker) })
    }

    @Test func aTargetWhereNothingAnswersIsUnreachable() async throws {
        let r = try await run()
        var options = AzureLiveRun.options(server: r.server.endpoint)
        options["subscriptions"] = .list([.string("00000000-0000-0000-0000-000000000002")])
        for k in ["client_id", "client_secret_env", "tenant_id"] { options[k] = nil }
        options["access_token_env"] = .string("AZ_TEST_TOKEN")
        let facts = await AzureKeyVaultCollector(environment: ["AZ_TEST_TOKEN": FakeAzureScenario.accessToken])
            .collect(AzureLiveRun.target(options, name: "gone"), context: CollectionContext(now: Date()), logger: Logger(label: "test"))
        #expect(facts.unreachableTargets == ["gone"])
        #expect(facts.diagnostics.contains { $0.message.contains("could not be reached") })
        #expect(facts.resources.first { $0.type == .target }?.fields["caller"] == .string("access token"))
        #expect(facts.coverage.first { $0.source == "azure-keyvault://gone/subscriptions/00000000-0000-0000-0000-000000000002" }?.status == .failed)
    }

    @Test func aRefusedClientSecretLeavesTheTargetUnreachableWithoutTheSecret() async throws {
        let r = try await run()
        let context = CollectionContext(now: Date())
        let facts = await AzureKeyVaultCollector(environment: [AzureLiveRun.secretVariable: "wrong-secret-EXAMPLE-0123"])
            .collect(AzureLiveRun.target(AzureLiveRun.options(server: r.server.endpoint), name: "refused"), context: context, logger: Logger(label: "test"))
        #expect(facts.unreachableTargets == ["refused"])
        let text = facts.diagnostics.map(\.description).joined(separator: "\n")
        #expect(text.contains("HTTP 401 invalid_client"), "\(text)")
        #expect(CredentialForms.leaks(in: text, secrets: ["wrong-secret-EXAMPLE-0123"]).isEmpty)
    }
}

/// `azure-keyvault` target options and credentials: validated at load with the entry's line.
@Suite struct AzureTargetOptionsTests {
    func target(_ options: [String: FactValue]) -> AssessmentFile.Target {
        AssessmentFile.Target(kind: "azure-keyvault", name: "prod", options: options, line: 4, file: "/tmp/audit.yaml",
                              optionLines: ["subscriptions": 5, "colour": 6, "client_id": 7])
    }

    func message(_ options: [String: FactValue]) -> String? {
        do { _ = try AzureTargetOptions(target(options)); return nil } catch { return (error as? CEKAuditError)?.diagnostic.description ?? "\(error)" }
    }

    let sub: FactValue = .list([.string(FakeAzureScenario.subscription)])

    @Test func validOptionsAreRead() throws {
        let o = try AzureTargetOptions(target(["subscriptions": .list([.string(FakeAzureScenario.subscription.uppercased()), .string(FakeAzureScenario.subscription)]),
                                               "concurrency": .number(4), "arm_endpoint": .string("http://127.0.0.1:9/")]))
        #expect(o.subscriptions == [FakeAzureScenario.subscription])
        #expect(o.concurrency == 4)
        #expect(o.armEndpoint.absoluteString == "http://127.0.0.1:9")
        #expect(o.authority.absoluteString == "https://login.microsoftonline.com")
    }

    @Test func mistakesNameTheLineAndAFix() {
        #expect(message([:])?.contains("/tmp/audit.yaml:4") == true)
        #expect(message([:])?.contains("no subscriptions") == true)
        #expect(message(["subscriptions": .list([.string("prod-subscription")])])?.contains("/tmp/audit.yaml:5") == true)
        #expect(message(["subscriptions": sub, "colour": .string("x")])?.contains("unknown option") == true)
        #expect(message(["subscriptions": sub, "concurrency": .number(0)]) != nil)
        #expect(message(["subscriptions": sub, "arm_endpoint": .string("ftp://x")]) != nil)
        #expect(message(["subscriptions": sub, "authority": .string("https://u:p@x")]) != nil)
        #expect(message(["subscriptions": sub, "access_token_env": .string("not a name")]) != nil)
        #expect(message(["subscriptions": sub, "client_id": .string(FakeAzureScenario.clientId), "client_secret_env": .string("S")])?
            .contains("needs tenant_id") == true)
        #expect(message(["subscriptions": sub, "client_id": .string(FakeAzureScenario.clientId), "tenant_id": .string(FakeAzureScenario.tenant)])?
            .contains("/tmp/audit.yaml:7") == true)
        #expect(message(["subscriptions": sub, "tenant_id": .string("../evil")]) != nil)
        #expect(message(["subscriptions": sub, "access_token_env": .string("A"), "client_id": .string(FakeAzureScenario.clientId),
                         "client_secret_env": .string("S"), "tenant_id": .string(FakeAzureScenario.tenant)])?.contains("give one of") == true)
    }

    @Test func credentialsResolveInTheDocumentedOrder() throws {
        var o = try AzureTargetOptions(target(["subscriptions": sub]))
        #expect(try AzureCredentialSource.resolve(o, environment: ["AZURE_ACCESS_TOKEN": "fromDefaultVar-123"])
            == .accessToken("fromDefaultVar-123", origin: "environment variable AZURE_ACCESS_TOKEN"))
        #expect(throws: AzureCredentialError.self) { try AzureCredentialSource.resolve(o, environment: [:]) }
        o.accessTokenEnv = "MY_TOKEN"
        #expect(throws: AzureCredentialError.self) { try AzureCredentialSource.resolve(o, environment: ["AZURE_ACCESS_TOKEN": "x"]) }
        #expect(try AzureCredentialSource.resolve(o, environment: ["MY_TOKEN": "mine-0123456789", "AZURE_ACCESS_TOKEN": "x"]).secrets == ["mine-0123456789"])
        o.accessTokenEnv = nil
        o.clientId = FakeAzureScenario.clientId
        o.clientSecretEnv = "SECRET"
        o.tenantId = FakeAzureScenario.tenant
        let cc = try AzureCredentialSource.resolve(o, environment: ["SECRET": "s3cret-EXAMPLE", "AZURE_ACCESS_TOKEN": "x"])
        #expect(cc.caller == FakeAzureScenario.clientId && cc.secrets == ["s3cret-EXAMPLE"])
        // az account get-access-token output, current and expired; a raw token file.
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try AzureCredentialSource.fileToken(#"{"accessToken":"tok-EXAMPLE-1","expires_on":1790003600,"tokenType":"Bearer"}"#, label: "t.json", now: now) == "tok-EXAMPLE-1")
        #expect(throws: AzureCredentialError.self) {
            try AzureCredentialSource.fileToken(#"{"accessToken":"tok-EXAMPLE-1","expires_on":1789990000}"#, label: "t.json", now: now)
        }
        #expect(throws: AzureCredentialError.self) { try AzureCredentialSource.fileToken(#"{"token":"x"}"#, label: "t.json", now: now) }
        #expect(try AzureCredentialSource.fileToken("raw-token-EXAMPLE", label: "t", now: now) == "raw-token-EXAMPLE")
    }

    @Test func serverNamesArePercentEncodedAndOddIdsRefused() {
        #expect(AzureKeyVaultCollection.path(["subscriptions", "s", "resourceGroups", "rg (1)", "x?y#z"]) == "/subscriptions/s/resourceGroups/rg%20%281%29/x%3Fy%23z")
        #expect(AzureKeyVaultCollection.segments("/subscriptions/s/../x") == nil)
        #expect(AzureKeyVaultCollection.segments("subscriptions/s") == nil)
        #expect(AzureKeyVaultCollection.segments("/subscriptions//x") == nil)
    }
}
