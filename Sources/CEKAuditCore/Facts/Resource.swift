import Foundation

/// The kinds of normalized resource the rules range over (DESIGN.md, "Evidence model").
/// Values are the identifiers used in `Controls/*.yaml` (`subject:`).
public enum ResourceType: String, Sendable, Codable, CaseIterable, Comparable {
    case target
    case key
    case keyPolicy = "key_policy"
    case grant
    case alias
    case auditTrail = "audit_trail"
    case logSource = "log_source"
    case keyUsage = "key_usage"
    case capability
    case attestation
    case waiver
    case keyStore = "key_store"
    case dataStore = "data_store"
    case orgPolicy = "org_policy"

    public static func < (a: ResourceType, b: ResourceType) -> Bool { a.rawValue < b.rawValue }
}

/// Where a fact came from: an evidence item and a place inside it.
public struct Provenance: Sendable, Hashable, Codable {
    /// The ``EvidenceItem/id`` the fact was read from.
    public var evidence: String
    /// A path inside the item, e.g. `Resources.AppKey.Properties.KeyPolicy` or `resource_changes[3]`.
    public var pointer: String?
    /// 1-based line in the item, where the format has lines.
    public var line: Int?

    public init(evidence: String, pointer: String? = nil, line: Int? = nil) {
        self.evidence = evidence
        self.pointer = pointer
        self.line = line
    }
}

/// One normalized resource: a KMS key, a key policy, a data store … with flat, dotted fact fields
/// (`rotation.enabled`, `policy.cross_tenant`) and provenance back to evidence.
///
/// A field that is absent from ``fields`` reads as unknown ("not supplied by any source").
public struct Resource: Sendable, Hashable, Codable {
    public var type: ResourceType
    /// Stable identifier, unique per type within an assessment (an ARN, or `file#LogicalId` for templates).
    public var id: String
    /// Human label for messages (alias, logical id, key id).
    public var name: String
    public var fields: [String: FactValue]
    public var provenance: [Provenance]
    /// Raw structured observations that analyses read but checks do not: a key policy's document as read, the ACL
    /// policies of an OpenBao namespace. Kept in the evidence bundle so `evaluate` can re-derive; left out of
    /// reports (the evidence items hold the same bytes). `nil` when the collector observed nothing of the kind.
    public var observed: [String: JSONValue]?

    public init(type: ResourceType, id: String, name: String? = nil, fields: [String: FactValue] = [:],
                provenance: [Provenance] = [], observed: [String: JSONValue]? = nil) {
        self.type = type
        self.id = id
        self.name = name ?? id
        self.fields = fields
        self.provenance = provenance
        self.observed = observed
    }

    /// The value of a dotted field, `.unknown` when no source supplied it. The pseudo-fields `id` and `name`
    /// read the resource's identity.
    public func value(_ field: String) -> FactValue {
        if let v = fields[field] { return v }
        switch field {
        case "id": return .string(id)
        case "name": return .string(name)
        case "type": return .string(type.rawValue)
        default: return .unknown(reason: "no source supplied \(field)")
        }
    }

    /// Sets a field.
    public subscript(field: String) -> FactValue? {
        get { fields[field] }
        set { fields[field] = newValue }
    }
}
