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

struct TerraformCollectorTests {
    @Test func rawStateV4() throws {
        let facts = try Fixtures.run(TerraformCollector(), "tf/terraform.tfstate.json")
        let archive = try #require(facts.resources.first { $0.type == .key && $0.id.hasSuffix("aws_kms_key.archive") })
        #expect(archive.value("state") == .string("Disabled"))
        #expect(archive.value("account") == .string("111122223333"))
        #expect(archive.value("rotation.applicable") == .bool(false))
        #expect(archive.value("rotation.reason").displayText.contains("disabled"))
        let hsm = try #require(facts.resources.first { $0.type == .key && $0.id.hasSuffix("aws_kms_key.hsm") })
        #expect(hsm.value("custody") == .string("hsm-key-store"))
        #expect(hsm.value("key_store") == .string("cks-1234567890abcdef0"))
        let store = try #require(facts.resources.first { $0.type == .keyStore })
        #expect(store.value("kind") == .string("AWS_CLOUDHSM"))
        #expect(store.value("hsm_cluster") == .string("cluster-1a23b4cdefg"))
    }

    @Test func dataStoresLinkToKeysByARNAndAWSManagedAlias() async throws {
        let facts = try await Fixtures.collect("tf/terraform.tfstate.json")
        let volume = try #require(facts.resources.first { $0.type == .dataStore && $0.name.hasSuffix("aws_ebs_volume.scratch") })
        #expect(volume.value("key_custody") == .string("customer-generated"))
        #expect(volume.value("key").displayText.hasSuffix("aws_kms_key.archive"))
        let table = try #require(facts.resources.first { $0.type == .dataStore && $0.name.hasSuffix("aws_dynamodb_table.sessions") })
        #expect(table.value("key_manager") == .string("aws"))
    }

    @Test func planReferencesAndKnownAfterApply() async throws {
        let facts = try await Fixtures.collect("../../../examples/acme-ai-platform/terraform/plan.json")
        let training = try #require(facts.resource(.key, named: "alias/acme/training-data"))
        #expect(training.value("rotation.period_days") == .number(365))
        #expect(training.value("account") == .string("111122223333"))   // from the caller-identity data source
        let bucket = try #require(facts.resource(.dataStore, named: "acme-training-data-111122223333"))
        #expect(bucket.value("key") == .string(training.id))
        let byok = try #require(facts.resources.first { $0.type == .key && $0.id.hasSuffix("aws_kms_external_key.customer_byok") })
        #expect(byok.value("custody") == .string("imported"))
        #expect(byok.value("material.valid_to") == .string("2026-11-20T00:00:00Z"))
        // Sensitive material never becomes a fact.
        #expect(!byok.fields.values.contains { $0.displayText.contains("REDACTED-IN-EXAMPLE") })
        let legacyPolicy = try #require(facts.resources.first { $0.type == .keyPolicy && $0.id.hasSuffix("legacy_reports/policy") })
        #expect(legacyPolicy.value("cross_tenant").isKnown == false)
        let grant = try #require(facts.resources.first { $0.type == .grant })
        #expect(grant.value("cross_tenant") == .bool(true))
        // An unset key attribute in a plan is the service's AWS managed key, not an unknown key.
        let db = try #require(facts.resources.first { $0.type == .dataStore && $0.name.hasSuffix("feature_store") })
        #expect(db.value("key_manager") == .string("aws"))
    }
}
