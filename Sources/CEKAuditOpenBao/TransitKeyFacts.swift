import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Facts of one transit key from `GET /v1/<mount>/keys/:name` (OpenBao API docs, "Transit secrets engine", "Read
/// key": `type`, `exportable`, `allow_plaintext_backup`, `deletion_allowed`, `auto_rotate_period` in seconds,
/// `latest_version`, `min_decryption_version`, `min_encryption_version`, `min_available_version`, `keys` — version →
/// creation time as epoch seconds (symmetric keys) or an object with `creation_time` (asymmetric keys) —,
/// `imported_key`, `imported_key_allow_rotation`, and OpenBao's `soft_deleted`).
enum TransitKeyFacts {
    /// Fields every listed key has, read or not.
    static func base(namespace: String, mount: String, name: String) -> [String: FactValue] {
        let ns = ACLPolicy.displayName(namespace: namespace)
        return [
            "service": .string("openbao"),
            "key_id": .string(name),
            "tenant": .string(ns),
            "mount": .string(mount),
            "path": .string(path(namespace: namespace, mount: mount, name: name)),
            // A transit key belongs to whoever holds its namespace: it is created, rotated and deleted through the
            // tenant's own API, never by a provider-side service on its behalf.
            "manager": .string("customer"),
            "evidence_kind": .string("observed"),
            "account": .null,
            "region": .null,
            "aliases": .list([]),
            "tags": .list([]),
            "multi_region": .bool(false),
            "multi_region_role": .string("none"),
            "key_store": .null,
        ]
    }

    /// `tenant-a/transit/keys/orders`, or `transit/keys/orders` in the root namespace.
    static func path(namespace: String, mount: String, name: String) -> String {
        ACLPolicy.normalize(namespace: namespace) + mount + "keys/" + name
    }

    /// Every field a read would have given, unknown with `reason` (a failed read: never a dropped key).
    static func unknown(_ reason: String) -> [String: FactValue] {
        var f: [String: FactValue] = [:]
        for k in ["spec", "spec_class", "usage", "origin", "custody", "state", "enabled", "exportable", "allow_plaintext_backup",
                  "deletion.allowed", "deletion.window_days", "deletion.scheduled_for", "rotation.enabled", "rotation.period_days",
                  "rotation.last_rotated", "created", "material.expires", "material.valid_to", "versions.latest",
                  "versions.min_decryption", "versions.min_encryption", "versions.min_available"] {
            f[k] = .unknown(reason: reason)
        }
        return f
    }

    /// Fields from the read-key `data` object.
    static func fields(from d: JSONValue, endpoint: String) -> [String: FactValue] {
        var f: [String: FactValue] = [:]
        func missing(_ name: String) -> FactValue { .unknown(reason: "\(endpoint) did not return \(name)") }
        func bool(_ name: String) -> Bool? { d[name]?.boolValue }
        func number(_ name: String) -> Double? {
            if case .number(let n)? = d[name] { return n }
            return nil
        }
        let type = d["type"]?.stringValue
        f["spec"] = type.map(FactValue.string) ?? missing("type")
        f["spec_class"] = type.flatMap(TransitKeyClass.classify(type:)).map { .string($0.rawValue) }
            ?? (type == nil ? missing("type") : .unknown(reason: "transit key type \(type ?? "") has no known class"))
        f["usage"] = TransitKeyClass.usage(type: type, supportsEncryption: bool("supports_encryption"), supportsSigning: bool("supports_signing"))
            .map(FactValue.string) ?? missing("supports_encryption / supports_signing")
        let imported = bool("imported_key")
        f["origin"] = imported.map { .string($0 ? "EXTERNAL" : "OPENBAO") } ?? missing("imported_key")
        // Vault has no soft delete and does not report the field: absent means not soft-deleted.
        let softDeleted = bool("soft_deleted") ?? (d["soft_deleted"] == nil ? false : nil)
        f["state"] = softDeleted.map { .string($0 ? "Disabled" : "Enabled") } ?? missing("soft_deleted")
        f["enabled"] = softDeleted.map { .bool(!$0) } ?? missing("soft_deleted")
        f["exportable"] = bool("exportable").map(FactValue.bool) ?? missing("exportable")
        f["allow_plaintext_backup"] = bool("allow_plaintext_backup").map(FactValue.bool) ?? missing("allow_plaintext_backup")
        let deletion = bool("deletion_allowed")
        f["deletion.allowed"] = deletion.map(FactValue.bool) ?? missing("deletion_allowed")
        // Transit deletes at once once deletion is allowed: no waiting period (soft delete is a separate, reversible step).
        f["deletion.window_days"] = deletion.map { $0 ? .number(0) : .null } ?? missing("deletion_allowed")
        f["deletion.scheduled_for"] = .null
        if let period = number("auto_rotate_period") {
            f["rotation.enabled"] = .bool(period > 0)
            f["rotation.period_days"] = period > 0 ? .number((period / 86_400 * 1000).rounded() / 1000) : .null
        } else {
            f["rotation.enabled"] = missing("auto_rotate_period")
            f["rotation.period_days"] = missing("auto_rotate_period")
        }
        for (field, name) in [("versions.latest", "latest_version"), ("versions.min_decryption", "min_decryption_version"),
                              ("versions.min_encryption", "min_encryption_version"), ("versions.min_available", "min_available_version")] {
            f[field] = number(name).map(FactValue.number) ?? missing(name)
        }
        let times = versionTimes(d["keys"])
        // Versions are whole numbers; anything else (a fraction, 1e300, a negative) reads as not reported.
        let latest = number("latest_version").flatMap { Int(exactly: $0) }
        let minAvailable = number("min_available_version").flatMap { Int(exactly: $0) } ?? 0
        if let first = times[1] {
            f["created"] = .string(DateParsing.iso(first))
        } else if minAvailable > 1 {
            f["created"] = .unknown(reason: "versions before \(minAvailable) were trimmed, so the creation date is gone")
        } else {
            f["created"] = .unknown(reason: "\(endpoint) reports no version creation times for this key type")
        }
        switch latest {
        case nil: f["rotation.last_rotated"] = missing("latest_version")
        case let v? where v <= 1: f["rotation.last_rotated"] = .null
        case let v?:
            f["rotation.last_rotated"] = times[v].map { .string(DateParsing.iso($0)) }
                ?? .unknown(reason: "\(endpoint) reports no creation time for version \(v)")
        }
        f["material.expires"] = .bool(false)
        f["material.valid_to"] = .null
        return f
    }

    /// Version → creation time from the `keys` member.
    static func versionTimes(_ keys: JSONValue?) -> [Int: Date] {
        var out: [Int: Date] = [:]
        for (k, v) in keys?.objectValue ?? [:] {
            guard let version = Int(k) else { continue }
            if case .number(let epoch) = v, let date = DateParsing.epoch(epoch) {
                out[version] = date
            } else if let text = v["creation_time"]?.stringValue, let d = DateParsing.parse(text) {
                out[version] = d
            }
        }
        return out
    }
}
