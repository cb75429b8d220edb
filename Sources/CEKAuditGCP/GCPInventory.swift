import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What Google Cloud answered — live, or as an export or a Cloud Asset Inventory snapshot holds it — in the REST
/// shapes of the APIs, before it is mapped to facts by ``GCPFacts``. The live collector and the file collectors fill
/// the same structure, so a key exported with `gcloud kms keys list --format=json` and the same key read live give
/// the same facts.
///
/// Shapes (each `value` is the resource's JSON as the API returns it):
/// - `cryptoKeys`: Cloud KMS v1 `CryptoKey` (`name`, `purpose`, `primary`, `versionTemplate`, `rotationPeriod`,
///   `nextRotationTime`, `destroyScheduledDuration`, `importOnly`, `cryptoKeyBackend`,
///   `keyAccessJustificationsPolicy`, `createTime`, `labels`);
/// - `keyRings`: `KeyRing` (`name`, `createTime`); `importJobs`: `ImportJob`; `ekmConnections`: `EkmConnection`;
///   `keyHandles`: Autokey `KeyHandle` (`name`, `kmsKey`, `resourceTypeSelector`);
/// - `iamPolicies`: IAM `Policy` (`bindings` of `role`, `members`, `condition`; `auditConfigs`) by the resource name
///   it is attached to: a key, a key ring, or `projects/P` (the project's policy, for `auditConfigs`);
/// - `orgPolicies`: Organization Policy v2 `Policy` (`name` = `projects/P/policies/gcp.restrictNonCmekServices`,
///   `spec.rules[].values.deniedValues|allowedValues`, `enforce`, `allowAll`, `denyAll`);
/// - `ancestry`: project id → its ancestors, nearest first (`folders/123`, `organizations/456`), from Resource
///   Manager `getAncestry` or an asset's `ancestors`;
/// - `dataStores`: resources that may name a key, by Cloud Asset Inventory asset type
///   (`storage.googleapis.com/Bucket`, `aiplatform.googleapis.com/Endpoint` … see ``GCPFacts/dataStoreKinds``).
public struct GCPInventory: Sendable {
    /// One API resource and where it was read.
    public typealias Item = InventoryItem

    /// A resource of a known type, by asset type.
    public struct DataStoreItem: Sendable {
        /// Cloud Asset Inventory asset type (`bigquery.googleapis.com/Dataset`).
        public var assetType: String
        /// The resource as the service's REST API returns it (the asset's `resource.data`).
        public var item: Item
        /// The resource's name without the service prefix when known (`projects/p/datasets/d`).
        public var assetName: String?
        /// The asset's `ancestors` (`projects/NUMBER`, `folders/F`, `organizations/O`), nearest first, when known.
        public var ancestors: [String]

        public init(assetType: String, item: Item, assetName: String? = nil, ancestors: [String] = []) {
            self.assetType = assetType
            self.item = item
            self.assetName = assetName
            self.ancestors = ancestors
        }
    }

    /// A call that failed: the facts it should have supplied stay unknown with `reason`. Calls are named
    /// `cryptoKeys.getIamPolicy`, `keyRings.getIamPolicy`, `cryptoKeys.list`, `keyRings.list`, `locations.list`,
    /// `projects.getIamPolicy`, `projects.getAncestry`, `policies.getEffectivePolicy`, `importJobs.list`,
    /// `ekmConnections.list`, `keyHandles.list`, `assets.list`; `scope` is the key, key ring, location or project.
    public typealias Failure = CallFailure

    public var cryptoKeys: [Item] = []
    public var keyRings: [Item] = []
    public var importJobs: [Item] = []
    public var ekmConnections: [Item] = []
    public var keyHandles: [Item] = []
    /// IAM policies by the resource name they are attached to.
    public var iamPolicies: [String: Item] = [:]
    public var orgPolicies: [Item] = []
    public var ancestry: [String: [String]] = [:]
    /// Project id → project number, when an answer tied the two (Resource Manager `projects.get`, an asset's
    /// `ancestors`): Google service agents are named by project number.
    public var projectNumbers: [String: String] = [:]
    public var dataStores: [DataStoreItem] = []
    public var failures: [Failure] = []
    /// `observed` (live API, exports, asset snapshots): facts as the service reported them.
    public var evidenceKind = "observed"

    public init() {}

    /// Adds another inventory's contents (files of one source).
    public mutating func merge(_ other: GCPInventory) {
        cryptoKeys += other.cryptoKeys
        keyRings += other.keyRings
        importJobs += other.importJobs
        ekmConnections += other.ekmConnections
        keyHandles += other.keyHandles
        iamPolicies.merge(other.iamPolicies) { a, _ in a }
        orgPolicies += other.orgPolicies
        ancestry.merge(other.ancestry) { a, _ in a }
        projectNumbers.merge(other.projectNumbers) { a, _ in a }
        dataStores += other.dataStores
        failures += other.failures
    }

    /// Whether nothing was read.
    public var isEmpty: Bool {
        cryptoKeys.isEmpty && keyRings.isEmpty && importJobs.isEmpty && ekmConnections.isEmpty && keyHandles.isEmpty
            && iamPolicies.isEmpty && orgPolicies.isEmpty && dataStores.isEmpty && failures.isEmpty
    }
}
