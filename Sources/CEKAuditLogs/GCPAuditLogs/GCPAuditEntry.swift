import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The members of one Cloud Audit Logs entry that the Cloud KMS audit reads, from either shape it is exported in
/// (Cloud Logging `LogEntry` with an `AuditLog` `protoPayload`; the BigQuery export's row with
/// `protopayload_auditlog`, whose `requestJson` is a JSON string). Any member may be missing, `null` or of another
/// type; it then reads as absent.
///
/// References: Cloud Logging API v2 `LogEntry`; Cloud Audit Logs `AuditLog` (`serviceName`, `methodName`,
/// `resourceName`, `authenticationInfo`, `status`, `request`, `resourceLocation`); "BigQuery schema for exported
/// logs" (`protopayload_auditlog`, field names in snake case for the entry, camel case inside the payload).
struct GCPAuditEntry {
    /// The `AuditLog` type URL of `protoPayload["@type"]`.
    static let auditLogType = "type.googleapis.com/google.cloud.audit.AuditLog"

    var insertId: String?
    /// RFC 3339 UTC with whole seconds, or `nil` when missing or unreadable.
    var time: String?
    var logName: String?
    /// Whether the payload is an `AuditLog` (the BigQuery export's `protopayload_auditlog` always is).
    var isAuditLog = false
    var serviceName: String?
    var methodName: String?
    var resourceName: String?
    var principal: String?
    /// `status.code` (google.rpc.Code); `nil` or 0 is success.
    var statusCode: Int?
    var request: JSONValue?
    var response: JSONValue?
    /// `resource.labels` of the monitored resource (`project_id`, `location`, `key_ring_id`, `crypto_key_id`).
    var labels: JSONValue?
    var payloadLocation: String?

    init(_ v: JSONValue) {
        insertId = v["insertId"]?.stringValue ?? v["insert_id"]?.stringValue
        time = Self.time(v["timestamp"])
        logName = v["logName"]?.stringValue ?? v["log_name"]?.stringValue
        labels = v["resource"]?["labels"]
        let payload: JSONValue?
        if let p = v["protoPayload"], case .object = p {
            payload = p
            isAuditLog = p["@type"]?.stringValue == Self.auditLogType
        } else if let p = v["protopayload_auditlog"], case .object = p {
            payload = p
            isAuditLog = true
        } else {
            payload = nil
        }
        guard let payload else { return }
        serviceName = payload["serviceName"]?.stringValue
        methodName = payload["methodName"]?.stringValue
        resourceName = payload["resourceName"]?.stringValue
        let auth = payload["authenticationInfo"]
        principal = [auth?["principalEmail"]?.stringValue, auth?["principalSubject"]?.stringValue]
            .compactMap { $0 }.first { !$0.isEmpty }
        if let code = payload["status"]?["code"] {
            statusCode = code.numberValue.flatMap { $0.isFinite && abs($0) < 1e9 ? Int($0) : nil } ?? code.stringValue.flatMap { Int($0) }
        }
        request = Self.object(payload["request"]) ?? Self.embedded(payload["requestJson"])
        response = Self.object(payload["response"]) ?? Self.embedded(payload["responseJson"])
        payloadLocation = payload["resourceLocation"]?["currentLocations"]?.asList.first?.stringValue
    }

    /// Whether the call failed (a non-zero `status.code`): an attempt, never evidence the action happened.
    var failed: Bool { (statusCode ?? 0) != 0 }

    /// The log type from `logName` (`projects/P/logs/cloudaudit.googleapis.com%2Fdata_access`): `activity`,
    /// `data_access`, `system_event`, `policy`; `nil` for other logs.
    var logType: String? {
        guard let name = logName?.replacingOccurrences(of: "%2F", with: "/").replacingOccurrences(of: "%2f", with: "/"),
              let range = name.range(of: "cloudaudit.googleapis.com/") else { return nil }
        let type = String(name[range.upperBound...])
        return type.isEmpty ? nil : type
    }

    /// The Cloud KMS key the entry is about, as Cloud KMS names keys (`projects/P/locations/L/keyRings/R/cryptoKeys/K`):
    /// the `resourceName` (a key version read as its key), the key a `CreateCryptoKey` on a key ring creates
    /// (`cryptoKeyId`), or the monitored resource's labels. `nil` for key rings, locations and other resources.
    var keyName: String? {
        if let name = resourceName, let parts = Self.kmsParts(name) {
            if parts.count >= 8, parts[6] == "cryptoKeys", !parts[7].isEmpty { return parts[0..<8].joined(separator: "/") }
            if parts.count == 6, let id = request?["cryptoKeyId"]?.stringValue, !id.isEmpty {
                return parts.joined(separator: "/") + "/cryptoKeys/\(id)"
            }
            return nil
        }
        if let l = labels, let p = l["project_id"]?.stringValue, let loc = l["location"]?.stringValue,
           let ring = l["key_ring_id"]?.stringValue, let key = l["crypto_key_id"]?.stringValue,
           ![p, loc, ring, key].contains(where: \.isEmpty) {
            return "projects/\(p)/locations/\(loc)/keyRings/\(ring)/cryptoKeys/\(key)"
        }
        return nil
    }

    /// The project of the entry: from the key name, the resource labels, or `logName`.
    var project: String? {
        if let name = resourceName, let parts = Self.kmsParts(name) { return parts[1] }
        if let p = labels?["project_id"]?.stringValue, !p.isEmpty { return p }
        if let name = logName, name.hasPrefix("projects/") {
            let parts = name.split(separator: "/")
            if parts.count > 1 { return String(parts[1]) }
        }
        return nil
    }

    /// The location of the entry's key ring, else the monitored resource's.
    var location: String? {
        if let name = resourceName, let parts = Self.kmsParts(name) { return parts[3] }
        if let l = labels?["location"]?.stringValue, !l.isEmpty { return l }
        return payloadLocation
    }

    /// `projects/P/locations/L/keyRings/R[/…]` split at `/`, the `//cloudkms.googleapis.com/` prefix dropped;
    /// `nil` unless it names a key ring or something in one.
    static func kmsParts(_ text: String) -> [String]? {
        var s = Substring(text)
        if s.hasPrefix("//cloudkms.googleapis.com/") { s = s.dropFirst("//cloudkms.googleapis.com/".count) }
        let p = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard p.count >= 6, p[0] == "projects", p[2] == "locations", p[4] == "keyRings",
              !p[1].isEmpty, !p[3].isEmpty, !p[5].isEmpty else { return nil }
        return p
    }

    private static func object(_ v: JSONValue?) -> JSONValue? {
        if case .object? = v { return v }
        return nil
    }

    /// A payload member the BigQuery export holds as JSON text.
    private static func embedded(_ v: JSONValue?) -> JSONValue? {
        guard let text = v?.stringValue, let value = try? JSONValue.parse(Data(text.utf8), source: "requestJson") else { return nil }
        return object(value)
    }

    /// A `timestamp` as RFC 3339 (`2026-10-20T11:00:00.123456789Z`), as BigQuery writes TIMESTAMP values in JSON
    /// (`2026-10-20 11:00:00.123456 UTC`, `2026-10-20 11:00:00`), or epoch seconds; normalized to whole seconds UTC.
    static func time(_ v: JSONValue?) -> String? {
        guard let v else { return nil }
        if case .number(let n) = v { return DateParsing.epoch(n).map(DateParsing.iso) }
        guard var s = v.stringValue?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        if let d = DateParsing.parse(s) { return DateParsing.iso(d) }
        if s.hasSuffix(" UTC") { s = String(s.dropLast(4)) }
        if s.count >= 19, s[s.index(s.startIndex, offsetBy: 10)] == " " {
            var chars = Array(s)
            chars[10] = "T"
            s = String(chars)
            if !s.hasSuffix("Z"), !s.dropFirst(19).contains("+") { s += "Z" }
            return DateParsing.parse(s).map(DateParsing.iso)
        }
        return nil
    }
}
