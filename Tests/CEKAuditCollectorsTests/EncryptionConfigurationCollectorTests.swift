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

/// The Kubernetes `EncryptionConfiguration` collector on the project's own fixtures (`Fixtures/k8s/`), which
/// reproduce the shapes of the shared corpus: KMS v1 with an identity fallback, KMS v2, two KMS v2 providers, the
/// legacy `EncryptionConfig` kind, identity first with local keys (with and without aescbc).
struct EncryptionConfigurationCollectorTests {
    let collector = EncryptionConfigurationCollector()

    func store(_ file: String, _ resource: String = "secrets") throws -> (FactSet, Resource) {
        let facts = try Fixtures.run(collector, "k8s/\(file)")
        let r = try #require(facts.resource(.dataStore, named: "\(resource) in k8s/\(file)"), "\(facts.resources.map(\.name))")
        return (facts, r)
    }

    @Test func kmsV1FirstWritesAndIdentityOnlyReads() async throws {
        let (facts, r) = try store("kms-v1-identity-fallback.yaml")
        #expect(r.id == "k8s/kms-v1-identity-fallback.yaml#secrets")
        #expect(r["kind"] == .string("k8s-secrets"))
        #expect(r["evidence_kind"] == .string("declared"))
        #expect(r["write_provider"] == .string("kms"))
        #expect(r["kms_api_version"] == .string("v1"), "apiVersion left out means v1")
        #expect(r["encrypted"] == .bool(true))
        #expect(r["key_custody"] == .string("external-kms"))
        #expect(r["key_manager"] == .string("customer"))
        #expect(r["key_ref"] == .string("kms plugin example-kms-plugin at unix:///var/run/example-kms/plugin.sock"))
        #expect(r["read_providers"] == .strings(["identity"]))
        #expect(r["key"] == .null)
        // Provenance: the resource name's line and the writing provider's line.
        #expect(r.provenance.map(\.line) == [7, 9])
        #expect(r.provenance.map(\.pointer) == ["resources[0].resources[0]", "resources[0].providers[0]"])
        let info = try #require(facts.diagnostics.first { $0.severity == .info })
        #expect(info.message.contains("identity is a later provider"))
        #expect(facts.coverage.map(\.status) == [.complete])
        #expect(facts.coverage.first?.inventoryTypes == [], "a configuration file is not an inventory of data stores")
    }

    @Test func kmsV2Only() async throws {
        let (facts, r) = try store("kms-v2.yaml")
        #expect(r["kms_api_version"] == .string("v2"))
        #expect(r["read_providers"] == .strings([]))
        #expect(facts.diagnostics.isEmpty)
    }

    @Test func ofTwoKMSProvidersTheFirstWrites() async throws {
        let (_, r) = try store("kms-v2-two-providers.yaml")
        #expect(r["key_ref"] == .string("kms plugin example-kms-new-seed at unix:///var/run/example-kms/new.sock"))
        #expect(r["read_providers"] == .strings(["kms v2 plugin example-kms-old"]))
    }

    @Test func legacyEncryptionConfigIsRecognisedAndRead() async throws {
        let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent("k8s/legacy-encryptionconfig-v1.yaml"))
        #expect(try Fixtures.recognizedKind("legacy-encryptionconfig-v1.yaml", data: data) == "k8s-encryption-config",
                "the legacy kind must be recognised, never skipped as not an EncryptionConfiguration")
        let (facts, r) = try store("legacy-encryptionconfig-v1.yaml")
        #expect(r["write_provider"] == .string("kms"))
        #expect(r["kms_api_version"] == .string("v1"))
        let warning = try #require(facts.diagnostics.first { $0.severity == .warning })
        #expect(warning.message.contains("legacy kind EncryptionConfig"))
        #expect(warning.line == 1)
    }

    @Test(arguments: [
        ("identity-first-local-keys.yaml", ["aesgcm key key1", "secretbox key key1"]),
        ("identity-first-aescbc.yaml", ["aesgcm key key1", "aescbc key key1", "secretbox key key1"]),
    ])
    func identityFirstWritesPlaintext(file: String, readers: [String]) async throws {
        let (_, r) = try store(file)
        #expect(r["write_provider"] == .string("identity"))
        #expect(r["encrypted"] == .bool(false))
        #expect(r["key_custody"] == .null)
        #expect(r["key_manager"] == .null)
        #expect(r["kms_api_version"] == .null)
        #expect(r["key_ref"] == .null)
        #expect(r["read_providers"] == .strings(readers))
    }

    @Test func resourceListsInOrderEarlierWins() async throws {
        let facts = try Fixtures.run(collector, "k8s/mixed-groups.yaml")
        func store(_ name: String) -> Resource? { facts.resource(.dataStore, named: "\(name) in k8s/mixed-groups.yaml") }
        #expect(facts.resources.count == 5, "\(facts.resources.map(\.name))")
        #expect(store("events")?["write_provider"] == .string("identity"))
        #expect(store("secrets")?["write_provider"] == .string("kms"))
        #expect(store("configmaps")?["kms_api_version"] == .string("v2"))
        #expect(store("configmaps")?["read_providers"] == .strings(["aescbc key retired"]))
        let apps = try #require(store("*.apps"))
        #expect(apps["kind"] == .string("k8s-*.apps"))
        #expect(apps["key_custody"] == .string("local-key-in-config"))
        #expect(apps["key_manager"] == .null)
        #expect(apps["key_ref"] == .string("aescbc key apps-key in the configuration file"))
        // A provider type that does not exist leaves the writer unknown, with the reason; never a guess.
        let leases = try #require(store("leases.coordination.k8s.io"))
        #expect(leases["write_provider"]?.unknownReason?.contains("aesgmc") == true)
        #expect(leases["encrypted"]?.isKnown == false)
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("aesgmc") && $0.line == 34 })
        // secrets listed again in the last list: the first list applies, the repeat is reported.
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.message.contains("secrets is listed again in resources[3]") })
        #expect(facts.coverage.first?.status == .partial)
    }

    @Test func jsonFormIsReadToo() async throws {
        let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent("k8s/kms-v2.json"))
        #expect(try Fixtures.recognizedKind("kms-v2.json", data: data) == "k8s-encryption-config", "JSON EncryptionConfiguration not recognised")
        let (_, r) = try store("kms-v2.json")
        #expect(r["write_provider"] == .string("kms"))
        #expect(r["read_providers"] == .strings(["aescbc key old"]))
    }

    /// Key material never enters facts, and the evidence item is a redacted copy: its payload, size and SHA-256
    /// agree, so an evidence bundle verifies, and no secret reaches a bundle or a report.
    @Test func keyMaterialIsRedacted() async throws {
        let file = "k8s/identity-first-aescbc.yaml"
        let bytes = try Data(contentsOf: Fixtures.folder.appendingPathComponent(file))
        let facts = try Fixtures.run(collector, file)
        let item = try #require(facts.evidence.first)
        let payload = try #require(facts.payloads[item.id])
        #expect(item.sha256 == SHA256Hex.digest(payload))
        #expect(item.size == payload.count)
        #expect(payload != bytes)
        #expect(String(decoding: payload, as: UTF8.self).split(separator: "\n").count == String(decoding: bytes, as: UTF8.self).split(separator: "\n").count)
        let text = try #require(String(data: payload, encoding: .utf8))
        let secrets = ["placeholder-aes-key-one-32-bytes", "placeholder-aes-key-two-32-bytes", "placeholder-secretbox-key-32byte"]
            .map { Data($0.utf8).base64EncodedString() }
        for s in secrets {
            #expect(!text.contains(s))
            #expect(!facts.resources.contains { r in r.fields.values.contains { $0.displayText.contains(s) } })
        }
        #expect(text.contains("secret: REDACTED"))
        // The runner keeps the collector's redacted copy rather than the raw bytes.
        let (all, _) = await Fixtures.runPlan(try AssessmentPlan.make(path: Fixtures.path(file)))
        let kept = try #require(all.evidence.first.flatMap { all.payloads[$0.id] })
        #expect(!String(decoding: kept, as: UTF8.self).contains(secrets[0]))
    }

    @Test func withoutAResourcesListTheSourceFails() async throws {
        let data = Data("kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nproviders: []\n".utf8)
        let facts = try Fixtures.run(collector, data: data, locator: "enc.yaml")
        #expect(facts.resources.isEmpty)
        #expect(facts.coverage.first?.status == .failed)
        #expect(facts.coverage.first?.resourceTypes == [.dataStore])
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("no resources list") })
    }

    @Test func unexpectedAPIVersionIsAWarningNotASkip() async throws {
        let data = Data("""
        kind: EncryptionConfiguration
        apiVersion: apiserver.config.k8s.io/v1beta1
        resources:
          - resources: [secrets]
            providers: [{kms: {apiVersion: v3, name: p, endpoint: "unix:///p.sock"}}]
        """.utf8)
        let facts = try Fixtures.run(collector, data: data, locator: "enc.yaml")
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.message.contains("v1beta1") })
        let r = try #require(facts.resources.first)
        #expect(r["write_provider"] == .string("kms"))
        #expect(r["kms_api_version"]?.unknownReason?.contains("v3") == true)
    }
}

/// Verdicts on the fixtures, matching the Kubernetes table of the shared corpus (`corpus/SOURCES.md`).
struct EncryptionConfigurationVerdictTests {
    func verdicts(_ file: String) async throws -> (provider: Verdict?, cmk: Verdict?, v2: Verdict?) {
        let results = try await Fixtures.assess("k8s/\(file)")
        let name = "secrets in \(file)"
        return (results.verdicts("CEK08-AG1-K8S-KMS-PROVIDER")[name], results.verdicts("CEK08-CCM3-DATA-STORE-CMK")[name],
                results.verdicts("CEK08-CCM3-K8S-KMS-V2")[name])
    }

    @Test func kmsV1WithIdentityFallbackPassesWithTheDeprecationReported() async throws {
        let v = try await verdicts("kms-v1-identity-fallback.yaml")
        #expect(v.provider == .pass)
        #expect(v.cmk == .pass)
        #expect(v.v2 == .fail, "KMS v1 is deprecated: the low-severity version check fails")
        let results = try await Fixtures.assess("k8s/kms-v1-identity-fallback.yaml")
        let pass = try #require(results.first { $0.check == "CEK08-AG1-K8S-KMS-PROVIDER" })
        #expect(pass.message.contains("later providers, used only to read older data: identity"))
        let v1 = try #require(results.first { $0.check == "CEK08-CCM3-K8S-KMS-V2" })
        #expect(v1.severity == .low)
    }

    @Test(arguments: ["kms-v2.yaml", "kms-v2-two-providers.yaml", "kms-v2.json"])
    func kmsV2Passes(file: String) async throws {
        let v = try await verdicts(file)
        #expect(v.provider == .pass)
        #expect(v.cmk == .pass)
        #expect(v.v2 == .pass)
    }

    @Test func legacyKindPassesWithTheDeprecationReported() async throws {
        let v = try await verdicts("legacy-encryptionconfig-v1.yaml")
        #expect(v.provider == .pass)
        #expect(v.cmk == .pass)
        #expect(v.v2 == .fail)
    }

    /// Identity first writes plaintext: FAIL for CEK-08, also when an aescbc key is listed after it (where KICS
    /// calls the file compliant).
    @Test(arguments: ["identity-first-local-keys.yaml", "identity-first-aescbc.yaml"])
    func identityFirstFails(file: String) async throws {
        let v = try await verdicts(file)
        #expect(v.provider == .fail)
        #expect(v.cmk == .notApplicable, "unencrypted stores are CEK-03's question for the key-manager check")
        #expect(v.v2 == .notApplicable)
    }

    @Test func localKeyFirstFailsBothTheCapabilityAndTheKeyModel() async throws {
        let results = try await Fixtures.assess("k8s/mixed-groups.yaml")
        let apps = "*.apps in mixed-groups.yaml"
        #expect(results.verdicts("CEK08-AG1-K8S-KMS-PROVIDER")[apps] == .fail)
        #expect(results.verdicts("CEK08-CCM3-DATA-STORE-CMK")[apps] == .fail)
        #expect(results.verdicts("CEK08-CCM3-K8S-KMS-V2")[apps] == .notApplicable)
        #expect(results.verdicts("CEK08-AG1-K8S-KMS-PROVIDER")["events in mixed-groups.yaml"] == .fail)
        #expect(results.verdicts("CEK08-AG1-K8S-KMS-PROVIDER")["configmaps in mixed-groups.yaml"] == .pass)
        // The unrecognised provider never passes and never fails.
        #expect(results.verdicts("CEK08-AG1-K8S-KMS-PROVIDER")["leases.coordination.k8s.io in mixed-groups.yaml"] == .inconclusive)
    }

    /// Data stores from infrastructure code are not Kubernetes resources: the Kubernetes checks do not apply.
    @Test func awsDataStoresAreNotApplicable() async throws {
        let results = try await Fixtures.assess("tf")
        for check in ["CEK08-AG1-K8S-KMS-PROVIDER", "CEK08-CCM3-K8S-KMS-V2"] {
            let rs = results.filter { $0.check == check }
            #expect(rs.count == 2)
            #expect(rs.allSatisfy { $0.verdict == .notApplicable }, "\(rs.map(\.message))")
        }
    }

    /// A kms provider without name or endpoint makes the API server refuse the whole file: it cannot be the
    /// configuration in effect, so none of its resources passes on it (it warned before and still passed three checks).
    @Test(arguments: ["name: example-kms\n        apiVersion: v2", "endpoint: unix:///var/run/example-kms/plugin.sock\n        apiVersion: v2"])
    func aKMSProviderTheAPIServerRejectsIsNotEvidence(_ kms: String) async throws {
        let yaml = """
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
          - resources: [secrets, configmaps]
            providers:
              - kms:
                \(kms)
              - identity: {}
        """
        let facts = try Fixtures.run(EncryptionConfigurationCollector(), data: Data(yaml.utf8), locator: "k8s/rejected.yaml")
        let stores = facts.resources(of: .dataStore)
        #expect(stores.count == 2)
        for s in stores {
            for f in ["encrypted", "write_provider", "kms_api_version", "key_custody", "key_manager"] {
                #expect(s[f]?.unknownReason?.contains("rejects this configuration") == true, "\(s.name) \(f)")
            }
        }
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("needs name and endpoint") })
        let catalog = try Fixtures.catalog()
        let results = RulesEngine(catalog: catalog, now: Fixtures.now).evaluate(facts)
        #expect(!results.contains { $0.verdict == .pass && $0.subject?.type == "data_store" }, "\(results.filter { $0.verdict == .pass }.map(\.check))")
    }
}
