import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// An OpenBao / Vault ACL policy as read from `GET /v1/sys/policies/acl/:name`: its name, the namespace it is
/// defined in, and its path rules (OpenBao documentation, "Policies": `path "<pattern>" { capabilities = [...] }`).
///
/// A policy only governs requests in its own namespace and the namespaces below it; a rule whose path begins with a
/// child namespace (`tenant-b/transit/...`) reaches into that child.
public struct ACLPolicy: Sendable, Hashable {
    /// One `path` stanza.
    public struct Rule: Sendable, Hashable {
        /// The path pattern as written: exact, ending in the glob `*`, or with `+` segment wildcards.
        public var path: String
        /// Capabilities: `create`, `read`, `update`, `patch`, `delete`, `list`, `sudo`, `deny`.
        public var capabilities: [String]
        /// 1-based line of the stanza in the policy text, when known.
        public var line: Int?

        public init(path: String, capabilities: [String], line: Int? = nil) {
            self.path = path
            self.capabilities = capabilities
            self.line = line
        }

        /// Whether the rule grants anything: it has a capability and `deny` is not among them.
        public var grants: Bool { !capabilities.isEmpty && !capabilities.contains("deny") }
    }

    /// Policy name (`tenant-a-kms`).
    public var name: String
    /// Namespace path with a trailing slash (`tenant-a/`), or the empty string for the root namespace.
    public var namespace: String
    /// The `path` stanzas, in document order.
    public var rules: [Rule]

    public init(name: String, namespace: String, rules: [Rule]) {
        self.name = name
        self.namespace = ACLPolicy.normalize(namespace: namespace)
        self.rules = rules
    }

    /// `namespace:name`, with `root` for the root namespace (`tenant-a:tenant-a-kms`, `root:support`).
    public var qualifiedName: String { "\(ACLPolicy.displayName(namespace: namespace)):\(name)" }

    /// A namespace path in the form used here: no leading slash, one trailing slash, empty for root (`root` and
    /// `/` also mean the root namespace).
    public static func normalize(namespace: String) -> String {
        let s = trimmed(namespace)
        return s.isEmpty || s == "root" ? "" : s + "/"
    }

    /// The namespace as shown in facts: `root`, or the path without its trailing slash.
    public static func displayName(namespace: String) -> String {
        let s = trimmed(namespace)
        return s.isEmpty || s == "root" ? "root" : s
    }

    /// `namespace` without leading and trailing `/` and spaces — what `trimmingCharacters(in: "/ ")` gives, without
    /// building a `CharacterSet` per call (the audit-log reader calls this for every transit record). Both are ASCII,
    /// so trimming their bytes trims the same scalars.
    static func trimmed(_ namespace: String) -> String {
        let u = namespace.utf8
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, u[lo] == 0x2F || u[lo] == 0x20 { lo = u.index(after: lo) }
        while lo < hi {
            let p = u.index(before: hi)
            guard u[p] == 0x2F || u[p] == 0x20 else { break }
            hi = p
        }
        if lo == u.startIndex && hi == u.endIndex { return namespace }
        // From the bytes, not `namespace[lo..<hi]`: a bound may fall inside a character (`/` before a combining mark).
        return String(u[lo..<hi]) ?? String(decoding: Array(u[lo..<hi]), as: UTF8.self)
    }
}
