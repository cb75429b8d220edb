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

    /// Imported key material is written in plans and state (`key_material_base64`, sensitive): the evidence item an
    /// evidence bundle keeps is a redacted copy, and its hash is the copy's.
    @Test func importedKeyMaterialNeverReachesTheEvidence() throws {
        let material = "c2VjcmV0LWtleS1tYXRlcmlhbC1mb3ItdGVzdHMtb25seQ=="
        let state = #"{"version":4,"terraform_version":"1.9.0","resources":[{"mode":"managed","type":"aws_kms_external_key","name":"byok","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{"attributes":{"arn":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","key_material_base64":"\#(material)","enabled":true,"valid_to":null,"deletion_window_in_days":30,"policy":null,"description":"byok","tags":{}}}]}]}"#
        let facts = try Fixtures.run(TerraformCollector(document: .state), data: Data(state.utf8), locator: "terraform.tfstate")
        let item = try #require(facts.evidence.first)
        let kept = try #require(facts.payloads[item.id])
        #expect(!String(decoding: kept, as: UTF8.self).contains(material))
        #expect(String(decoding: kept, as: UTF8.self).contains("REDACTED"))
        #expect(item.sha256 == SHA256Hex.digest(kept))
        #expect(!facts.resources.contains { r in r.fields.values.contains { $0.displayText.contains(material) } })
    }

    /// Terraform writes every attribute of a resource (null when not set) and marks values known only after apply in
    /// `after_unknown`. A plan with an attribute or that bookkeeping deleted is damaged: what it no longer says is
    /// unknown, never the provider default. Each mutation may turn results inconclusive, but never a non-pass into
    /// a pass.
    @Test(arguments: ["resource_changes", "policy", "rotation_period_in_days", "deletion_window_in_days", "enable_logging",
                      "enable_key_rotation", "is_enabled", "key_usage", "customer_master_key_spec"])
    func anAttributeDeletedFromAPlanIsUnknownNeverTheDefault(_ attribute: String) async throws {
        let original = Fixtures.packageRoot.appendingPathComponent("examples/acme-ai-platform/terraform/plan.json")
        var plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: original)) as? [String: Any])
        let removed: Int
        if attribute == "resource_changes" {
            removed = plan.removeValue(forKey: "resource_changes") == nil ? 0 : 1
        } else {
            var count = 0
            plan["planned_values"] = Self.removing(attribute, from: plan["planned_values"] as Any, count: &count)
            removed = count
        }
        #expect(removed > 0, "the example plan has \(attribute)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-tf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(contentsOf: original).write(to: dir.appendingPathComponent("pristine.json"))
        let damagedURL = dir.appendingPathComponent("damaged.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: damagedURL)
        func verdicts(_ file: String) async throws -> ([String: Verdict], FactSet) {
            let facts = await Fixtures.runPlan(try AssessmentPlan.make(path: dir.appendingPathComponent(file).path)).0
            var out: [String: Verdict] = [:]
            for r in RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts) {
                out["\(r.check) @ \(r.subject?.name ?? "-")"] = r.verdict
            }
            return (out, facts)
        }
        let (before, _) = try await verdicts("pristine.json")
        let (after, facts) = try await verdicts("damaged.json")
        let newPasses = after.filter { $0.value == .pass && before[$0.key] != .pass }.map(\.key).sorted()
        #expect(newPasses.isEmpty, "deleting \(attribute) made these pass: \(newPasses)")
        if attribute != "resource_changes" {
            let said = facts.resources.flatMap { $0.fields.values.compactMap(\.unknownReason) }
            #expect(said.contains { $0.contains("missing from the Terraform plan or state") }, "deleting \(attribute) is reported as a damaged document")
        }
    }

    /// `value` with every member named `key` removed from the objects below it.
    static func removing(_ key: String, from value: Any, count: inout Int) -> Any {
        if var o = value as? [String: Any] {
            if o.removeValue(forKey: key) != nil { count += 1 }
            for (k, v) in o { o[k] = removing(key, from: v, count: &count) }
            return o
        }
        if let a = value as? [Any] { return a.map { removing(key, from: $0, count: &count) } }
        return value
    }

    /// `aws_secretsmanager_secret` without `kms_key_id` is under the AWS managed key aws/secretsmanager, in state
    /// (an empty string) and in a plan (null, and not set in the configuration) alike.
    @Test(arguments: [("terraform.tfstate", "aws_secretsmanager_secret.default_key"), ("plan.json", "aws_secretsmanager_secret.api_token")])
    func aSecretWithoutAKeyIsUnderTheAWSManagedKey(file: String, secret: String) async throws {
        let r = try await Fixtures.assess("cases/service-default-keys/" + file)
        #expect(r.verdicts("CEK08-CCM3-DATA-STORE-CMK")[secret] == .fail)
        if file == "terraform.tfstate" {
            #expect(r.verdicts("CEK08-CCM3-DATA-STORE-CMK")["aws_secretsmanager_secret.own_key"] == .pass)
        }
    }

    /// A state file read without `account:` or a caller identity still says whose key a grant is on: the key's ARN.
    @Test func aGrantTakesItsOwnerFromTheKeyItIsOn() async throws {
        let facts = try await Fixtures.collect("cases/grant-owner/terraform.tfstate")
        let grants = Dictionary(uniqueKeysWithValues: facts.resources.filter { $0.type == .grant }.map { ($0.name, $0) })
        #expect(grants["aws_kms_grant.etl"]?.value("account") == .string("111122223333"))
        #expect(grants["aws_kms_grant.etl"]?.value("cross_tenant") == .bool(true))
        #expect(grants["aws_kms_grant.app"]?.value("cross_tenant") == .bool(false))
    }
}
