import CEKAuditCore
import Foundation

/// Runs `fake_azure.py` (beside this file) — scripted Azure Resource Manager and Microsoft Entra ID token endpoints on
/// 127.0.0.1 — and reads its request log (``LoopbackScriptServer``).
public final class FakeAzureServer: @unchecked Sendable {
    let server: LoopbackScriptServer
    public var port: Int { server.port }
    public var endpoint: String { server.endpoint }

    /// Starts a server answering `config` (`{"routes": [...], "token": {...}}`, see fake_azure.py).
    public init(config: [String: Any], maxSeconds: Int = 300) throws {
        server = try LoopbackScriptServer(script: "fake_azure.py", config: config, maxSeconds: maxSeconds)
    }

    /// Every request the server saw, in order: `method`, `path`, `query`, `auth` (`ok` / `wrong` / `missing`), `status`,
    /// `time`; token requests carry `grant`, `check` and `ok`.
    public func requests() -> [JSONValue] { server.requests() }

    /// Requests to one path (percent-decoded, compared case-insensitively), in order.
    public func requests(path: String) -> [JSONValue] { requests().filter { $0["path"]?.stringValue?.lowercased() == path.lowercased() } }

    public func stop() { server.stop() }
}

/// The scenario the azure-keyvault tests share: subscription ``subscription`` in tenant ``tenant``, resource group
/// `rg-keys` with four vaults over two pages of the vault listing and one Managed HSM pool:
/// - `kv-audit`: a diagnostic setting routing the `audit` category group to a storage account; its key listing is
///   throttled once (429, `Retry-After: 1`) and then spans two pages (a key with a 90-day rotation policy, one without);
/// - `kv-disabled`: `AuditEvent` with `enabled: false` to a workspace; its key listing always fails (500);
/// - `kv-none`: no diagnostic setting; its key listing is cut short;
/// - `kv-denied`: its diagnostic settings are denied (403, the token reflected raw); its key's tags reflect the token
///   JSON-escaped;
/// - `hsm-1`: `allLogs` to a workspace; its key listing answers too late.
/// Role assignments at the vault and subscription scopes (one reflects the token percent-encoded); a storage account
/// with a customer-managed key in `kv-audit` and one with Microsoft-managed keys; Cognitive Services not registered;
/// the other data-store types empty. A client-credentials grant at the tenant's token endpoint issues ``accessToken``.
public enum FakeAzureScenario {
    public static let subscription = "00000000-0000-0000-0000-000000000001"
    public static let tenant = "11111111-2222-3333-4444-555555555555"
    public static let clientId = "22222222-3333-4444-5555-666666666666"
    public static let clientSecret = "plantedAzureClientSecret~EXAMPLE.doNotLeak_01"
    public static let accessToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.PlantedAzureToken-EXAMPLE_doNotLeak/x+y=="
    public static let group = "/subscriptions/\(subscription)/resourceGroups/rg-keys"
    /// Seconds the slow answer waits (longer than the test target's timeout).
    public static let slowSeconds = 6.0

    public static func vaultID(_ name: String, hsm: Bool = false) -> String {
        "\(group)/providers/Microsoft.KeyVault/\(hsm ? "managedHSMs" : "vaults")/\(name)"
    }

    public static func route(_ path: String, apiVersion: String, query: [String: Any] = [:], _ responses: [[String: Any]]) -> [String: Any] {
        var q = query
        q["api-version"] = apiVersion
        return ["method": "GET", "path": path, "query": q, "responses": responses]
    }

    public static func ok(_ json: [String: Any]) -> [String: Any] { ["status": 200, "json": json] }

    /// ARM's error shape.
    public static func error(_ status: Int, _ code: String, _ message: String) -> [String: Any] {
        ["status": status, "json": ["error": ["code": code, "message": message]]]
    }

    static func vault(_ name: String, hsm: Bool = false) -> [String: Any] {
        var p: [String: Any] = ["tenantId": tenant, "softDeleteRetentionInDays": 90, "enablePurgeProtection": true, "provisioningState": "Succeeded"]
        if hsm {
            p["hsmUri"] = "https://\(name).managedhsm.azure.net/"
        } else {
            p["sku"] = ["family": "A", "name": "premium"]
            p["enableSoftDelete"] = true
            p["enableRbacAuthorization"] = true
            p["accessPolicies"] = [Any]()
            p["vaultUri"] = "https://\(name).vault.azure.net/"
        }
        return ["id": vaultID(name, hsm: hsm), "name": name, "type": hsm ? "Microsoft.KeyVault/managedHSMs" : "Microsoft.KeyVault/vaults",
                "location": "westeurope", "tags": [String: Any](), "properties": p]
    }

    static func key(_ vault: String, _ name: String, hsm: Bool = false, rotation: Bool = false, tags: [String: Any] = [:]) -> [String: Any] {
        let host = hsm ? "\(vault).managedhsm.azure.net" : "\(vault).vault.azure.net"
        var p: [String: Any] = [
            "attributes": ["enabled": true, "created": 1_767_225_600, "updated": 1_767_225_600, "recoveryLevel": "Recoverable", "exportable": false],
            "kty": hsm ? "RSA-HSM" : "RSA", "keySize": 3072, "keyOps": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
            "keyUri": "https://\(host)/keys/\(name)", "keyUriWithVersion": "https://\(host)/keys/\(name)/0123456789abcdef0123456789abcdef",
        ]
        if rotation {
            p["rotationPolicy"] = ["attributes": ["expiryTime": "P1Y"],
                                   "lifetimeActions": [["trigger": ["timeAfterCreate": "P90D"], "action": ["type": "rotate"]],
                                                       ["trigger": ["timeBeforeExpiry": "P30D"], "action": ["type": "notify"]]]]
        }
        return ["id": "\(vaultID(vault, hsm: hsm))/keys/\(name)", "name": name,
                "type": hsm ? "Microsoft.KeyVault/managedHSMs/keys" : "Microsoft.KeyVault/vaults/keys", "tags": tags, "properties": p]
    }

    static func setting(_ vault: String, _ name: String, hsm: Bool = false, _ properties: [String: Any]) -> [String: Any] {
        ["id": "\(vaultID(vault, hsm: hsm))/providers/microsoft.insights/diagnosticSettings/\(name)", "name": name,
         "type": "Microsoft.Insights/diagnosticSettings", "properties": properties]
    }

    static func assignment(_ id: String, scope: String, role: String, principal: String, description: String? = nil) -> [String: Any] {
        var p: [String: Any] = ["roleDefinitionId": "/subscriptions/\(subscription)/providers/Microsoft.Authorization/roleDefinitions/\(role)",
                                "principalId": principal, "principalType": "User", "scope": scope]
        if let description { p["description"] = description }
        return ["id": "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(id)", "name": id,
                "type": "Microsoft.Authorization/roleAssignments", "properties": p]
    }

    /// The server configuration.
    public static func config() -> [String: Any] {
        let s = "/subscriptions/\(subscription)"
        let kv = "2023-07-01", ds = "2021-05-01-preview"
        let workspace = "/subscriptions/\(subscription)/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-1"
        let storage = "/subscriptions/\(subscription)/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stlogs"
        func diag(_ vault: String, hsm: Bool = false) -> String { "\(vaultID(vault, hsm: hsm))/providers/Microsoft.Insights/diagnosticSettings" }
        func keys(_ vault: String, hsm: Bool = false) -> String { "\(vaultID(vault, hsm: hsm))/keys" }
        var routes: [[String: Any]] = [
            // Two pages of vaults (nextLink carries a skip token).
            route("\(s)/providers/Microsoft.KeyVault/vaults", apiVersion: kv, query: ["$skiptoken": NSNull()],
                  [ok(["value": [vault("kv-audit"), vault("kv-disabled")],
                       "nextLink": "{{BASE}}\(s)/providers/Microsoft.KeyVault/vaults?api-version=\(kv)&$skiptoken=page-2"])]),
            route("\(s)/providers/Microsoft.KeyVault/vaults", apiVersion: kv, query: ["$skiptoken": "page-2"],
                  [ok(["value": [vault("kv-none"), vault("kv-denied")]])]),
            route("\(s)/providers/Microsoft.KeyVault/managedHSMs", apiVersion: kv, [ok(["value": [vault("hsm-1", hsm: true)]])]),
            // Keys: throttled once then two pages; always 500; cut short; reflecting; too late.
            route(keys("kv-audit"), apiVersion: kv, query: ["$skiptoken": NSNull()], [
                error(429, "TooManyRequests", "Rate limit exceeded").merging(["headers": ["Retry-After": "1"]]) { a, _ in a },
                ok(["value": [key("kv-audit", "key-rotated", rotation: true)],
                    "nextLink": "{{BASE}}\(keys("kv-audit"))?api-version=\(kv)&$skiptoken=keys-2"])]),
            route(keys("kv-audit"), apiVersion: kv, query: ["$skiptoken": "keys-2"], [ok(["value": [key("kv-audit", "key-plain")]])]),
            route(keys("kv-disabled"), apiVersion: kv, [error(500, "InternalServerError", "Encountered internal server error.")]),
            route(keys("kv-none"), apiVersion: kv, [["status": 200, "json": ["value": [key("kv-none", "key-cut")]], "truncate": 25]]),
            route(keys("kv-denied"), apiVersion: kv, [["status": 200, "reflect": true,
                                                       "json": ["value": [key("kv-denied", "key-tagged", tags: ["note": "{{TOKEN_JSON}}"])]]]]),
            route(keys("hsm-1", hsm: true), apiVersion: kv, [["status": 200, "delay": slowSeconds, "json": ["value": [key("hsm-1", "key-late", hsm: true)]]]]),
            // Diagnostic settings: audit group → storage; AuditEvent disabled; none; denied; allLogs → workspace.
            route(diag("kv-audit"), apiVersion: ds, [ok(["value": [setting("kv-audit", "to-storage", [
                "storageAccountId": storage, "logs": [["categoryGroup": "audit", "enabled": true]], "metrics": [[String: Any]]()])]])]),
            route(diag("kv-disabled"), apiVersion: ds, [ok(["value": [setting("kv-disabled", "to-workspace", [
                "workspaceId": workspace, "logs": [["category": "AuditEvent", "enabled": false], ["category": "AzurePolicyEvaluationDetails", "enabled": true]]])]])]),
            route(diag("kv-none"), apiVersion: ds, [ok(["value": [[String: Any]]()])]),
            route(diag("kv-denied"), apiVersion: ds, [["status": 403, "reflect": true, "json": ["error": [
                "code": "AuthorizationFailed",
                "message": "The client does not have authorization to perform action 'Microsoft.Insights/diagnosticSettings/read'; request token {{TOKEN}}"]]]]),
            route(diag("hsm-1", hsm: true), apiVersion: ds, [ok(["value": [setting("hsm-1", "all-logs", hsm: true, [
                "workspaceId": workspace, "logs": [["categoryGroup": "allLogs", "enabled": true]]])]])]),
            // Role assignments (the percent-encoded reflection in a description).
            route("\(s)/providers/Microsoft.Authorization/roleAssignments", apiVersion: "2022-04-01", [["status": 200, "reflect": true, "json": ["value": [
                assignment("aaaaaaaa-0000-0000-0000-000000000001", scope: vaultID("kv-audit"), role: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
                           principal: "33333333-0000-0000-0000-000000000001"),
                assignment("aaaaaaaa-0000-0000-0000-000000000002", scope: s, role: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                           principal: "33333333-0000-0000-0000-000000000002", description: "ticket {{TOKEN_PCT}}"),
            ]]]]),
            // Data stores.
            route("\(s)/providers/Microsoft.Storage/storageAccounts", apiVersion: "2023-05-01", [ok(["value": [
                ["id": "/subscriptions/\(subscription)/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stdata", "name": "stdata",
                 "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
                 "properties": ["encryption": ["keySource": "Microsoft.Keyvault",
                                               "keyvaultproperties": ["keyvaulturi": "https://kv-audit.vault.azure.net/", "keyname": "key-rotated"]]]],
                ["id": "/subscriptions/\(subscription)/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stplain", "name": "stplain",
                 "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
                 "properties": ["encryption": ["keySource": "Microsoft.Storage"]]],
            ]])]),
            route("\(s)/providers/Microsoft.CognitiveServices/accounts", apiVersion: "2024-10-01", [error(409, "MissingSubscriptionRegistration",
                "The subscription is not registered to use namespace 'Microsoft.CognitiveServices'.")]),
        ]
        for (type, version) in [("Microsoft.MachineLearningServices/workspaces", "2024-10-01"), ("Microsoft.DocumentDB/databaseAccounts", "2024-11-15"),
                                ("Microsoft.Compute/diskEncryptionSets", "2024-03-02"), ("Microsoft.ContainerService/managedClusters", "2024-09-01")] {
            routes.append(route("\(s)/providers/\(type)", apiVersion: version, [ok(["value": [[String: Any]]()])]))
        }
        return ["routes": routes, "token": ["access_token": accessToken, "tenant": tenant, "client_id": clientId, "client_secret": clientSecret]]
    }

    /// An `azure-keyvault` target entry (flow YAML) pointing ARM and the authority at `server`, with the client secret
    /// in the environment variable `secretVariable`.
    public static func targetYAML(name: String, server: String, secretVariable: String, extra: String = "") -> String {
        "{kind: azure-keyvault, name: \(name), subscriptions: [\(subscription)], tenant_id: \(tenant), client_id: \(clientId), "
            + "client_secret_env: \(secretVariable), arm_endpoint: \"\(server)\", authority: \"\(server)\", timeout_seconds: 2, max_attempts: 2, "
            + "backoff_base_ms: 10, backoff_max_ms: 3000\(extra.isEmpty ? "" : ", " + extra)}"
    }
}
