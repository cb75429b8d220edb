@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// The pure mapping from API answers to key, key-policy and grant facts (AWS KMS API Reference, "KeyMetadata").
struct KMSKeyFactsTests {
    static let arn = "arn:aws:kms:eu-west-1:111122223333:key/5555aaaa-0000-4000-8000-000000000001"
    static let settings = AnalysisSettings(trustedAccounts: ["777788889999"])

    /// A resource after the normalize stage, as reports show it.
    static func derive(_ r: Resource) -> Resource { NormalizeStage.run(FactSet(resources: [r]), settings: settings).resources[0] }

    func metadata(_ extra: [String: JSONValue]) -> JSONValue {
        var m: [String: JSONValue] = ["AWSAccountId": .string("111122223333"), "KeyId": .string("5555aaaa-0000-4000-8000-000000000001"),
                                      "Arn": .string(Self.arn), "CreationDate": .number(1_780_000_000), "Enabled": .bool(true),
                                      "KeyState": .string("Enabled"), "Origin": .string("AWS_KMS"), "KeyManager": .string("CUSTOMER"),
                                      "KeySpec": .string("SYMMETRIC_DEFAULT")]
        for (k, v) in extra { m[k] = v }
        return .object(m)
    }

    func observation(_ md: JSONValue?) -> KMSKeyObservation {
        KMSKeyObservation(keyId: "5555aaaa-0000-4000-8000-000000000001", arn: Self.arn, region: "eu-west-1",
                          metadata: md.map { .observed($0, evidence: []) } ?? .failed(AWSCallFailure(
                            operation: "DescribeKey", region: "eu-west-1", error: .service(status: 400, code: "AccessDeniedException", message: "no"), attempts: 1)),
                          rotationStatus: .observed(.object(["KeyRotationEnabled": .bool(true)]), evidence: []),
                          rotations: .observed([], evidence: []), policy: .notRequested("test"), grants: .observed([], evidence: []),
                          tags: .observed([], evidence: []), aliases: .observed([], evidence: []))
    }

    @Test func aSymmetricKeyWithoutNewerMembersReadsAsAWSDocumentsThem() {
        let k = Self.derive(KMSKeyFacts.key(observation(metadata([:])), tenant: nil))
        #expect(k["usage"] == .string("ENCRYPT_DECRYPT"), "the only usage of SYMMETRIC_DEFAULT")
        #expect(k["multi_region"] == .bool(false))
        #expect(k["multi_region_role"] == .string("none"))
        #expect(k["rotation.period_days"] == .number(365), "the fixed period before custom periods")
        #expect(k["rotation.last_rotated"] == .null)
        #expect(k["material.expires"] == .bool(false))
        #expect(k["deletion.window_days"] == .null)
        #expect(k["created"] == .string("2026-05-28T20:26:40Z"))
        #expect(k["tenant"] == .string("111122223333"))
        #expect(k["rotation.applicable"] == .bool(true))
        #expect(k["service"] == .string("aws-kms"))
        #expect(k["spec_class"] == .string("symmetric"))
        #expect(k["exportable"] == .bool(false))
    }

    /// Members an older or trimmed answer leaves out, read from what AWS KMS documents about the ones present.
    @Test(arguments: [("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_SECG_P256K1", "SIGN_VERIFY"), ("ML_DSA_65", "SIGN_VERIFY")])
    func aSpecWithOneUsageNamesIt(spec: String, usage: String) {
        let k = Self.derive(KMSKeyFacts.key(observation(metadata(["KeySpec": .string(spec)])), tenant: nil))
        #expect(k["usage"] == .string(usage))
        let rsa = Self.derive(KMSKeyFacts.key(observation(metadata(["KeySpec": .string("RSA_2048")])), tenant: nil))
        #expect(rsa["usage"]?.isKnown == false, "RSA keys encrypt or sign")
    }

    @Test func enabledFollowsTheKeyState() {
        var md = metadata(["KeyState": .string("Disabled")])
        if case .object(var m) = md { m["Enabled"] = nil; md = .object(m) }
        #expect(Self.derive(KMSKeyFacts.key(observation(md), tenant: nil))["enabled"] == .bool(false))
    }

    @Test func multiRegionRoleFollowsThePrimaryARN() {
        let id = "mrk-1234abcd12ab34cd56ef1234567890ab"
        let primary = "arn:aws:kms:us-east-1:111122223333:key/\(id)"
        let config: JSONValue = .object(["MultiRegionKeyType": .string("PRIMARY"), "PrimaryKey": .object(["Arn": .string(primary)])])
        let replica = Self.derive(KMSKeyFacts.key(observation(metadata(["KeyId": .string(id), "Arn": .string("arn:aws:kms:eu-west-1:111122223333:key/\(id)"),
                                                            "MultiRegion": .bool(true), "MultiRegionConfiguration": config])), tenant: nil))
        #expect(replica["multi_region_role"] == .string("replica"))
        #expect(replica["rotation.applicable"] == .bool(false))
        let noFlag = Self.derive(KMSKeyFacts.key(observation(metadata(["KeyId": .string(id)])), tenant: "acme"))
        #expect(noFlag["multi_region"] == .bool(true), "mrk- ids are multi-Region keys")
        #expect(noFlag["multi_region_role"]?.isKnown == false)
        #expect(noFlag["tenant"] == .string("acme"))
    }

    @Test func importedMaterial() {
        let expiring = Self.derive(KMSKeyFacts.key(observation(metadata(["Origin": .string("EXTERNAL"), "ExpirationModel": .string("KEY_MATERIAL_EXPIRES"),
                                                             "ValidTo": .number(1_800_000_000)])), tenant: nil))
        #expect(expiring["custody"] == .string("imported"))
        #expect(expiring["material.expires"] == .bool(true))
        #expect(expiring["material.valid_to"] == .string("2027-01-15T08:00:00Z"))
        let permanent = Self.derive(KMSKeyFacts.key(observation(metadata(["Origin": .string("EXTERNAL"), "ExpirationModel": .string("KEY_MATERIAL_DOES_NOT_EXPIRE")])), tenant: nil))
        #expect(permanent["material.expires"] == .bool(false))
        let waiting = Self.derive(KMSKeyFacts.key(observation(metadata(["Origin": .string("EXTERNAL"), "KeyState": .string("PendingImport")])), tenant: nil))
        #expect(waiting["material.expires"] == .bool(false))
        #expect(waiting["rotation.applicable"] == .bool(false))
        let silent = Self.derive(KMSKeyFacts.key(observation(metadata(["Origin": .string("EXTERNAL")])), tenant: nil))
        #expect(silent["material.expires"]?.isKnown == false)
    }

    /// DescribeKey reports `PendingDeletionWindowInDays` only for a multi-Region primary key waiting for its
    /// replicas; AWS KMS accepts no window under 7 days, so a scheduled deletion is bounded even without it.
    @Test func aScheduledDeletionWithoutItsWindowStillWaitsSevenDays() throws {
        let pending = Self.derive(KMSKeyFacts.key(observation(metadata(["KeyState": .string("PendingDeletion"), "Enabled": .bool(false),
                                                                         "DeletionDate": .number(1_780_600_000)])), tenant: nil))
        #expect(pending["deletion.window_days"]?.unknownReason?.contains("7 to 30 days") == true)
        #expect(pending["deletion.window_min_days"] == .number(7))
        let primary = Self.derive(KMSKeyFacts.key(observation(metadata(["KeyState": .string("PendingReplicaDeletion"),
                                                                         "PendingDeletionWindowInDays": .number(21)])), tenant: nil))
        #expect(primary["deletion.window_days"] == .number(21))
        #expect(primary["deletion.window_min_days"] == .number(21))
        let live = Self.derive(KMSKeyFacts.key(observation(metadata([:])), tenant: nil))
        #expect(live["deletion.window_min_days"] == .null)
        let failed = Self.derive(KMSKeyFacts.key(observation(nil), tenant: nil))
        #expect(failed["deletion.window_min_days"]?.isKnown == false, "missing evidence bounds nothing")

        // The deletion-window check decides at the 7-day floor, and only there.
        let catalog = try Fixtures.catalog()
        let check = try #require(catalog.checks.first { $0.id == "CEK08-AG3-DELETION-WINDOW" })
        let facts = FactSet(resources: [pending, failed], coverage: [SourceCoverage(source: "kms", collector: "aws-kms", status: .complete,
                                                                                   resourceTypes: [.key], found: ["key": 2])])
        func verdicts(_ parameters: [String: FactValue]) -> [Verdict] {
            RulesEngine(catalog: catalog, now: Fixtures.now).evaluate(check, facts: facts, parameterOverrides: parameters).map(\.verdict)
        }
        #expect(verdicts([:]) == [.pass, .inconclusive])
        #expect(verdicts(["min_deletion_window_days": .number(14)]) == [.inconclusive, .inconclusive])
    }

    @Test func anAWSManagedKeyIsProviderOwned() {
        let k = Self.derive(KMSKeyFacts.key(observation(metadata(["KeyManager": .string("AWS")])), tenant: nil))
        #expect(k["manager"] == .string("aws"))
        #expect(k["custody"] == .string("provider-owned"))
        #expect(k["rotation.applicable"] == .bool(false))
    }

    @Test func aKeyWhoseDescribeKeyFailedIsKeptWithItsFactsUnknown() {
        let o = observation(nil)
        let k = Self.derive(KMSKeyFacts.key(o, tenant: nil))
        #expect(k.id == Self.arn)
        #expect(k["account"] == .string("111122223333"))
        #expect(k["evidence_kind"] == .string("observed"))
        for f in ["manager", "origin", "custody", "spec", "state", "rotation.applicable", "rotation.enabled", "created", "material.expires"] {
            #expect(k[f]?.unknownReason == "DescribeKey failed: AccessDeniedException (HTTP 400): no", "\(f)")
        }
        let policy = Self.derive(KMSKeyFacts.policy(o, key: k))
        #expect(policy["key_manager"]?.isKnown == false)
        #expect(policy["cross_tenant"]?.unknownReason == "test")
    }

    @Test func policiesAreAnalysedWithTheKeysAccountAsOwner() {
        var o = observation(metadata([:]))
        o.policy = .observed(#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::777788889999:root"]},"Action":"kms:*","Resource":"*"}]}"#, evidence: [])
        let k = Self.derive(KMSKeyFacts.key(o, tenant: nil))
        let p = Self.derive(KMSKeyFacts.policy(o, key: k))
        #expect(p["cross_tenant"] == .bool(false), "777788889999 is trusted")
        #expect(p["customer_controls_lifecycle"] == .bool(true))
        #expect(p["key_manager"] == .string("customer"))
        #expect(p["default"] == .bool(false))
        o.policy = .observed("not json", evidence: [])
        #expect(Self.derive(KMSKeyFacts.policy(o, key: k))["public"]?.unknownReason == "GetKeyPolicy returned a policy that is not JSON")
    }

    @Test func grantees() {
        var o = observation(metadata([:]))
        let p = Provenance(evidence: "ev-000000000000", pointer: "Grants[0]")
        o.grants = .observed([
            AWSListedItem(value: .object(["GrantId": .string("own"), "GranteePrincipal": .string("arn:aws:iam::111122223333:role/app")]), provenance: p),
            AWSListedItem(value: .object(["GrantId": .string("foreign"), "GranteePrincipal": .string("arn:aws:iam::444455556666:role/etl"),
                                          "Constraints": .object(["EncryptionContextSubset": .object(["a": .string("b")])])]), provenance: p),
            AWSListedItem(value: .object(["GrantId": .string("service"), "GranteePrincipal": .string("dynamodb.eu-west-1.amazonaws.com")]), provenance: p),
            AWSListedItem(value: .object(["GrantId": .string("odd"), "GranteePrincipal": .string("AIDAEXAMPLEUNIQUEID")]), provenance: p),
        ], evidence: [])
        let k = Self.derive(KMSKeyFacts.key(o, tenant: nil))
        let grants = Dictionary(uniqueKeysWithValues: KMSKeyFacts.grants(o, key: k).map(Self.derive).map { ($0.name, $0) })
        #expect(grants["own"]?["cross_tenant"] == .bool(false))
        #expect(grants["foreign"]?["cross_tenant"] == .bool(true))
        #expect(grants["foreign"]?["constraints"] == .bool(true))
        #expect(grants["service"]?["cross_tenant"] == .bool(false))
        #expect(grants["odd"]?["cross_tenant"]?.isKnown == false)
        #expect(grants["own"]?.id == Self.arn + "/grant/own")
    }

    @Test func trailsReadTheirSelectors() {
        let trail: JSONValue = .object(["Name": .string("t"), "TrailARN": .string("arn:aws:cloudtrail:us-east-1:111122223333:trail/t"),
                                        "IsMultiRegionTrail": .bool(true), "LogFileValidationEnabled": .bool(true)])
        let excluded = CloudTrailTrailFacts.resource(trail: trail, listing: nil, status: .observed(.object(["IsLogging": .bool(true)]), evidence: []),
                                                     selectors: .observed(.object(["EventSelectors": .array([.object([
                                                        "IncludeManagementEvents": .bool(true), "ExcludeManagementEventSources": .array([.string("kms.amazonaws.com")])])])]),
                                                                          evidence: []))
        #expect(excluded["kms_events_included"] == .bool(false))
        #expect(excluded["account"] == .string("111122223333"))
        let unknown = CloudTrailTrailFacts.resource(trail: trail, listing: nil, status: .failed(AWSCallFailure(
            operation: "GetTrailStatus", region: "us-east-1", error: .timeout(seconds: 10), attempts: 5)), selectors: .observed(.object([:]), evidence: []))
        #expect(unknown["logging"]?.unknownReason == "GetTrailStatus failed after 5 attempts: no answer within 10 s (timeout)")
        #expect(unknown["kms_events_included"] == .bool(true), "no selectors: all management events")
    }
}
