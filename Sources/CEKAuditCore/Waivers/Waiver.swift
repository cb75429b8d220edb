import Foundation

/// One accepted exception (`waivers.yaml`, schema version 1): a failing check on the resources a selector names is
/// accepted until `expires`, with the justification, compensating control and approver that make it an exception
/// rather than a mute (AICM CEK-08 AG-7).
///
/// A waiver turns a matching `fail` into `waived` and nothing else: inconclusive and manual results stay as they are
/// (missing evidence never passes). An expired waiver, or one whose lifetime exceeds the `max_waiver_days` parameter,
/// applies to nothing and is reported.
public struct Waiver: Sendable, Hashable, Codable {
    /// What a waiver covers besides its check: exactly one of a resource glob, a tag or a tenant.
    public enum Selector: Sendable, Hashable, Codable {
        /// A resource id, ARN, alias or name; `*` matches any run of characters.
        case resource(String)
        /// A tag `KEY=VALUE` on the resource, or on the key it belongs to.
        case tag(key: String, value: String)
        /// The tenant of the resource, or of the key it belongs to.
        case tenant(String)

        private enum Key: String, CodingKey { case resource, tag, tenant }

        /// Decodes `{"resource": glob}`, `{"tag": {KEY: VALUE}}` or `{"tenant": name}`, as the waiver file writes them.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if let g = try c.decodeIfPresent(String.self, forKey: .resource) { self = .resource(g); return }
            if let t = try c.decodeIfPresent(String.self, forKey: .tenant) { self = .tenant(t); return }
            if let tag = try c.decodeIfPresent([String: String].self, forKey: .tag), tag.count == 1, let pair = tag.first {
                self = .tag(key: pair.key, value: pair.value)
                return
            }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a selector has one of resource, tag {KEY: VALUE} or tenant"))
        }

        /// Encodes the selector as the waiver file writes it.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch self {
            case .resource(let g): try c.encode(g, forKey: .resource)
            case .tag(let k, let v): try c.encode([k: v], forKey: .tag)
            case .tenant(let t): try c.encode(t, forKey: .tenant)
            }
        }

        /// The selector as written, for reports: `resource aws_db_instance.*`, `tag env=dev`, `tenant tenant-a`.
        public var description: String {
            switch self {
            case .resource(let g): return "resource \(g)"
            case .tag(let k, let v): return "tag \(k)=\(v)"
            case .tenant(let t): return "tenant \(t)"
            }
        }
    }

    /// Unique id within the file (`W-001`, a ticket key …).
    public var id: String
    /// A check id, or a guideline id (every check of that guideline).
    public var check: String
    public var selector: Selector
    public var justification: String?
    /// The control that reduces the risk while the exception stands.
    public var compensatingControl: String?
    public var approver: String?
    public var ticket: String?
    public var created: Date?
    /// Required: a waiver without an end date is a mute.
    public var expires: Date
    /// Days before `expires` from which the waiver is reported as expiring (default ``Waiver/defaultWarnDays``).
    public var warnDays: Int?
    /// Line of the entry in ``WaiverSet/source``.
    public var line: Int?

    /// Days before expiry from which a waiver is reported as expiring, when it gives no `warn_days`.
    public static let defaultWarnDays = 30

    public init(id: String, check: String, selector: Selector, justification: String? = nil, compensatingControl: String? = nil,
                approver: String? = nil, ticket: String? = nil, created: Date? = nil, expires: Date, warnDays: Int? = nil, line: Int? = nil) {
        self.id = id
        self.check = check
        self.selector = selector
        self.justification = justification
        self.compensatingControl = compensatingControl
        self.approver = approver
        self.ticket = ticket
        self.created = created
        self.expires = expires
        self.warnDays = warnDays
        self.line = line
    }

    enum CodingKeys: String, CodingKey {
        case id, check, selector, justification, approver, ticket, created, expires, line
        case compensatingControl = "compensating_control"
        case warnDays = "warn_days"
    }

    /// Whether the waiver names `check` (its id) of `guideline`.
    public func covers(check id: String, guideline: String) -> Bool { check == id || check == guideline }

    /// Whole days from `now` to `expires`, negative once expired.
    public func daysLeft(at now: Date) -> Int { Int((expires.timeIntervalSince(now) / 86_400).rounded(.down)) }

    /// Whole days from `created` (or `now` when not given) to `expires`.
    public func lifetimeDays(at now: Date) -> Int { Int((expires.timeIntervalSince(created ?? now) / 86_400).rounded(.up)) }
}

/// The waivers in force for an assessment, and the file they came from. Recorded in an evidence bundle's settings,
/// so `evaluate` applies the same waivers unless `--waivers` or `--assessment` replaces them.
public struct WaiverSet: Sendable, Hashable, Codable {
    /// The file as named (relative to the assessment folder when it is inside it).
    public var source: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// Size of the file in bytes.
    public var size: Int
    /// The waivers, in file order.
    public var waivers: [Waiver]

    public init(source: String, sha256: String, size: Int, waivers: [Waiver]) {
        self.source = source
        self.sha256 = sha256
        self.size = size
        self.waivers = waivers
    }
}

/// Glob matching for waiver selectors: `*` matches any run of characters (including `/` and `:`), everything else
/// matches itself. Case-sensitive, as ARNs and resource addresses are.
public enum Glob {
    /// Whether `text` matches `pattern`.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
