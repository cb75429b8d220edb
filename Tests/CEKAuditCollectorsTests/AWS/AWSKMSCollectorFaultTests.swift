@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Logging
import Testing

/// What moto cannot show, against the tests' own scripted endpoint: pagination across pages, throttling then
/// success, server errors, a truncated body, a timeout, AccessDenied. None may pass the affected check, none may crash,
/// and a failed call never drops the key.
@Suite(.timeLimit(.minutes(2)))
struct AWSKMSCollectorFaultTests {
    static let keyA = "1234abcd-0000-4000-8000-00000000000a"
    static let keyB = "1234abcd-0000-4000-8000-00000000000b"
    static let keyC = "1234abcd-0000-4000-8000-00000000000c"

    static func scenario() -> FakeAWSScenario {
        var s = FakeAWSScenario()
        for id in [keyA, keyB] {
            var k = FakeAWSScenario.Key(metadata: FakeAWSScenario.symmetricKey(id))
            k.rotation = ["KeyRotationEnabled": true, "RotationPeriodInDays": 180]
            k.rotationDates = ["2026-06-01T00:00:00Z"]
            s.keys.append(k)
        }
        return s
    }

    func key(_ facts: FactSet, _ id: String) -> Resource? {
        facts.resources.first { $0.type == .key && $0.id.hasSuffix(id) }
    }

    @Test func aHealthyAccountPassesAndEveryResponseIsEvidence() async throws {
        let server = try FakeAWSServer(scenario: Self.scenario().document)
        let (facts, rec) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD").values.allSatisfy { $0 == .pass })
        #expect(results.verdicts("CEK08-AG3-ROTATION-RECENT").values.allSatisfy { $0 == .pass })
        #expect(results.verdicts("CEK08-AG1-CMK-EXISTS").values.first == .pass)
        #expect(results.verdicts("CEK08-AG4-AUDIT-TRAIL").values.first == .pass)
        #expect(results.verdicts("CEK08-AG10-KEY-STORE-CONNECTED").values.first == .notApplicable)
        #expect(facts.hasInventory(of: .key) && facts.hasInventory(of: .auditTrail) && facts.hasInventory(of: .keyStore))
        #expect(facts.diagnostics.isEmpty)
        #expect(facts.unreachableTargets.isEmpty)
        let k = try #require(key(facts, Self.keyA))
        #expect(k["evidence_kind"] == .string("observed"))
        #expect(k["rotation.period_days"] == .number(180))
        #expect(k["rotation.last_rotated"] == .string("2026-06-01T00:00:00Z"))
        let locators = Set(facts.evidence.map(\.locator))
        for op in ["DescribeKey", "GetKeyRotationStatus", "ListKeyRotations", "GetKeyPolicy", "ListGrants", "ListResourceTags"] {
            #expect(locators.contains("aws-kms://111122223333/us-east-1/\(op)/\(Self.keyA)"))
        }
        for l in ["ListKeys", "ListAliases", "DescribeCustomKeyStores", "cloudtrail/DescribeTrails", "sts/GetCallerIdentity",
                  "cloudtrail/GetTrailStatus/org-audit", "cloudtrail/GetEventSelectors/org-audit"] {
            #expect(locators.contains("aws-kms://111122223333/us-east-1/\(l)"))
        }
        let held = try facts.heldPayloads()
        #expect(facts.evidence.allSatisfy { held[$0.id] != nil })
        #expect(facts.payloads.isEmpty, "the answers' bytes are spilled to a scratch file, not held in memory")
        #expect(facts.evidence.count == rec.operations.count)
        #expect(rec.mutating.isEmpty)
        let target = try #require(facts.resources.first { $0.type == .target })
        #expect(target["caller"] == .string("arn:aws:iam::111122223333:role/cek-audit"))
        #expect(target["tenant"] == .string("111122223333"))
    }

    @Test func everyListCallFollowsItsPages() async throws {
        var s = Self.scenario()
        var third = FakeAWSScenario.Key(metadata: FakeAWSScenario.symmetricKey(Self.keyC))
        third.rotation = ["KeyRotationEnabled": true]
        s.keys.append(third)
        let keys = s.keys.map { ["KeyId": $0.id, "KeyArn": $0.arn] }
        s.overrides = [
            FakeAWSScenario.route("ListKeys", match: ["Marker": NSNull()], [FakeAWSScenario.ok(["Keys": [keys[0]], "Truncated": true, "NextMarker": "page-2"])]),
            FakeAWSScenario.route("ListKeys", match: ["Marker": "page-2"], [FakeAWSScenario.ok(["Keys": [keys[1]], "Truncated": true, "NextMarker": "page-3"])]),
            FakeAWSScenario.route("ListKeys", match: ["Marker": "page-3"], [FakeAWSScenario.ok(["Keys": [keys[2]], "Truncated": false])]),
            FakeAWSScenario.route("ListAliases", match: ["Marker": NSNull()], [FakeAWSScenario.ok(["Aliases": [], "Truncated": true, "NextMarker": "a2"])]),
            FakeAWSScenario.route("ListAliases", match: ["Marker": "a2"], [FakeAWSScenario.ok(["Aliases": [
                ["AliasName": "alias/ledger", "TargetKeyId": Self.keyC]], "Truncated": false])]),
            FakeAWSScenario.route("ListGrants", match: ["KeyId": Self.keyA, "Marker": NSNull()], [FakeAWSScenario.ok(["Grants": [
                ["GrantId": "g1", "GranteePrincipal": "arn:aws:iam::111122223333:role/app", "Operations": ["Decrypt"]]], "Truncated": true, "NextMarker": "g2"])]),
            FakeAWSScenario.route("ListGrants", match: ["KeyId": Self.keyA, "Marker": "g2"], [FakeAWSScenario.ok(["Grants": [
                ["GrantId": "g2", "GranteePrincipal": "arn:aws:iam::444455556666:role/etl", "Operations": ["Decrypt"]]], "Truncated": false])]),
            FakeAWSScenario.route("ListResourceTags", match: ["KeyId": Self.keyB, "Marker": NSNull()], [FakeAWSScenario.ok(["Tags": [
                ["TagKey": "tenant", "TagValue": "a"]], "Truncated": true, "NextMarker": "t2"])]),
            FakeAWSScenario.route("ListResourceTags", match: ["KeyId": Self.keyB, "Marker": "t2"], [FakeAWSScenario.ok(["Tags": [
                ["TagKey": "env", "TagValue": "prod"]], "Truncated": false])]),
        ]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        #expect(facts.resources(of: .key).count == 3)
        #expect(facts.hasInventory(of: .key))
        #expect(key(facts, Self.keyC)?["aliases"] == .strings(["alias/ledger"]))
        #expect(key(facts, Self.keyC)?.name == "alias/ledger")
        #expect(key(facts, Self.keyB)?["tags"] == .strings(["env=prod", "tenant=a"]))
        #expect(facts.resources(of: .grant).map(\.name).sorted() == ["g1", "g2"])
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG2-GRANT-TENANT-BOUNDARY") == ["g1": .pass, "g2": .fail])
        let ops = server.requests().filter { $0["op"]?.stringValue == "ListKeys" }.map { $0["body"]?["Marker"]?.stringValue ?? "-" }
        #expect(ops == ["-", "page-2", "page-3"])
        #expect(facts.evidence.contains { $0.locator == "aws-kms://111122223333/us-east-1/ListKeys?page=3" })
        #expect(facts.evidence.contains { $0.locator == "aws-kms://111122223333/us-east-1/ListGrants/\(Self.keyA)?page=2" })
        let g2 = try #require(facts.resources(of: .grant).first { $0.name == "g2" })
        let page2 = try #require(facts.evidence.first { $0.locator.hasSuffix("ListGrants/\(Self.keyA)?page=2") })
        #expect(g2.provenance == [Provenance(evidence: page2.id, pointer: "Grants[0]")])
    }

    @Test func throttlingIsRetriedUntilItSucceeds() async throws {
        var s = Self.scenario()
        let throttle = FakeAWSScenario.error(400, "ThrottlingException", "Rate exceeded")
        s.overrides = [
            FakeAWSScenario.route("DescribeKey", match: ["KeyId": Self.keyA], [throttle, ["status": 429, "body": "slow down"],
                                                                            FakeAWSScenario.ok(["KeyMetadata": FakeAWSScenario.symmetricKey(Self.keyA)])]),
        ]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        #expect(key(facts, Self.keyA)?["state"] == .string("Enabled"))
        #expect(facts.diagnostics.isEmpty)
        let describes = server.requests().filter { $0["op"]?.stringValue == "DescribeKey" && $0["body"]?["KeyId"]?.stringValue == Self.keyA }
        #expect(describes.count == 3)
        #expect(try AWSTest.evaluate(facts).verdicts("CEK08-AG3-ROTATION-PERIOD")[Self.keyA] == .pass)
    }

    @Test func throttlingThatNeverEndsLeavesTheKeyInconclusive() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("DescribeKey", match: ["KeyId": Self.keyA], [FakeAWSScenario.error(400, "ThrottlingException", "Rate exceeded")])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        let k = try #require(key(facts, Self.keyA), "a key whose DescribeKey failed is kept")
        #expect(k["state"]?.unknownReason?.contains("DescribeKey failed after 3 attempts: ThrottlingException (HTTP 400)") == true)
        let results = try AWSTest.evaluate(facts)
        for check in ["CEK08-AG3-ROTATION-PERIOD", "CEK08-AG3-ROTATION-RECENT", "CEK08-AG1-IMPORTED-MATERIAL-EXPIRY"] {
            #expect(results.verdicts(check)[Self.keyA] == .inconclusive, "\(check)")
        }
        let d = try #require(facts.diagnostics.first { $0.message.contains("DescribeKey") })
        #expect(d.message.contains("ThrottlingException"))
        #expect(d.fix?.contains("concurrency") == true)
        #expect(d.source == "aws-kms://111122223333/us-east-1/DescribeKey")
    }

    @Test func serverErrorsMakeOnlyTheirFactsUnknown() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("GetKeyRotationStatus", match: ["KeyId": Self.keyA],
                                             [["status": 500, "content_type": "text/html", "body": "<!doctype html><h1>Internal Server Error</h1>"]])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        let k = try #require(key(facts, Self.keyA))
        #expect(k["rotation.enabled"]?.unknownReason == "GetKeyRotationStatus failed after 3 attempts: ServerError (HTTP 500)")
        #expect(k["state"] == .string("Enabled"))
        #expect(k["rotation.last_rotated"] == .string("2026-06-01T00:00:00Z"))
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD")[Self.keyA] == .inconclusive)
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD")[Self.keyB] == .pass)
        #expect(server.requests().filter { $0["op"]?.stringValue == "GetKeyRotationStatus" && $0["body"]?["KeyId"]?.stringValue == Self.keyA }.count == 3)
    }

    @Test func aTruncatedBodyIsNeverReadAsAnAnswer() async throws {
        var s = Self.scenario()
        let full = FakeAWSScenario.ok(["KeyMetadata": FakeAWSScenario.symmetricKey(Self.keyA)])
        var cut = full
        cut["truncate"] = 40
        s.overrides = [FakeAWSScenario.route("DescribeKey", match: ["KeyId": Self.keyA], [cut]),
                       FakeAWSScenario.route("DescribeKey", match: ["KeyId": Self.keyB], [cut, full])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        let a = try #require(key(facts, Self.keyA))
        #expect(a["manager"]?.isKnown == false)
        #expect(a["manager"]?.unknownReason?.hasPrefix("DescribeKey failed after 3 attempts:") == true)
        #expect(key(facts, Self.keyB)?["manager"] == .string("customer"), "one cut-short answer, then a whole one")
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD")[Self.keyA] == .inconclusive)
        #expect(results.verdicts("CEK08-AG1-CMK-EXISTS").values.first == .pass, "key B is still a customer-managed key")
        #expect(!facts.evidence.contains { $0.locator.hasSuffix("DescribeKey/\(Self.keyA)") }, "no evidence item for a response never received whole")
    }

    @Test func aTimeoutMakesThePolicyUnknown() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("GetKeyPolicy", match: ["KeyId": Self.keyA],
                                             [["status": 200, "delay": 5, "json": ["Policy": FakeAWSScenario.defaultPolicy("111122223333")]]])]
        let server = try FakeAWSServer(scenario: s.document)
        // The timeouts, not the server (5 s per answer), end the calls: the reason says so (no wall-clock bound,
        // which a busy machine would break).
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server, ["timeout_seconds": .number(0.5), "max_attempts": .number(2)])))
        let policy = try #require(facts.resources(of: .keyPolicy).first { $0.id.contains(Self.keyA) })
        #expect(policy["cross_tenant"]?.unknownReason?.contains("GetKeyPolicy failed after 2 attempts: no answer within 0.5 s (timeout)") == true)
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY")[Self.keyA] == .inconclusive)
        #expect(results.verdicts("CEK08-AG3-OWNER-HOLDS-LIFECYCLE")[Self.keyA] == .inconclusive)
        #expect(results.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY")[Self.keyB] == .pass)
    }

    @Test func accessDeniedOnGetKeyPolicyIsNotRetriedAndNamesThePermission() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("GetKeyPolicy", [FakeAWSScenario.error(
            400, "AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/cek-audit/s is not authorized to perform: kms:GetKeyPolicy")])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        #expect(server.operations().filter { $0 == "GetKeyPolicy" }.count == 2, "one call per key, no retries")
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY").values.allSatisfy { $0 == .inconclusive })
        #expect(results.verdicts("CEK08-AG3-OWNER-HOLDS-LIFECYCLE").values.allSatisfy { $0 == .inconclusive })
        #expect(results.verdicts("CEK08-AG6-ADMINS-ARE-ROLES").values.allSatisfy { $0 == .inconclusive })
        let d = try #require(facts.diagnostics.first { $0.message.contains("GetKeyPolicy") })
        #expect(d.message.contains("GetKeyPolicy failed for 2 resource(s) in us-east-1"))
        #expect(d.message.contains("AccessDeniedException (HTTP 400)"))
        #expect(d.fix?.contains("kms:GetKeyPolicy") == true)
        #expect(facts.resources(of: .key).count == 2)
    }

    @Test func redirectsAreNotFollowedWithTheSignature() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("GetKeyPolicy", match: ["KeyId": Self.keyA],
                                             [["status": 307, "headers": ["Location": "http://127.0.0.1:9/elsewhere"], "body": ""]])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        let policy = try #require(facts.resources(of: .keyPolicy).first { $0.id.contains(Self.keyA) })
        #expect(policy["cross_tenant"]?.unknownReason?.contains("HTTP 307") == true)
        #expect(try AWSTest.evaluate(facts).verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY")[Self.keyA] == .inconclusive)
    }

    @Test func aListingCutOffAfterOnePageKeepsWhatItFoundButProvesNoAbsence() async throws {
        var s = Self.scenario()
        var managed = FakeAWSScenario.symmetricKey(Self.keyA)
        managed["KeyManager"] = "AWS"
        s.keys[0].metadata = managed
        s.overrides = [
            FakeAWSScenario.route("ListKeys", match: ["Marker": NSNull()], [FakeAWSScenario.ok([
                "Keys": [["KeyId": Self.keyA, "KeyArn": s.keys[0].arn]], "Truncated": true, "NextMarker": "p2"])]),
            FakeAWSScenario.route("ListKeys", match: ["Marker": "p2"], [FakeAWSScenario.error(400, "AccessDeniedException", "denied")]),
        ]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)))
        #expect(facts.resources(of: .key).count == 1)
        #expect(!facts.hasInventory(of: .key))
        #expect(facts.failedSources(for: .key).map(\.source) == ["aws-kms://111122223333/us-east-1/ListKeys"])
        let results = try AWSTest.evaluate(facts)
        #expect(results.verdicts("CEK08-AG1-CMK-EXISTS").values.first == .inconclusive)
        #expect(!results.filter { $0.check == "CEK08-AG3-ROTATION-PERIOD" }.contains { $0.verdict == .pass || $0.verdict == .fail })
    }

    @Test func anUnreachableEndpointIsReportedAsSuch() async throws {
        let port = try Self.closedPort()
        let target = AWSTest.target(_: "tenant-a", ["regions": .strings(["us-east-1", "eu-west-1"]), "endpoint": .string("http://127.0.0.1:\(port)"),
                                                    "max_attempts": .number(2), "backoff_base_ms": .number(5), "timeout_seconds": .number(2)])
        let (facts, _) = await AWSTest.collect(target)
        #expect(facts.unreachableTargets == ["tenant-a"])
        #expect(facts.resources(of: .key).isEmpty)
        let results = try AWSTest.evaluate(facts)
        for check in ["CEK08-AG1-CMK-EXISTS", "CEK08-AG3-ROTATION-PERIOD", "CEK08-AG2-POLICY-TENANT-BOUNDARY", "CEK08-AG4-AUDIT-TRAIL", "CEK08-CCM2-KMS-INVENTORY"] {
            let verdicts = results.filter { $0.check == check }.map(\.verdict)
            #expect(!verdicts.isEmpty && verdicts.allSatisfy { $0 == .inconclusive }, "\(check): \(verdicts)")
        }
        #expect(facts.diagnostics.contains { $0.message.contains("could not be reached") && $0.line == 7 })
    }

    @Test func missingCredentialsStopTheTargetWithoutAnyRequest() async throws {
        let server = try FakeAWSServer(scenario: Self.scenario().document)
        let (facts, rec) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)), environment: ["HOME": "/nonexistent"])
        #expect(rec.operations.isEmpty)
        #expect(facts.unreachableTargets == ["tenant-a"])
        #expect(facts.diagnostics.first?.message.contains("no AWS credentials found") == true)
        #expect(try AWSTest.evaluate(facts).verdicts("CEK08-AG1-CMK-EXISTS").values.first == .inconclusive)
    }

    @Test func anAssumedRoleSignsEveryLaterCall() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("AssumeRole", [["status": 200, "content_type": "text/xml", "body": """
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
            <AccessKeyId>ASIAASSUMEDEXAMPLE01</AccessKeyId><SecretAccessKey>assumedSecretEXAMPLEKEY000000000000000000</SecretAccessKey>
            <SessionToken>assumedSessionTokenEXAMPLEVALUE</SessionToken><Expiration>2026-11-01T01:00:00Z</Expiration></Credentials>
            <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/cek-audit/cek-audit</Arn><AssumedRoleId>AROA:cek-audit</AssumedRoleId></AssumedRoleUser>
            </AssumeRoleResult></AssumeRoleResponse>
            """]])]
        let server = try FakeAWSServer(scenario: s.document)
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server, ["role_arn": .string("arn:aws:iam::111122223333:role/cek-audit")])))
        let log = server.requests()
        #expect(log.first?["op"]?.stringValue == "AssumeRole")
        #expect(log.first?["body"]?["RoleArn"]?.stringValue == "arn:aws:iam::111122223333:role/cek-audit")
        #expect(log.first?["access_key"]?.stringValue == "AKIAIOSFODNN7EXAMPLE")
        for r in log.dropFirst() {
            #expect(r["access_key"]?.stringValue == "ASIAASSUMEDEXAMPLE01")
            #expect(r["signed_headers"]?.stringValue?.contains("x-amz-security-token") == true)
        }
        #expect(facts.resources(of: .key).count == 2)
        #expect(!facts.evidence.contains { $0.locator.contains("AssumeRole") }, "the AssumeRole answer holds secrets and is never evidence")
    }

    @Test func regionsAllAsksEC2ForTheEnabledRegions() async throws {
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("DescribeRegions", [["status": 200, "content_type": "text/xml", "body": """
            <DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><regionInfo>
            <item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint></item>
            <item><regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint></item>
            </regionInfo></DescribeRegionsResponse>
            """]]),
                       FakeAWSScenario.route("ListKeys", region: "eu-west-1", [FakeAWSScenario.ok(["Keys": [], "Truncated": false])]),
                       FakeAWSScenario.route("ListAliases", region: "eu-west-1", [FakeAWSScenario.ok(["Aliases": [], "Truncated": false])]),
                       FakeAWSScenario.route("DescribeCustomKeyStores", region: "eu-west-1", [FakeAWSScenario.ok(["CustomKeyStores": [], "Truncated": false])]),
                       FakeAWSScenario.route("DescribeTrails", region: "eu-west-1", [FakeAWSScenario.ok(["trailList": [FakeAWSScenario.goodTrail()]])])]
        let server = try FakeAWSServer(scenario: s.document)
        var options = AWSTest.options(server)
        options["regions"] = .string("all")
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", options))
        #expect(Set(server.requests().filter { $0["op"]?.stringValue == "ListKeys" }.compactMap { $0["region"]?.stringValue }) == ["us-east-1", "eu-west-1"])
        #expect(facts.resources(of: .auditTrail).count == 1, "a multi-Region trail seen in two regions is one trail")
        #expect(server.operations().filter { $0 == "GetTrailStatus" }.count == 1)
        #expect(facts.resources(of: .target).first?["region"] == .strings(["eu-west-1", "us-east-1"]))
    }

    @Test func secretsReachNeitherFactsNorEvidenceNorLogs() async throws {
        let secret = "plantedSecretEXAMPLEKEYdoNotLeak0000000000", token = "plantedSessionTokenEXAMPLEdoNotLeak"
        var s = Self.scenario()
        s.overrides = [FakeAWSScenario.route("ListResourceTags", match: ["KeyId": Self.keyA], [FakeAWSScenario.error(
            403, "SignatureDoesNotMatch", "canonical request: x-amz-security-token:\(token) secret \(secret)")]),
                       FakeAWSScenario.route("GetKeyPolicy", match: ["KeyId": Self.keyB], [FakeAWSScenario.ok([
                        "Policy": FakeAWSScenario.defaultPolicy("111122223333"), "Echo": "\(secret)/\(token)"])])]
        let server = try FakeAWSServer(scenario: s.document)
        let store = CapturingLogHandler.Store()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(store: store) }
        let env = ["AWS_ACCESS_KEY_ID": "AKIAPLANTEDEXAMPLE99", "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token, "HOME": "/nonexistent"]
        let (facts, _) = await AWSTest.collect(AWSTest.target(_: "tenant-a", AWSTest.options(server)), environment: env, logger: logger)
        #expect(store.all.count > 10, "debug lines were written")
        var texts = store.all + facts.diagnostics.map(\.description)
        texts += facts.resources.map { "\($0.fields)" }
        let held = try facts.heldPayloads()
        #expect(!held.isEmpty)
        texts += held.values.map { String(decoding: $0, as: UTF8.self) }
        for text in texts {
            for planted in [secret, token, "AKIAPLANTEDEXAMPLE99"] { #expect(!text.contains(planted)) }
        }
        #expect(facts.diagnostics.contains { $0.message.contains("x-amz-security-token:[redacted]") })
        #expect(held.values.contains { String(decoding: $0, as: UTF8.self).contains("[redacted]/[redacted]") })
    }

    static func closedPort() throws -> Int {
        // Bind and release a port: nothing listens there afterwards.
        let server = try FakeAWSServer(scenario: ["routes": []], maxSeconds: 5)
        let port = server.port
        server.stop()
        return port
    }
}
