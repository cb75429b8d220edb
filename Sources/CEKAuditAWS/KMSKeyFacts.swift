import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Turns a ``KMSKeyObservation`` into normalized `key`, `key_policy` and `grant` resources (see ``FactSchema``).
/// Pure: no I/O, no clock.
///
/// Field sources (AWS KMS API Reference): `KeyMetadata` of DescribeKey (KeyManager, Origin, KeySpec, KeyUsage,
/// KeyState, Enabled, MultiRegion / MultiRegionConfiguration, CustomKeyStoreId, CreationDate, ExpirationModel, ValidTo,
/// DeletionDate, PendingDeletionWindowInDays), GetKeyRotationStatus (KeyRotationEnabled, RotationPeriodInDays),
/// ListKeyRotations (RotationDate), GetKeyPolicy, ListGrants, ListResourceTags, ListAliases. A call that failed
/// leaves exactly its facts unknown, with a reason naming the API and the error; the key itself is never dropped.
public enum KMSKeyFacts {
    /// Fields DescribeKey supplies.
    static let metadataFields = ["manager", "origin", "custody", "spec", "spec_class", "usage", "state", "enabled", "multi_region", "multi_region_role",
                                 "key_store", "created", "description", "material.expires", "material.valid_to",
                                 "deletion.scheduled_for", "deletion.window_days", "deletion.window_min_days"]

    /// The `key` resource. `tenant` labels it (default: its account).
    public static func key(_ o: KMSKeyObservation, tenant: String?) -> Resource {
        var f: [String: FactValue] = [:]
        let account = o.account
        f["arn"] = .string(o.metadata.value?["Arn"]?.stringValue ?? o.arn)
        f["key_id"] = .string(o.metadata.value?["KeyId"]?.stringValue ?? o.keyId)
        f["account"] = account.map(FactValue.string) ?? .unknown(reason: "the key ARN names no account")
        f["region"] = .string(ARN(parsing: o.arn)?.region ?? o.region)
        f["tenant"] = tenant.map(FactValue.string) ?? f["account"]
        f["evidence_kind"] = .string("observed")
        var provenance: [Provenance] = []
        if let l = o.listing { provenance.append(l) }

        if let md = o.metadata.value {
            provenance += o.metadata.evidence.map(\.provenance)
            metadataFacts(md, keyId: md["KeyId"]?.stringValue ?? o.keyId, into: &f)
        } else {
            provenance += o.metadata.evidence.map(\.provenance)   // an error answer kept as evidence
            for name in metadataFields { f[name] = o.metadata.unknown }
        }
        rotationFacts(o, into: &f)
        for e in o.rotationStatus.evidence + o.rotations.evidence { provenance.append(e.provenance) }

        if let aliases = o.aliases.value, o.aliases.failure == nil {
            f["aliases"] = .strings(aliases.sorted())
        } else {
            f["aliases"] = o.aliases.unknown
        }
        provenance += o.aliases.evidence.map(\.provenance)
        if let tags = o.tags.value, o.tags.failure == nil {
            f["tags"] = .strings(tags.compactMap { t in
                guard let k = t["TagKey"]?.stringValue else { return nil }
                return "\(k)=\(t["TagValue"]?.stringValue ?? "")"
            }.sorted())
        } else {
            f["tags"] = o.tags.unknown
        }
        provenance += o.tags.evidence.map(\.provenance)

        let name = o.aliases.value?.sorted().first ?? o.keyId
        f["service"] = .string(AWSKeyAnalysis.service)
        return Resource(type: .key, id: o.arn, name: name, fields: f, provenance: provenance)
    }

    static func metadataFacts(_ md: JSONValue, keyId: String, into f: inout [String: FactValue]) {
        func text(_ key: String) -> FactValue {
            md[key]?.stringValue.map(FactValue.string) ?? .unknown(reason: "DescribeKey returned no \(key)")
        }
        f["manager"] = md["KeyManager"]?.stringValue.map { .string($0.lowercased()) } ?? .unknown(reason: "DescribeKey returned no KeyManager")
        f["origin"] = text("Origin")
        let spec = (md["KeySpec"] ?? md["CustomerMasterKeySpec"])?.stringValue
        f["spec"] = spec.map(FactValue.string) ?? .unknown(reason: "DescribeKey returned no KeySpec")
        f["spec_class"] = spec.map { .string($0 == "SYMMETRIC_DEFAULT" ? "symmetric" : $0.hasPrefix("HMAC") ? "hmac" : "asymmetric") }
            ?? .unknown(reason: "DescribeKey returned no KeySpec")
        if let usage = md["KeyUsage"]?.stringValue {
            f["usage"] = .string(usage)
        } else if let only = spec.flatMap(onlyUsage) {
            f["usage"] = .string(only)
        } else {
            f["usage"] = .unknown(reason: "DescribeKey returned no KeyUsage")
        }
        let state = md["KeyState"]?.stringValue
        f["state"] = state.map(FactValue.string) ?? .unknown(reason: "DescribeKey returned no KeyState")
        // `Enabled` is true exactly when KeyState is Enabled (AWS KMS API Reference, KeyMetadata).
        f["enabled"] = md["Enabled"]?.boolValue.map(FactValue.bool) ?? state.map { .bool($0 == "Enabled") }
            ?? .unknown(reason: "DescribeKey returned neither Enabled nor KeyState")
        f["description"] = md["Description"]?.stringValue.map(FactValue.string) ?? .null

        // Multi-Region keys always have `mrk-` ids (AWS KMS Developer Guide, "Multi-Region key identifiers"); answers
        // from before multi-Region keys existed carry no MultiRegion member.
        let multi = md["MultiRegion"]?.boolValue ?? keyId.hasPrefix("mrk-")
        f["multi_region"] = .bool(multi)
        if !multi {
            f["multi_region_role"] = .string("none")
        } else if let primary = md["MultiRegionConfiguration"]?["PrimaryKey"]?["Arn"]?.stringValue, let own = md["Arn"]?.stringValue {
            // The key whose ARN the configuration names as primary is the primary; every other copy is a replica.
            // Read from the ARNs rather than MultiRegionKeyType, which moto 5.2.1 rewrites on the shared configuration
            // once a replica is described.
            f["multi_region_role"] = .string(primary == own ? "primary" : "replica")
        } else if let role = md["MultiRegionConfiguration"]?["MultiRegionKeyType"]?.stringValue {
            f["multi_region_role"] = .string(role.lowercased())
        } else {
            f["multi_region_role"] = .unknown(reason: "DescribeKey returned no MultiRegionConfiguration for a multi-Region key")
        }
        f["key_store"] = md["CustomKeyStoreId"]?.stringValue.flatMap { $0.isEmpty ? nil : FactValue.string($0) } ?? .null
        f["created"] = AWSTimestamp.fact(md["CreationDate"], what: "CreationDate")
        if f["created"] == .null { f["created"] = .unknown(reason: "DescribeKey returned no CreationDate") }

        // Imported material: ExpirationModel is present only for Origin EXTERNAL (and only once material is imported).
        let origin = md["Origin"]?.stringValue
        switch md["ExpirationModel"]?.stringValue {
        case "KEY_MATERIAL_EXPIRES"?:
            f["material.expires"] = .bool(true)
            let v = AWSTimestamp.fact(md["ValidTo"], what: "ValidTo")
            f["material.valid_to"] = v == .null ? .unknown(reason: "DescribeKey returned KEY_MATERIAL_EXPIRES without ValidTo") : v
        case "KEY_MATERIAL_DOES_NOT_EXPIRE"?:
            f["material.expires"] = .bool(false)
            f["material.valid_to"] = .null
        case let other?:
            f["material.expires"] = .unknown(reason: "DescribeKey returned an unknown ExpirationModel \(other)")
            f["material.valid_to"] = AWSTimestamp.fact(md["ValidTo"], what: "ValidTo")
        case nil:
            if let origin, origin != "EXTERNAL" {
                f["material.expires"] = .bool(false)
                f["material.valid_to"] = .null
            } else if origin == "EXTERNAL", state == "PendingImport" {
                f["material.expires"] = .bool(false)   // no material imported: nothing can expire
                f["material.valid_to"] = .null
            } else {
                let why = origin == nil ? "DescribeKey returned no Origin" : "DescribeKey returned no ExpirationModel for a key with imported material"
                f["material.expires"] = .unknown(reason: why)
                f["material.valid_to"] = .unknown(reason: why)
            }
        }

        let deletion = AWSTimestamp.fact(md["DeletionDate"], what: "DeletionDate")
        f["deletion.scheduled_for"] = deletion
        let pending = state == "PendingDeletion" || state == "PendingReplicaDeletion"
        if let w = md["PendingDeletionWindowInDays"]?.numberValue {
            f["deletion.window_days"] = .number(w)
            f["deletion.window_min_days"] = .number(w)
        } else if deletion == .null && !pending {
            f["deletion.window_days"] = .null
            f["deletion.window_min_days"] = .null
        } else {
            // DescribeKey reports the window only for a multi-Region primary key waiting for its replicas; any
            // scheduled deletion still waits at least the 7 days AWS KMS requires.
            f["deletion.window_days"] = .unknown(reason: "DescribeKey reports no PendingDeletionWindowInDays for this scheduled deletion; AWS KMS accepts only 7 to 30 days")
            let scheduled: Bool
            if case .string = deletion { scheduled = true } else { scheduled = pending }
            f["deletion.window_min_days"] = scheduled ? KMSDeletionWindow.minimum
                : .unknown(reason: deletion.unknownReason ?? "whether a deletion is scheduled is not known")
        }
    }

    /// The key usage a spec allows, when it allows only one (AWS KMS API Reference, CreateKey `KeyUsage`): symmetric
    /// encryption keys encrypt, HMAC keys generate and verify MACs, secp256k1 and ML-DSA keys sign. `nil` for specs
    /// with a choice (RSA, NIST curves, SM2) or not known here.
    static func onlyUsage(_ spec: String) -> String? {
        if spec == "SYMMETRIC_DEFAULT" { return "ENCRYPT_DECRYPT" }
        if spec.hasPrefix("HMAC_") { return "GENERATE_VERIFY_MAC" }
        if spec == "ECC_SECG_P256K1" || spec.hasPrefix("ML_DSA_") { return "SIGN_VERIFY" }
        return nil
    }

    static func rotationFacts(_ o: KMSKeyObservation, into f: inout [String: FactValue]) {
        guard o.metadata.value != nil else {
            for name in ["rotation.enabled", "rotation.period_days", "rotation.last_rotated"] { f[name] = o.metadata.unknown }
            return
        }
        if let status = o.rotationStatus.value {
            if let on = status["KeyRotationEnabled"]?.boolValue {
                f["rotation.enabled"] = .bool(on)
                // Before custom periods (April 2024) the period was fixed at 365 days and not returned; AWS KMS still
                // defaults to 365 (AWS KMS API Reference, "EnableKeyRotation", RotationPeriodInDays).
                f["rotation.period_days"] = on ? .number(status["RotationPeriodInDays"]?.numberValue ?? 365) : .null
            } else {
                f["rotation.enabled"] = .unknown(reason: "GetKeyRotationStatus returned no KeyRotationEnabled")
                f["rotation.period_days"] = .unknown(reason: "GetKeyRotationStatus returned no KeyRotationEnabled")
            }
        } else if o.rotationStatus.skipped != nil, o.rotationStatus.failure == nil,
                  KMSKeyObservation.rotationSupported(o.metadata.value)?.applicable == false {
            // Not requested because automatic rotation cannot be on for this kind of key.
            f["rotation.enabled"] = .bool(false)
            f["rotation.period_days"] = .null
        } else {
            f["rotation.enabled"] = o.rotationStatus.unknown
            f["rotation.period_days"] = o.rotationStatus.unknown
        }
        if let rotations = o.rotations.value, o.rotations.failure == nil {
            let dates = rotations.compactMap { AWSTimestamp.date($0["RotationDate"]) }
            f["rotation.last_rotated"] = dates.max().map { .string(DateParsing.iso($0)) } ?? .null
        } else {
            f["rotation.last_rotated"] = o.rotations.unknown
        }
    }

    /// The `key_policy` observation of the key's `default` policy, with the key's account as owner; the policy
    /// analysis runs after the bundle (``AWSKeyPolicyAnalysis``).
    public static func policy(_ o: KMSKeyObservation, key: Resource) -> Resource {
        let id = o.arn + "/policy"
        let provenance = o.policy.evidence.map(\.provenance)
        let document: JSONValue
        if let text = o.policy.value {
            do { document = try JSONValue.parse(Data(text.utf8), source: "GetKeyPolicy") } catch {
                var r = KeyPolicyObservation.unobserved(id: id, keyID: key.id, keyName: key.name,
                                                        reason: "GetKeyPolicy returned a policy that is not JSON", provenance: provenance)
                r["key_manager"] = key.value("manager")
                return r
            }
        } else {
            var r = KeyPolicyObservation.unobserved(id: id, keyID: key.id, keyName: key.name, reason: o.policy.unknownReason, provenance: provenance)
            r["key_manager"] = key.value("manager")
            r["account"] = o.account.map(FactValue.string) ?? .unknown(reason: o.policy.unknownReason)
            return r
        }
        var r = KeyPolicyObservation.resource(id: id, keyID: key.id, keyName: key.name, document: document, owner: o.account,
                                              provenance: provenance)
        r["key_manager"] = key.value("manager")
        r["default"] = .bool(document["Id"]?.stringValue == "key-default-1")
        return r
    }

    /// The `grant` resources of the key (those listed before any failure).
    public static func grants(_ o: KMSKeyObservation, key: Resource) -> [Resource] {
        guard let grants = o.grants.value else { return [] }
        return grants.enumerated().map { index, item in
            let g = item.value
            let grantId = g["GrantId"]?.stringValue ?? "grant-\(index + 1)"
            let grantee = g["GranteePrincipal"]?.stringValue
            var f: [String: FactValue] = [
                "key": .string(key.id),
                "grantee": grantee.map(FactValue.string) ?? .unknown(reason: "ListGrants returned no GranteePrincipal"),
                "operations": .strings((g["Operations"] ?? .null).asList.compactMap(\.stringValue).sorted()),
                "constraints": .bool(!(g["Constraints"]?.objectValue ?? [:]).isEmpty),
            ]
            f["account"] = o.account.map(FactValue.string) ?? .unknown(reason: "the key's own account is not known")
            if let grantee, let arn = ARN(parsing: grantee), arn.account.count == 12, arn.account.allSatisfy(\.isNumber) {
                f["grantee_account"] = .string(arn.account)
            } else if let grantee, grantee.hasSuffix(".amazonaws.com") {
                f["grantee_account"] = .null   // an AWS service principal holds no account of its own
            } else {
                f["grantee_account"] = .unknown(reason: "the grantee is not an ARN with an account")
            }
            let name = (g["Name"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? grantId
            return Resource(type: .grant, id: "\(o.arn)/grant/\(grantId)", name: name, fields: f, provenance: [item.provenance])
        }
    }
}
