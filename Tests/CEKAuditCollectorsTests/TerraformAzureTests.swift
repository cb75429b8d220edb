import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditInfraCode
import CEKAuditKit
import Foundation
import Testing

/// The azurerm provider's resources in a Terraform plan (`Fixtures/tf-azure/plan.json`): three vaults whose
/// diagnostic settings route AuditEvent (category group `audit`), route only another category, or are not declared;
/// a premium vault with purge protection and an RSA-HSM key with a 90-day rotation policy; an access policy of
/// another Entra tenant; data stores with and without a customer-managed key.
struct TerraformAzureTests {
    static let locator = "plan.json"
    static let cmk = "https://kv-premium.vault.azure.net/keys/cmk"

    static func observe(_ data: Data? = nil, account: String? = nil) throws -> FactSet {
        let bytes = try data ?? Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tf-azure/plan.json")))
        let doc = try ParsedDocument(data: bytes, locator: locator)
        return TerraformCollector(document: .plan).collect(doc, input: SourceInput(locator: locator, data: bytes, account: account),
                                                           context: CollectionContext(now: Fixtures.now))
    }

    static func resource(_ facts: FactSet, _ type: ResourceType, _ id: String) throws -> Resource {
        try #require(facts.resources.first { $0.type == type && $0.id == id })
    }

    static func vaultID(_ name: String) -> String { "\(locator)#azurerm_key_vault.\(name)" }

    @Test func diagnosticSettingsGiveLoggingTrueFalseOrUnknown() throws {
        let facts = try Self.observe()
        let audited = try Self.resource(facts, .auditTrail, Self.vaultID("audited") + "#diagnostics")
        #expect(audited.value("kind") == .string("azure-keyvault-diagnostics"))
        #expect(audited.value("evidence_kind") == .string("declared"))
        #expect(audited.value("logging") == .bool(true), "category_group audit to a storage account known after apply")
        #expect(audited.value("kms_events_included") == .bool(true))
        #expect(audited.value("destinations") == .strings(["storageAccountId"]))
        let metrics = try Self.resource(facts, .auditTrail, Self.vaultID("metrics") + "#diagnostics")
        #expect(metrics.value("logging") == .bool(false), "a setting that routes only another category")
        #expect(metrics.value("destinations") == .strings(["workspaceId"]))
        let premium = try Self.resource(facts, .auditTrail, Self.vaultID("premium") + "#diagnostics")
        #expect(!premium.value("logging").isKnown, "no setting declared: unknown, never false")
        #expect(premium.value("logging").unknownReason?.contains("not a listing") == true)
    }

    @Test func thePremiumVaultsHSMKeyRotatesEvery90DaysAndWaits90DaysBeforePurge() throws {
        let facts = try Self.observe()
        let store = try Self.resource(facts, .keyStore, Self.vaultID("premium"))
        #expect(store.value("kind") == .string("azure-key-vault"))
        #expect(store.value("sku") == .string("premium"))
        #expect(store.value("entra_tenant") == .string("f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f"))
        let key = try Self.resource(facts, .key, Self.cmk)
        #expect(key.value("service") == .string("azure-keyvault"))
        #expect(key.value("evidence_kind") == .string("declared"))
        #expect(key.value("vault") == .string("kv-premium"))
        #expect(key.value("key_type") == .string("RSA-HSM"))
        #expect(key.value("rotation.enabled") == .bool(true))
        #expect(key.value("rotation.period_days") == .number(90))
        #expect(key.value("rotation.expiry_days") == .number(365))
        #expect(key.value("deletion.purge_protection") == .bool(true))
        #expect(key.value("deletion.window_days") == .int(90))
        #expect(key.value("deletion.retention_days") == .int(90))
        #expect(key.value("expires") == .null)
        #expect(!key.value("account").isKnown || key.fields["account"] == nil)
    }

    @Test func anAccessPolicyOfAnotherTenantIsCrossTenantAfterTheNormalizeStage() throws {
        let facts = try Self.observe()
        let access = try Self.resource(facts, .keyPolicy, Self.vaultID("audited") + "#access")
        #expect(access.value("service") == .string("azure-keyvault"))
        let policies = access.observed?["access_policies"]?.asList ?? []
        #expect(policies.count == 1)
        #expect(policies.first?["tenantId"] == .string("0badc0de-1111-2222-3333-444455556666"))
        #expect(policies.first?["permissions"]?["keys"] == .array([.string("get"), .string("wrapKey"), .string("unwrapKey")]))
        let normalized = NormalizeStage.run(facts, settings: AnalysisSettings())
        let judged = try Self.resource(normalized, .keyPolicy, Self.vaultID("audited") + "#access")
        #expect(judged.value("cross_tenant") == .bool(true))
        let premium = try Self.resource(normalized, .keyPolicy, Self.vaultID("premium") + "#access")
        #expect(premium.value("cross_tenant") == .bool(false))
        // The separate access policy and the role assignment scoped to the premium vault.
        #expect(premium.observed?["access_policies"]?.asList.count == 1)
        let roles = premium.observed?["role_assignments"]?.asList ?? []
        #expect(roles.first?["properties"]?["roleDefinitionName"] == .string("Key Vault Crypto Service Encryption User"))
        #expect(roles.first?["properties"]?["principalType"] == .string("ServicePrincipal"))
        let key = try Self.resource(normalized, .key, Self.cmk)
        #expect(key.value("custody") == .string(Custody.customerGenerated.rawValue))
        #expect(key.value("rotation.applicable") == .bool(true))
    }

    @Test func dataStoresNameTheirKeyByVersionlessURI() throws {
        let facts = try Self.observe()
        func store(_ address: String) throws -> Resource { try Self.resource(facts, .dataStore, "\(Self.locator)#\(address)") }
        let data = try store("azurerm_storage_account.data")
        #expect(data.value("kind") == .string("azure-storage-account"))
        #expect(data.value("key_ref") == .string(Self.cmk), "a reference to the key's versionless_id")
        #expect(data.value("key") == .string(Self.cmk))
        let cosmos = try store("azurerm_cosmosdb_account.db")
        #expect(cosmos.value("kind") == .string("azure-cosmosdb-account"))
        #expect(cosmos.value("key_ref") == .string(Self.cmk), "a versioned URI with an upper-case host, read versionless")
        let logs = try store("azurerm_storage_account.logs")
        #expect(logs.value("key_ref") == .null)
        #expect(logs.value("key_custody") == .string(Custody.providerOwned.rawValue))
        #expect(try store("azurerm_kubernetes_cluster.aks").value("key_manager") == .string("microsoft"))
        #expect(try store("azurerm_mssql_server_transparent_data_encryption.tde").value("kind") == .string("azure-sql-tde-protector"))
        let ml = try store("azurerm_machine_learning_workspace.ml")
        #expect(!ml.value("key_ref").isKnown, "a key of a data source known only after apply stays unknown")
        #expect(ml.value("key_ref").unknownReason?.contains("after apply") == true)
        // After the normalize stage the linked store takes the key's custody.
        let normalized = NormalizeStage.run(facts, settings: AnalysisSettings())
        let linked = try Self.resource(normalized, .dataStore, "\(Self.locator)#azurerm_storage_account.data")
        #expect(linked.value("key_custody") == .string(Custody.customerGenerated.rawValue))
        #expect(facts.coverage.first?.status == .partial)
    }

    @Test func theSourcesAccountIsTheSubscriptionWhenIdsAreKnownOnlyAfterApply() throws {
        let facts = try Self.observe(account: "8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b")
        let key = try Self.resource(facts, .key, Self.cmk)
        #expect(key.value("account") == .string("8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b"))
        let trail = try Self.resource(facts, .auditTrail, Self.vaultID("metrics") + "#diagnostics")
        #expect(trail.value("account") == .string("8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b"))
    }

    @Test func aStateWithArmIdsUsesThemAndNullsNeverCrash() throws {
        let vaultID = "/subscriptions/8F3C2A1E-4B5D-4E6F-9A7B-1C2D3E4F5A6B/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-state"
        let state: [String: Any] = [
            "format_version": "1.0", "terraform_version": "1.9.8",
            "values": ["root_module": ["resources": [
                ["address": "azurerm_key_vault.s", "mode": "managed", "type": "azurerm_key_vault", "name": "s",
                 "values": ["id": vaultID, "name": "kv-state", "tenant_id": NSNull(), "sku_name": NSNull(), "access_policy": NSNull(),
                            "purge_protection_enabled": NSNull(), "soft_delete_retention_days": NSNull(), "vault_uri": "https://kv-state.vault.azure.net/"]],
                ["address": "azurerm_key_vault_key.k", "mode": "managed", "type": "azurerm_key_vault_key", "name": "k",
                 "values": ["id": "https://kv-state.vault.azure.net/keys/k/abc", "versionless_id": "https://kv-state.vault.azure.net/keys/k",
                            "key_vault_id": vaultID, "name": "k", "key_type": "EC", "rotation_policy": [], "expiration_date": "2027-01-01T00:00:00Z"]],
                ["address": "azurerm_monitor_diagnostic_setting.d", "mode": "managed", "type": "azurerm_monitor_diagnostic_setting", "name": "d",
                 "values": ["target_resource_id": vaultID.lowercased(), "enabled_log": [["category": "AuditEvent"]], "log_analytics_workspace_id": "/subscriptions/x/w",
                            "storage_account_id": NSNull()]],
                ["address": "azurerm_role_assignment.r", "mode": "managed", "type": "azurerm_role_assignment", "name": "r",
                 "values": ["scope": "/subscriptions/8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b", "role_definition_name": "Key Vault Administrator",
                            "principal_id": "u1", "principal_type": "User"]],
                ["address": "azurerm_cosmosdb_account.n", "mode": "managed", "type": "azurerm_cosmosdb_account", "name": "n", "values": NSNull()],
                ["address": "azurerm_key_vault_key.orphan", "mode": "managed", "type": "azurerm_key_vault_key", "name": "orphan", "values": ["name": NSNull()]],
            ]]],
        ]
        let facts = try Self.observe(try JSONSerialization.data(withJSONObject: state))
        let id = vaultID.lowercased()
        let store = try Self.resource(facts, .keyStore, id)
        #expect(store.value("entra_tenant") == .null)
        let key = try Self.resource(facts, .key, "https://kv-state.vault.azure.net/keys/k")
        #expect(key.value("account") == .string("8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b"))
        #expect(key.value("rotation.enabled") == .bool(false))
        #expect(key.value("deletion.window_days") == .int(0), "no purge protection: a deleted key can be purged at once")
        #expect(key.value("expires") == .string("2027-01-01T00:00:00Z"))
        #expect(try Self.resource(facts, .auditTrail, id + "#diagnostics").value("logging") == .bool(true))
        let access = try Self.resource(facts, .keyPolicy, id + "#access")
        #expect(access.observed?["role_assignments"]?.asList.count == 1, "a subscription-wide assignment reaches the vault")
        let normalized = NormalizeStage.run(facts, settings: AnalysisSettings())
        #expect(try Self.resource(normalized, .keyPolicy, id + "#access").value("admin_users") == .strings(["u1"]))
    }
}
