import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The options of a `gcp-kms` entry under `targets:` in `audit.yaml`, validated with the entry's line:
///
/// ```yaml
/// targets:
///   - kind: gcp-kms
///     name: prod                          # label in evidence locators and reports
///     projects: [example-project]         # project ids to read (required unless `parents:` is given)
///     parents: [folders/123456789012]     # and/or every ACTIVE project below these folders or organizations
///     locations: [global, europe-west4]   # default: every location of each project (locations.list)
///     credentials_file: secrets/sa.json   # or access_token_env / access_token_file; see ``GCPCredentialSource``
///     data_stores: true                   # read CMEK fields of data stores through Cloud Asset Inventory
///     concurrency: 8                      # requests in flight at once (1–64)
///     timeout_seconds: 10                 # per request attempt, for the whole answer
///     max_attempts: 5                     # 429 and 5xx are retried with full jitter, honouring Retry-After
///     max_requests: 100000                # requests in all, retries included
///     required: true                      # exit 69 when unreachable (default true)
///     # endpoints, for tests and private endpoints:
///     kms_endpoint: https://cloudkms.googleapis.com
///     resource_manager_endpoint: https://cloudresourcemanager.googleapis.com
///     org_policy_endpoint: https://orgpolicy.googleapis.com
///     asset_endpoint: https://cloudasset.googleapis.com
///     token_endpoint: https://oauth2.googleapis.com/token   # overrides a credentials file's token_uri
/// ```
///
/// Credentials are never written in `audit.yaml`: only where they are (an environment variable's name, a file).
public struct GCPTargetOptions: Sendable, Hashable {
    /// Project ids, in order, without repeats.
    public var projects: [String]
    /// Folders and organizations (`folders/123`, `organizations/456`) whose projects, at any depth, are read too
    /// (Resource Manager v3 `folders.list` and `projects.list` by parent).
    public var parents: [String] = []
    /// A project id (6–30 lowercase letters, digits, hyphens; legacy domain-scoped `example.com:id`) or number.
    static let projectPattern = #"^((([a-z0-9-]+\.)+[a-z]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20})$"#
    /// Locations to read; `nil`: every location `projects.locations.list` returns for each project.
    public var locations: [String]?
    /// Service endpoints, without a trailing slash.
    public var kmsEndpoint = URL(string: "https://cloudkms.googleapis.com")!
    public var resourceManagerEndpoint = URL(string: "https://cloudresourcemanager.googleapis.com")!
    public var orgPolicyEndpoint = URL(string: "https://orgpolicy.googleapis.com")!
    public var assetEndpoint = URL(string: "https://cloudasset.googleapis.com")!
    /// OAuth 2.0 token URI replacing the credentials file's `token_uri`.
    public var tokenEndpoint: URL?
    /// Name of an environment variable holding an access token.
    public var accessTokenEnv: String?
    /// Absolute path of a file holding an access token.
    public var accessTokenFile: String?
    /// Absolute path of a service-account key or authorized-user file.
    public var credentialsFile: String?
    /// Whether data stores are read through Cloud Asset Inventory.
    public var dataStores = false
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

    /// Option names a `gcp-kms` target accepts (besides `kind`, `name`, `required`).
    public static let known = ["projects", "parents", "locations", "kms_endpoint", "resource_manager_endpoint", "org_policy_endpoint", "asset_endpoint",
                               "token_endpoint", "access_token_env", "access_token_file", "credentials_file", "data_stores", "concurrency",
                               "timeout_seconds", "max_attempts", "backoff_base_ms", "backoff_max_ms", "max_requests"]

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
        func list(_ key: String, pattern: String, what: String, example: String) throws -> [String]? {
            guard let v = t.options[key] else { return nil }
            let items: [String]
            switch v {
            case .string(let s): items = [s]
            case .list(let l):
                items = try l.map { item in
                    guard case .string(let s) = item else { throw t.error(option: key, "expected a list of \(what)", fix: "write \(key): [\(example)]") }
                    return s
                }
            default: throw t.error(option: key, "expected a list of \(what)", fix: "write \(key): [\(example)]")
            }
            guard !items.isEmpty else { throw t.error(option: key, "the list is empty", fix: "write \(key): [\(example)]") }
            for s in items where s.range(of: pattern, options: .regularExpression) == nil {
                throw t.error(option: key, "'\(s)' is not \(what.hasSuffix("s") ? String(what.dropLast()) : what)", fix: "write it like \(example)")
            }
            var seen = Set<String>()
            return items.filter { seen.insert($0).inserted }
        }
        func number(_ key: String, _ range: ClosedRange<Double>, integer: Bool) throws -> Double? {
            guard let v = t.options[key] else { return nil }
            guard case .number(let d) = v, range.contains(d), !integer || d == d.rounded() else {
                throw t.error(option: key, "expected \(integer ? "a whole number" : "a number") from \(FactValue.number(range.lowerBound).displayText) to \(FactValue.number(range.upperBound).displayText), found '\(v.displayText)'")
            }
            return d
        }
        func endpoint(_ key: String) throws -> URL? {
            guard let s = try string(key) else { return nil }
            guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host?.isEmpty == false,
                  u.query == nil, u.fragment == nil else {
                throw t.error(option: key, "'\(s)' is not an http(s) URL", fix: "write it like https://cloudkms.googleapis.com")
            }
            // Credentials in a URL would reach evidence locators and messages.
            guard u.user == nil, u.password == nil else {
                throw t.error(option: key, "the URL holds a user name or password", fix: "remove them: credentials come from the environment or files")
            }
            var text = u.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            return URL(string: text)
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

        guard t.options["projects"] != nil || t.options["parents"] != nil else {
            throw t.error("no projects", fix: "add projects: [my-project-id], or parents: [folders/123456789012] for every project below a folder")
        }
        parents = try list("parents", pattern: #"^(folders|organizations)/[0-9]{1,20}$"#, what: "folders or organizations",
                           example: "folders/123456789012") ?? []
        // Project ids (6–30 lowercase letters, digits, hyphens; legacy domain-scoped `example.com:id`) or numbers.
        projects = try list("projects", pattern: Self.projectPattern,
                            what: "project ids", example: "example-project") ?? []
        locations = try list("locations", pattern: #"^[a-z][a-z0-9-]{0,62}$"#, what: "location names", example: "global, europe-west4")
        kmsEndpoint = try endpoint("kms_endpoint") ?? kmsEndpoint
        resourceManagerEndpoint = try endpoint("resource_manager_endpoint") ?? resourceManagerEndpoint
        orgPolicyEndpoint = try endpoint("org_policy_endpoint") ?? orgPolicyEndpoint
        assetEndpoint = try endpoint("asset_endpoint") ?? assetEndpoint
        tokenEndpoint = try endpoint("token_endpoint")
        if let e = try string("access_token_env") {
            guard e.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw t.error(option: "access_token_env", "'\(e)' is not an environment variable name", fix: "name the variable, e.g. GCP_ACCESS_TOKEN, not its value")
            }
            accessTokenEnv = e
        }
        accessTokenFile = try path("access_token_file")
        credentialsFile = try path("credentials_file")
        let given = [("access_token_env", accessTokenEnv), ("access_token_file", accessTokenFile), ("credentials_file", credentialsFile)]
            .filter { $0.1 != nil }.map(\.0)
        if given.count > 1 {
            throw t.error(option: given[1], "give one of access_token_env, access_token_file, credentials_file", fix: "remove \(given.dropFirst().joined(separator: ", "))")
        }
        if let v = t.options["data_stores"] {
            guard case .bool(let b) = v else { throw t.error(option: "data_stores", "expected true or false") }
            dataStores = b
        }
        concurrency = Int(try number("concurrency", 1...64, integer: true) ?? 8)
        timeoutSeconds = try number("timeout_seconds", 0.1...300, integer: false) ?? 10
        maxAttempts = Int(try number("max_attempts", 1...10, integer: true) ?? 5)
        backoffBaseMs = try number("backoff_base_ms", 0...60_000, integer: false) ?? 100
        backoffMaxMs = try number("backoff_max_ms", 0...300_000, integer: false) ?? 20_000
        maxRequests = Int(try number("max_requests", 1...10_000_000, integer: true) ?? 100_000)
    }
}
