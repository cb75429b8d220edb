import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditInfraCode
import CEKAuditKit
import Foundation
import Testing

/// Terraform configurations read from `.tf` files (kind terraform-hcl, `Fixtures/hcl`): the acceptance scenario of
/// issue 12, the styles public modules are written in, and agreement with the plan JSON of the same configuration.
struct TerraformHCLCollectorTests {
    static func key(_ tenant: String) -> String { "alias/tenant-\(tenant)" }

    /// Root module, local key module called with for_each over four tenants; three accounts from terraform.tfvars,
    /// the fourth from a variable with no value.
    @Test func tenantKeysFromALocalModuleWithForEach() async throws {
        let facts = try await Fixtures.collect("hcl/tenants")
        let keys = facts.resources.filter { $0.type == .key }
        #expect(keys.map(\.id) == ["alpha", "bravo", "charlie", "delta"].map { "terraform#module.tenant_key[\"\($0)\"].aws_kms_key.this" })
        let moduleFile = EvidenceItem.makeID(locator: "terraform/modules/kms/main.tf")
        for k in keys {
            #expect(k.provenance.first?.evidence == moduleFile, "findings point at the module's .tf file")
            #expect(k.provenance.first?.line == 39, "the line of the aws_kms_key block")
            #expect(k.value("rotation.enabled") == .bool(true))
        }
        // Each key's tenant is its own `tenant` tag (each.key of the module call), not the deploying account.
        #expect(keys.map { $0.value("tenant") } == ["alpha", "bravo", "charlie", "delta"].map(FactValue.string))
        let policies = facts.resources.filter { $0.type == .keyPolicy }
        #expect(policies.count == 4)
        let alpha = try #require(policies.first { $0.name == Self.key("alpha") })
        #expect(alpha.value("cross_tenant") == .bool(false))
        #expect(alpha.value("public") == .bool(false))
        #expect(alpha.provenance.first?.line == 43, "the policy attribute's line in the module")
        let delta = try #require(policies.first { $0.name == Self.key("delta") })
        #expect(!delta.value("cross_tenant").isKnown)
        if case .unknown(let reason) = delta.value("cross_tenant") { #expect(reason.contains("delta_account")) }
        // The bucket's key ARN is computed by the provider, but the reference through the module output links it.
        let bucket = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(bucket.value("key") == .string("terraform#module.tenant_key[\"alpha\"].aws_kms_key.this"))
        #expect(bucket.provenance.first?.evidence == EvidenceItem.makeID(locator: "terraform/main.tf"))

        let results = try await Fixtures.assess("hcl/tenants")
        #expect(results.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY") == [
            Self.key("alpha"): .pass, Self.key("bravo"): .pass, Self.key("charlie"): .pass, Self.key("delta"): .inconclusive,
        ])
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD").values.allSatisfy { $0 == .pass })
    }

    /// A heredoc policy, jsonencode(), templatefile() of a file in the folder, file() outside it, variables from
    /// terraform.tfvars, a registry module, and a file with a syntax error that is skipped alone.
    /// Cloud KMS keys in a .tf file never show the computed `primary` block: like a plan's unknown `primary`, that means
    /// Cloud KMS creates the first version enabled, so rotation is judged (a Checkov CKV_GCP_43 fixture in the corpus
    /// was inconclusive for every key). With skip_initial_version_creation the state stays unknown.
    @Test func declaredCloudKMSKeysHaveAnEnabledFirstVersion() async throws {
        let results = try await Fixtures.assess("hcl/gcp-rotation")
        let rotation = results.verdicts("CEK08-AG3-ROTATION-PERIOD")
        #expect(rotation["ninety-days"] == .pass, "\(rotation)")
        #expect(rotation["no-rotation"] == .fail, "\(rotation)")
        #expect(rotation["skipped-first-version"] == .inconclusive, "\(rotation)")
    }

    @Test func stylesOfPublicConfigurations() async throws {
        let plan = try AssessmentPlan.make(path: Fixtures.path("hcl/styles"))
        let (facts, notes) = await Fixtures.runPlan(plan)
        func policy(_ name: String) throws -> Resource { try #require(facts.resources.first { $0.type == .keyPolicy && $0.id == "styles#aws_kms_key.\(name)/policy" }) }
        #expect(try policy("heredoc").value("cross_tenant") == .bool(false), "the heredoc's account comes from terraform.tfvars")
        #expect(try policy("from_file").value("cross_tenant") == .bool(false))
        #expect(try policy("encoded").value("public") == .bool(true))
        let outside = try policy("outside")
        #expect(!outside.value("cross_tenant").isKnown, "a file outside the assessed folder is never read")
        #expect(facts.diagnostics.contains { $0.message.contains("leaves the assessed folder") && $0.source == "main.tf" && $0.line == 55 })
        let encoded = try #require(facts.resources.first { $0.type == .key && $0.id == "styles#aws_kms_key.encoded" })
        #expect(encoded.value("rotation.enabled") == .bool(false), "var.rotate's default")
        #expect(encoded.provenance.first?.line == 31)
        let volume = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(volume.value("key") == .string("styles#aws_kms_key.heredoc"))
        #expect(volume.provenance.first?.line == 67, "the line of kms_key_id, the attribute that decides the finding")
        // The syntax error: only broken.tf is skipped, named with line and column.
        let broken = try #require(facts.diagnostics.first { $0.source == "broken.tf" })
        #expect(broken.severity == .error)
        #expect(broken.line == 2 && broken.column == 34)
        #expect(broken.message.contains("unterminated string"))
        #expect(facts.coverage.contains { $0.source == "broken.tf" && $0.status == .failed })
        // The registry module is noted, not read.
        let row = try #require(facts.coverage.first { $0.source == "styles" && $0.collector == "terraform-hcl" })
        #expect(row.status == .partial)
        #expect(row.detail?.contains("module.vpc (terraform-aws-modules/vpc/aws) not read") == true)
        #expect(facts.diagnostics.contains { $0.message.contains("registry or remote module") })
        #expect(notes.contains { $0.text.hasPrefix("read as terraform-hcl") })

        let results = try await Fixtures.assess("hcl/styles")
        #expect(results.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY") == [
            "alias/heredoc": .pass, "aws_kms_key.encoded": .fail, "aws_kms_key.from_file": .pass, "aws_kms_key.outside": .inconclusive,
            "broken.tf": .inconclusive,   // a file that could not be read leaves what it would have supplied inconclusive
        ])
    }

    /// Verdicts of the same configuration from HCL and from its plan JSON agree, or HCL is the inconclusive one.
    static func agreement(hcl: String, plan: String) async throws -> (compared: Int, differences: [String]) {
        let fromHCL = try await Fixtures.assess(hcl)
        let fromPlan = try await Fixtures.assess(plan)
        var planVerdicts: [String: Verdict] = [:]
        for r in fromPlan { if let s = r.subject?.name { planVerdicts["\(r.check) \(s)"] = r.verdict } }
        var compared = 0
        var differences: [String] = []
        for r in fromHCL {
            guard let s = r.subject?.name, let p = planVerdicts["\(r.check) \(s)"] else { continue }
            compared += 1
            if r.verdict != p && r.verdict != .inconclusive { differences.append("\(r.check) \(s): HCL \(r.verdict), plan \(p)") }
        }
        return (compared, differences)
    }

    @Test func awsKeyWithAPolicyDocumentAgreesWithItsPlan() async throws {
        let facts = try await Fixtures.collect("hcl/aws-plan/hcl")
        let policy = try #require(facts.resources.first { $0.type == .keyPolicy })
        #expect(policy.name == "alias/customer-data")
        #expect(policy.value("cross_tenant") == .bool(false))
        let bucket = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(bucket.value("key") == .string("terraform#aws_kms_key.data"))
        let fromPlan = try await Fixtures.collect("hcl/aws-plan/plan")
        #expect(fromPlan.resources.first { $0.type == .dataStore }?.value("key") == .string("plan.json#aws_kms_key.data"))
        let (compared, differences) = try await Self.agreement(hcl: "hcl/aws-plan/hcl", plan: "hcl/aws-plan/plan")
        #expect(compared >= 15)
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test func googleKeyRingWithIAMMembersAgreesWithItsPlan() async throws {
        let facts = try await Fixtures.collect("hcl/gcp")
        let hsm = try #require(facts.resources.first { $0.type == .key && $0.name == "orders-hsm" })
        #expect(hsm.value("rotation.period_days") == .number(90))
        #expect(hsm.value("protection_level") == .string("HSM"))
        let iam = try #require(facts.resources.first { $0.type == .keyPolicy && $0.id.hasSuffix("cryptoKeys/orders-hsm#iam") })
        let bindings = (iam.observed?["iam_policy"]?["bindings"] ?? .null).asList
        let encrypter = try #require(bindings.first { $0["role"] == .string("roles/cloudkms.cryptoKeyEncrypterDecrypter") })
        #expect(encrypter["members"] == .array([.string("allUsers"), .string("serviceAccount:app-sa@example-project.iam.gserviceaccount.com")]),
                "for_each over a variable's default gives both members")
        #expect(iam.value("public") == .bool(true))
        let (compared, differences) = try await Self.agreement(hcl: "hcl/gcp", plan: "tf-google/plan.json")
        #expect(compared >= 10)
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test func azureVaultWithAccessPoliciesAndARotationPolicyAgreesWithItsPlan() async throws {
        let facts = try await Fixtures.collect("hcl/azure")
        let key = try #require(facts.resources.first { $0.type == .key && $0.id == "https://kv-premium.vault.azure.net/keys/cmk" })
        #expect(key.value("rotation.enabled") == .bool(true))
        #expect(key.value("rotation.period_days") == .number(90))
        #expect(key.value("rotation.expiry_days") == .number(365))
        #expect(key.value("deletion.purge_protection") == .bool(true))
        let premium = try #require(facts.resources.first { $0.type == .keyPolicy && $0.id == "azure#azurerm_key_vault.premium#access" })
        #expect(premium.observed?["access_policies"]?.asList.count == 1, "the separate access policy resource")
        let audited = try #require(facts.resources.first { $0.type == .keyPolicy && $0.id == "azure#azurerm_key_vault.audited#access" })
        #expect(audited.observed?["access_policies"]?.asList.first?["tenantId"] == .string("0badc0de-1111-2222-3333-444455556666"),
                "the dynamic block over the partners variable")
        let judged = NormalizeStage.run(facts, settings: AnalysisSettings())
        #expect(judged.resources.first { $0.id == audited.id }?.value("cross_tenant") == .bool(true))
        #expect(judged.resources.first { $0.id == premium.id }?.value("cross_tenant") == .bool(false))
        let (compared, differences) = try await Self.agreement(hcl: "hcl/azure", plan: "tf-azure/plan.json")
        #expect(compared >= 3)
        #expect(differences.isEmpty, "\(differences)")
    }

    /// Every file of the shared corpus's Terraform folder is read (none skipped), with the verdicts SOURCES.md expects.
    @Test func everyCorpusTerraformFileIsAssessed() async throws {
        let corpus = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/terraform")
        guard FileManager.default.fileExists(atPath: corpus.path) else { return }
        let plan = try AssessmentPlan.make(path: corpus.path)
        let (facts, notes) = await Fixtures.runPlan(plan)
        let tfFiles = plan.sources.filter { $0.locator.hasSuffix(".tf") }
        #expect(tfFiles.count == 11)
        #expect(!facts.coverage.contains { $0.status == .skipped || $0.status == .failed }, "\(facts.coverage.filter { $0.status == .skipped || $0.status == .failed })")
        #expect(!notes.contains { $0.text.hasPrefix("skipped") || $0.text.hasPrefix("error") })
        let evidence = Set(facts.evidence.map(\.locator))
        for f in tfFiles { #expect(evidence.contains(f.locator), "\(f.locator) is evidence") }
        // positive3 is declared in two files of one folder: Terraform rejects that, and the second is reported.
        #expect(facts.diagnostics.contains { $0.message.contains("aws_kms_key.positive3 is declared again") })
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        let rotation = results.verdicts("CEK08-AG3-ROTATION-PERIOD")
        #expect(rotation["aws_kms_key.pass1"] == .pass)
        #expect(rotation["aws_kms_key.pass3"] == .pass)
        for fail in ["fail1", "fail2", "a", "positive2"] { #expect(rotation["aws_kms_key.\(fail)"] == .fail, "\(fail)") }
        #expect(rotation["aws_kms_key.negative2"] == .notApplicable, "asymmetric keys do not rotate")
    }
}

/// `var_files:` of a source entry in audit.yaml are applied after terraform.tfvars, like `-var-file`.
struct TerraformHCLVarFilesTests {
    @Test func varFilesNamedInTheAssessmentFileWin() async throws {
        let facts = try await Fixtures.collect("hcl/var-files")
        let key = try #require(facts.resources.first { $0.type == .key })
        #expect(key.value("rotation.enabled") == .bool(true), "env/prod.tfvars sets rotate")
        let policy = try #require(facts.resources.first { $0.type == .keyPolicy })
        #expect(policy.value("cross_tenant") == .bool(false), "the admin account of env/prod.tfvars, not terraform.tfvars'")
        #expect(facts.evidence.contains { $0.locator == "env/prod.tfvars" })
    }
}
