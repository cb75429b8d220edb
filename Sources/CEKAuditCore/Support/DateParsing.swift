import Foundation

/// Date-time parsing and formatting for facts and reports. Facts carry dates as ISO 8601 / RFC 3339 strings in UTC.
public enum DateParsing {
    /// Formats `date` as RFC 3339 UTC with whole seconds (the fraction dropped), e.g. `2026-11-29T16:20:00Z`, in the
    /// proleptic Gregorian calendar ``read(_:epochSeconds:)`` uses, so every date read is written back unchanged
    /// (Foundation's formatter switches to the Julian calendar before 1582).
    /// A date outside the years 0001–9999 (which nothing this project reads can produce) is written as the nearest
    /// end of that range.
    public static func iso(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let earliest = Double(daysFromCivil(year: 1, month: 1, day: 1)) * 86_400
        let seconds = Int((t.isNaN ? 0 : min(max(t, earliest), latestEpoch)).rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
        let rest = seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        // Written digit by digit: String(format:) went through Foundation's formatter, a fifth of the time it took to
        // turn an OpenBao key answer into facts.
        var out = [UInt8](repeating: UInt8(ascii: "0"), count: 20)
        func put(_ value: Int, _ at: Int, _ width: Int) {
            var v = value
            for i in stride(from: at + width - 1, through: at, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
        }
        put(year, 0, 4); out[4] = UInt8(ascii: "-"); put(month, 5, 2); out[7] = UInt8(ascii: "-"); put(day, 8, 2)
        out[10] = UInt8(ascii: "T"); put(rest / 3600, 11, 2); out[13] = UInt8(ascii: ":"); put(rest % 3600 / 60, 14, 2)
        out[16] = UInt8(ascii: ":"); put(rest % 60, 17, 2); out[19] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses RFC 3339 (with or without fractional seconds), a plain `YYYY-MM-DD` date (midnight UTC),
    /// or epoch seconds as AWS JSON APIs return them. Returns `nil` for anything else, including dates that do not
    /// exist (see ``read(_:)`` for the reason).
    public static func parse(_ text: String) -> Date? {
        try? read(text).get()
    }

    /// Why a text is not a date: a sentence for error messages ("February 2026 has 28 days").
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, without the text itself.
        public var reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// Reads `text` as a date, strictly (RFC 3339 §5.6 and §5.7):
    ///
    /// - `YYYY-MM-DD` — midnight UTC;
    /// - `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` — `T` and `Z` in either case, any number of fraction
    ///   digits, a leap second `:60` counted as the next second;
    /// - epoch seconds (a finite number greater than 0 and before the year 10000), as AWS JSON APIs return them.
    ///
    /// The year has exactly four digits and is 0001 or later; the month is 01–12, the day exists in that month of
    /// the proleptic Gregorian calendar (2026-02-30 is refused, not rolled over to March), the hour 00–23, minutes
    /// 00–59, seconds 00–60, an offset at most ±23:59. Surrounding spaces are ignored. Calendar arithmetic is done here,
    /// so the result does not depend on a formatter's leniency.
    ///
    /// - Parameter epochSeconds: whether a bare number is read as epoch seconds (API responses); configuration files
    ///   write dates.
    public static func read(_ text: String, epochSeconds: Bool = true) -> Result<Date, Invalid> {
        let s = Self.trimmed(text)
        let b = Array(s.utf8)
        func fail(_ reason: String) -> Result<Date, Invalid> { .failure(Invalid(reason: reason)) }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else {
            if epochSeconds, let epoch = Double(s), epoch.isFinite, epoch > 0 {
                guard epoch < latestEpoch + 1 else { return fail("epoch seconds \(s) lie after the year 9999") }
                return .success(Date(timeIntervalSince1970: epoch))
            }
            if b.count > 4, b.prefix(5).allSatisfy(isDigit) { return fail("the year has more than four digits") }
            return fail("it is not an RFC 3339 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)")
        }
        guard let year = number(b, 0, 4), let month = number(b, 5, 2), let day = number(b, 8, 2) else {
            return fail("it is not an RFC 3339 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)")
        }
        guard year >= 1 else { return fail("year 0000 is before the first year a date can have (0001)") }
        guard (1...12).contains(month) else { return fail("there is no month \(month)") }
        guard day >= 1 else { return fail("there is no day 00") }
        let days = daysIn(month: month, year: year)
        guard (1...days).contains(day) else {
            return fail("\(monthNames[month - 1]) \(String(format: "%04d", year)) has \(days) days")
        }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if b.count == 10 { return .success(Date(timeIntervalSince1970: seconds)) }

        let timeShape = "the time is not HH:MM:SS followed by Z or an offset such as +02:00"
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2) else {
            return fail(timeShape)
        }
        guard hour <= 23 else { return fail("there is no hour \(hour)") }
        guard minute <= 59 else { return fail("there is no minute \(minute)") }
        guard second <= 60 else { return fail("there is no second \(second)") }
        var i = 19
        var fraction = 0.0
        if b[i] == UInt8(ascii: ".") {
            let start = i + 1
            i = start
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start, let f = Double("0." + String(decoding: b[start..<i], as: UTF8.self)) else { return fail(timeShape) }
            fraction = f
        }
        guard i < b.count else { return fail(timeShape) }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return fail(timeShape) }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), let oh = number(b, i + 1, 2), let om = number(b, i + 4, 2) else {
                return fail(timeShape)
            }
            guard oh <= 23, om <= 59 else { return fail("there is no offset \(String(decoding: b[i...], as: UTF8.self))") }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return fail(timeShape)
        }
        seconds += Double(hour * 3600 + minute * 60 + second - offset) + fraction
        return .success(Date(timeIntervalSince1970: seconds))
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian)

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// `text` without surrounding whitespace (`CharacterSet.whitespaces`: spaces and tabs, Unicode's too); a text that
    /// begins and ends with a visible ASCII character is returned as it is, without a trip through NSString.
    static func trimmed(_ text: String) -> String {
        let u = text.utf8
        if let first = u.first, let last = u.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// The decimal number in `count` ASCII digits at `start`, or `nil` when they are not all digits.
    static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var n = 0
        for c in b[start..<(start + count)] {
            guard isDigit(c) else { return nil }
            n = n * 10 + Int(c - UInt8(ascii: "0"))
        }
        return n
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant, `civil_from_days`).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to the given date (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms",
    /// `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Latest instant a date fact can hold: 9999-12-31T23:59:59Z (RFC 3339 §5.6 has four-digit years).
    public static let latestEpoch: Double = 253_402_300_799

    /// The date `seconds` after 1970-01-01T00:00:00Z, or `nil` unless it falls in the years 1970–9999 (a server can
    /// send any number; NaN, infinities and dates past year 9999 are not dates).
    public static func epoch(_ seconds: Double) -> Date? {
        guard seconds > 0, seconds < latestEpoch + 1 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
