import Foundation

/// Date-time parsing and formatting for facts and reports. Facts carry dates as ISO 8601 / RFC 3339 strings in UTC.
public enum DateParsing {
    /// Formats `date` as RFC 3339 UTC with whole seconds, e.g. `2026-11-29T16:20:00Z`.
    public static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// Parses RFC 3339 (with or without fractional seconds), a plain `YYYY-MM-DD` date (midnight UTC),
    /// or epoch seconds as AWS JSON APIs return them. Returns `nil` for anything else.
    public static func parse(_ text: String) -> Date? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withFullDate]
        if s.count == 10, let d = f.date(from: s) { return d }
        if let epoch = Double(s) { return DateParsing.epoch(epoch) }
        return nil
    }

    /// Latest instant a date fact can hold: 9999-12-31T23:59:59Z (RFC 3339 §5.6 has four-digit years).
    public static let latestEpoch: Double = 253_402_300_799

    /// The date `seconds` after 1970-01-01T00:00:00Z, or `nil` unless `0 < seconds ≤` ``latestEpoch`` (a server can
    /// send any number; NaN, infinities and dates past year 9999 are not dates).
    public static func epoch(_ seconds: Double) -> Date? {
        guard seconds > 0, seconds <= latestEpoch else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
