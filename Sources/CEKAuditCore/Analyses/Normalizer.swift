import Foundation

/// The generic part of the normalize stage, after every provider's analyses: defaults each key's tenant to its
/// account and the lower bound of its deletion window to the window when that is known, and links data stores to the collected keys that protect them (by resource id, ARN, key id or alias),
/// filling the custody of those keys. Pure; knows no provider.
public enum Normalizer {
    /// Normalizes a fact set in place.
    public static func normalize(_ facts: inout FactSet) {
        let keys = keyIndex(facts)
        for i in facts.resources.indices {
            var r = facts.resources[i]
            switch r.type {
            case .key:
                if r.fields["tenant"] == nil || r.fields["tenant"] == .null { r.fields["tenant"] = r.value("account") }
                if r.fields["deletion.window_min_days"] == nil, let window = r.fields["deletion.window_days"], window.isKnown {
                    r.fields["deletion.window_min_days"] = window
                }
            case .dataStore:
                linkDataStore(&r, keys: keys)
            default: break
            }
            facts.resources[i] = r
        }
    }

    /// Keys by every name a reference may use: resource id, `arn`, `key_id` and each alias (with and without
    /// `alias/`).
    public static func keyIndex(_ facts: FactSet) -> [String: Resource] {
        var byRef: [String: Resource] = [:]
        for k in facts.resources where k.type == .key {
            byRef[k.id] = k
            for f in ["arn", "key_id"] { if case .string(let s) = k.value(f) { byRef[s] = k } }
            if case .list(let aliases) = k.value("aliases") {
                for case .string(let a) in aliases { byRef[a] = k; byRef[a.hasPrefix("alias/") ? a : "alias/" + a] = k }
            }
        }
        return byRef
    }

    /// Links a data store to the key that protects it: `key`, `key_manager` and `key_custody` from the key.
    public static func link(_ r: inout Resource, to key: Resource) {
        r.fields["key"] = .string(key.id)
        r.fields["key_manager"] = key.value("manager")
        r.fields["key_custody"] = key.value("custody")
    }

    static func linkDataStore(_ r: inout Resource, keys: [String: Resource]) {
        if r.fields["key_manager"] != nil { return }   // already known (service default key, unencrypted, a provider analysis)
        var key: Resource?
        if case .string(let id) = r.value("key") { key = keys[id] }
        let ref = r.value("key_ref")
        if key == nil, case .string(let text) = ref { key = keys[text] }
        if let key {
            link(&r, to: key)
            return
        }
        let reason: String
        if case .string(let text) = ref { reason = "key \(text) is not among the collected keys; add the source that declares it" }
        else { reason = ref.unknownReason ?? "the protecting key is not known" }
        r.fields["key_manager"] = .unknown(reason: reason)
        r.fields["key_custody"] = .unknown(reason: reason)
    }
}
