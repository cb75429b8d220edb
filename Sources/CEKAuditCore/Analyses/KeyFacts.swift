import Foundation

/// Custody classification: who holds the key material and where it lives (DESIGN.md, "Evidence model").
///
/// Follows the AWS KMS `KeyMetadata` fields `KeyManager` and `Origin` (AWS KMS API Reference, "KeyMetadata").
public enum Custody: String, Sendable, Hashable, CaseIterable {
    /// AWS-managed or AWS-owned key: the provider controls it, the customer cannot.
    case providerOwned = "provider-owned"
    /// Customer-managed key whose material the KMS generated (Origin AWS_KMS).
    case customerGenerated = "customer-generated"
    /// Customer-managed key with imported material (BYOK, Origin EXTERNAL).
    case imported
    /// Customer-managed key in a CloudHSM custom key store (Origin AWS_CLOUDHSM).
    case hsmKeyStore = "hsm-key-store"
    /// Customer-managed key in an external key store the customer runs (HYOK, Origin EXTERNAL_KEY_STORE).
    case externalKeyStore = "external-key-store"

    /// Classifies from `KeyManager` (`CUSTOMER` / `AWS`, any case) and `Origin`. `nil` when either is unknown
    /// (a provider-managed key needs only the manager).
    public static func classify(manager: String?, origin: String?) -> Custody? {
        guard let manager = manager?.uppercased() else { return nil }
        if manager == "AWS" { return .providerOwned }
        guard manager == "CUSTOMER", let origin = origin?.uppercased() else { return nil }
        switch origin {
        case "AWS_KMS": return .customerGenerated
        case "EXTERNAL": return .imported
        case "AWS_CLOUDHSM": return .hsmKeyStore
        case "EXTERNAL_KEY_STORE": return .externalKeyStore
        default: return nil
        }
    }
}

/// Whether automatic key rotation applies to a key, and why (AWS KMS Developer Guide, "Rotating AWS KMS keys":
/// automatic rotation is supported only for symmetric encryption keys with key material that AWS KMS generates;
/// not for asymmetric, HMAC, imported or custom-key-store keys; multi-Region replicas follow their primary).
///
/// The tools in the field fail such keys as "rotation disabled" (Prowler #1785, #36; ScoutSuite #1636, #1174;
/// Checkov #4475); here they are not applicable, with the reason.
public enum RotationApplicability {
    /// The outcome: `applicable` is `nil` when a deciding fact is unknown.
    public struct Outcome: Sendable, Hashable {
        public var applicable: Bool?
        public var reason: String
    }

    /// Decides applicability. Any known fact that rules rotation out decides, even when others are unknown.
    /// - Parameters:
    ///   - manager: `customer` or `aws`.
    ///   - spec: KeySpec (`SYMMETRIC_DEFAULT`, `RSA_3072`, `HMAC_256` …).
    ///   - origin: `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    ///   - state: KeyState (`Enabled`, `Disabled`, `PendingDeletion` …).
    ///   - multiRegionRole: `primary`, `replica` or `none`.
    public static func decide(manager: String?, spec: String?, origin: String?, state: String?, multiRegionRole: String?) -> Outcome {
        if let m = manager?.lowercased(), m == "aws" {
            return Outcome(applicable: false, reason: "AWS-managed key: AWS rotates it; the customer cannot configure rotation")
        }
        if let s = spec?.uppercased(), s != "SYMMETRIC_DEFAULT" {
            let kind = s.hasPrefix("HMAC") ? "HMAC" : "asymmetric"
            return Outcome(applicable: false,
                           reason: "\(kind) key (\(s)): automatic rotation is not supported; rotate manually by creating a new key and moving the alias")
        }
        if let o = origin?.uppercased(), o != "AWS_KMS" {
            let text: String
            switch o {
            case "EXTERNAL": text = "imported key material (BYOK): automatic rotation is not supported; rotate on demand or by importing new material"
            case "AWS_CLOUDHSM": text = "key in a CloudHSM key store: automatic rotation is not supported"
            case "EXTERNAL_KEY_STORE": text = "key in an external key store (HYOK): rotation is done in the external key manager"
            default: text = "origin \(o): automatic rotation is not supported"
            }
            return Outcome(applicable: false, reason: text)
        }
        if let st = state {
            switch st {
            case "Disabled": return Outcome(applicable: false, reason: "key is disabled (revoked by its owner); rotation resumes if it is re-enabled")
            case "PendingDeletion", "PendingReplicaDeletion": return Outcome(applicable: false, reason: "key is scheduled for deletion")
            case "PendingImport": return Outcome(applicable: false, reason: "key is waiting for imported material")
            default: break
            }
        }
        if let r = multiRegionRole?.lowercased(), r == "replica" {
            return Outcome(applicable: false, reason: "multi-Region replica: rotation is configured on the primary key and shared")
        }
        let unknown = [("manager", manager), ("spec", spec), ("origin", origin), ("state", state), ("multi_region_role", multiRegionRole)]
            .filter { $0.1 == nil }.map(\.0)
        if !unknown.isEmpty {
            return Outcome(applicable: nil, reason: "cannot tell whether rotation applies: \(unknown.joined(separator: ", ")) unknown")
        }
        return Outcome(applicable: true, reason: "enabled symmetric customer-managed key with AWS KMS key material")
    }
}

extension Resource {
    /// Fills the derived key fields from the key's own facts: `service` (default `aws-kms`), `custody`,
    /// `rotation.applicable` and `rotation.reason`, and for AWS keys `exportable` / `allow_plaintext_backup` (AWS KMS
    /// offers no export of key material). Called by collectors after they set a key's facts.
    ///
    /// AWS keys follow ``Custody/classify(manager:origin:)`` and ``RotationApplicability``; OpenBao transit keys
    /// (`service: openbao`) follow ``TransitRotationApplicability`` and keep the custody their collector set, since
    /// transit rotates every key type.
    public mutating func deriveKeyAnalyses() {
        guard type == .key else { return }
        func known(_ f: String) -> String? {
            if case .string(let s) = value(f) { return s }
            return nil
        }
        if fields["service"] == nil { fields["service"] = .string("aws-kms") }
        if known("service") == "openbao" {
            // The OpenBao collector decides custody and rotation from the read-key response
            // (``TransitRotationApplicability``); only fill what it could not.
            if fields["custody"] == nil {
                switch known("origin") {
                case "EXTERNAL"?: fields["custody"] = .string(Custody.imported.rawValue)
                case "OPENBAO"?: fields["custody"] = .string(Custody.customerGenerated.rawValue)
                default: fields["custody"] = .unknown(reason: value("origin").unknownReason ?? "key origin unknown")
                }
            }
            if fields["rotation.applicable"] == nil {
                let reason = "cannot tell whether rotation applies: the key's transit settings were not read"
                fields["rotation.applicable"] = .unknown(reason: reason)
                fields["rotation.reason"] = .string(reason)
            }
            return
        }
        if fields["exportable"] == nil { fields["exportable"] = .bool(false) }
        if fields["allow_plaintext_backup"] == nil { fields["allow_plaintext_backup"] = .bool(false) }
        if let c = Custody.classify(manager: known("manager"), origin: known("origin")) {
            fields["custody"] = .string(c.rawValue)
        } else if fields["custody"] == nil {
            fields["custody"] = .unknown(reason: "key manager or origin unknown")
        }
        let o = RotationApplicability.decide(manager: known("manager"), spec: known("spec"), origin: known("origin"),
                                             state: known("state"), multiRegionRole: known("multi_region_role"))
        fields["rotation.applicable"] = o.applicable.map(FactValue.bool) ?? .unknown(reason: o.reason)
        fields["rotation.reason"] = .string(o.reason)
    }
}
