import Foundation

/// Custody classification: who holds the key material and where it lives (DESIGN.md, "Evidence model").
///
/// The vocabulary every provider maps onto (the `custody` fact); each provider family classifies its own keys.
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
}

/// Whether automatic rotation applies to a key, and why: the outcome of a provider's rotation applicability
/// analysis (`rotation.applicable`, `rotation.reason`).
public struct RotationDecision: Sendable, Hashable {
    /// `nil` when a deciding fact is unknown.
    public var applicable: Bool?
    /// One sentence: why rotation does or does not apply, or what is unknown.
    public var reason: String

    public init(applicable: Bool?, reason: String) {
        self.applicable = applicable
        self.reason = reason
    }
}
