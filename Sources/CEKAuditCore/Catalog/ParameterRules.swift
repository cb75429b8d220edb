import Foundation

/// Type and range rules for check parameters, applied where parameters are written: catalog defaults and example
/// parameters when the catalog loads, `parameters:` and `checks:` of an assessment file when it loads and when it is
/// checked against the catalog. A value that breaks them is an error at its `file:line:column`, before anything runs
/// (a `max_rotation_days: 1e400` used to pass and then break the JSON report).
///
/// - Every number is finite: YAML's `.inf`, `.nan` and numbers too large for a `Double` (`1e400`) are refused.
/// - A day count — a parameter whose name ends in `_days`, or one a check uses in `{days_ago: …}` or
///   `{days_ahead: …}` — is a whole number from 0 to ``maxDays``.
/// - A value has the type of the catalog default it overrides (number, boolean, string or list).
public enum ParameterRules {
    /// The largest day count accepted: 100 years, which keeps every `days_ago` / `days_ahead` date inside the
    /// four-digit years RFC 3339 can write.
    public static let maxDays = 36_500

    /// Whether `name` reads as a day count by its name (`max_rotation_days`).
    public static func isDayCountName(_ name: String) -> Bool { name.hasSuffix("_days") }

    /// What is wrong with `value` for the parameter `name`, as a sentence fragment, or `nil` when it is valid.
    /// - Parameters:
    ///   - dayCount: whether the parameter counts days (by name or by use).
    ///   - expected: the catalog default the value overrides, whose type it must have; `nil` for a default itself.
    public static func problem(name: String, value: FactValue, dayCount: Bool, expected: FactValue? = nil) -> String? {
        if case .string(let s) = value, let non = nonFinite(s) {
            return "\(name) is \(non), not a finite number"
        }
        if case .number(let d) = value, !d.isFinite { return "\(name) is not a finite number" }
        if dayCount {
            guard case .number(let d) = value else { return "\(name) is a number of days; '\(value.displayText)' is not a number" }
            guard d >= 0, d == d.rounded(.towardZero) else {
                return "\(name) is a number of days: a whole number from 0, not \(FactValue.format(d))"
            }
            guard d <= Double(maxDays) else { return "\(name) is a number of days: at most \(maxDays) (100 years), not \(FactValue.format(d))" }
            return nil
        }
        if let expected, let want = typeName(expected), let have = typeName(value), want != have {
            return "\(name) takes \(want) like its default (\(expected.displayText)), not \(have) '\(value.displayText)'"
        }
        return nil
    }

    /// "a number", "true or false", "a string", "a list"; `nil` for `null` and unknown (any type goes).
    static func typeName(_ v: FactValue) -> String? {
        switch v {
        case .number: return "a number"
        case .bool: return "true or false"
        case .string: return "a string"
        case .list: return "a list"
        case .null, .unknown: return nil
        }
    }

    /// How YAML or a number parser would read `s` when that is not a finite number: "infinite", "not a number".
    static func nonFinite(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case ".inf", "+.inf", "-.inf": return "infinite"
        case ".nan": return "not a number (.nan)"
        default: break
        }
        guard t.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(t) else { return nil }
        if d.isNaN { return "not a number" }
        if d.isInfinite { return "'\(t)', beyond the largest number (about 1.8e308)" }
        return nil
    }
}
