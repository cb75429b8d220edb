import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The OpenBao / Vault transit key analysis of the normalize stage: custody (imported material is BYOK, anything
/// else transit generated) and rotation applicability (one decision, one reason: ``TransitRotationApplicability``)
/// for every `key` observed with `service: openbao`.
public struct OpenBaoKeyAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "openbao keys" }
    /// The `service` value of transit keys.
    public static let service = "openbao"
    /// `observed` member holding the read-key answer's `imported_key_allow_rotation` (null when absent).
    public static let allowRotationKey = "imported_key_allow_rotation"

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for i in facts.resources.indices where facts.resources[i].type == .key && facts.resources[i].fields["service"] == .string(Self.service) {
            Self.derive(&facts.resources[i])
        }
    }

    /// Derives one key's `custody`, `rotation.applicable` and `rotation.reason` from its observed `origin`
    /// (`EXTERNAL` imported, `OPENBAO` generated), `spec` (the transit type), `state` (`Disabled` = soft-deleted)
    /// and the observed `imported_key_allow_rotation`.
    public static func derive(_ r: inout Resource) {
        let imported: Bool?
        switch r.value("origin") {
        case .string("EXTERNAL"): imported = true
        case .string: imported = false
        default: imported = nil
        }
        switch imported {
        case true?: r.fields["custody"] = .string(Custody.imported.rawValue)
        case false?: r.fields["custody"] = .string(Custody.customerGenerated.rawValue)
        case nil: r.fields["custody"] = .unknown(reason: r.value("origin").unknownReason ?? "key origin unknown")
        }
        guard r.observed != nil || r.value("spec").isKnown else {
            let why = r.value("spec").unknownReason ?? "the key's transit settings were not read"
            r.fields["rotation.applicable"] = .unknown(reason: why)
            r.fields["rotation.reason"] = .string("cannot tell whether rotation applies: \(why)")
            return
        }
        var type: String?
        if case .string(let t) = r.value("spec") { type = t }
        let softDeleted: Bool?
        switch r.value("state") {
        case .string(let s): softDeleted = s == "Disabled"
        default: softDeleted = nil
        }
        let o = TransitRotationApplicability.decide(type: type, imported: imported,
                                                    importedAllowsRotation: r.observed?[allowRotationKey]?.boolValue,
                                                    softDeleted: softDeleted)
        r.fields["rotation.applicable"] = o.applicable.map(FactValue.bool) ?? .unknown(reason: o.reason)
        r.fields["rotation.reason"] = .string(o.reason)
    }
}

/// The namespace isolation analysis of the normalize stage: for each OpenBao target, its observed ACL policies
/// decide which policies reach each of its transit keys and whether any lies outside the key's namespace
/// (``NamespaceIsolationAnalyzer``), with the target's trusted namespaces in force (``AnalysisSettings`` for the
/// target's name, else those configured when it was collected).
public struct OpenBaoNamespaceIsolationAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "openbao namespace isolation" }

    static let policiesKey = "acl_policies"
    static let unreadableKey = "unreadable_policy_namespaces"
    static let trustedKey = "trusted_namespaces"

    /// The `target` observation of the ACL policies read: each policy with its namespace and parsed rules, the
    /// namespaces whose policies could not be read (with why), and the trusted namespaces configured at collection.
    public static func observation(policies: [ACLPolicy], unreadable: [String: String], trustedNamespaces: [String]) -> [String: JSONValue] {
        let list: [JSONValue] = policies.map { p in
            .object(["name": .string(p.name), "namespace": .string(p.namespace), "rules": .array(p.rules.map { rule in
                var o: [String: JSONValue] = ["path": .string(rule.path), "capabilities": .array(rule.capabilities.map(JSONValue.string))]
                if let l = rule.line { o["line"] = .number(Double(l)) }
                return .object(o)
            })])
        }
        return [policiesKey: .array(list), unreadableKey: .object(unreadable.mapValues(JSONValue.string)),
                trustedKey: .array(trustedNamespaces.map(JSONValue.string))]
    }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for target in facts.resources where target.type == .target {
            guard let observed = target.observed, case .array(let list)? = observed[Self.policiesKey] else { continue }
            let policies: [ACLPolicy] = list.compactMap { p in
                guard let name = p["name"]?.stringValue, let ns = p["namespace"]?.stringValue else { return nil }
                let rules = (p["rules"] ?? .null).asList.compactMap { r -> ACLPolicy.Rule? in
                    guard let path = r["path"]?.stringValue else { return nil }
                    return ACLPolicy.Rule(path: path, capabilities: (r["capabilities"] ?? .null).asList.compactMap(\.stringValue),
                                          line: r["line"]?.numberValue.flatMap { Int(exactly: $0) })
                }
                return ACLPolicy(name: name, namespace: ns, rules: rules)
            }
            let unreadable = (observed[Self.unreadableKey]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let trusted = settings.trustedNamespaces[target.name]
                ?? (observed[Self.trustedKey] ?? .null).asList.compactMap(\.stringValue)
            let analyzer = NamespaceIsolationAnalyzer(policies: policies, unreadable: unreadable, trustedNamespaces: Set(trusted))
            for i in facts.resources.indices where facts.resources[i].type == .key && facts.resources[i].id.hasPrefix(target.id + "/") {
                Self.apply(&facts.resources[i], analyzer: analyzer)
            }
        }
    }

    static func apply(_ key: inout Resource, analyzer: NamespaceIsolationAnalyzer) {
        guard case .string(let tenant) = key.value("tenant"), case .string(let mount) = key.value("mount"),
              case .string(let keyName) = key.value("key_id") else { return }
        let o = analyzer.analyze(namespace: tenant, mount: mount, name: keyName)
        key.fields["isolation.policies"] = .strings(o.policies)
        key.fields["isolation.foreign_policies"] = o.crossTenant == nil ? .unknown(reason: o.unknownReason ?? "unknown") : .strings(o.foreignPolicies)
        key.fields["isolation.cross_tenant"] = o.crossTenant.map(FactValue.bool) ?? .unknown(reason: o.unknownReason ?? "unknown")
        key.fields["isolation.findings"] = .strings(o.findings)
    }
}
