import CEKAuditAzure
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation
import Testing

/// Azure management-plane exports and Resource Graph results (`Fixtures/azure/`, written from the ARM REST
/// reference's shapes) through the runner, the normalize stage and the rules engine.
@Suite struct AzureExportCollectorTests {
    static func result(_ report: AssessmentReport, _ check: String, _ subject: String) throws -> CheckResult {
        try #require(report.results.first { $0.check == check && $0.subject?.name == subject }, "\(check) on \(subject)")
    }

    /// Acceptance: three vaults from one complete listing — the audit category group to a storage account passes,
    /// an AuditEvent entry with enabled false fails, no diagnostic setting at all fails.
    @Test func diagnosticSettingsOfACompleteListing() async throws {
        let report = try await Fixtures.report("azure/complete")
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-models").verdict == .pass)
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-training").verdict == .fail)
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-legacy").verdict == .fail)
    }

    /// Acceptance: the same three vaults only declared (no listing of their settings) leave the third inconclusive.
    @Test func withoutAListingAVaultWithoutSettingsIsInconclusive() async throws {
        let report = try await Fixtures.report("azure/declared")
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-models").verdict == .pass)
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-training").verdict == .fail)
        #expect(try Self.result(report, "CEK08-AG4-VAULT-AUDIT-EVENTS", "diagnostic settings of kv-legacy").verdict == .inconclusive)
    }

    /// An export without the subscription's role assignments says nothing about who holds roles on a vault: its
    /// isolation and administrators are unknown, never "nobody else".
    @Test func withoutRoleAssignmentsAccessIsUnknownNotPass() async throws {
        let report = try await Fixtures.report("azure/declared")
        #expect(try Self.result(report, "CEK08-AG2-POLICY-TENANT-BOUNDARY", "access to kv-models").verdict == .inconclusive)
        #expect(try Self.result(report, "CEK08-AG6-ADMINS-ARE-ROLES", "access to kv-models").verdict == .inconclusive)
        // The foreign tenant's access policy is evidence enough to fail, role assignments or not.
        #expect(try Self.result(report, "CEK08-AG2-POLICY-TENANT-BOUNDARY", "access to kv-training").verdict == .fail)
    }

    @Test func anAccessPolicyWithoutTenantLeavesIsolationUnknown() {
        var r = Resource(type: .keyPolicy, id: "v#access", fields: ["service": .string("azure-keyvault")])
        let observed: [String: JSONValue] = [
            "entra_tenant": .string("11111111-2222-3333-4444-555555555555"), "rbac": .bool(false), "role_assignments": .array([]),
            "access_policies": .array([.object(["objectId": .string("o1"), "permissions": .object(["keys": .array([.string("get"), .string("unwrapKey")])])])]),
        ]
        AzureAccessAnalysis.derive(&r, observed: observed, settings: AnalysisSettings())
        #expect(r["cross_tenant"]?.isKnown == false)
    }

    @Test func bothFormsOfADiagnosticSettingAreRead() {
        let group: JSONValue = .object(["properties": .object(["workspaceId": .string("/w"), "logs": .array([
            .object(["category": .null, "categoryGroup": .string("allLogs"), "enabled": .bool(true)])])])])
        let category: JSONValue = .object(["properties": .object(["eventHubName": .string("hub"), "logs": .array([
            .object(["category": .string("AuditEvent"), "categoryGroup": .null, "enabled": .bool(true)])])])])
        let noDestination: JSONValue = .object(["properties": .object(["logs": .array([
            .object(["category": .string("AuditEvent"), "enabled": .bool(true)])])])])
        #expect(AzureFacts.routesAuditEvent(group) == true)
        #expect(AzureFacts.routesAuditEvent(category) == true)
        #expect(AzureFacts.routesAuditEvent(noDestination) == false)
        #expect(AzureFacts.routesAuditEvent(.object(["properties": .object([:])])) == nil)
    }

    @Test func keysRotationPoliciesAndDeletionWindows() async throws {
        let facts = try await Fixtures.collect("azure/complete")
        let weights = try #require(facts.resource(.key, named: "model-weights"))
        #expect(weights.id == "https://kv-models.vault.azure.net/keys/model-weights")
        #expect(weights["service"] == .string("azure-keyvault"))
        #expect(weights["account"] == .string("00000000-0000-0000-0000-000000000001"))
        #expect(weights["hsm_backed"] == .bool(true))
        #expect(weights["custody"] == .string("customer-generated"))
        #expect(weights["rotation.applicable"] == .bool(true))
        #expect(weights["rotation.period_days"] == .number(90))
        #expect(weights["deletion.window_min_days"] == .number(90), "purge protection keeps the whole retention")

        let dataset = try #require(facts.resource(.key, named: "dataset"))
        #expect(dataset["rotation.period_days"] == .number(700), "rotate 30 days before a two-year expiry")
        #expect(dataset["deletion.window_min_days"] == .number(0), "without purge protection a deleted key can be purged at once")

        let disabled = try #require(facts.resource(.key, named: "old-disabled"))
        #expect(disabled["rotation.applicable"] == .bool(false))
        #expect(disabled["rotation.enabled"] == .bool(false))

        let report = try await Fixtures.report("azure/complete")
        #expect(try Self.result(report, "CEK08-AG3-ROTATION-PERIOD", "model-weights").verdict == .pass)
        #expect(try Self.result(report, "CEK08-AG3-ROTATION-PERIOD", "dataset").verdict == .fail)
        #expect(try Self.result(report, "CEK08-AG3-ROTATION-PERIOD", "old-disabled").verdict == .notApplicable)
        #expect(try Self.result(report, "CEK08-AG3-DELETION-WINDOW", "dataset").verdict == .fail)
    }

    @Test func accessPoliciesOfAnotherTenantAndUserAdministrators() async throws {
        let report = try await Fixtures.report("azure/complete")
        let training = try Self.result(report, "CEK08-AG2-POLICY-TENANT-BOUNDARY", "access to kv-training")
        #expect(training.verdict == .fail)
        #expect(training.message.contains("99999999-8888-7777-6666-555555555555"))
        #expect(try Self.result(report, "CEK08-AG2-POLICY-TENANT-BOUNDARY", "access to kv-models").verdict == .pass)
        let admins = try Self.result(report, "CEK08-AG6-ADMINS-ARE-ROLES", "access to kv-models")
        #expect(admins.verdict == .fail, "Key Vault Administrator assigned to a user")
    }

    @Test func dataStoresAreLinkedToTheirKeys() async throws {
        let facts = try await Fixtures.collect("azure/complete")
        let storage = try #require(facts.resource(.dataStore, named: "trainingdata"))
        #expect(storage["key"] == .string("https://kv-models.vault.azure.net/keys/model-weights"))
        #expect(storage["key_manager"] == .string("customer"))
        let openai = try #require(facts.resource(.dataStore, named: "chat-openai"))
        #expect(openai["key_manager"] == .string("microsoft"))
        let report = try await Fixtures.report("azure/complete")
        #expect(try Self.result(report, "CEK08-CCM3-DATA-STORE-CMK", "chat-openai").verdict == .fail)
        #expect(try Self.result(report, "CEK08-CCM3-DATA-STORE-CMK", "trainingdata").verdict == .pass)
    }

    @Test func azureExportsAreRecognisedByContent() throws {
        let graph = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("azure/complete/resource-graph-vaults.json")))
        #expect(try Fixtures.recognizedKind("result-1.txt", data: graph) == "azure-export")
        let settings = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("azure/declared/diagnostic-settings.json")))
        #expect(try Fixtures.recognizedKind("export.json", data: settings) == "azure-export")
    }

    @Test func aSoftDeletedKeyIsOutOfRotationAndExpiryChecks() async throws {
        let deleted: JSONValue = .object([
            "recoveryId": .string("https://kv-models.vault.azure.net/deletedkeys/old"),
            "deletedDate": .number(1_793_000_000), "scheduledPurgeDate": .number(1_800_000_000),
            "key": .object(["kid": .string("https://kv-models.vault.azure.net/keys/old/0123"), "kty": .string("RSA-HSM")]),
            "attributes": .object(["enabled": .bool(true), "nbf": .number(1_767_225_600), "exp": .null, "created": .number(1_767_225_600)]),
        ])
        var inventory = AzureInventory()
        inventory.keys = [.init(deleted, evidence: "ev")]
        var facts = FactSet(resources: AzureFacts.resources(from: inventory))
        AzureKeyAnalysis().derive(&facts, settings: AnalysisSettings())
        let key = try #require(facts.resources.first { $0.type == .key })
        #expect(key["state"] == .string("SoftDeleted"))
        #expect(key["rotation.applicable"] == .bool(false))
        #expect(key["rotation.reason"]?.displayText.contains("soft-deleted") == true)
        #expect(key["not_before"] == .string("2026-01-01T00:00:00Z"))
        #expect(key["deletion.scheduled_for"]?.isKnown == true)
    }

    @Test func nullsAndOddDurationsNeverCrash() {
        #expect(ISO8601Duration.days("P90D") == 90)
        #expect(ISO8601Duration.days("P1Y6M") == 545)
        #expect(ISO8601Duration.days("PT36H") == 1)
        #expect(ISO8601Duration.days("P") == nil)
        #expect(ISO8601Duration.days("90") == nil)
        #expect(ISO8601Duration.days("P1e400D") == nil)
        var inventory = AzureInventory()
        inventory.keys = [.init(.object(["id": .null, "properties": .null, "attributes": .null]), evidence: "ev")]
        inventory.vaults = [.init(.object(["id": .string("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v"),
                                           "name": .string("v"), "properties": .null]), evidence: "ev")]
        _ = AzureFacts.resources(from: inventory)
    }
}
