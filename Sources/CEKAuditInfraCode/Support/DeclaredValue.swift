import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// A property as written in infrastructure as code: absent (the service default applies), a literal, or an
/// expression only known at deployment (`!Ref Param`, `Fn::If`, Terraform's "known after apply").
/// Expressions become unknown facts with the expression as the reason: kept, never an error.
public enum DeclaredValue: Sendable, Hashable {
    case absent
    case literal(JSONValue)
    case expression(String)
    /// The attribute is not in a document whose format always writes it (Terraform plan and state JSON write every
    /// attribute of a resource's schema, `null` when not set): the document was cut or edited, so the value is
    /// unknown — never the default. The string names the document kind.
    case missing(String)

    /// A Terraform attribute of a plan's or state's `values`: absent from the object is ``missing(_:)``, `null` is
    /// ``absent`` (not set: the provider's default), an after-apply value is an expression.
    public init(terraform object: JSONValue, _ attribute: String, unknown: Bool) {
        if unknown { self = .expression("known only after apply"); return }
        guard case .object(let o) = object, let value = o[attribute] else { self = .missing("Terraform plan or state"); return }
        self.init(value)
    }

    /// Classifies a property value; `unknownMarker` says the value is not known yet (Terraform plans).
    public init(_ value: JSONValue?, unknown: Bool = false) {
        if unknown { self = .expression("known only after apply"); return }
        guard let value, value != .null else { self = .absent; return }
        if case .object(let o) = value, o.count == 1, let key = o.keys.first,
           key == "Ref" || key.hasPrefix("Fn::") || key == "Condition" {
            if let resolved = TemplateExpression.resolve(value) { self = .literal(.string(resolved)) } else {
                self = .expression(value.compactText)
            }
            return
        }
        self = .literal(value)
    }

    private func unknown(_ what: String) -> FactValue {
        switch self {
        case .expression(let e): return .unknown(reason: "\(what) depends on a deployment-time expression: \(e)")
        case .missing(let kind):
            return .unknown(reason: "\(what) is missing from the \(kind), which writes every attribute (null when not set): the file was cut or edited; export it again")
        default: return .unknown(reason: "\(what) has an unexpected value")
        }
    }

    /// A boolean fact; `default` applies when absent (`nil` default → null).
    public func bool(_ what: String, default def: Bool?) -> FactValue {
        switch self {
        case .absent: return def.map(FactValue.bool) ?? .null
        case .literal(let v): return v.boolValue.map(FactValue.bool) ?? unknown(what)
        case .expression, .missing: return unknown(what)
        }
    }

    /// A string fact.
    public func string(_ what: String, default def: String?) -> FactValue {
        switch self {
        case .absent: return def.map(FactValue.string) ?? .null
        case .literal(let v):
            if let s = v.stringValue { return .string(s) }
            if case .number = v { return .string(v.compactText) }
            return unknown(what)
        case .expression, .missing: return unknown(what)
        }
    }

    /// A number fact.
    public func number(_ what: String, default def: Double?) -> FactValue {
        switch self {
        case .absent: return def.map(FactValue.number) ?? .null
        case .literal(let v): return v.numberValue.map(FactValue.number) ?? unknown(what)
        case .expression, .missing: return unknown(what)
        }
    }

    /// The literal string, if any.
    public var text: String? {
        if case .literal(let v) = self { return v.stringValue ?? (v.numberValue.map { _ in v.compactText }) }
        return nil
    }
}

/// Builds the normalized `key` resource from declared properties, with the AWS defaults
/// (AWS CloudFormation `AWS::KMS::Key`, Terraform `aws_kms_key`: KeySpec SYMMETRIC_DEFAULT, KeyUsage
/// ENCRYPT_DECRYPT, enabled, rotation off, rotation period 365 days when on, deletion window 30 days).
struct KeyDeclaration {
    var id: String
    var name: String
    /// The key id when known (state, live); `nil` for a template, where AWS assigns it at deployment.
    var keyID: String?
    var account: FactValue
    var arn: FactValue = .unknown(reason: "declared key: ARN assigned at deployment")
    var description: DeclaredValue = .absent
    var spec: DeclaredValue = .absent
    var usage: DeclaredValue = .absent
    var enabled: DeclaredValue = .absent
    var origin: FactValue = .string("AWS_KMS")
    var rotationEnabled: DeclaredValue = .absent
    var rotationPeriod: DeclaredValue = .absent
    var multiRegion: DeclaredValue = .absent
    var replica = false
    var windowDays: DeclaredValue = .absent
    var keyStore: FactValue = .null
    var validTo: DeclaredValue = .absent
    var materialImported: Bool? = nil
    var tags: [String] = []
    var tenant: String?
    var provenance: [Provenance]

    /// Key specs AWS KMS accepts (AWS KMS API Reference, CreateKey `KeySpec`).
    static let keySpecs: Set<String> = [
        "SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
        "ECC_SECG_P256K1", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
        "ECC_NIST_EDWARDS25519",
    ]

    /// Declarations AWS would refuse, as diagnostics (the facts they touch are unknown).
    func configurationProblems(source: String, line: Int?) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let r = resource()
        if let reason = r.value("spec").unknownReason, reason.contains("not an AWS KMS key spec") {
            out.append(Diagnostic(.error, source: source, line: line, message: "key \(name): \(reason)", fix: "use a KeySpec AWS KMS accepts, e.g. SYMMETRIC_DEFAULT"))
        }
        for field in ["deletion.window_days", "rotation.period_days"] {
            if let reason = r.value(field).unknownReason, reason.contains("accepts") {
                out.append(Diagnostic(.error, source: source, line: line, message: "key \(name): \(reason)", fix: "use a value in the accepted range"))
            }
        }
        if case .string(let s) = r.value("spec"), s != "SYMMETRIC_DEFAULT", r.value("rotation.enabled") == .bool(true) {
            out.append(Diagnostic(.error, source: source, line: line,
                                  message: "key \(name): automatic rotation is enabled on a \(s) key, which AWS KMS refuses (only symmetric keys rotate automatically)",
                                  fix: "remove the rotation setting; rotate by creating a new key and moving the alias"))
        }
        return out
    }

    func resource() -> Resource {
        var f: [String: FactValue] = [:]
        f["key_id"] = keyID.map(FactValue.string) ?? .unknown(reason: "declared key: the key id is assigned at deployment")
        f["account"] = account
        f["arn"] = arn
        f["tenant"] = tenant.map(FactValue.string) ?? account
        f["description"] = description.string("description", default: nil)
        f["manager"] = .string("customer")
        f["origin"] = origin
        f["spec"] = spec.string("key spec", default: "SYMMETRIC_DEFAULT")
        if case .string(let s) = f["spec"] ?? .null, !KeyDeclaration.keySpecs.contains(s) {
            f["spec"] = .unknown(reason: "\(s) is not an AWS KMS key spec")
        }
        f["usage"] = usage.string("key usage", default: "ENCRYPT_DECRYPT")
        let enabledFact = enabled.bool("enabled", default: true)
        f["enabled"] = enabledFact
        if origin == .string("EXTERNAL"), materialImported != true {
            f["state"] = materialImported == false ? .string("PendingImport")
                : .unknown(reason: "imported key material is loaded outside the template; the key is PendingImport until it is")
        } else if case .bool(let on) = enabledFact {
            f["state"] = .string(on ? "Enabled" : "Disabled")
        } else {
            f["state"] = .unknown(reason: enabledFact.unknownReason ?? "enabled state unknown")
        }
        f["evidence_kind"] = .string("declared")
        let mr = multiRegion.bool("multi-Region", default: false)
        f["multi_region"] = replica ? .bool(true) : mr
        if replica { f["multi_region_role"] = .string("replica") } else if case .bool(let b) = mr { f["multi_region_role"] = .string(b ? "primary" : "none") } else { f["multi_region_role"] = mr }
        f["key_store"] = keyStore
        let rot = rotationEnabled.bool("rotation", default: false)
        f["rotation.enabled"] = rot
        switch rot {
        case .bool(true): f["rotation.period_days"] = rotationPeriod.number("rotation period", default: 365)
        case .bool(false): f["rotation.period_days"] = .null
        default: f["rotation.period_days"] = .unknown(reason: rot.unknownReason ?? "rotation unknown")
        }
        f["rotation.last_rotated"] = .unknown(reason: "declared key: rotation history is only observable on the live key")
        f["deletion.window_days"] = windowDays.number("deletion window", default: KMSDeletionWindow.defaultDays)
        if case .number(let w) = f["deletion.window_days"] ?? .null, !KMSDeletionWindow.days.contains(w) {
            f["deletion.window_days"] = .unknown(reason: "a deletion window of \(FactValue.number(w).displayText) days is outside the 7–30 days AWS KMS accepts")
        }
        // A window written as an expression is still one AWS KMS accepts, or the key is never created.
        if case .expression = windowDays { f["deletion.window_min_days"] = KMSDeletionWindow.minimum }
        if case .number(let p) = f["rotation.period_days"] ?? .null, !(90...2560).contains(p) {
            f["rotation.period_days"] = .unknown(reason: "a rotation period of \(FactValue.number(p).displayText) days is outside the 90–2560 days AWS KMS accepts")
        }
        f["deletion.scheduled_for"] = .null
        if origin == .string("EXTERNAL") {
            let v = validTo.string("material expiry", default: nil)
            f["material.valid_to"] = v
            switch v {
            case .string: f["material.expires"] = .bool(true)
            case .null: f["material.expires"] = materialImported == nil ? .unknown(reason: "material is imported outside the template") : .bool(false)
            default: f["material.expires"] = .unknown(reason: v.unknownReason ?? "unknown")
            }
        } else {
            f["material.expires"] = .bool(false)
            f["material.valid_to"] = .null
        }
        f["tags"] = .strings(tags.sorted())
        f["aliases"] = .list([])
        f["created"] = .unknown(reason: "declared key: created at deployment")
        f["service"] = .string("aws-kms")
        return Resource(type: .key, id: id, name: name, fields: f, provenance: provenance)
    }
}
