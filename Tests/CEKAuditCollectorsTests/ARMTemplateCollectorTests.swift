import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditInfraCode
import CEKAuditKit
import Foundation
import Testing

/// An ARM template as `az bicep build` writes it (`Fixtures/arm/main.json`): a premium vault with purge protection,
/// an RSA-HSM key rotated every 90 days, a diagnostic setting routing the `audit` group, a Key Vault Administrator
/// assignment to a user, a vault whose name is a parameter, and data stores; template expressions stay unknown with
/// the expression as the reason.
struct ARMTemplateCollectorTests {
    static let locator = "main.json"
    static let vault = "main.json#Microsoft.KeyVault/vaults/kv-arm"
    static let cmk = "https://kv-arm.vault.azure.net/keys/cmk"

    static func observe(_ data: Data? = nil) throws -> FactSet {
        let bytes = try data ?? Data(contentsOf: URL(fileURLWithPath: Fixtures.path("arm/main.json")))
        let doc = try ParsedDocument(data: bytes, locator: locator)
        return ARMTemplateCollector().collect(doc, input: SourceInput(locator: locator, data: bytes), context: CollectionContext(now: Fixtures.now))
    }

    static func resource(_ facts: FactSet, _ type: ResourceType, _ id: String) throws -> Resource {
        try #require(facts.resources.first { $0.type == type && $0.id == id })
    }

    @Test func recognisedByContent() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("arm/main.json")))
        #expect(try Fixtures.recognizedKind("template.txt.json", data: data) == "arm-template")
        #expect(!ARMTemplateCollector.recognizes(.object(["resources": .array([])])))
    }

    @Test func theVaultItsKeyAndItsDiagnosticSetting() throws {
        let facts = try Self.observe()
        let store = try Self.resource(facts, .keyStore, Self.vault)
        #expect(store.value("sku") == .string("premium"))
        #expect(store.value("entra_tenant").unknownReason?.contains("[subscription().tenantId]") == true)
        let trail = try Self.resource(facts, .auditTrail, Self.vault + "#diagnostics")
        #expect(trail.value("logging") == .bool(true))
        #expect(trail.value("evidence_kind") == .string("declared"))
        #expect(trail.value("destinations") == .strings(["workspaceId"]))
        let key = try Self.resource(facts, .key, Self.cmk)
        #expect(key.value("key_type") == .string("RSA-HSM"))
        #expect(key.value("rotation.enabled") == .bool(true))
        #expect(key.value("rotation.period_days") == .number(90))
        #expect(key.value("rotation.expiry_days") == .number(365))
        #expect(key.value("deletion.purge_protection") == .bool(true))
        #expect(key.value("deletion.window_days") == .number(30))
    }

    @Test func aVaultNamedByAParameterStaysUnknownNeverAnError() throws {
        let facts = try Self.observe()
        let id = "main.json#Microsoft.KeyVault/vaults/[parameters('vaultName')]"
        let store = try Self.resource(facts, .keyStore, id)
        #expect(store.value("name").unknownReason?.contains("[parameters('vaultName')]") == true)
        let trail = try Self.resource(facts, .auditTrail, id + "#diagnostics")
        #expect(!trail.value("logging").isKnown, "no setting declared: unknown, never false")
        #expect(facts.diagnostics.filter { $0.severity == .error }.isEmpty)
        // Its access policy of another tenant is cross-tenant.
        let normalized = NormalizeStage.run(facts, settings: AnalysisSettings())
        #expect(try Self.resource(normalized, .keyPolicy, id + "#access").value("cross_tenant") == .bool(true))
    }

    @Test func roleAssignmentsAndDataStores() throws {
        let facts = try Self.observe()
        let normalized = NormalizeStage.run(facts, settings: AnalysisSettings())
        let access = try Self.resource(normalized, .keyPolicy, Self.vault + "#access")
        #expect(access.value("admin_users") == .strings(["[parameters('adminId')]"]), "a Key Vault Administrator assigned to a user")
        #expect(access.value("cross_tenant") == .unknown(reason: "the vault's Entra tenant is not known, so access policy tenants cannot be compared")
                || access.value("cross_tenant") == .bool(false))
        let data = try Self.resource(facts, .dataStore, "main.json#Microsoft.Storage/storageAccounts/stdataarm")
        #expect(data.value("key_ref").unknownReason?.contains("[reference(") == true)
        let logs = try Self.resource(facts, .dataStore, "main.json#Microsoft.Storage/storageAccounts/stlogsarm")
        #expect(logs.value("key_manager") == .string("microsoft"))
        let cosmos = try Self.resource(normalized, .dataStore, "main.json#Microsoft.DocumentDB/databaseAccounts/cosmos-arm")
        #expect(cosmos.value("key_ref") == .string(Self.cmk))
        #expect(cosmos.value("key_custody") == .string(Custody.customerGenerated.rawValue))
    }

    @Test func nullsAndOddTypesNeverCrash() throws {
        let text = """
        {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "resources": [null, 3, {"type": null}, {"type": "Microsoft.KeyVault/vaults", "name": "kv", "properties": null},
                       {"type": "Microsoft.KeyVault/vaults/keys", "name": "kv/k", "properties": {"attributes": {"exp": "x", "enabled": null}, "rotationPolicy": 7}},
                       {"type": "Microsoft.Insights/diagnosticSettings", "name": "d", "scope": "Microsoft.KeyVault/vaults/kv", "properties": {"logs": [null, {"category": "AuditEvent", "enabled": "[parameters('on')]"}], "workspaceId": "w"}},
                       {"type": "Microsoft.Storage/storageAccounts", "name": "s", "properties": {"encryption": {"keySource": 5}}}]}
        """
        let facts = try Self.observe(Data(text.utf8))
        let trail = try Self.resource(facts, .auditTrail, "main.json#Microsoft.KeyVault/vaults/kv#diagnostics")
        #expect(trail.value("logging").unknownReason?.contains("[parameters('on')]") == true)
        let key = try Self.resource(facts, .key, "https://kv.vault.azure.net/keys/k")
        #expect(key.value("deletion.window_days") == .int(0))
        #expect(key.value("enabled") == .bool(true))
    }
}
