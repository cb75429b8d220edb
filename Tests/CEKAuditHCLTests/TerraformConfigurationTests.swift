import CEKAuditHCL
import Foundation
import Testing

/// Terraform module semantics over the project's HCL fixtures (Tests/CEKAuditCollectorsTests/Fixtures/hcl).
struct TerraformConfigurationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CEKAuditCollectorsTests/Fixtures/hcl")

    @Test func localModuleWithForEachOverTenants() throws {
        let c = TerraformConfiguration(folder: Self.fixtures.appendingPathComponent("tenants/terraform"))
        let keys = c.resources.filter { $0.type == "aws_kms_key" }
        #expect(keys.map(\.address) == ["module.tenant_key[\"alpha\"].aws_kms_key.this", "module.tenant_key[\"bravo\"].aws_kms_key.this",
                                        "module.tenant_key[\"charlie\"].aws_kms_key.this", "module.tenant_key[\"delta\"].aws_kms_key.this"])
        let alpha = try #require(keys.first)
        #expect(alpha.range.filename == "modules/kms/main.tf")
        #expect(alpha.range.start.line == 39)
        #expect(alpha.attributeRanges["enable_key_rotation"]?.start.line == 41)
        let policy = try #require(alpha.values["policy"]?.stringValue)
        let doc = try HCLValue.fromJSON(policy)
        #expect(doc["Statement"]?.listValue.count == 2)
        #expect(doc["Statement"]?.listValue.last?["Principal"]?["AWS"] == .string("arn:aws:iam::444455556666:root"))
        #expect(alpha.values["tags"]?["tenant"] == .string("alpha"))
        #expect(alpha.references["policy"]?.contains("module.tenant_key[\"alpha\"].data.aws_iam_policy_document.key") == true)
        // The fourth tenant's account has no value: only its policy is unknown.
        let delta = try #require(keys.last)
        #expect(delta.values["policy"]?.isUnknown == true)
        #expect(delta.values["policy"]?.unknownReason?.contains("delta_account") == true)
        #expect(keys.dropLast().allSatisfy { $0.values["policy"]?.stringValue != nil })
        // The bucket's key is a provider-computed ARN, but the reference reaches the module's key.
        let bucket = try #require(c.resources.first { $0.type == "aws_s3_bucket_server_side_encryption_configuration" })
        let refs = bucket.references["rule.apply_server_side_encryption_by_default.kms_master_key_id"] ?? []
        #expect(refs.contains("module.tenant_key[\"alpha\"].aws_kms_key.this.arn"))
        #expect(bucket.values["rule"]?.listValue.first?["apply_server_side_encryption_by_default"]?.listValue.first?["kms_master_key_id"]?.isUnknown == true)
        let alias = try #require(c.resources.first { $0.address == "module.tenant_key[\"bravo\"].aws_kms_alias.this" })
        #expect(alias.values["name"] == .string("alias/tenant-bravo"))
        #expect(alias.references["target_key_id"]?.contains("module.tenant_key[\"bravo\"].aws_kms_key.this") == true)
        #expect(c.files == ["terraform.tfvars", "main.tf", "modules/kms/main.tf"])
        #expect(c.notes.isEmpty)
    }
}
