@testable import CEKAuditGCP
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditTestSupport
import Foundation
import Logging
import Testing

/// One collection of the shared fake Google Cloud (``FakeGCPScenario``), made once for the suite.
struct GCPLiveRun: Sendable {
    let server: FakeGCPServer
    let account: TestServiceAccount
    let facts: FactSet
    let seconds: Double
    let folder: URL

    static func target(_ options: [String: FactValue], name: String = "prod") -> AssessmentFile.Target {
        AssessmentFile.Target(kind: "gcp-kms", name: name, options: options, line: 7, file: "/tmp/audit.yaml")
    }

    static func options(server: String, credentials: String) -> [String: FactValue] {
        ["projects": .list([.string(FakeGCPScenario.project)]), "credentials_file": .string(credentials), "data_stores": .bool(true),
         "kms_endpoint": .string(server), "resource_manager_endpoint": .string(server), "org_policy_endpoint": .string(server),
         "asset_endpoint": .string(server), "token_endpoint": .string(server + "/token"), "timeout_seconds": .number(4),
         "max_attempts": .number(2), "backoff_base_ms": .number(10), "backoff_max_ms": .number(3000)]
    }

    static func make() async throws -> GCPLiveRun {
        let account = try TestServiceAccount()
        let server = try FakeGCPServer(config: FakeGCPScenario.config(account), maxSeconds: 240)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cek-gcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("sa.json")
        try account.keyFile.write(to: file)
        let collector = GCPKMSCollector(environment: [:])
        let start = Date()
        let facts = await collector.collect(target(options(server: server.endpoint, credentials: file.path)),
                                            context: CollectionContext(now: Date(timeIntervalSince1970: 1_790_000_000)), logger: Logger(label: "test"))
        return GCPLiveRun(server: server, account: account, facts: facts, seconds: Date().timeIntervalSince(start), folder: folder)
    }

    static let shared = Task { try await make() }
}

/// The live gcp-kms collector against the tests' own loopback Google Cloud: what it reads, and what each fault
/// (throttling, a 403, a 500, a body cut short, a malformed body, an answer too late, a reflected token) leaves unknown.
@Suite(.timeLimit(.minutes(3)))
struct GCPKMSCollectorTests {
    func run() async throws -> GCPLiveRun { try await GCPLiveRun.shared.value }

    func resource(_ facts: FactSet, _ type: ResourceType, _ id: String) -> Resource? {
        facts.resources.first { $0.type == type && $0.id == id }
    }

    @Test func keysAreReadAcrossThreePagesWithTheirFacts() async throws {
        let r = try await run()
        let keys = r.facts.resources.filter { $0.type == .key }
        #expect(Set(keys.map(\.name)) == ["key-hsm", "key-soft", "key-ext", "key-sign", "key-denied", "key-flaky"])
        #expect(r.server.requests(path: "/v1/\(FakeGCPScenario.ringA)/cryptoKeys").compactMap { $0["query"]?["pageToken"]?.stringValue } == ["page-2", "page-3"])
        let hsm = try #require(resource(r.facts, .key, "\(FakeGCPScenario.ringA)/cryptoKeys/key-hsm"))
        #expect(hsm.fields["protection_level"] == .string("HSM"))
        #expect(hsm.fields["purpose"] == .string("ENCRYPT_DECRYPT"))
        #expect(hsm.fields["rotation.enabled"] == .bool(true))
        #expect(hsm.fields["rotation.period_days"] == .number(90))
        #expect(hsm.fields["rotation.next"] == .string("2026-12-30T00:00:00Z"))
        #expect(hsm.fields["deletion.window_days"] == .number(30))
        #expect(hsm.fields["ancestry"] == .list([.string("projects/example-project"), .string("folders/111111111111"), .string("organizations/222222222222")]))
        #expect(hsm.fields["autokey"] == .bool(true))
        let soft = try #require(keys.first { $0.name == "key-soft" })
        #expect(soft.fields["rotation.enabled"] == .bool(false))
        #expect(soft.fields["protection_level"] == .string("SOFTWARE"))
        let ext = try #require(keys.first { $0.name == "key-ext" })
        #expect(ext.fields["protection_level"] == .string("EXTERNAL_VPC"))
        #expect(ext.fields["ekm_connection"]?.displayText.hasSuffix("ekmConnections/ekm-1") == true)
        let sign = try #require(keys.first { $0.name == "key-sign" })
        #expect(sign.fields["purpose"] == .string("ASYMMETRIC_SIGN"))
        // Every API request carried the token the fake token endpoint issued for the verified assertion.
        let apiCalls = r.server.requests().filter { $0["path"]?.stringValue != "/token" }
        #expect(!apiCalls.isEmpty && apiCalls.allSatisfy { $0["auth"]?.stringValue == "ok" })
    }

    /// `parents:`: the projects below a folder, its sub-folders included, are found and collected like a named project;
    /// a deleted project is named, not read; a sub-folder whose listing is refused leaves the walk partial.
    @Test func projectsBelowAFolderAreFoundAndCollected() async throws {
        let account = try TestServiceAccount()
        var config = FakeGCPScenario.config(account)
        var routes = config["routes"] as! [[String: Any]]
        routes += [
            FakeGCPScenario.route("/v3/projects", query: ["parent": "folders/100"], [FakeGCPScenario.ok(["projects": [
                ["name": "projects/555", "projectId": "retired-project", "state": "DELETE_REQUESTED"]]])]),
            FakeGCPScenario.route("/v3/folders", query: ["parent": "folders/100"], [FakeGCPScenario.ok(["folders": [
                ["name": "folders/200", "state": "ACTIVE"], ["name": "folders/300", "state": "ACTIVE"]]])]),
            FakeGCPScenario.route("/v3/projects", query: ["parent": "folders/200"], [FakeGCPScenario.ok(["projects": [
                ["name": "projects/111", "projectId": FakeGCPScenario.project, "state": "ACTIVE"]]])]),
            FakeGCPScenario.route("/v3/folders", query: ["parent": "folders/200"], [FakeGCPScenario.ok([:])]),
            FakeGCPScenario.route("/v3/projects", query: ["parent": "folders/300"], [FakeGCPScenario.error(403, "PERMISSION_DENIED", "no browser role")]),
            FakeGCPScenario.route("/v3/folders", query: ["parent": "folders/300"], [FakeGCPScenario.ok([:])]),
        ]
        config["routes"] = routes
        let server = try FakeGCPServer(config: config, maxSeconds: 240)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cek-gcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sa.json")
        try account.keyFile.write(to: file)
        var options = GCPLiveRun.options(server: server.endpoint, credentials: file.path)
        options["projects"] = nil
        options["parents"] = .list([.string("folders/100")])
        let facts = await GCPKMSCollector(environment: [:]).collect(GCPLiveRun.target(options),
                                                                    context: CollectionContext(now: Date(timeIntervalSince1970: 1_790_000_000)), logger: Logger(label: "test"))
        let named = try await run()
        #expect(Set(facts.resources.filter { $0.type == .key }.map(\.id)) == Set(named.facts.resources.filter { $0.type == .key }.map(\.id)))
        let row = try #require(facts.coverage.first { $0.source == "gcp-kms://prod/parents" })
        #expect(row.status == .partial, "\(row)")
        #expect(row.detail?.contains("1 project(s) found below folders/100") == true, "\(row)")
        #expect(row.detail?.contains("retired-project (DELETE_REQUESTED)") == true, "\(row)")
        #expect(row.detail?.contains("projects.list folders/300") == true, "\(row)")
        #expect(facts.diagnostics.contains { $0.message.contains("folders/300") })
        // Sharded (collect --shard i/2): both shards walk the folders, exactly one reads the project found, and the
        // two merged describe one target with the unsharded keys.
        let collector = GCPKMSCollector(environment: [:])
        #expect(collector.divides(GCPLiveRun.target(options)))
        await ShardDivision.expectDivided(members: ["target:prod/\(FakeGCPScenario.project)"], unsharded: facts, now: Date(timeIntervalSince1970: 1_790_000_000)) { context in
            await collector.collect(GCPLiveRun.target(options), context: context, logger: Logger(label: "test"))
        }
        #expect(throws: CEKAuditError.self) {
            try GCPTargetOptions(GCPLiveRun.target(["parents": .list([.string("projects/x")]), "access_token_env": .string("T")]))
        }
    }

    @Test func theServiceAccountAssertionIsAVerifiedRS256JWT() async throws {
        let r = try await run()
        let token = r.server.requests(path: "/token")
        #expect(token.count == 1)
        #expect(token.first?["ok"] == .bool(true))
        #expect(["verified", "structure-only"].contains(token.first?["check"]?.stringValue ?? ""), "\(token)")
        if ProcessInfo.processInfo.environment["CEK_AUDIT_REQUIRE_VALIDATORS"] == "1" {
            #expect(token.first?["check"]?.stringValue == "verified", "the test venv has `cryptography`, so the signature must be checked")
        }
        // And in Swift: the assertion verifies with the public key, a tampered one does not.
        let key = GCPServiceAccountKey(clientEmail: r.account.clientEmail, privateKeyPEM: r.account.privateKeyPEM,
                                       privateKeyId: r.account.privateKeyId, tokenURI: r.account.tokenURI)
        let jwt = try key.assertion(audience: r.account.tokenURI, issuedAt: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(r.account.verifies(jwt))
        let parts = jwt.split(separator: ".").map(String.init)
        let tampered: String = parts[0] + "." + String(parts[1].reversed()) + "." + parts[2]
        #expect(!r.account.verifies(tampered))
        let header = try JSONValue.parse(try #require(TestServiceAccount.base64URL(parts[0])), source: "h")
        #expect(header["alg"] == .string("RS256") && header["kid"] == .string(r.account.privateKeyId))
        let claims = try JSONValue.parse(try #require(TestServiceAccount.base64URL(parts[1])), source: "c")
        #expect(claims["exp"]?.numberValue == 1_790_003_600 && claims["iss"] == .string(r.account.clientEmail))
        #expect(claims["scope"] == .string("https://www.googleapis.com/auth/cloud-platform"))
    }

    @Test func iamPoliciesAncestryAuditConfigOrgPoliciesAndDataStores() async throws {
        let r = try await run()
        let hsmPolicy = try #require(resource(r.facts, .keyPolicy, "\(FakeGCPScenario.ringA)/cryptoKeys/key-hsm#iam"))
        #expect(hsmPolicy.fields["statements"] == .number(1))
        #expect(hsmPolicy.observed?["iam_policy"]?["bindings"]?.asList.count == 1)
        #expect(resource(r.facts, .keyPolicy, "\(FakeGCPScenario.ringA)#iam")?.fields["scope"] == .string("key-ring"))
        let trail = try #require(resource(r.facts, .auditTrail, "projects/example-project#data-access-logs:cloudkms"))
        #expect(trail.fields["logging"] == .bool(true))
        #expect(r.facts.resources.filter { $0.type == .orgPolicy }.count == 2)
        let stores = r.facts.resources.filter { $0.type == .dataStore }
        #expect(stores.count == 2, "two pages of assets")
        #expect(stores.first { $0.name == "example-bucket" }?.fields["key_ref"] == .string("\(FakeGCPScenario.ringA)/cryptoKeys/key-hsm"))
        let assets = r.server.requests(path: "/v1/projects/example-project/assets")
        #expect(assets.first?["query"]?["contentType"] == .string("RESOURCE"))
        #expect(assets.first?["query"]?["assetTypes"]?.asList.contains(.string("storage.googleapis.com/Bucket")) == true)
        #expect(r.facts.resources.filter { $0.type == .keyStore }.count == 1, "one EKM connection; the malformed listing adds none")
        let target = try #require(r.facts.resources.first { $0.type == .target })
        #expect(target.fields["caller"] == .string(r.account.clientEmail))
        #expect(target.fields["tenant"] == .string("example-project"))
        #expect(target.fields["kind"] == .string("gcp-kms"))
        #expect(r.facts.unreachableTargets.isEmpty)
        // Every answer is an evidence item with its bytes.
        #expect(r.facts.evidence.count >= 20)
        #expect(r.facts.evidence.allSatisfy { r.facts.payloads[$0.id] != nil })
        #expect(r.facts.evidence.contains { $0.locator == "gcp-kms://prod/cloudkms/v1/projects/example-project/locations/global/keyRings/ring-a/cryptoKeys?page=3" })
    }

    @Test func a403LeavesOnlyThatKeysIAMFactsUnknown() async throws {
        let r = try await run()
        let denied = try #require(resource(r.facts, .keyPolicy, "\(FakeGCPScenario.ringA)/cryptoKeys/key-denied#iam"))
        #expect(denied.fields["public"]?.isKnown == false)
        #expect(denied.fields["statements"]?.unknownReason?.contains("HTTP 403 PERMISSION_DENIED") == true)
        let key = try #require(resource(r.facts, .key, "\(FakeGCPScenario.ringA)/cryptoKeys/key-denied"))
        #expect(key.fields["protection_level"] == .string("SOFTWARE"), "the key itself stays known")
        let others = r.facts.resources.filter { $0.type == .keyPolicy && $0.id.hasPrefix(FakeGCPScenario.ringA + "/") && !$0.id.contains("key-denied") }
        #expect(others.count == 5 && others.allSatisfy { $0.fields["statements"]?.isKnown == true })
        #expect(r.facts.diagnostics.contains { $0.message.hasPrefix("cryptoKeys.getIamPolicy failed for 1 resource(s)") && $0.fix?.contains("cloudkms.cryptoKeys.getIamPolicy") == true })
    }

    @Test func throttlingIsRetriedHonouringRetryAfter() async throws {
        let r = try await run()
        let flaky = r.server.requests(path: "/v1/\(FakeGCPScenario.ringA)/cryptoKeys/key-flaky:getIamPolicy")
        #expect(flaky.map { $0["status"]?.numberValue ?? 0 } == [429, 200])
        if flaky.count == 2, let a = flaky[0]["time"]?.numberValue, let b = flaky[1]["time"]?.numberValue {
            #expect(b - a >= 0.9, "Retry-After: 1 was honoured")
        }
        #expect(resource(r.facts, .keyPolicy, "\(FakeGCPScenario.ringA)/cryptoKeys/key-flaky#iam")?.fields["statements"] == .number(1))
    }

    @Test func serverErrorsTruncationMalformedBodiesAndTimeoutsBecomeUnknownAndPartial() async throws {
        let r = try await run()
        // 500 always: retried up to max_attempts, then the key list of ring-b is a failure and coverage is partial.
        #expect(r.server.requests(path: "/v1/\(FakeGCPScenario.ringB)/cryptoKeys").count == 2)
        let row = try #require(r.facts.coverage.first { $0.source == "gcp-kms://prod/projects/example-project" })
        #expect(row.status == .partial)
        #expect(row.inventoryTypes.isEmpty, "an incomplete listing proves no absence")
        #expect(row.detail?.contains("cryptoKeys.list") == true)
        func diagnostic(_ call: String) -> Diagnostic? { r.facts.diagnostics.first { $0.message.hasPrefix(call + " failed") } }
        #expect(diagnostic("cryptoKeys.list")?.message.contains("HTTP 500") == true)
        #expect(diagnostic("cryptoKeys.list")?.severity == .error)
        #expect(diagnostic("importJobs.list") != nil, "the body cut short")
        #expect(diagnostic("ekmConnections.list")?.message.contains("not a JSON object") == true, "the malformed body")
        // The answer that came too late: cut off at the timeout, its key ring's IAM facts unknown.
        let late = try #require(diagnostic("keyRings.getIamPolicy"))
        // The reason only the per-attempt deadline writes: each attempt was cut off at 4 s, not left to the 12 s answer.
        #expect(late.message.contains("no complete answer within 4 s (timeout) after 2 attempt(s)"), "\(late.message)")
        let ringB = try #require(resource(r.facts, .keyPolicy, "\(FakeGCPScenario.ringB)#iam"))
        #expect(ringB.fields["public"]?.isKnown == false)
        // Autokey not enabled in one location is no failure.
        #expect(diagnostic("keyHandles.list") == nil)
        #expect(r.facts.diagnostics.contains { $0.severity == .info && $0.message.contains("Autokey") })
    }

    @Test func noCredentialReachesFactsEvidenceOrDiagnostics() async throws {
        let r = try await run()
        let secrets = [FakeGCPScenario.accessToken] + r.account.privateKeyLines
        var texts: [(String, Data)] = r.facts.payloads.map { ($0.key, $0.value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        texts.append(("resources", try encoder.encode(r.facts.resources)))
        texts.append(("diagnostics", Data(r.facts.diagnostics.map(\.description).joined(separator: "\n").utf8)))
        texts.append(("coverage", try encoder.encode(r.facts.coverage)))
        for (name, data) in texts {
            let leaks = CredentialForms.leaks(in: data, secrets: secrets)
            #expect(leaks.isEmpty, "\(name): \(leaks)")
        }
        // The reflections did arrive, and were replaced.
        let reflected = r.facts.diagnostics.first { $0.message.contains("request token") }
        #expect(reflected?.message.contains(CredentialScrubber.marker) == true)
        let ekm = r.facts.payloads.values.map { String(decoding: $0, as: UTF8.self) }.filter { $0.contains("serviceDirectoryService") }
        #expect(ekm.count == 1 && ekm[0].contains(CredentialScrubber.marker))
    }

    @Test func aTargetWhereNothingAnswersIsUnreachable() async throws {
        let r = try await run()
        var options = GCPLiveRun.options(server: r.server.endpoint, credentials: "")
        options["projects"] = .list([.string("unreachable-project")])
        options["locations"] = .list([.string("global")])
        options["credentials_file"] = nil
        options["access_token_env"] = .string("GCP_TEST_TOKEN")
        options["data_stores"] = .bool(false)
        let facts = await GCPKMSCollector(environment: ["GCP_TEST_TOKEN": FakeGCPScenario.accessToken])
            .collect(GCPLiveRun.target(options, name: "gone"), context: CollectionContext(now: Date()), logger: Logger(label: "test"))
        #expect(facts.unreachableTargets == ["gone"])
        #expect(facts.diagnostics.contains { $0.message.contains("could not be reached") })
        #expect(facts.resources.first { $0.type == .target }?.fields["caller"] == .string("access token"))
        #expect(facts.coverage.first { $0.source == "gcp-kms://gone/projects/unreachable-project" }?.status == .failed)
    }
}

/// `gcp-kms` target options: validated at load with the entry's line.
@Suite struct GCPTargetOptionsTests {
    func target(_ options: [String: FactValue]) -> AssessmentFile.Target {
        AssessmentFile.Target(kind: "gcp-kms", name: "prod", options: options, line: 4, file: "/tmp/audit.yaml", optionLines: ["projects": 5, "colour": 6])
    }

    func message(_ options: [String: FactValue]) -> String? {
        do { _ = try GCPTargetOptions(target(options)); return nil } catch { return (error as? CEKAuditError)?.diagnostic.description ?? "\(error)" }
    }

    @Test func validOptionsAreRead() throws {
        let o = try GCPTargetOptions(target(["projects": .list([.string("example-project"), .string("example-project")]),
                                             "locations": .list([.string("global")]), "concurrency": .number(4), "data_stores": .bool(true),
                                             "kms_endpoint": .string("http://127.0.0.1:9/")]))
        #expect(o.projects == ["example-project"])
        #expect(o.locations == ["global"])
        #expect(o.concurrency == 4 && o.dataStores)
        #expect(o.kmsEndpoint.absoluteString == "http://127.0.0.1:9")
        #expect(o.assetEndpoint.absoluteString == "https://cloudasset.googleapis.com")
    }

    @Test func mistakesNameTheLineAndAFix() {
        #expect(message([:])?.contains("/tmp/audit.yaml:4") == true)
        #expect(message([:])?.contains("no projects") == true)
        #expect(message(["projects": .list([.string("Bad_Project")])])?.contains("/tmp/audit.yaml:5") == true)
        #expect(message(["projects": .list([.string("example-project")]), "colour": .string("x")])?.contains("unknown option") == true)
        #expect(message(["projects": .list([.string("example-project")]), "concurrency": .number(0)]) != nil)
        #expect(message(["projects": .list([.string("example-project")]), "kms_endpoint": .string("ftp://x")]) != nil)
        #expect(message(["projects": .list([.string("example-project")]), "kms_endpoint": .string("https://u:p@x")]) != nil)
        #expect(message(["projects": .list([.string("example-project")]), "access_token_env": .string("not a name")]) != nil)
        #expect(message(["projects": .list([.string("example-project")]), "data_stores": .string("yes")]) != nil)
    }

    @Test func credentialsResolveInTheDocumentedOrder() throws {
        var o = try GCPTargetOptions(target(["projects": .list([.string("example-project")])]))
        let env = ["CLOUDSDK_AUTH_ACCESS_TOKEN": "tokenFromCloudSDK-123", "GOOGLE_OAUTH_ACCESS_TOKEN": "tokenFromOAuthVar-456", "HOME": "/nonexistent"]
        #expect(try GCPCredentialSource.resolve(o, environment: env) == .accessToken("tokenFromCloudSDK-123", origin: "environment variable CLOUDSDK_AUTH_ACCESS_TOKEN"))
        o.accessTokenEnv = "MY_TOKEN"
        #expect(throws: GCPCredentialError.self) { try GCPCredentialSource.resolve(o, environment: env) }
        #expect(try GCPCredentialSource.resolve(o, environment: ["MY_TOKEN": "mine-0123456789"]).caller == "access token")
        o.accessTokenEnv = nil
        #expect(throws: GCPCredentialError.self) { try GCPCredentialSource.resolve(o, environment: ["HOME": "/nonexistent"]) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cek-gcp-au-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"type":"authorized_user","client_id":"id.apps.googleusercontent.com","client_secret":"secret-EXAMPLE-1","refresh_token":"1//refresh-EXAMPLE-2"}"#.utf8).write(to: file)
        let user = try GCPCredentialSource.resolve(o, environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path])
        #expect(user.secrets.contains("1//refresh-EXAMPLE-2") && user.secrets.contains("secret-EXAMPLE-1"))
        try Data(#"{"type":"external_account"}"#.utf8).write(to: file)
        #expect(throws: GCPCredentialError.self) { try GCPCredentialSource.resolve(o, environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path]) }
    }
}
