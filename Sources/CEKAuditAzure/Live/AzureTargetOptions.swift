import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The options of an `azure-keyvault` entry under `targets:` in `audit.yaml`, validated with the entry's line:
///
/// ```yaml
/// targets:
///   - kind: azure-keyvault
///     name: prod                                            # label in evidence locators and reports
///     subscriptions: [00000000-0000-0000-0000-000000000001] # subscription ids to read (required), or `all`: every
///                                                           # enabled subscription the identity can see in its tenant
///     exclude_subscriptions: [00000000-0000-0000-0000-000000000009] # with `all`: left out
///     tenant_id: 11111111-2222-3333-4444-555555555555       # Entra tenant (required with client_id)
///     client_id: 22222222-3333-4444-5555-666666666666       # with client_secret_env: the client-credentials grant
///     client_secret_env: AZURE_CLIENT_SECRET                # the variable's name, never the secret
///     # or access_token_env: NAME / access_token_file: PATH; see ``AzureCredentialSource``
///     concurrency: 8                                        # requests in flight at once (1–64)
///     timeout_seconds: 10                                   # per request attempt, for the whole answer
///     max_attempts: 5                                       # 429 and 5xx are retried with full jitter, honouring Retry-After
///     max_requests: 100000                                  # requests in all, retries included
///     required: true                                        # exit 69 when unreachable (default true)
///     arm_endpoint: https://management.azure.com            # for tests and sovereign clouds
///     authority: https://login.microsoftonline.com          # Microsoft Entra ID token authority
/// ```
///
/// Credentials are never written in `audit.yaml`: only where they are (an environment variable's name, a file).
public struct AzureTargetOptions: Sendable, Hashable {
    /// Subscription ids (GUIDs, lower-cased), in order, without repeats; empty with ``allSubscriptions``.
    public var subscriptions: [String]
    /// `subscriptions: all`: every enabled subscription the identity can list (ARM `GET /subscriptions`).
    public var allSubscriptions = false
    /// With ``allSubscriptions``: subscriptions left out (lower-cased GUIDs).
    public var excludeSubscriptions: [String] = []
    /// Entra tenant id or domain, for the client-credentials grant.
    public var tenantId: String?
    /// Azure Resource Manager, without a trailing slash.
    public var armEndpoint = URL(string: "https://management.azure.com")!
    /// Microsoft Entra ID authority, without a trailing slash.
    public var authority = URL(string: "https://login.microsoftonline.com")!
    /// Name of an environment variable holding an ARM access token.
    public var accessTokenEnv: String?
    /// Absolute path of a file holding an access token (raw, or the JSON `az account get-access-token` prints).
    public var accessTokenFile: String?
    /// Application (client) id of the service principal for the client-credentials grant.
    public var clientId: String?
    /// Name of the environment variable holding the client secret.
    public var clientSecretEnv: String?
    /// Requests in flight at once.
    public var concurrency = 8
    /// Seconds per request attempt, for the whole answer.
    public var timeoutSeconds = 10.0
    /// Attempts per call (first included).
    public var maxAttempts = 5
    /// Backoff ceiling of the first retry and cap of any wait, in milliseconds.
    public var backoffBaseMs = 100.0
    public var backoffMaxMs = 20_000.0
    /// Requests the target may send in all (``RequestBudget``).
    public var maxRequests = 100_000

    /// Option names an `azure-keyvault` target accepts (besides `kind`, `name`, `required`).
    public static let known = ["subscriptions", "exclude_subscriptions", "tenant_id", "arm_endpoint", "authority", "access_token_env", "access_token_file", "client_id",
                               "client_secret_env", "concurrency", "timeout_seconds", "max_attempts", "backoff_base_ms", "backoff_max_ms",
                               "max_requests"]

    static let guid = #"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"#
    static let envName = #"^[A-Za-z_][A-Za-z0-9_]*$"#

    /// Reads and validates the options of `target`; relative paths are resolved against the assessment file's folder.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the option, its line and a fix.
    public init(_ t: AssessmentFile.Target) throws {
        for key in t.options.keys.sorted() where !Self.known.contains(key) {
            let fix = YAMLCursor.closest(key, in: Self.known).map { "did you mean '\($0)'?" } ?? "known options: \(Self.known.joined(separator: ", "))"
            throw t.error(option: key, "unknown option", fix: fix)
        }
        func string(_ key: String) throws -> String? {
            guard let v = t.options[key] else { return nil }
            guard case .string(let s) = v, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw t.error(option: key, "expected a non-empty string")
            }
            return s
        }
        func number(_ key: String, _ range: ClosedRange<Double>, integer: Bool) throws -> Double? {
            guard let v = t.options[key] else { return nil }
            guard case .number(let d) = v, range.contains(d), !integer || d == d.rounded() else {
                throw t.error(option: key, "expected \(integer ? "a whole number" : "a number") from \(FactValue.number(range.lowerBound).displayText) to \(FactValue.number(range.upperBound).displayText), found '\(v.displayText)'")
            }
            return d
        }
        func endpoint(_ key: String, example: String) throws -> URL? {
            guard let s = try string(key) else { return nil }
            guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host?.isEmpty == false,
                  u.query == nil, u.fragment == nil else {
                throw t.error(option: key, "'\(s)' is not an http(s) URL", fix: "write it like \(example)")
            }
            // Credentials in a URL would reach evidence locators and messages.
            guard u.user == nil, u.password == nil else {
                throw t.error(option: key, "the URL holds a user name or password", fix: "remove them: credentials come from the environment or files")
            }
            var text = u.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            return URL(string: text)
        }
        func variable(_ key: String, example: String) throws -> String? {
            guard let e = try string(key) else { return nil }
            guard e.range(of: Self.envName, options: .regularExpression) != nil else {
                throw t.error(option: key, "'\(e)' is not an environment variable name", fix: "name the variable, e.g. \(example), not its value")
            }
            return e
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

        guard let raw = t.options["subscriptions"] else {
            throw t.error("no subscriptions", fix: "add subscriptions: [00000000-0000-0000-0000-000000000000]")
        }
        let example = "00000000-0000-0000-0000-000000000000"
        let items: [String]
        switch raw {
        case .string(let s) where s.lowercased() == "all": items = []
        case .string(let s): items = [s]
        case .list(let l):
            items = try l.map { item in
                guard case .string(let s) = item else { throw t.error(option: "subscriptions", "expected a list of subscription ids", fix: "write subscriptions: [\(example)]") }
                return s
            }
        default: throw t.error(option: "subscriptions", "expected a list of subscription ids", fix: "write subscriptions: [\(example)]")
        }
        allSubscriptions = raw == .string("all") || raw == .string("ALL") || raw == .string("All")
        guard !items.isEmpty || allSubscriptions else { throw t.error(option: "subscriptions", "the list is empty", fix: "write subscriptions: [\(example)], or subscriptions: all") }
        for s in items where s.range(of: Self.guid, options: .regularExpression) == nil {
            throw t.error(option: "subscriptions", "'\(s)' is not a subscription id", fix: "write the subscription's GUID, like \(example) (az account list -o table)")
        }
        var seen = Set<String>()
        subscriptions = items.map { $0.lowercased() }.filter { seen.insert($0).inserted }
        if let raw = t.options["exclude_subscriptions"] {
            guard allSubscriptions else {
                throw t.error(option: "exclude_subscriptions", "applies to subscriptions: all only", fix: "remove it, or write subscriptions: all")
            }
            let list: [FactValue]
            switch raw {
            case .list(let l): list = l
            case .string: list = [raw]
            default: throw t.error(option: "exclude_subscriptions", "expected a list of subscription ids", fix: "write exclude_subscriptions: [\(example)]")
            }
            excludeSubscriptions = try list.map { item in
                guard case .string(let s) = item, s.range(of: Self.guid, options: .regularExpression) != nil else {
                    throw t.error(option: "exclude_subscriptions", "expected a list of subscription ids", fix: "write exclude_subscriptions: [\(example)]")
                }
                return s.lowercased()
            }
        }

        if let tenant = try string("tenant_id") {
            // A GUID or a verified domain (contoso.onmicrosoft.com); it becomes a path segment of the token URL.
            guard tenant.range(of: Self.guid, options: .regularExpression) != nil
                    || tenant.range(of: #"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$"#, options: .regularExpression) != nil else {
                throw t.error(option: "tenant_id", "'\(tenant)' is not a tenant id", fix: "write the Entra tenant's GUID or domain, like 11111111-2222-3333-4444-555555555555")
            }
            tenantId = tenant
        }
        armEndpoint = try endpoint("arm_endpoint", example: "https://management.azure.com") ?? armEndpoint
        authority = try endpoint("authority", example: "https://login.microsoftonline.com") ?? authority
        accessTokenEnv = try variable("access_token_env", example: "AZURE_ACCESS_TOKEN")
        accessTokenFile = try path("access_token_file")
        clientSecretEnv = try variable("client_secret_env", example: "AZURE_CLIENT_SECRET")
        if let c = try string("client_id") {
            guard c.range(of: Self.guid, options: .regularExpression) != nil else {
                throw t.error(option: "client_id", "'\(c)' is not an application (client) id", fix: "write the app registration's GUID")
            }
            clientId = c
        }
        if clientId != nil || clientSecretEnv != nil {
            guard clientId != nil else { throw t.error(option: "client_secret_env", "client_secret_env without client_id", fix: "add client_id: <application id>") }
            guard clientSecretEnv != nil else { throw t.error(option: "client_id", "client_id without client_secret_env", fix: "add client_secret_env: AZURE_CLIENT_SECRET") }
            guard tenantId != nil else { throw t.error(option: "client_id", "the client-credentials grant needs tenant_id", fix: "add tenant_id: <Entra tenant id>") }
        }
        let given = [("access_token_env", accessTokenEnv != nil), ("access_token_file", accessTokenFile != nil), ("client_id", clientId != nil)]
            .filter(\.1).map(\.0)
        if given.count > 1 {
            throw t.error(option: given[1], "give one of access_token_env, access_token_file, client_id + client_secret_env",
                          fix: "remove \(given.dropFirst().joined(separator: ", "))")
        }
        concurrency = Int(try number("concurrency", 1...64, integer: true) ?? 8)
        timeoutSeconds = try number("timeout_seconds", 0.1...300, integer: false) ?? 10
        maxAttempts = Int(try number("max_attempts", 1...10, integer: true) ?? 5)
        backoffBaseMs = try number("backoff_base_ms", 0...60_000, integer: false) ?? 100
        backoffMaxMs = try number("backoff_max_ms", 0...300_000, integer: false) ?? 20_000
        maxRequests = Int(try number("max_requests", 1...10_000_000, integer: true) ?? 100_000)
    }
}
