import CEKAuditAWS
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging
import Testing

/// The AWS KMS probe against a real moto_server of its own (`scripts/services/moto-probe.sh`; the collector tests
/// reset the other one). moto lets a disabled key encrypt and does not implement GetParametersForImport (HTTP 500):
/// the journal must say "revocation not enforced by this endpoint" (a failure) and "not supported by this endpoint"
/// (inconclusive), never pass. Cross-account Decrypt answers NotFoundException there: refused.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: ProbeMoto.endpoint != nil, "CEK_AUDIT_PROBE_MOTO_ENDPOINT is not set (run scripts/test.sh)"))
struct AWSKMSProbeMotoTests {
    @Test func aFullRunRecordsMotosDeviationsTruthfullyAndLeavesNothingActive() async throws {
        let prober = AWSKMSProber(environment: ProbeMoto.environment)
        let run = ProbeRun()
        let recorder = ProbeRecorder(target: "moto-sandbox", kind: "aws-kms", run: run)
        let credentials = CredentialScrubber()
        await prober.probe(ProbeMoto.target(), run: run, context: CollectionContext(now: Date(), credentials: credentials), recorder: recorder)
        let j = recorder.snapshot
        let outcomes = Dictionary(uniqueKeysWithValues: j.steps.map { ($0.step, $0.outcome) })
        #expect(outcomes == [
            "create-key": .performed, "encrypt-decrypt": .performed, "enable-rotation": .performed, "rotate-on-demand": .performed,
            "decrypt-old-version": .performed, "disable-refuses-encrypt": .notEnforced, "byok-import": .notSupportedByEndpoint,
            "isolation": .refusedAsExpected, "schedule-deletion": .performed, "cleanup": .performed,
        ], "\(j.summary)")
        #expect(j.steps.first { $0.step == "disable-refuses-encrypt" }?.detail.contains("revocation not enforced by this endpoint") == true)
        #expect(j.steps.first { $0.step == "byok-import" }?.detail.contains("not supported by this endpoint") == true)
        #expect(j.completed)
        #expect(j.leftBehind.isEmpty, "\(j.summary)")
        #expect(j.created.filter { $0.kind == "kms-key" }.count == 2)

        // The capability facts: revocation fails, import stays unknown.
        let facts = j.facts(collector: "probe", now: Date())
        func supported(_ op: String) -> FactValue? { facts.resources(of: .capability).first { $0.fields["operation"] == .string(op) }?.fields["supported"] }
        #expect(supported("revoke") == .bool(false))
        #expect(supported("import")?.isKnown == false)
        #expect(supported("isolation") == .bool(true))

        // Nothing of the probe is active in the account: its keys are pending deletion, its alias is gone.
        let states = try await ProbeMoto.probeKeyStates(tag: run.tag)
        #expect(states.count == 2)
        #expect(states.values.allSatisfy { $0 == "PendingDeletion" }, "\(states)")
        #expect(try await ProbeMoto.aliases().filter { $0.contains(run.tag) }.isEmpty)
        // No secret or key material in the journal.
        let text = String(decoding: j.encoded(), as: UTF8.self)
        for canary in [ProbeMoto.secret, "CiphertextBlob", "ImportToken", "SessionToken"] { #expect(!text.contains(canary), "\(canary)") }
    }

    @Test func leftoversOfAKilledRunAreScheduledForDeletion() async throws {
        let prober = AWSKMSProber(environment: ProbeMoto.environment)
        // What a killed run leaves: a tagged, enabled key with its alias. ProbeCLITests (another target, run at the
        // same time on the same probe server) ends with `probe --cleanup`, which removes every probe leftover: when
        // it took this key first, the cleanup here is tried again with a fresh one, so that what is checked is this
        // cleanup's own work.
        var attempt = 0
        var tag = "", id = ""
        var found: [ProbeResource] = [], failure: String?
        while true {
            attempt += 1
            tag = ProbeRun().tag
            id = try await ProbeMoto.createTaggedKey(tag: tag)
            (found, failure) = await prober.removeLeftovers(ProbeMoto.target(), context: CollectionContext(now: Date()))
            if attempt == 3 || found.contains(where: { $0.name == id }) { break }
            let states = try await ProbeMoto.probeKeyStates(tag: tag)
            if states[id] != "PendingDeletion" { break }   // not taken by the other cleanup: this one failed, and says so below
        }
        #expect(failure == nil)
        #expect(found.contains { $0.kind == "kms-key" && $0.name == id && $0.cleanup == "scheduled-for-deletion" }, "\(found)")
        #expect(found.contains { $0.kind == "kms-alias" && $0.name == "alias/\(tag)" && $0.cleanup == "removed" }, "\(found)")
        #expect(try await ProbeMoto.probeKeyStates(tag: tag) == [id: "PendingDeletion"])
        #expect(try await ProbeMoto.aliases().filter { $0.contains(tag) }.isEmpty)
    }
}

/// The probe moto server, and a plain KMS client to look at it.
enum ProbeMoto {
    static let endpoint = ProcessInfo.processInfo.environment["CEK_AUDIT_PROBE_MOTO_ENDPOINT"]
    static let secret = "probe-secret-key-7f3a9c1e"
    static let environment = ["AWS_ACCESS_KEY_ID": "AKIAPROBETESTING0001", "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1",
                              "HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"]

    static func target() -> AssessmentFile.Target {
        var t = AssessmentFile.Target(kind: "aws-kms", name: "moto-sandbox",
                                      options: ["endpoint": .string(endpoint ?? ""), "regions": .list([.string("us-east-1")]),
                                                "probe_foreign_role_arn": .string("arn:aws:iam::333333333333:role/tenant-c"), "max_attempts": .number(1)],
                                      line: 1, file: "/audit.yaml")
        t.sandbox = true
        return t
    }

    static func kms(_ operation: String, _ params: [String: JSONValue]) async throws -> JSONValue? {
        let text = try #require(endpoint)
        let url = try #require(URL(string: text))
        let transport = AWSHTTPClientTransport(maxConnectionsPerHost: 2)
        let client = AWSServiceClient(service: "kms", region: "us-east-1", endpoint: url, wire: .json11(targetPrefix: KMSClient.targetPrefix),
                                      credentials: AWSCredentials(accessKeyId: "AKIAPROBETESTING0001", secretAccessKey: secret),
                                      transport: transport, retry: RetryPolicy(maxAttempts: 1), timeout: 10,
                                      limiter: RequestLimiter(limit: 2), scrubber: CredentialScrubber(), logger: Logger(label: "probe-test"))
        let answer = await client.callJSON(operation, params)
        await transport.shutdown()
        switch answer {
        case .success(let r): return r.json
        case .failure(let f):
            // CreateAlias has no output: moto answers `null`, which is no JSON object but a success.
            if case .invalidResponse = f.error, operation == "CreateAlias" { return nil }
            Issue.record("\(operation): \(f)")
            return nil
        }
    }

    /// Key id → state of every key tagged with `tag`.
    static func probeKeyStates(tag: String) async throws -> [String: String] {
        var out: [String: String] = [:]
        for k in try await kms("ListKeys", ["Limit": .number(1000)])?["Keys"]?.asList ?? [] {
            guard let id = k["KeyId"]?.stringValue else { continue }
            let tags = try await kms("ListResourceTags", ["KeyId": .string(id)])?["Tags"]?.asList ?? []
            guard tags.contains(where: { $0["TagValue"]?.stringValue == tag }) else { continue }
            out[id] = try await kms("DescribeKey", ["KeyId": .string(id)])?["KeyMetadata"]?["KeyState"]?.stringValue ?? "?"
        }
        return out
    }

    static func aliases() async throws -> [String] {
        (try await kms("ListAliases", ["Limit": .number(100)])?["Aliases"]?.asList ?? []).compactMap { $0["AliasName"]?.stringValue }
    }

    static func createTaggedKey(tag: String) async throws -> String {
        let created = try await kms("CreateKey", ["Tags": .array([.object(["TagKey": .string(AWSKMSProber.tagKey), "TagValue": .string(tag)])])])
        let id = try #require(created?["KeyMetadata"]?["KeyId"]?.stringValue)
        _ = try await kms("CreateAlias", ["AliasName": .string("alias/\(tag)"), "TargetKeyId": .string(id)])
        return id
    }
}
