import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Which ACL policies reach a transit key, and whether any of them lies outside the key's namespace (tenant).
///
/// OpenBao / Vault namespaces are tenants: a policy governs requests in its own namespace and in the namespaces below
/// it, where its paths are written with the child's path in front (`tenant-b/transit/decrypt/*` in the root
/// namespace). Policies of sibling namespaces cannot reach each other at all. So the only way for a principal outside
/// tenant B to use B's key is a policy in an ancestor namespace (the root, or a shared parent) whose rules reach
/// B's key paths — directly, through a `+` segment (`+/transit/*`) or through a glob (`tenant-*`, `*`).
///
/// For each policy in the key's namespace or an ancestor, the analysis asks the policy's deciding rule (see
/// ``ACLPathPattern``) for every transit endpoint that names the key (configure, rotate, encrypt, decrypt, rewrap,
/// sign, verify, hmac, data keys, export, backup, soft delete, delete …). A policy reaches the key when it may use
/// or change it there (`create`, `update`, `patch`, `delete`, `sudo`), or read its material (`read` on export and
/// backup). Reading the key's metadata or listing names does not use the key: an auditor's read-only policy is not
/// a tenant breach. Reaching from outside the key's namespace is cross-tenant unless that namespace
/// is trusted (`trusted_namespaces` on the target, for a provider's operations namespace). The built-in `root`
/// policy is the server's superuser and is not an ACL to analyse.
public struct NamespaceIsolationAnalyzer: Sendable {
    /// The result for one key.
    public struct Outcome: Sendable, Hashable {
        /// Policies that reach the key, `namespace:name`, sorted.
        public var policies: [String]
        /// Those outside the key's namespace and not trusted.
        public var foreignPolicies: [String]
        /// One sentence per foreign policy.
        public var findings: [String]
        /// `true`/`false`, or `nil` when a policy that could reach the key was not readable and none is known to.
        public var crossTenant: Bool?
        /// Why `crossTenant` is unknown.
        public var unknownReason: String?
    }

    /// Policies read, in every namespace.
    public let policies: [ACLPolicy]
    /// Namespaces (normalized, `""` for root) whose policy list or some policy could not be read, with the reason.
    public var unreadable: [String: String]
    /// Namespaces whose policies may reach into other tenants without counting as cross-tenant.
    public var trustedNamespaces: Set<String>
    /// `policies` sorted by namespace and name, each with its rules' patterns parsed once (every key asks each
    /// policy about 26 paths).
    private let sortedPolicies: [(policy: ACLPolicy, patterns: [ACLPathPattern])]

    /// - Parameters:
    ///   - policies: every policy read, in any namespace.
    ///   - unreadable: namespace → why its policies (or one of them) could not be read.
    ///   - trustedNamespaces: namespaces (any spelling: `root`, `ops`, `ops/`) whose reach is not cross-tenant.
    public init(policies: [ACLPolicy], unreadable: [String: String] = [:], trustedNamespaces: Set<String> = []) {
        self.policies = policies
        self.unreadable = Dictionary(uniqueKeysWithValues: unreadable.map { (ACLPolicy.normalize(namespace: $0.key), $0.value) })
        self.trustedNamespaces = Set(trustedNamespaces.map { ACLPolicy.normalize(namespace: $0) })
        self.sortedPolicies = policies.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) })
            .map { ($0, $0.rules.map { ACLPathPattern($0.path) }) }
    }

    /// Transit endpoints (relative to the mount) that act on key `name` (OpenBao API docs, "Transit secrets engine").
    public static func keyEndpoints(_ name: String) -> [String] {
        [
            "keys/\(name)", "keys/\(name)/config", "keys/\(name)/rotate", "keys/\(name)/trim", "keys/\(name)/import",
            "keys/\(name)/import_version", "keys/\(name)/soft-delete", "keys/\(name)/soft-delete-restore",
            "encrypt/\(name)", "decrypt/\(name)", "rewrap/\(name)", "sign/\(name)", "sign/\(name)/sha2-256",
            "verify/\(name)", "verify/\(name)/sha2-256", "hmac/\(name)", "hmac/\(name)/sha2-256",
            "datakey/plaintext/\(name)", "datakey/wrapped/\(name)", "export/encryption-key/\(name)",
            "export/signing-key/\(name)", "export/hmac-key/\(name)", "backup/\(name)", "restore/\(name)",
        ]
    }

    /// Analyses the key `name` on `mount` (`transit/`) in `namespace` (`tenant-b/`, `""` for root).
    public func analyze(namespace rawNamespace: String, mount rawMount: String, name: String) -> Outcome {
        let namespace = ACLPolicy.normalize(namespace: rawNamespace)
        let mount = rawMount.hasSuffix("/") ? rawMount : rawMount + "/"
        let endpoints = NamespaceIsolationAnalyzer.keyEndpoints(name)
        var reaching: [String] = []
        var foreign: [String] = []
        var findings: [String] = []
        for (policy, patterns) in sortedPolicies {
            guard namespace.hasPrefix(policy.namespace) else { continue }   // only ancestors-or-self govern the key
            if policy.namespace.isEmpty && policy.name == "root" { continue }
            let relative = String(namespace.dropFirst(policy.namespace.count)) + mount
            var granted: [(String, ACLPolicy.Rule)] = []
            for e in endpoints {
                if let rule = ACLPathPattern.decidingRule(for: relative + e, in: policy.rules, patterns: patterns), NamespaceIsolationAnalyzer.reaches(rule, endpoint: e) {
                    granted.append((e, rule))
                }
            }
            guard !granted.isEmpty else { continue }
            reaching.append(policy.qualifiedName)
            let outside = policy.namespace != namespace
            if outside && !trustedNamespaces.contains(policy.namespace) {
                foreign.append(policy.qualifiedName)
                var rules: [String] = []
                for (_, r) in granted where !rules.contains(r.path) { rules.append(r.path) }
                let ops = Set(granted.map { NamespaceIsolationAnalyzer.operation(of: $0.0) }).sorted()
                let place = policy.namespace.isEmpty ? "the root namespace" : "namespace \(ACLPolicy.displayName(namespace: policy.namespace))"
                findings.append("Policy \(policy.name) in \(place) reaches key \(ACLPolicy.displayName(namespace: namespace))/\(mount)keys/\(name) through \(rules.map { "path \"\($0)\"" }.joined(separator: ", ")) (\(ops.joined(separator: ", "))).")
            }
        }
        // Policies that could not be read above the key's namespace might reach it from outside; those of its own
        // namespace, or of a trusted one, would not count even if they did.
        let blind = unreadable.filter { namespace.hasPrefix($0.key) && $0.key != namespace && !trustedNamespaces.contains($0.key) }
            .sorted { $0.key < $1.key }
        var cross: Bool? = !foreign.isEmpty
        var reason: String?
        if foreign.isEmpty, !blind.isEmpty {
            cross = nil
            reason = blind.map { "policies of namespace \(ACLPolicy.displayName(namespace: $0.key)) could not be read (\($0.value))" }.joined(separator: "; ")
        }
        return Outcome(policies: reaching, foreignPolicies: foreign, findings: findings, crossTenant: cross, unknownReason: reason)
    }

    /// Whether `rule` lets its holder use, change or extract the key at `endpoint` (relative to the mount).
    static func reaches(_ rule: ACLPolicy.Rule, endpoint: String) -> Bool {
        guard rule.grants else { return false }
        let caps = Set(rule.capabilities)
        if !caps.isDisjoint(with: ["create", "update", "patch", "delete", "sudo"]) { return true }
        // GET on these returns key material.
        return caps.contains("read") && (endpoint.hasPrefix("export/") || endpoint.hasPrefix("backup/"))
    }

    /// The operation an endpoint stands for (`decrypt/k` → `decrypt`, `keys/k/rotate` → `rotate`).
    static func operation(of endpoint: String) -> String {
        let parts = endpoint.split(separator: "/").map(String.init)
        guard let head = parts.first else { return endpoint }
        if head == "keys" { return parts.count > 2 ? parts[2] : "read or manage" }
        if head == "datakey" || head == "export" { return "\(head) \(parts.count > 1 ? parts[1] : "")".trimmingCharacters(in: .whitespaces) }
        return head
    }
}
