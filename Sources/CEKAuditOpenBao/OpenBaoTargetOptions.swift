import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The options of an `openbao` target in `audit.yaml`:
///
/// ```yaml
/// targets:
///   - kind: openbao
///     name: bao-prod
///     address: https://bao.example.com:8200     # or address_env: BAO_ADDR (default: $BAO_ADDR, then $VAULT_ADDR)
///     token_env: BAO_TOKEN                      # or token_file: secrets/bao-token (default: $BAO_TOKEN, then $VAULT_TOKEN)
///     namespace: tenant-a                       # where to start (default: the root namespace, and every child)
///     ca_file: certs/bao-ca.pem                 # trust this CA instead of the system store
///     timeout_seconds: 10
///     retries: 2
///     trusted_namespaces: [ops]                 # namespaces whose policies may reach tenants' keys
///     probe_token_env: TENANT_A_TOKEN           # optional isolation probe: a token of one tenant …
///     probe_namespace: tenant-a                 # … and its namespace; it must be denied every other tenant's keys
///     max_namespace_depth: 8                    # levels of child namespaces walked below `namespace`
///     max_namespaces: 1000                      # namespaces read in all, `namespace` included
///     max_requests: 100000                      # requests in all, retries included
/// ```
///
/// The limits bound what a server can make the collector walk; what lies beyond them is reported as a failed
/// source (checks over it are inconclusive), never as a complete inventory.
///
/// Paths are relative to the assessment file. Tokens are read from the environment or a file, never from
/// `audit.yaml` itself.
public struct OpenBaoTargetOptions: Sendable, Hashable {
    /// Server address without `/v1` (`https://bao.example.com:8200`).
    public var address: URL
    /// Where the token comes from (`environment variable BAO_TOKEN`), for messages; never the token.
    public var tokenEnv: String?
    /// Absolute path of a file holding the token.
    public var tokenFile: String?
    /// Normalized namespace path (`tenant-a/`, empty for root).
    public var namespace: String
    /// Absolute path of a PEM CA bundle to trust instead of the system store.
    public var caFile: String?
    /// Seconds per attempt.
    public var timeout: TimeInterval
    /// Extra attempts after a 5xx, 429 or transport error.
    public var retries: Int
    /// Normalized namespaces whose policies may reach tenants' keys without counting as cross-tenant.
    public var trustedNamespaces: [String]
    /// Isolation probe: where that tenant's token is, and the tenant's normalized namespace.
    public var probeTokenEnv: String?
    public var probeTokenFile: String?
    public var probeNamespace: String?
    /// Levels of child namespaces listed below ``namespace`` (0: only ``namespace`` itself).
    public var maxNamespaceDepth: Int
    /// Namespaces read in all, ``namespace`` included.
    public var maxNamespaces: Int
    /// Requests sent in all, every attempt counted (``RequestBudget``).
    public var maxRequests: Int

    /// Default of ``maxNamespaceDepth``.
    public static let defaultMaxNamespaceDepth = 8
    /// Default of ``maxNamespaces``.
    public static let defaultMaxNamespaces = 1000
    /// Default of ``maxRequests``.
    public static let defaultMaxRequests = 100_000

    /// Option names this collector reads.
    public static let known = ["address", "address_env", "token_env", "token_file", "namespace", "ca_file", "timeout_seconds", "retries",
                               "trusted_namespaces", "probe_token_env", "probe_token_file", "probe_namespace", "max_namespace_depth",
                               "max_namespaces", "max_requests"]

    /// Reads and checks a target's options.
    /// - Parameter environment: the process environment (for `address_env` and the default address).
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the option, its line and the fix.
    public static func parse(_ t: AssessmentFile.Target, environment: [String: String]) throws -> OpenBaoTargetOptions {
        for key in t.options.keys.sorted() where !known.contains(key) {
            throw t.error(option: key, "unknown option", fix: "known options: \(known.joined(separator: ", "))")
        }
        func string(_ key: String) throws -> String? {
            guard let v = t.options[key] else { return nil }
            guard case .string(let s) = v, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw t.error(option: key, "expected a non-empty string")
            }
            return s
        }
        func envName(_ key: String) throws -> String? {
            guard let s = try string(key) else { return nil }
            guard s.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw t.error(option: key, "'\(s)' is not an environment variable name", fix: "name the variable, e.g. BAO_TOKEN, not its value")
            }
            return s
        }
        let base = (t.file as NSString).deletingLastPathComponent
        func path(_ key: String) throws -> String? {
            guard let s = try string(key) else { return nil }
            let full = s.hasPrefix("/") ? s : (base.isEmpty ? s : base + "/" + s)
            guard FileManager.default.isReadableFile(atPath: full) else {
                let problem = FileProblem.reading(full)
                throw t.error(option: key, "the file \(s) cannot be read: \(problem.what)",
                              fix: problem.pathMissing ? "give a path relative to the assessment file" : problem.fix)
            }
            return full
        }
        let addressText: String
        if let a = try string("address") {
            if t.options["address_env"] != nil { throw t.error(option: "address_env", "give address or address_env, not both") }
            addressText = a
        } else if let e = try envName("address_env") {
            guard let a = environment[e], !a.isEmpty else {
                throw t.error(option: "address_env", "the environment variable \(e) is not set", fix: "export \(e)=https://host:8200 or write address:")
            }
            addressText = a
        } else if let a = environment["BAO_ADDR"] ?? environment["VAULT_ADDR"], !a.isEmpty {
            addressText = a
        } else {
            throw t.error("no address", fix: "add address: https://host:8200 (or address_env:, or export BAO_ADDR)")
        }
        guard let url = URL(string: addressText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false, url.query == nil, url.user == nil, url.password == nil else {
            throw t.error(option: t.options["address"] != nil ? "address" : "address_env",
                          "'\(addressText)' is not an http(s) address", fix: "write it as https://host:8200, without /v1, credentials or a query")
        }
        var timeout: TimeInterval = 10
        if let v = t.options["timeout_seconds"] {
            guard case .number(let d) = v, d > 0, d <= 600 else { throw t.error(option: "timeout_seconds", "expected a number of seconds between 0 and 600") }
            timeout = d
        }
        var retries = 2
        if let v = t.options["retries"] {
            guard case .number(let d) = v, d >= 0, d <= 10, d == d.rounded() else { throw t.error(option: "retries", "expected a whole number from 0 to 10") }
            retries = Int(d)
        }
        func whole(_ key: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let v = t.options[key] else { return value }
            guard case .number(let d) = v, d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                throw t.error(option: key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)",
                              fix: "the default is \(value)")
            }
            return Int(d)
        }
        let maxDepth = try whole("max_namespace_depth", 0...64, default: defaultMaxNamespaceDepth)
        let maxNamespaces = try whole("max_namespaces", 1...100_000, default: defaultMaxNamespaces)
        let maxRequests = try whole("max_requests", 1...10_000_000, default: defaultMaxRequests)
        var trusted: [String] = []
        if let v = t.options["trusted_namespaces"] {
            guard case .list(let items) = v else { throw t.error(option: "trusted_namespaces", "expected a list of namespace paths") }
            for item in items {
                guard case .string(let s) = item else { throw t.error(option: "trusted_namespaces", "expected namespace paths as strings") }
                trusted.append(ACLPolicy.normalize(namespace: s))
            }
        }
        let tokenEnv = try envName("token_env"), tokenFile = try path("token_file")
        if tokenEnv != nil && tokenFile != nil { throw t.error(option: "token_file", "give token_env or token_file, not both") }
        let probeEnv = try envName("probe_token_env"), probeFile = try path("probe_token_file")
        if probeEnv != nil && probeFile != nil { throw t.error(option: "probe_token_file", "give probe_token_env or probe_token_file, not both") }
        let probeNamespace = try string("probe_namespace")
        if (probeEnv != nil || probeFile != nil) != (probeNamespace != nil) {
            throw t.error(option: probeNamespace == nil ? (probeEnv != nil ? "probe_token_env" : "probe_token_file") : "probe_namespace",
                          "the isolation probe needs both a token (probe_token_env or probe_token_file) and probe_namespace")
        }
        return OpenBaoTargetOptions(address: url, tokenEnv: tokenEnv, tokenFile: tokenFile,
                                    namespace: ACLPolicy.normalize(namespace: try string("namespace") ?? ""), caFile: try path("ca_file"),
                                    timeout: timeout, retries: retries, trustedNamespaces: trusted, probeTokenEnv: probeEnv,
                                    probeTokenFile: probeFile, probeNamespace: probeNamespace.map { ACLPolicy.normalize(namespace: $0) },
                                    maxNamespaceDepth: maxDepth, maxNamespaces: maxNamespaces, maxRequests: maxRequests)
    }

    /// The collection token: `token_env`, else `token_file`, else `$BAO_TOKEN`, else `$VAULT_TOKEN`. Returns the
    /// token and where it came from (for messages), or `nil` and what was tried.
    public func token(environment: [String: String]) -> (token: String?, origin: String) {
        OpenBaoTargetOptions.resolve(env: tokenEnv, file: tokenFile, defaults: ["BAO_TOKEN", "VAULT_TOKEN"], environment: environment)
    }

    /// The isolation probe's token, when a probe is configured.
    public func probeToken(environment: [String: String]) -> (token: String?, origin: String)? {
        guard probeTokenEnv != nil || probeTokenFile != nil else { return nil }
        return OpenBaoTargetOptions.resolve(env: probeTokenEnv, file: probeTokenFile, defaults: [], environment: environment)
    }

    static func resolve(env: String?, file: String?, defaults: [String], environment: [String: String]) -> (token: String?, origin: String) {
        if let env {
            let v = environment[env]?.trimmingCharacters(in: .whitespacesAndNewlines)
            return (v?.isEmpty == false ? v : nil, "environment variable \(env)")
        }
        if let file {
            let v = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return (v?.isEmpty == false ? v : nil, "token file \((file as NSString).lastPathComponent)")
        }
        for name in defaults {
            if let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty { return (v, "environment variable \(name)") }
        }
        return (nil, defaults.isEmpty ? "no token source" : "environment variables \(defaults.joined(separator: ", "))")
    }
}
