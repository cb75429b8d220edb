import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditGCP
import CEKAuditKit
import Foundation
import Testing

/// Google Cloud exports (`gcloud kms keys list`, IAM policies, org policies, Cloud Asset Inventory JSON lines) and
/// the GCP analyses, read through the same runner and normalize stage `assess` uses. Fixtures under
/// `Fixtures/gcp/` are written from the Cloud KMS, IAM, Organization Policy and Cloud Asset REST references.
@Suite struct GCPExportCollectorTests {
    static let keyRing = "projects/example-project/locations/us-central1/keyRings/serving"

    static func key(_ facts: FactSet, _ name: String) throws -> Resource {
        try #require(facts.resources.first { $0.type == .key && $0.name == name }, "key \(name)")
    }

    @Test func keysListSetsFactsAndDecidesRotationPerKey() async throws {
        let facts = try await Fixtures.collect("gcp/keys-list")
        let overdue = try Self.key(facts, "overdue-symmetric")
        #expect(overdue.id == "\(Self.keyRing)/cryptoKeys/overdue-symmetric")
        #expect(overdue["service"] == .string("gcp-kms"))
        #expect(overdue["tenant"] == .string("example-project"))
        #expect(overdue["region"] == .string("us-central1"))
        #expect(overdue["custody"] == .string("customer-generated"))
        #expect(overdue["rotation.applicable"] == .bool(true))
        #expect(overdue["rotation.period_days"] == .number(30))
        #expect(overdue["rotation.next"] == .string("2026-10-11T00:00:00Z"))
        #expect(overdue["rotation.last_rotated"] == .string("2026-09-11T00:00:00Z"))
        #expect(overdue["deletion.window_days"] == .number(30))

        let mac = try Self.key(facts, "request-mac")
        #expect(mac["rotation.applicable"] == .bool(false))
        #expect(mac["rotation.reason"]?.displayText.contains("MAC key") == true)
        #expect(mac["spec_class"] == .string("hmac"))
        #expect(mac["rotation.enabled"] == .bool(false), "a MAC key without rotationPeriod does not rotate; no crash on missing fields")

        let external = try Self.key(facts, "held-outside")
        #expect(external["custody"] == .string("external-key-store"))
        #expect(external["ekm_connection"] == .string("projects/example-project/locations/us-central1/ekmConnections/hyok"))
        #expect(external["rotation.applicable"] == .bool(false))
        #expect(external["rotation.reason"]?.displayText.contains("external key manager") == true)

        let destroying = try Self.key(facts, "being-destroyed")
        #expect(destroying["state"] == .string("DESTROY_SCHEDULED"))
        #expect(destroying["rotation.applicable"] == .bool(false))
        #expect(destroying["rotation.reason"]?.displayText.contains("scheduled for destruction") == true)
        #expect(destroying["deletion.scheduled_for"] == .string("2026-11-20T00:00:00Z"))
    }

    /// Acceptance: period 30 days but the next rotation three weeks overdue fails, naming the overdue rotation; the
    /// MAC, EXTERNAL_VPC and DESTROY_SCHEDULED keys are not applicable, each with its own reason.
    @Test func overdueRotationFailsAndTheOthersAreNotApplicableWithTheirReasons() async throws {
        let report = try await Fixtures.report("gcp/keys-list", parameters: ["max_rotation_days": .number(90)])
        func result(_ check: String, _ key: String) throws -> CheckResult {
            try #require(report.results.first { $0.check == check && $0.subject?.name == key }, "\(check) on \(key)")
        }
        let overdue = try result("CEK08-AG3-ROTATION-OVERDUE", "overdue-symmetric")
        #expect(overdue.verdict == .fail)
        #expect(overdue.message.contains("overdue"))
        #expect(overdue.message.contains("2026-10-11T00:00:00Z"))
        #expect(try result("CEK08-AG3-ROTATION-PERIOD", "overdue-symmetric").verdict == .pass, "the period alone is within 90 days")
        var reasons: Set<String> = []
        for name in ["request-mac", "held-outside", "being-destroyed"] {
            for check in ["CEK08-AG3-ROTATION-PERIOD", "CEK08-AG3-ROTATION-OVERDUE"] {
                #expect(try result(check, name).verdict == .notApplicable, "\(check) on \(name)")
            }
            reasons.insert(try result("CEK08-AG3-ROTATION-PERIOD", name).message)
        }
        #expect(reasons.count == 3, "each key says why in its own words: \(reasons)")
    }

    /// Acceptance: restrictNonCmekServices naming aiplatform.googleapis.com and a Vertex AI endpoint without
    /// encryptionSpec: the data-store check fails for that endpoint and the report names the constraint.
    @Test func cmekOrgPolicyFailsTheEndpointWithoutEncryptionSpec() async throws {
        let report = try await Fixtures.report("gcp/cmek-policy")
        let endpoint = try #require(report.results.first { $0.check == "CEK08-CCM3-CMEK-ORG-POLICY" && $0.subject?.name == "1234567890" })
        #expect(endpoint.verdict == .fail)
        #expect(endpoint.message.contains("constraints/gcp.restrictNonCmekServices"))
        let storeCheck = try #require(report.results.first { $0.check == "CEK08-CCM3-DATA-STORE-CMK" && $0.subject?.name == "1234567890" })
        #expect(storeCheck.verdict == .fail)
        // The model's key version is read as its key: customer-managed, not collected, so custody stays unknown;
        // the policy is met.
        let model = try #require(report.results.first { $0.check == "CEK08-CCM3-CMEK-ORG-POLICY" && $0.subject?.name == "555" })
        #expect(model.verdict == .pass)
        // Cloud Storage is not in the denied list: the policy does not cover the bucket.
        let bucket = try #require(report.results.first { $0.check == "CEK08-CCM3-CMEK-ORG-POLICY" && $0.subject?.name == "example-project-logs" })
        #expect(bucket.verdict == .notApplicable)
    }

    @Test func orgPolicyOnTheOrganizationReachesProjectsBelowItByNumber() async throws {
        let policy = GCPInventory.Item(.object([
            "name": .string("organizations/444455556666/policies/gcp.restrictNonCmekServices"),
            "spec": .object(["rules": .array([.object(["values": .object(["deniedValues": .array([.string("bigquery.googleapis.com")])])])])]),
        ]), evidence: "ev")
        var inventory = GCPInventory()
        inventory.orgPolicies = [policy]
        inventory.projectNumbers = ["example-project": "111122223333"]
        inventory.dataStores = [.init(assetType: "bigquery.googleapis.com/Dataset",
                                      item: .init(.object(["id": .string("example-project:events")]), evidence: "ev"),
                                      assetName: "projects/example-project/datasets/events",
                                      ancestors: ["projects/111122223333", "folders/77", "organizations/444455556666"])]
        var facts = FactSet(resources: GCPFacts.resources(from: inventory))
        GCPCMEKAnalysis().derive(&facts, settings: AnalysisSettings())
        let store = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(store["cmek.required_by"] == .string("constraints/gcp.restrictNonCmekServices on organizations/444455556666"))
        #expect(store["project"] == .string("example-project"))
    }

    @Test func unreadOrgPoliciesLeaveTheCMEKRequirementUnknown() throws {
        var inventory = GCPInventory()
        inventory.dataStores = [.init(assetType: "aiplatform.googleapis.com/Endpoint",
                                      item: .init(.object(["name": .string("projects/example-project/locations/us-central1/endpoints/9")]), evidence: "ev"))]
        inventory.failures = [.init(scope: "projects/example-project/policies/gcp.restrictNonCmekServices", call: "policies.getEffectivePolicy",
                                    reason: "HTTP 403 PERMISSION_DENIED")]
        inventory.cryptoKeys = [.init(.object(["name": .string("projects/example-project/locations/us-central1/keyRings/r/cryptoKeys/k"),
                                               "purpose": .string("ENCRYPT_DECRYPT")]), evidence: "ev")]
        inventory.failures.append(.init(scope: "projects/example-project", call: "projects.getAncestry", reason: "HTTP 500"))
        var facts = FactSet(resources: GCPFacts.resources(from: inventory))
        GCPCMEKAnalysis().derive(&facts, settings: AnalysisSettings())
        let store = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(store["cmek.required_by"]?.unknownReason?.contains("HTTP 403") == true)
        let key = try #require(facts.resources.first { $0.type == .key })
        #expect(key["ancestry"]?.isKnown == false)
    }

    @Test func keyProjectsPolicyRejectsAKeyFromAnotherProject() throws {
        var facts = FactSet(resources: [
            Resource(type: .orgPolicy, id: "projects/example-project/policies/gcp.restrictCmekCryptoKeyProjects",
                     fields: ["constraint": .string("constraints/gcp.restrictCmekCryptoKeyProjects"), "scope": .string("projects/example-project"),
                              "allowed_values": .strings(["under:projects/example-keys"]), "allow_all": .bool(false)]),
            Resource(type: .dataStore, id: "projects/example-project/topics/t", fields: [
                "kind": .string("pubsub-topic"), "service": .string("pubsub.googleapis.com"), "ancestry": .strings(["projects/example-project"]),
                "key_ref": .string("projects/other-project/locations/global/keyRings/r/cryptoKeys/k")]),
        ])
        GCPCMEKAnalysis().derive(&facts, settings: AnalysisSettings())
        let topic = try #require(facts.resources.first { $0.type == .dataStore })
        #expect(topic["cmek.key_project_allowed"] == .bool(false))
        #expect(topic["cmek.required_by"] == .null)
        #expect(topic["key_manager"] == .string("customer"))
        #expect(topic["key_custody"]?.isKnown == false)
    }

    // MARK: - IAM

    static func analysed(_ bindings: [(String, [String])], account: String = "example-project", number: String? = nil,
                         trustedAccounts: [String] = [], trustedDomains: [String] = []) throws -> Resource {
        let policy: JSONValue = .object(["bindings": .array(bindings.map { role, members in
            .object(["role": .string(role), "members": .array(members.map(JSONValue.string))])
        })])
        let name = try #require(GCPResourceName("projects/\(account)/locations/global/keyRings/r/cryptoKeys/k"))
        var r = GCPFacts.iamPolicy(.init(policy, evidence: "ev"), attachedTo: name)
        if let number { r.observed?["owner_project_number"] = .string(number) }
        GCPIAMAnalysis.derive(&r, policy: policy, settings: AnalysisSettings(trustedAccounts: trustedAccounts, trustedOrganizations: trustedDomains))
        return r
    }

    @Test func iamMembersAreClassifiedByTenant() throws {
        let publicPolicy = try Self.analysed([("roles/cloudkms.cryptoKeyDecrypter", ["allUsers"])])
        #expect(publicPolicy["public"] == .bool(true))
        #expect(publicPolicy["cross_tenant"] == .bool(true))

        let foreign = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["serviceAccount:etl@partner-project.iam.gserviceaccount.com"])])
        #expect(foreign["cross_tenant"] == .bool(true))
        #expect(foreign["foreign_accounts"] == .strings(["project partner-project"]))

        let own = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["serviceAccount:app@example-project.iam.gserviceaccount.com",
                                                                                      "serviceAccount:service-111122223333@gcp-sa-aiplatform.iam.gserviceaccount.com"])],
                                    number: "111122223333")
        #expect(own["cross_tenant"] == .bool(false), "the project's own service account and its Vertex AI service agent: CMEK as designed")

        let agentOfUnknownProject = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter",
                                                        ["serviceAccount:service-999988887777@gs-project-accounts.iam.gserviceaccount.com"])])
        #expect(agentOfUnknownProject["cross_tenant"]?.isKnown == false, "without the project number, a service agent's tenant is not known")

        let trustedDomain = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["group:ml@example.com"])], trustedDomains: ["example.com"])
        #expect(trustedDomain["cross_tenant"] == .bool(false))
        let untrustedDomain = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["user:bob@example.net"])], trustedDomains: ["example.com"])
        #expect(untrustedDomain["foreign_accounts"] == .strings(["domain example.net"]))
        let noDomainsListed = try Self.analysed([("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["user:bob@example.net"])])
        #expect(noDomainsListed["cross_tenant"]?.isKnown == false)

        let viewerOnly = try Self.analysed([("roles/cloudkms.viewer", ["user:auditor@example.net"])], trustedDomains: ["example.com"])
        #expect(viewerOnly["cross_tenant"] == .bool(false), "reading metadata neither uses nor manages the key")
    }

    @Test func oneMemberAdministeringAndUsingAKeyIsASeparationOfDutiesFinding() throws {
        let r = try Self.analysed([("roles/cloudkms.admin", ["user:alice@example.com", "group:kms-admins@example.com"]),
                                   ("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["user:alice@example.com"])],
                                  trustedDomains: ["example.com"])
        #expect(r["admin_users"] == .strings(["user:alice@example.com"]))
        guard case .list(let sod)? = r["separation_of_duties"] else { Issue.record("no separation_of_duties"); return }
        #expect(sod.count == 1)
        #expect(sod.first?.displayText.contains("user:alice@example.com") == true)
        let split = try Self.analysed([("roles/cloudkms.admin", ["group:kms-admins@example.com"]),
                                       ("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["group:apps@example.com"])], trustedDomains: ["example.com"])
        #expect(split["separation_of_duties"] == .strings([]))
    }

    // MARK: - Recognition and damaged input

    @Test func exportsAreRecognisedByContentWhateverTheirName() throws {
        let keys = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("gcp/keys-list/gcloud-kms-keys-list.json")))
        #expect(try Fixtures.recognizedKind("evidence-17.txt", data: keys) == "gcp-export")
        let assets = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("gcp/cmek-policy/assets.jsonl")))
        #expect(try Fixtures.recognizedKind("export-0001", data: assets) == "gcp-export")
        let policy = Data(#"{"version": 1, "etag": "BwY=", "bindings": [{"role": "roles/cloudkms.cryptoKeyDecrypter", "members": ["group:a@example.com"]}]}"#.utf8)
        #expect(try Fixtures.recognizedKind("policy.json", data: policy) == "gcp-export")
        let otherIAM = Data(#"{"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}"#.utf8)
        #expect(try Fixtures.recognizedKind("policy.json", data: otherIAM) != "gcp-export", "another service's IAM policy is not a key policy")
    }

    @Test func aDamagedLineIsADiagnosticWithItsLineAndLosesNothingElse() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gcp-damaged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines = try String(contentsOfFile: Fixtures.path("gcp/cmek-policy/assets.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = String(lines[1].prefix(80))   // truncated mid-object
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("assets.jsonl"), atomically: true, encoding: .utf8)
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("gcp/cmek-policy/org-policy.json")))
            .write(to: folder.appendingPathComponent("org-policy.json"))
        let plan = try AssessmentPlan.make(path: folder.path)
        let (facts, _) = await Fixtures.runPlan(plan)
        #expect(facts.diagnostics.contains { $0.line == 2 && $0.source.hasSuffix("assets.jsonl") })
        #expect(facts.resources.filter { $0.type == .dataStore }.count == 2, "the two whole lines are still read")
    }

    @Test func anEncryptDecryptKeyWithoutPrimaryLeavesRotationUnknown() throws {
        var inventory = GCPInventory()
        inventory.cryptoKeys = [.init(.object([
            "name": .string("\(Self.keyRing)/cryptoKeys/partial"), "purpose": .string("ENCRYPT_DECRYPT"),
            "versionTemplate": .object(["protectionLevel": .string("HSM")]), "rotationPeriod": .string("7776000s"),
        ]), evidence: "ev")]
        var facts = FactSet(resources: GCPFacts.resources(from: inventory))
        GCPKeyAnalysis().derive(&facts, settings: AnalysisSettings())
        let key = try #require(facts.resources.first)
        #expect(key["rotation.applicable"]?.isKnown == false)
        #expect(key["deletion.window_days"]?.isKnown == false, "a missing destroyScheduledDuration is unknown, not a default")
        #expect(key["custody"]?.isKnown == false, "whether the primary was imported is not known")
    }

    /// Acceptance (Google Cloud and Azure issues): one assessment file with AWS files, OpenBao, a Google Cloud project
    /// and an Azure subscription gives one report with all of them.
    @Test func oneAssessmentReadsAWSOpenBaoGoogleCloudAndAzureTogether() async throws {
        let report = try await Fixtures.report("gcp/three-providers")
        let services = Set(report.resources.filter { $0.type == .key }.compactMap { r -> String? in
            if case .string(let s)? = r.fields["service"] { return s }
            return nil
        })
        #expect(services.isSuperset(of: ["aws-kms", "gcp-kms", "azure-keyvault"]))
        #expect(report.resources.contains { $0.type == .logSource && $0.fields["kind"] == .string("openbao-audit-log") })
        #expect(report.results.contains { $0.check == "CEK08-AG3-ROTATION-OVERDUE" && $0.verdict == .fail })
    }
}
