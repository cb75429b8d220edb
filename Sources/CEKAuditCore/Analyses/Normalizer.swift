import Foundation

/// Cross-source normalization after collection: links data stores to the keys that protect them, fills the
/// custody of those keys, and defaults each key's tenant to its account. Pure.
public enum Normalizer {
    /// Normalizes a fact set in place.
    public static func normalize(_ facts: inout FactSet) {
        var byRef: [String: Resource] = [:]
        for k in facts.resources where k.type == .key {
            byRef[k.id] = k
            for f in ["arn", "key_id"] { if case .string(let s) = k.value(f) { byRef[s] = k } }
            if case .list(let aliases) = k.value("aliases") {
                for case .string(let a) in aliases { byRef[a] = k; byRef[a.hasPrefix("alias/") ? a : "alias/" + a] = k }
            }
        }
        for i in facts.resources.indices {
            var r = facts.resources[i]
            switch r.type {
            case .key:
                if r.fields["tenant"] == nil || r.fields["tenant"] == .null { r.fields["tenant"] = r.value("account") }
            case .dataStore:
                linkDataStore(&r, keys: byRef)
            default: break
            }
            facts.resources[i] = r
        }
    }

    static func linkDataStore(_ r: inout Resource, keys: [String: Resource]) {
        if r.fields["key_manager"] != nil { return }   // the collector already knows (service default key, unencrypted)
        var key: Resource?
        if case .string(let id) = r.value("key") { key = keys[id] }
        let ref = r.value("key_ref")
        if key == nil, case .string(let text) = ref {
            key = keys[text] ?? ARNKeyRef.keyID(text).flatMap { keys[$0] }
        }
        if let key {
            r.fields["key"] = .string(key.id)
            r.fields["key_manager"] = key.value("manager")
            r.fields["key_custody"] = key.value("custody")
            return
        }
        if case .string(let text) = ref, ARNKeyRef.isAWSManagedAlias(text) {
            r.fields["key_manager"] = .string("aws")
            r.fields["key_custody"] = .string("provider-owned")
            return
        }
        let reason: String
        if case .string(let text) = ref { reason = "key \(text) is not among the collected keys; add the source that declares it" }
        else { reason = ref.unknownReason ?? "the protecting key is not known" }
        r.fields["key_manager"] = .unknown(reason: reason)
        r.fields["key_custody"] = .unknown(reason: reason)
    }
}

/// Reading KMS key references as services accept them: key id, key ARN, alias name, alias ARN.
public enum ARNKeyRef {
    /// Whether `ref` names an AWS managed key's alias (`alias/aws/s3`, `arn:aws:kms:…:alias/aws/s3`).
    public static func isAWSManagedAlias(_ ref: String) -> Bool {
        ref.hasPrefix("alias/aws/") || ref.contains(":alias/aws/")
    }

    /// The key id or alias name inside a KMS ARN (`…:key/1234…` → `1234…`, `…:alias/app` → `alias/app`).
    public static func keyID(_ ref: String) -> String? {
        guard ref.hasPrefix("arn:"), let range = ref.range(of: ":key/") ?? ref.range(of: ":alias/") else { return nil }
        let tail = String(ref[range.upperBound...])
        return ref[range].contains("alias") ? "alias/" + tail : tail
    }
}
