import CEKAuditCollectorKit
import CEKAuditCore
/// The class of an OpenBao / Vault transit key type: what the key does and how the rules treat it.
///
/// Types follow the transit secrets engine's "Create key" endpoint (`POST /transit/keys/:name`, parameter `type`):
/// `aes128-gcm96`, `aes256-gcm96`, `chacha20-poly1305`, `xchacha20-poly1305` (symmetric encryption);
/// `rsa-2048`, `rsa-3072`, `rsa-4096`, `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`, `ed25519` (asymmetric);
/// `hmac` (message authentication). `managed_key` refers to a key held in an external backend and has no class.
public enum TransitKeyClass: String, Sendable, Hashable, CaseIterable {
    case symmetric
    case asymmetric
    case hmac

    /// Classifies a transit key `type`; `nil` for `managed_key` and types this build does not know.
    public static func classify(type: String) -> TransitKeyClass? {
        let t = type.lowercased()
        if t == "hmac" { return .hmac }
        if t.hasPrefix("aes") || t.hasPrefix("chacha20") || t.hasPrefix("xchacha20") { return .symmetric }
        if t.hasPrefix("rsa-") || t.hasPrefix("ecdsa-") || t == "ed25519" || t.hasPrefix("ml-dsa") || t.hasPrefix("slh-dsa") {
            return .asymmetric
        }
        return nil
    }

    /// The AWS-style usage vocabulary for a key with these transit capabilities (`supports_encryption`,
    /// `supports_signing` in the read-key response): `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, both comma-separated for RSA,
    /// or `GENERATE_VERIFY_MAC` for HMAC keys. `nil` when nothing is known.
    public static func usage(type: String?, supportsEncryption: Bool?, supportsSigning: Bool?) -> String? {
        if let type, classify(type: type) == .hmac { return "GENERATE_VERIFY_MAC" }
        var parts: [String] = []
        if supportsEncryption == true { parts.append("ENCRYPT_DECRYPT") }
        if supportsSigning == true { parts.append("SIGN_VERIFY") }
        if parts.isEmpty, supportsEncryption == nil || supportsSigning == nil { return nil }
        return parts.isEmpty ? "NONE" : parts.joined(separator: ",")
    }
}
