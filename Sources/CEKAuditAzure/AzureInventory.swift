import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What Azure answered — live from Azure Resource Manager, or as an export (`az … --output json`), an Azure Resource
/// Graph result or a template holds it — in the management-plane (ARM) shapes, before ``AzureFacts`` maps it to
/// facts. The live collector and the file collectors fill the same structure, so the same vault read either way
/// gives the same facts. Only the management plane is read: it answers for vaults with private endpoints too.
///
/// Shapes (each `value` is the resource's JSON as ARM returns it, `id`, `name`, `type`, `location`, `properties`):
/// - `vaults`: `Microsoft.KeyVault/vaults` (`properties.tenantId`, `sku.name`, `enableSoftDelete`,
///   `softDeleteRetentionInDays`, `enablePurgeProtection`, `enableRbacAuthorization`, `accessPolicies`);
/// - `managedHSMs`: `Microsoft.KeyVault/managedHSMs` (`properties.tenantId`, `softDeleteRetentionInDays`,
///   `enablePurgeProtection`);
/// - `keys`: `Microsoft.KeyVault/vaults/keys` and `managedHSMs/keys` (`properties.kty`, `attributes` — `enabled`,
///   `nbf`, `exp`, `created`, `exportable`, `recoveryLevel` —, `rotationPolicy`, `release_policy`, `keyUri`), or the
///   data-plane shape `az keyvault key show|list` prints (`key.kid`, `key.kty`, `attributes`, `releasePolicy`);
/// - `rotationPolicies`: `az keyvault key rotation-policy show` (`id`, `lifetimeActions`, `expiresIn` or
///   `attributes.expiryTime`), by the versionless key URI;
/// - `diagnosticSettings`: `Microsoft.Insights/diagnosticSettings` by the (lower-cased) id of the resource they
///   belong to; `diagnosticListings`: the resource ids whose settings were listed completely (an empty listing is
///   evidence of no setting);
/// - `roleAssignments`: `Microsoft.Authorization/roleAssignments` (`properties.roleDefinitionId`, `principalId`,
///   `principalType`, `scope`) or the `az role assignment list` shape (`roleDefinitionName`, `principalName`);
/// - `dataStores`: resources that may name a key, by ARM type (``AzureFacts/dataStoreKinds``).
public struct AzureInventory: Sendable {
    /// One resource and where it was read.
    public typealias Item = InventoryItem

    /// A call that failed: the facts it should have supplied stay unknown with `reason`. `scope` is the ARM id of
    /// the resource the call was about (a vault, a key, a subscription); calls are named `vaults.list`, `keys.list`,
    /// `diagnosticSettings.list`, `roleAssignments.list`, `rotationPolicy.get` …
    public typealias Failure = CallFailure

    public var vaults: [Item] = []
    public var managedHSMs: [Item] = []
    public var keys: [Item] = []
    /// Rotation policies by versionless key URI (lower-cased host).
    public var rotationPolicies: [String: Item] = [:]
    /// Diagnostic settings by the lower-cased ARM id of their resource.
    public var diagnosticSettings: [String: [Item]] = [:]
    /// Lower-cased ARM ids of resources whose diagnostic settings were listed completely.
    public var diagnosticListings: Set<String> = []
    public var roleAssignments: [Item] = []
    /// Lower-cased subscription scopes (`/subscriptions/s`) whose role assignments were read: a vault whose
    /// subscription is not among them has no evidence of who holds roles on it, so its access is unknown rather than
    /// "nobody else".
    public var roleAssignmentScopes: Set<String> = []
    public var dataStores: [Item] = []
    public var failures: [Failure] = []
    /// `observed` (live API, exports, Resource Graph) or `declared` (templates).
    public var evidenceKind = "observed"
    /// Whether the vault and HSM listing is complete for its subscriptions (a live listing or a Resource Graph
    /// result), so that a vault without diagnostic settings is evidence of none.
    public var completeListing = false

    public init() {}

    /// Adds another inventory's contents.
    public mutating func merge(_ other: AzureInventory) {
        vaults += other.vaults
        managedHSMs += other.managedHSMs
        keys += other.keys
        rotationPolicies.merge(other.rotationPolicies) { a, _ in a }
        diagnosticSettings.merge(other.diagnosticSettings) { $0 + $1 }
        diagnosticListings.formUnion(other.diagnosticListings)
        roleAssignments += other.roleAssignments
        roleAssignmentScopes.formUnion(other.roleAssignmentScopes)
        dataStores += other.dataStores
        failures += other.failures
        completeListing = completeListing || other.completeListing
    }
}
