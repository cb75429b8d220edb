import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

struct CloudFormationCollectorTests {
    @Test func asymmetricKeyIsNotApplicableForRotationAndIsolated() throws {
        let facts = try Fixtures.run(CloudFormationCollector(), "cases/asymmetric/signing-key.yaml")
        let key = try #require(facts.resource(.key, named: "alias/release-signing"))
        #expect(key.value("spec") == .string("RSA_4096"))
        #expect(key.value("rotation.applicable") == .bool(false))
        #expect(key.value("custody") == .string("customer-generated"))
        #expect(key.value("account") == .string("self"))
        #expect(key.value("aliases") == .strings(["alias/release-signing"]))
        #expect(key.provenance.first?.line == 5)
        #expect(key.provenance.first?.pointer == "Resources.ReleaseSigningKey")
        let policy = try #require(facts.resources.first { $0.type == .keyPolicy })
        #expect(policy.value("public") == .bool(false))
        #expect(policy.value("cross_tenant") == .bool(false))
        #expect(policy.value("customer_controls_lifecycle") == .bool(true))
        #expect(facts.evidence.count == 1)
        #expect(facts.evidence.first?.sha256.count == 64)
    }

    @Test func rotationPeriodsAndDefaults() throws {
        let facts = try Fixtures.run(CloudFormationCollector(), "cases/rotation-periods/template.yaml")
        func period(_ n: String) -> FactValue? { facts.resource(.key, named: n)?.value("rotation.period_days") }
        #expect(period("QuarterlyKey") == .number(90))
        #expect(period("BiennialKey") == .number(730))
        #expect(period("DefaultPeriodKey") == .number(365))
        #expect(period("NoRotationKey") == .null)
        #expect(facts.resource(.key, named: "NoRotationKey")?.value("rotation.enabled") == .bool(false))
        // No KeyPolicy: AWS applies the default policy (own account root).
        let p = try #require(facts.resources.first { $0.type == .keyPolicy && $0.name == "NoRotationKey" })
        #expect(p.value("default") == .bool(true))
        #expect(p.value("cross_tenant") == .bool(false))
    }

    @Test func aDeletionWindowFromAParameterIsStillOneAWSKMSAccepts() async throws {
        let facts = try Fixtures.run(CloudFormationCollector(), "cases/deletion-window/template.yaml")
        let parameter = try #require(facts.resource(.key, named: "ParameterWindowKey"))
        #expect(parameter.value("deletion.window_days").unknownReason?.contains("DeletionWindow") == true)
        #expect(parameter.value("deletion.window_min_days") == .number(7))
        let byDefault = try #require(facts.resource(.key, named: "DefaultWindowKey"))
        #expect(byDefault.value("deletion.window_days") == .number(30))
        #expect(byDefault.value("deletion.window_min_days") == .number(30), "the normalizer bounds a known window by itself")
        let r = try await Fixtures.assess("cases/deletion-window/template.yaml")
        #expect(r.verdicts("CEK08-AG3-DELETION-WINDOW") == ["ParameterWindowKey": .pass, "DefaultWindowKey": .pass])
    }

    @Test func conditionalRotationIsUnknownNotFalse() async throws {
        let facts = try await Fixtures.collect("../../../examples/acme-ai-platform/cloudformation/tenant-keys.yaml")
        let key = try #require(facts.resource(.key, named: "alias/acme/prompt-logs"))
        #expect(key.value("rotation.enabled").isKnown == false)
        #expect(key.value("rotation.enabled").unknownReason?.contains("Fn::If") == true)
        let table = try #require(facts.resource(.dataStore, named: "VectorStoreTable"))
        #expect(table.value("key_custody") == .string("customer-generated"))
        #expect(table.value("key_manager") == .string("customer"))
    }

    @Test func fragmentIsReadWithAWarning() async throws {
        let facts = try await Fixtures.collect("mixed/fragment.yaml")
        #expect(facts.resource(.key, named: "AppKey") != nil)
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.message.contains("fragment") })
        let p = try #require(facts.resources.first { $0.type == .keyPolicy })
        #expect(p.value("admin_users") == .strings(["arn:aws:iam::444455556666:user/alice"]))
        // Whichever account the template is deployed into, one of its two literal accounts is foreign.
        #expect(p.value("cross_tenant") == .bool(true))
        #expect(p.value("foreign_accounts") == .strings(["111122223333", "444455556666"]))
        #expect(p.value("account") == .string("self"))
    }

    /// A store that names no key is under the key its service documents: a secret under the AWS managed key
    /// aws/secretsmanager (a fail, not inconclusive); an encrypted EBS volume under the account's default EBS key,
    /// which may be customer managed (inconclusive, not a fail).
    @Test func storesWithoutAKeyTakeTheirServicesDocumentedKey() async throws {
        let r = try await Fixtures.assess("cases/service-default-keys/template.yaml")
        #expect(r.verdicts("CEK08-CCM3-DATA-STORE-CMK") == ["DefaultKeySecret": .fail, "OwnKeySecret": .pass, "ScratchVolume": .inconclusive])
        let facts = try Fixtures.run(CloudFormationCollector(), "cases/service-default-keys/template.yaml")
        let secret = try #require(facts.resource(.dataStore, named: "DefaultKeySecret"))
        #expect(secret.value("key_custody") == .string("provider-owned"))
        #expect(facts.resource(.dataStore, named: "ScratchVolume")?.value("key_manager").unknownReason?.contains("ModifyEbsDefaultKmsKeyId") == true)
    }
}
