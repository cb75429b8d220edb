import CEKAuditCollectorKit
import CEKAuditCore
/// A value inside an audit record's `request.data` / `response.data`, decoded only as far as the collector needs.
///
/// The file audit device HMACs every string value (`hmac-sha256:<hex>`) unless the mount is tuned with
/// `audit_non_hmac_request_keys`; booleans and numbers stay in clear (OpenBao documentation, "Audit devices").
/// Arrays and objects are kept as ``other`` without their content.
enum AuditScalar: Decodable, Sendable, Hashable {
    case bool(Bool)
    case number(Double)
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        self = .other
    }

    /// Whether this is an HMAC'd string as the audit device writes it.
    var isHMAC: Bool {
        if case .string(let s) = self { return s.hasPrefix("hmac-sha256:") }
        return false
    }

    /// The value as shown in a `settings` fact: HMAC'd strings as `(HMAC'd)`, since their content is not readable.
    var settingText: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return isHMAC ? "(HMAC'd)" : s
        case .other: return "(structured)"
        }
    }
}
