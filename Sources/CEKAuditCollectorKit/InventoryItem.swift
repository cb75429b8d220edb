import CEKAuditCore
import Foundation

/// One resource as a provider's API returned it (live, or saved in an export) and where it was read: the unit the
/// provider inventories (`GCPInventory`, `AzureInventory`) hold before their mapping turns them into facts.
public struct InventoryItem: Sendable {
    /// The resource's JSON, in the API's shape.
    public var value: JSONValue
    /// The ``EvidenceItem/id`` of the answer or file that holds it.
    public var evidence: String
    /// Where in that item (`[3]`, `data[0]`, `line 4 resource.data`), if anywhere.
    public var pointer: String?
    /// 1-based line, for JSON-lines files.
    public var line: Int?

    public init(_ value: JSONValue, evidence: String, pointer: String? = nil, line: Int? = nil) {
        self.value = value
        self.evidence = evidence
        self.pointer = pointer
        self.line = line
    }

    /// The provenance of facts read from it.
    public var provenance: Provenance { Provenance(evidence: evidence, pointer: pointer, line: line) }
}

/// A call to a provider's API that failed: the facts it should have supplied stay unknown with `reason`.
public struct CallFailure: Sendable, Hashable {
    /// What the call was about: the resource name or id it concerned.
    public var scope: String
    /// Which answer is missing, named by the provider family (`cryptoKeys.getIamPolicy`, `diagnosticSettings.list` …).
    public var call: String
    /// A sentence for the report, credentials already scrubbed.
    public var reason: String

    public init(scope: String, call: String, reason: String) {
        self.scope = scope
        self.call = call
        self.reason = reason
    }
}
