import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The options of an `aws-kms` entry under `targets:` in `audit.yaml`, validated with the entry's line:
///
/// ```yaml
/// targets:
///   - kind: aws-kms
///     name: tenant-a                 # label in evidence locators and reports
///     regions: [us-east-1, eu-west-1] # or `all` (EC2 DescribeRegions); default: the profile's or AWS_REGION
///     profile: tenant-a              # shared credentials/config profile; default: environment, then AWS_PROFILE
///     role_arn: arn:aws:iam::111122223333:role/cek-audit   # optional role to assume first
///     external_id: example-external-id
///     endpoint: http://127.0.0.1:5100  # optional: one endpoint for every service (moto, VPC endpoint)
///     account: "111122223333"        # optional: the account the credentials must belong to
///     tenant: tenant-a               # optional tenant label on every key (default: the account)
///     concurrency: 8                 # requests in flight at once (1–64)
///     timeout_seconds: 10            # per call attempt
///     max_attempts: 5                # per call, with exponential backoff and full jitter
///     backoff_base_ms: 100           # first backoff ceiling; doubles per attempt
///     backoff_max_ms: 20000          # cap of one backoff wait
///     max_requests: 100000           # requests in all, retries included; what is left unread is inconclusive
///     probe_foreign_role_arn: arn:aws:iam::444455556666:role/probe-tenant   # probes only: another account's role
///     sandbox: true                  # probes only (`cek-audit probe`, `assess --probe`); never probed without it
///     required: true                 # exit 69 when unreachable (default true)
/// ```
public struct AWSTargetOptions: Sendable, Hashable {
    /// Regions to read, in order, without repeats; `nil` means the profile's or the environment's region.
    public var regions: [String]?
    /// `regions: all`: every region enabled for the account (EC2 DescribeRegions).
    public var allRegions = false
    /// Shared credentials/config profile.
    public var profile: String?
    /// IAM role to assume before collecting, and its external id.
    public var roleArn: String?
    public var externalId: String?
    /// One endpoint for every service (an emulator, a VPC endpoint).
    public var endpoint: URL?
    /// The account the credentials must belong to.
    public var account: String?
    /// Tenant label for every key (default: the account id).
    public var tenant: String?
    /// Requests in flight at once.
    public var concurrency = 8
    /// Per request attempt, in seconds.
    public var timeoutSeconds = 10.0
    /// Attempts per call, and the backoff ceiling of the first retry and of any retry, in milliseconds.
    public var maxAttempts = 5
    public var backoffBaseMs = 100.0
    public var backoffMaxMs = 20_000.0
    /// Requests the target may send in all (every attempt counts): a bound on any walk a server can stretch, such as
    /// endless pagination. Calls beyond it are not sent and their facts are unknown.
    public var maxRequests = 100_000
    /// Active probes only (`sandbox: true`): a role in *another* account, assumed with the target's credentials, that
    /// must be refused use of the probe key (tenant isolation). `nil`: the isolation step is not attempted.
    public var probeForeignRoleArn: String?

    /// AWS Organizations: the role (name only, such as `OrganizationAccountAccessRole`) assumed in every member account
    /// that `organizations:ListAccounts` lists, with the target's credentials (the management or delegated-administrator
    /// account). Set: the target covers the organization's active member accounts; nil: one account.
    public var memberRoleName: String?
    /// The external id for the member role, if it requires one.
    public var memberExternalId: String?
    /// Only these member accounts (12-digit ids); nil: every active account.
    public var memberAccounts: [String]?
    /// Member accounts left out.
    public var excludeMemberAccounts: [String] = []
    /// Member accounts collected at once (each with its own `concurrency` of requests).
    public var memberConcurrency = 4

    /// Option names an `aws-kms` target accepts (besides `kind`, `name`, `required`).
    public static let known = ["regions", "profile", "role_arn", "external_id", "endpoint", "account", "tenant", "concurrency",
                               "timeout_seconds", "max_attempts", "backoff_base_ms", "backoff_max_ms", "max_requests", "probe_foreign_role_arn",
                               "member_role_name", "member_external_id", "member_accounts", "exclude_member_accounts", "member_concurrency"]

    public init() {}

    /// Reads and validates the options of `target`.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the option, the entry's line and a fix.
    public init(_ target: AssessmentFile.Target) throws {
        for key in target.options.keys.sorted() where !Self.known.contains(key) {
            let fix = YAMLCursor.closest(key, in: Self.known).map { "did you mean '\($0)'?" } ?? "known options: \(Self.known.joined(separator: ", "))"
            throw target.error("unknown option '\(key)'", fix: fix)
        }
        func string(_ key: String) throws -> String? {
            guard let v = target.options[key] else { return nil }
            guard case .string(let s) = v, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                if case .number = v, key == "account" { throw target.error("account must be quoted", fix: "write account: \"\(v.displayText)\"") }
                throw target.error("\(key) must be a non-empty string")
            }
            return s
        }
        func number(_ key: String, _ range: ClosedRange<Double>, integer: Bool) throws -> Double? {
            guard let v = target.options[key] else { return nil }
            guard case .number(let d) = v, range.contains(d), !integer || d == d.rounded() else {
                let what = integer ? "a whole number" : "a number"
                throw target.error("\(key) must be \(what) from \(FactValue.number(range.lowerBound).displayText) to \(FactValue.number(range.upperBound).displayText), found '\(v.displayText)'")
            }
            return d
        }
        if let v = target.options["regions"] {
            let list: [String]
            switch v {
            case .string(let s): list = [s]
            case .list(let items):
                list = try items.map { item in
                    guard case .string(let s) = item else { throw target.error("regions must be a list of region names") }
                    return s
                }
            default: throw target.error("regions must be a list of region names or `all`", fix: "write regions: [us-east-1, eu-west-1]")
            }
            if list == ["all"] {
                allRegions = true
            } else {
                guard !list.isEmpty else { throw target.error("regions is empty", fix: "name at least one region, or write regions: all") }
                for r in list where !AWSEndpoints.isRegionName(r) {
                    throw target.error("'\(r)' is not an AWS region name", fix: "write it like us-east-1 or eu-west-1")
                }
                var seen = Set<String>()
                regions = list.filter { seen.insert($0).inserted }
            }
        }
        profile = try string("profile")
        roleArn = try string("role_arn")
        if let r = roleArn, ARN(parsing: r)?.service != "iam" {
            throw target.error("role_arn '\(r)' is not an IAM role ARN", fix: "write it like arn:aws:iam::111122223333:role/cek-audit")
        }
        externalId = try string("external_id")
        probeForeignRoleArn = try string("probe_foreign_role_arn")
        if let r = probeForeignRoleArn, ARN(parsing: r)?.service != "iam" {
            throw target.error("probe_foreign_role_arn '\(r)' is not an IAM role ARN", fix: "write it like arn:aws:iam::444455556666:role/probe-tenant")
        }
        if let e = try string("endpoint") {
            guard let u = URL(string: e), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
                throw target.error("endpoint '\(e)' is not an http(s) URL", fix: "write it like http://127.0.0.1:5100")
            }
            // Credentials in the URL would reach evidence locators and messages; SigV4 carries them instead.
            guard u.user == nil, u.password == nil else {
                throw target.error("the endpoint holds a user name or password", fix: "remove them: credentials come from the environment or profiles")
            }
            endpoint = u
        }
        account = try string("account")
        if let a = account, !(a.count == 12 && a.allSatisfy(\.isNumber)) {
            throw target.error("account '\(a)' is not a 12-digit AWS account id", fix: "quote it: \"111122223333\"")
        }
        tenant = try string("tenant")
        concurrency = Int(try number("concurrency", 1...64, integer: true) ?? 8)
        timeoutSeconds = try number("timeout_seconds", 0.1...300, integer: false) ?? 10
        maxAttempts = Int(try number("max_attempts", 1...10, integer: true) ?? 5)
        backoffBaseMs = try number("backoff_base_ms", 0...60_000, integer: false) ?? 100
        backoffMaxMs = try number("backoff_max_ms", 0...300_000, integer: false) ?? 20_000
        maxRequests = Int(try number("max_requests", 1...10_000_000, integer: true) ?? 100_000)
        memberRoleName = try string("member_role_name")
        if let r = memberRoleName, r.range(of: #"^[\w+=,.@/-]{1,64}$"#, options: .regularExpression) == nil || r.hasPrefix("arn:") {
            throw target.error("member_role_name '\(r)' is not an IAM role name", fix: "give the role's name only, such as OrganizationAccountAccessRole")
        }
        memberExternalId = try string("member_external_id")
        func accounts(_ key: String) throws -> [String]? {
            guard let v = target.options[key] else { return nil }
            let items: [FactValue]
            switch v {
            case .list(let l): items = l
            case .string: items = [v]
            default: throw target.error("\(key) must be a list of 12-digit account ids")
            }
            return try items.map { item in
                guard case .string(let s) = item, s.utf8.count == 12, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw target.error("\(key) must be a list of 12-digit account ids", fix: "quote each id: [\"111122223333\"]")
                }
                return s
            }
        }
        memberAccounts = try accounts("member_accounts")
        excludeMemberAccounts = try accounts("exclude_member_accounts") ?? []
        memberConcurrency = Int(try number("member_concurrency", 1...64, integer: true) ?? 4)
        if memberRoleName == nil, memberAccounts != nil || !excludeMemberAccounts.isEmpty || memberExternalId != nil {
            throw target.error("member_accounts, exclude_member_accounts and member_external_id apply to an organization target",
                               fix: "add member_role_name: OrganizationAccountAccessRole (the role to assume in each member account)")
        }
    }

    /// The retry policy these options describe.
    public var retry: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: backoffBaseMs / 1000, maximumDelay: backoffMaxMs / 1000)
    }
}
