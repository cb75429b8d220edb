import Foundation

/// The settings analyses decide with: who is trusted. Recorded in the bundle at collection and in every report,
/// with where each came from; `evaluate --assessment` may override them.
public struct AnalysisSettings: Sendable, Hashable, Codable {
    /// Accounts of the same customer (tenant accounts, organization members) that may use a key.
    public var trustedAccounts: [String]
    /// Organization ids whose members are trusted.
    public var trustedOrganizations: [String]
    /// Per live target name: OpenBao / Vault namespaces whose policies may reach other tenants' keys without
    /// counting as cross-tenant (a provider's operations namespace).
    public var trustedNamespaces: [String: [String]]

    /// Where each setting came from, by setting name (`trusted_accounts` → `examples/acme/audit.yaml`, or
    /// `bundle …` for the settings recorded at collection, or the `--assessment` file that overrode them).
    public var origins: [String: String]

    public init(trustedAccounts: [String] = [], trustedOrganizations: [String] = [], trustedNamespaces: [String: [String]] = [:],
                origins: [String: String] = [:]) {
        self.trustedAccounts = Array(Set(trustedAccounts)).sorted()
        self.trustedOrganizations = Array(Set(trustedOrganizations)).sorted()
        self.trustedNamespaces = trustedNamespaces.mapValues { Array(Set($0)).sorted() }
        self.origins = origins
    }

    /// The settings of an assessment file: its `trusted_accounts`, `trusted_organizations` and each target's
    /// `trusted_namespaces` option, all recorded as coming from `origin` (the file's path).
    public init(_ file: AssessmentFile, origin: String) {
        var namespaces: [String: [String]] = [:]
        for t in file.targets {
            if case .list(let l)? = t.options["trusted_namespaces"] { namespaces[t.name] = l.compactMap { if case .string(let s) = $0 { return s }; return nil } }
        }
        self.init(trustedAccounts: file.trustedAccounts, trustedOrganizations: file.trustedOrganizations, trustedNamespaces: namespaces,
                  origins: ["trusted_accounts": origin, "trusted_organizations": origin, "trusted_namespaces": origin, "parameters": origin])
    }

    enum CodingKeys: String, CodingKey {
        case origins
        case trustedAccounts = "trusted_accounts"
        case trustedOrganizations = "trusted_organizations"
        case trustedNamespaces = "trusted_namespaces"
    }
}
