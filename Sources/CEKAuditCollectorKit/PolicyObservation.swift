import CEKAuditCore
import Foundation

/// How a policy document's expressions read before deployment: plain IAM JSON has none; a CloudFormation template
/// has intrinsic functions (`Fn::Sub`, `Fn::If` …). A policy analysis asks the dialect its observation names
/// (``KeyPolicyObservation/formatKey``), so provider analyses never know infrastructure-code languages and the
/// other way round: both meet here, in the kit.
public protocol PolicyDialect: Sendable {
    /// The `format` a key-policy observation names (`iam`, `cloudformation`).
    var format: String { get }
    /// The string a value stands for, or `nil` when it depends on something only known at deployment.
    /// ``PolicyDialects/currentAccount`` stands for the account the document is deployed into.
    func resolve(_ value: JSONValue) -> String?
    /// The alternatives a value may take at deployment, each flagged when it depends on a condition; a value
    /// that is not conditional is its only alternative, unflagged. Alternatives that vanish are left out.
    func branches(_ value: JSONValue) -> [(value: JSONValue, conditional: Bool)]
}

/// The dialects every build knows.
public enum PolicyDialects {
    /// The marker a dialect resolves to where a document names the account it is deployed into
    /// (`AWS::AccountId` in CloudFormation), and the owner a template's key policy is observed with.
    public static let currentAccount = "self"

    /// Plain JSON: only literals resolve; nothing is conditional.
    public struct Plain: PolicyDialect {
        public init() {}
        public var format: String { "iam" }
        public func resolve(_ value: JSONValue) -> String? {
            switch value {
            case .string(let s): return s
            case .number: return value.compactText
            case .bool(let b): return b ? "true" : "false"
            default: return nil
            }
        }
        public func branches(_ value: JSONValue) -> [(value: JSONValue, conditional: Bool)] { [(value, false)] }
    }
}

/// The observation of a key policy as a collector records it, for the provider's policy analysis in the normalize
/// stage: the document as read (never analysed at collection), the owner account it is known to have, and the
/// dialect its expressions are written in. The analysis fills `public`, `cross_tenant`, `foreign_accounts`,
/// `customer_controls_lifecycle`, `admin_users`, `findings`, `unresolved`, `statements` and an inferred `account`.
public enum KeyPolicyObservation {
    /// `observed` member holding the document (a JSON value).
    public static let documentKey = "document"
    /// `observed` member holding the owner account id, ``PolicyDialects/currentAccount``, or null when not known.
    public static let ownerKey = "owner"
    /// `observed` member naming the document's dialect (``PolicyDialect/format``).
    public static let formatKey = "format"

    /// A `key_policy` resource holding its observation. `document` is `nil` when no policy was given, so the
    /// service's default key policy applies (`default: true`).
    /// - Parameters:
    ///   - id: resource id (`<key id>/policy`, or the file's locator for a standalone policy).
    ///   - keyID: resource id of the key it is attached to, `nil` for a standalone policy file.
    ///   - owner: the owner account id, ``PolicyDialects/currentAccount`` for a template, or `nil` when not known.
    ///   - format: the dialect of `document`.
    public static func resource(id: String, keyID: String?, keyName: String?, document: JSONValue?, owner: String?,
                                format: String = "iam", provenance: [Provenance]) -> Resource {
        var fields: [String: FactValue] = [
            "service": .string("aws-kms"),
            "key": keyID.map(FactValue.string) ?? .null,
            "key_name": keyName.map(FactValue.string) ?? .null,
            "key_manager": keyID == nil
                ? .unknown(reason: "standalone policy: whether its key is customer-managed is not known; name the key in the assessment file")
                : .string("customer"),
            "default": .bool(document == nil),
        ]
        fields["account"] = owner.map(FactValue.string) ?? .unknown(reason: "the owner account is not known")
        var observed: [String: JSONValue] = [formatKey: .string(format), ownerKey: owner.map(JSONValue.string) ?? .null]
        if let document { observed[documentKey] = document }
        return Resource(type: .keyPolicy, id: id, name: keyName ?? id, fields: fields, provenance: provenance, observed: observed)
    }

    /// The fields a policy analysis fills, each unknown with `reason`: for a policy that was not observed (not
    /// readable, not JSON, known only after apply). The resource has no observation, so no analysis overrides them.
    public static let analysedFields = ["statements", "public", "cross_tenant", "foreign_accounts", "customer_controls_lifecycle",
                                        "admin_users", "findings", "unresolved", "account"]

    /// A `key_policy` resource whose document could not be observed: every analysed field unknown with `reason`.
    public static func unobserved(id: String, keyID: String?, keyName: String?, reason: String, provenance: [Provenance]) -> Resource {
        var fields: [String: FactValue] = [
            "service": .string("aws-kms"),
            "key": keyID.map(FactValue.string) ?? .null,
            "key_name": keyName.map(FactValue.string) ?? .null,
            "key_manager": keyID == nil ? .unknown(reason: "standalone policy: the key it belongs to is not known") : .string("customer"),
            "default": .unknown(reason: reason),
        ]
        for f in analysedFields { fields[f] = .unknown(reason: reason) }
        return Resource(type: .keyPolicy, id: id, name: keyName ?? id, fields: fields, provenance: provenance)
    }
}
