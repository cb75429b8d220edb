import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditInfraCode
import Foundation
import Testing

/// The google provider's resources in a Terraform plan and state (`Fixtures/tf-google`): the raw facts the Cloud KMS
/// REST shapes give, unknowns for values known only after apply, and the missing-attribute rule.
struct TerraformGoogleTests {
    static let ring = "projects/example-project/locations/europe-west4/keyRings/prod-ring"
    static let hsm = ring + "/cryptoKeys/orders-hsm"
    static let hyok = ring + "/cryptoKeys/hyok-key"
    static let mac = ring + "/cryptoKeys/api-mac"
    static let ekm = "projects/example-project/locations/europe-west4/ekmConnections/ekm-prod"

    /// The collector's observations (before the normalize stage), as raw facts.
    static func observe(_ data: Data, kind: TerraformCollector.Kind, locator: String) throws -> FactSet {
        let doc = try ParsedDocument(data: data, locator: locator)
        return TerraformCollector(document: kind).collect(doc, input: SourceInput(locator: locator, data: data), context: CollectionContext(now: Fixtures.now))
    }

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tf-google/\(name)")))
    }

    /// The plan with `edit` applied to its parsed JSON.
    static func editedPlan(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var plan = try #require(try JSONSerialization.jsonObject(with: try fixture("plan.json")) as? [String: Any])
        edit(&plan)
        return try JSONSerialization.data(withJSONObject: plan)
    }

    /// Changes the planned values (and, with `unknown`, the after_unknown) of `address`.
    static func setPlanned(_ plan: inout [String: Any], _ address: String, _ attribute: String, _ value: Any?, unknown: Bool = false) {
        guard var pv = plan["planned_values"] as? [String: Any], var rm = pv["root_module"] as? [String: Any],
              var rs = rm["resources"] as? [[String: Any]], let i = rs.firstIndex(where: { $0["address"] as? String == address }),
              var values = rs[i]["values"] as? [String: Any] else { return }
        values[attribute] = value
        rs[i]["values"] = values
        rm["resources"] = rs; pv["root_module"] = rm; plan["planned_values"] = pv
        guard unknown, var rc = plan["resource_changes"] as? [[String: Any]],
              let j = rc.firstIndex(where: { $0["address"] as? String == address }),
              var change = rc[j]["change"] as? [String: Any], var au = change["after_unknown"] as? [String: Any] else { return }
        au[attribute] = true
        change["after_unknown"] = au; rc[j]["change"] = change; plan["resource_changes"] = rc
    }

    func key(_ f: FactSet, _ id: String) throws -> Resource { try #require(f.resources.first { $0.type == .key && $0.id == id }) }

    @Test func planKeysCarryTheRESTFacts() throws {
        let f = try Self.observe(try Self.fixture("plan.json"), kind: .plan, locator: "tf-google/plan.json")
        let hsm = try key(f, Self.hsm)   // the id from the key ring's project, location and name, although its id is after apply
        #expect(hsm.value("service") == .string("gcp-kms"))
        #expect(hsm.value("manager") == .string("customer"))
        #expect(hsm.value("evidence_kind") == .string("declared"))
        #expect(hsm.value("project") == .string("example-project"))
        #expect(hsm.value("account") == .string("example-project"))
        #expect(hsm.value("region") == .string("europe-west4"))
        #expect(hsm.value("key_ring") == .string(Self.ring))
        #expect(hsm.value("purpose") == .string("ENCRYPT_DECRYPT"))
        #expect(hsm.value("protection_level") == .string("HSM"))
        #expect(hsm.value("spec") == .string("GOOGLE_SYMMETRIC_ENCRYPTION"))
        #expect(hsm.value("rotation.enabled") == .bool(true))
        #expect(hsm.value("rotation.period_days") == .number(90))
        #expect(hsm.value("deletion.window_days") == .int(30), "unset optional-and-computed: Cloud KMS's documented 30 days")
        #expect(hsm.value("import_only") == .bool(false))
        #expect(hsm.value("primary.import_job") == .null)
        #expect(hsm.value("ekm_connection") == .null)
        #expect(hsm.value("access_justifications.policy") == .bool(false))
        #expect(hsm.value("tags") == .strings(["team=payments"]))
        // A key the plan creates gets its first version as the enabled primary (CryptoKey create).
        #expect(hsm.value("state") == .string("ENABLED"))
        #expect(hsm.value("enabled") == .bool(true))
        #expect(!hsm.value("created").isKnown)

        let hyok = try key(f, Self.hyok)
        #expect(hyok.value("protection_level") == .string("EXTERNAL_VPC"))
        #expect(hyok.value("spec") == .string("EXTERNAL_SYMMETRIC_ENCRYPTION"))
        #expect(hyok.value("ekm_connection") == .string(Self.ekm), "the referenced connection's name from its values")
        #expect(!hyok.value("primary.import_job").isKnown, "skip_initial_version_creation: versions are made elsewhere")

        let mac = try key(f, Self.mac)
        #expect(mac.value("purpose") == .string("MAC"))
        #expect(mac.value("spec") == .string("HMAC_SHA256"))
        #expect(mac.value("state") == .null)
        #expect(mac.value("rotation.enabled") == .bool(false))
        #expect(mac.value("rotation.period_days") == .null)
        #expect(mac.value("deletion.window_days") == .int(7))
        #expect(mac.value("access_justifications.policy") == .bool(true))
        #expect(mac.value("access_justifications.allowed") == .strings(["CUSTOMER_INITIATED_ACCESS", "GOOGLE_INITIATED_SYSTEM_OPERATION"]))
        #expect(f.resources.filter { $0.type == .key }.count == 3)
    }

    @Test func iamMembersMergeIntoOnePolicyPerKeyInTheRESTShape() throws {
        let f = try Self.observe(try Self.fixture("plan.json"), kind: .plan, locator: "tf-google/plan.json")
        let policy = try #require(f.resources.first { $0.type == .keyPolicy && $0.id == Self.hsm + "#iam" })
        #expect(policy.value("service") == .string("gcp-kms"))
        #expect(policy.value("key") == .string(Self.hsm))
        #expect(policy.value("scope") == .string("key"))
        #expect(policy.value("account") == .string("example-project"))
        #expect(policy.value("statements") == .int(2))
        let bindings = (policy.observed?["iam_policy"]?["bindings"] ?? .null).asList
        let encrypter = try #require(bindings.first { $0["role"] == .string("roles/cloudkms.cryptoKeyEncrypterDecrypter") })
        #expect(encrypter["members"] == .array([.string("allUsers"), .string("serviceAccount:app-sa@example-project.iam.gserviceaccount.com")]))
        #expect(encrypter["condition"] == nil)
        let decrypter = try #require(bindings.first { $0["role"] == .string("roles/cloudkms.cryptoKeyDecrypter") })
        #expect(decrypter["members"] == .array([.string("serviceAccount:etl@partner-project.iam.gserviceaccount.com")]))
        #expect(decrypter["condition"]?["title"] == .string("until-2027"))
        #expect(decrypter["condition"]?["expression"]?.stringValue?.hasPrefix("request.time <") == true)

        let ringPolicy = try #require(f.resources.first { $0.type == .keyPolicy && $0.id == Self.ring + "#iam" })
        #expect(ringPolicy.value("scope") == .string("key-ring"))
        #expect((ringPolicy.observed?["iam_policy"]?["bindings"] ?? .null).asList.first?["members"] == .array([.string("group:kms-admins@example.com")]))
    }

    @Test func ekmOrgPolicyAuditConfigAndDataStores() throws {
        let f = try Self.observe(try Self.fixture("plan.json"), kind: .plan, locator: "tf-google/plan.json")
        let store = try #require(f.resources.first { $0.type == .keyStore })
        #expect(store.id == Self.ekm)
        #expect(store.value("kind") == .string("gcp-ekm-connection"))
        #expect(store.value("proxy_endpoint") == .string("ekm.example.com"))
        #expect(store.value("key_management_mode") == .string("MANUAL"))

        let org = try #require(f.resources.first { $0.type == .orgPolicy })
        #expect(org.id == "projects/example-project/policies/gcp.restrictNonCmekServices")
        #expect(org.value("constraint") == .string("constraints/gcp.restrictNonCmekServices"))
        #expect(org.value("scope") == .string("projects/example-project"))
        #expect(org.value("denied_values") == .strings(["aiplatform.googleapis.com"]))
        #expect(org.value("allowed_values") == .strings([]))
        #expect(org.value("deny_all") == .bool(false))
        #expect(org.value("conditional") == .bool(false))
        #expect(org.value("rules") == .int(1))

        let trail = try #require(f.resources.first { $0.type == .auditTrail })
        #expect(trail.id == "projects/example-project#data-access-logs:cloudkms")
        #expect(trail.value("kind") == .string("gcp-data-access-logs"))
        #expect(trail.value("logging") == .bool(true))
        #expect(trail.value("log_types") == .strings(["DATA_READ", "DATA_WRITE"]))
        #expect(trail.value("evidence_kind") == .string("declared"))

        let bucket = try #require(f.resources.first { $0.type == .dataStore && $0.id.hasSuffix("google_storage_bucket.data") })
        #expect(bucket.value("kind") == .string("gcs-bucket"))
        #expect(bucket.value("service") == .string("storage.googleapis.com"))
        #expect(bucket.value("project") == .string("example-project"))
        #expect(bucket.value("encrypted") == .bool(true))
        #expect(bucket.value("key_ref") == .string(Self.hsm), "the referenced key's name, though its id is after apply")
        #expect(bucket.value("key") == .string(Self.hsm))

        let endpoint = try #require(f.resources.first { $0.type == .dataStore && $0.id.hasSuffix("google_vertex_ai_endpoint.serving") })
        #expect(endpoint.value("kind") == .string("vertex-ai-endpoint"))
        #expect(endpoint.value("service") == .string("aiplatform.googleapis.com"))
        #expect(endpoint.value("key_ref") == .null)
        #expect(endpoint.value("key_manager") == .string("google"))
        #expect(endpoint.value("key_custody") == .string("provider-owned"))

        let disk = try #require(f.resources.first { $0.type == .dataStore && $0.id.hasSuffix("google_compute_disk.scratch") })
        #expect(disk.value("key_manager") == .string("customer"))
        #expect(disk.value("key_custody") == .string("customer-supplied"))
        // The customer-supplied key never reaches evidence.
        let secret = "c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcy1sb25nIQ=="
        #expect(f.payloads.values.allSatisfy { !String(decoding: $0, as: UTF8.self).contains(secret) })
        #expect(!f.resources.contains { $0.fields.values.contains { $0.displayText.contains(secret) } })
    }

    @Test func stateGivesTheSameKeysWithDeployedValues() throws {
        let plan = try Self.observe(try Self.fixture("plan.json"), kind: .plan, locator: "tf-google/plan.json")
        let state = try Self.observe(try Self.fixture("state.json"), kind: .state, locator: "tf-google/state.json")
        let hsm = try key(state, Self.hsm)
        #expect(hsm.value("state") == .string("ENABLED"))
        #expect(hsm.value("enabled") == .bool(true))
        #expect(hsm.value("deletion.window_days") == .int(30))
        #expect(try key(state, Self.hyok).value("ekm_connection") == .string(Self.ekm))
        for id in [Self.hsm, Self.hyok, Self.mac] {
            let a = try key(plan, id).fields.filter { !["state", "enabled"].contains($0.key) }
            let b = try key(state, id).fields.filter { !["state", "enabled"].contains($0.key) }
            #expect(a == b, "\(id): plan and state agree")
        }
        let bucket = try #require(state.resources.first { $0.type == .dataStore && $0.id.hasSuffix("google_storage_bucket.data") })
        #expect(bucket.value("key_ref") == .string(Self.hsm))
        #expect(bucket.value("key") == .string(Self.hsm))
        let policy = try #require(state.resources.first { $0.type == .keyPolicy && $0.id == Self.hsm + "#iam" })
        #expect(policy.value("statements") == .int(2))
        #expect(state.resources.contains { $0.type == .orgPolicy } && state.resources.contains { $0.type == .auditTrail })
    }

    @Test func valuesKnownOnlyAfterApplyStayUnknown() throws {
        // The key ring's project comes from the provider: the keys' names, and what links to them, are after apply.
        let data = try Self.editedPlan { plan in
            Self.setPlanned(&plan, "google_kms_key_ring.ring", "project", nil, unknown: true)
            Self.setPlanned(&plan, "google_kms_crypto_key.hsm", "rotation_period", nil, unknown: true)
        }
        let f = try Self.observe(data, kind: .plan, locator: "plan.json")
        let hsm = try key(f, "plan.json#google_kms_crypto_key.hsm")
        #expect(hsm.value("project").unknownReason?.contains("after apply") == true)
        #expect(hsm.value("key_ring").unknownReason?.contains("after apply") == true)
        #expect(hsm.value("rotation.enabled").unknownReason?.contains("after apply") == true)
        let bucket = try #require(f.resources.first { $0.type == .dataStore && $0.id.hasSuffix("google_storage_bucket.data") })
        #expect(bucket.value("key") == .string("plan.json#google_kms_crypto_key.hsm"))
        #expect(bucket.value("key_ref").unknownReason?.contains("after apply") == true)
        #expect(f.resources.contains { $0.type == .keyPolicy && $0.id == "plan.json#google_kms_crypto_key.hsm#iam" })
        #expect(f.coverage.first?.status == .partial)
    }

    @Test func aMissingAttributeIsUnknownAndANullOneIsTheDefault() throws {
        let missing = try Self.observe(try Self.editedPlan { plan in
            Self.setPlanned(&plan, "google_kms_crypto_key.hsm", "rotation_period", nil)
            Self.setPlanned(&plan, "google_kms_crypto_key.hsm", "purpose", nil)
        }, kind: .plan, locator: "plan.json")
        let hsm = try key(missing, Self.hsm)
        #expect(hsm.value("rotation.enabled").unknownReason?.contains("cut or edited") == true)
        #expect(hsm.value("purpose").unknownReason?.contains("cut or edited") == true)

        let null = try Self.observe(try Self.editedPlan { plan in
            Self.setPlanned(&plan, "google_kms_crypto_key.hsm", "rotation_period", NSNull())
            Self.setPlanned(&plan, "google_kms_crypto_key.hsm", "purpose", NSNull())
        }, kind: .plan, locator: "plan.json")
        let hsm2 = try key(null, Self.hsm)
        #expect(hsm2.value("rotation.enabled") == .bool(false))
        #expect(hsm2.value("rotation.period_days") == .null)
        #expect(hsm2.value("purpose") == .string("ENCRYPT_DECRYPT"))
    }

    @Test func aDataStoreWithoutItsCMEKAttributeInTheValuesIsUnknown() throws {
        let data = Data("""
        {"format_version":"1.0","terraform_version":"1.9.5","values":{"root_module":{"resources":[
          {"address":"google_pubsub_topic.events","mode":"managed","type":"google_pubsub_topic","name":"events","values":{"name":"events","project":"example-project"}},
          {"address":"google_pubsub_topic.default","mode":"managed","type":"google_pubsub_topic","name":"default","values":{"name":"default","project":"example-project","kms_key_name":null}},
          {"address":"google_sql_database_instance.db","mode":"managed","type":"google_sql_database_instance","name":"db","values":{"name":"db","project":"example-project","encryption_key_name":"\(Self.hsm)/cryptoKeyVersions/4"}}
        ]}}}
        """.utf8)
        let f = try Self.observe(data, kind: .state, locator: "state.json")
        let events = try #require(f.resources.first { $0.id == "state.json#google_pubsub_topic.events" })
        #expect(events.value("key_ref").unknownReason?.contains("cut or edited") == true)
        let def = try #require(f.resources.first { $0.id == "state.json#google_pubsub_topic.default" })
        #expect(def.value("key_ref") == .null)
        #expect(def.value("key_manager") == .string("google"))
        let db = try #require(f.resources.first { $0.id == "state.json#google_sql_database_instance.db" })
        #expect(db.value("kind") == .string("cloud-sql-instance"))
        #expect(db.value("key_ref") == .string(Self.hsm), "a key version is read as its key")
    }
}
