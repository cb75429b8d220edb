import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Timestamps as AWS JSON APIs write them: epoch seconds with a fraction (the JSON 1.1 protocol's default, e.g.
/// `1615929453.686`) or ISO 8601 strings (what the AWS CLI prints, e.g. `2024-05-14T09:12:00.000000+00:00`).
public enum AWSTimestamp {
    /// The date, or `nil` when the value is neither form.
    public static func date(_ value: JSONValue?) -> Date? {
        switch value {
        case .number(let d)?: return DateParsing.epoch(d)
        case .string(let s)?:
            if let d = DateParsing.parse(s) { return d }
            // Microsecond fractions: drop the fraction and parse the rest (a date fact keeps whole seconds).
            if let r = s.range(of: #"\.\d+"#, options: .regularExpression) {
                var t = s
                t.removeSubrange(r)
                return DateParsing.parse(t)
            }
            return nil
        default: return nil
        }
    }

    /// The RFC 3339 UTC fact for `value`: a string, `null` when absent, unknown when present but unreadable.
    public static func fact(_ value: JSONValue?, what: String) -> FactValue {
        guard let value, value != .null else { return .null }
        guard let d = date(value) else { return .unknown(reason: "\(what) is not a timestamp: \(value.compactText)") }
        return .string(DateParsing.iso(d))
    }
}
