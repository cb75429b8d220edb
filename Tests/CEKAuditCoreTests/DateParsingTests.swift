import CEKAuditCore
import Foundation
import Testing

/// Dates are read strictly: a day that does not exist is an error with the reason, never rolled over
/// (`2026-02-30` used to become 2026-03-02, year `0000` became 0001).
@Suite("Date parsing")
struct DateParsingTests {
    static func iso(_ text: String) -> String? { DateParsing.parse(text).map(DateParsing.iso) }

    @Test("valid forms", arguments: [
        ("2026-11-01", "2026-11-01T00:00:00Z"),
        ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01t12:30:45z", "2026-11-01T12:30:45Z"),
        ("2026-11-01T12:30:45.123456789Z", "2026-11-01T12:30:45Z"),
        ("2024-05-14T09:12:00.000000+00:00", "2024-05-14T09:12:00Z"),
        ("2026-11-01T02:00:00+02:00", "2026-11-01T00:00:00Z"),
        ("2026-10-31T23:30:00-01:00", "2026-11-01T00:30:00Z"),
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("2000-02-29", "2000-02-29T00:00:00Z"),
        ("0001-01-01", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("1615929453", "2021-03-16T21:17:33Z"),
        (" 2026-11-01 ", "2026-11-01T00:00:00Z"),
        ("\t2026-11-01T00:00:00Z\u{00A0}", "2026-11-01T00:00:00Z"),
        ("\u{3000}1615929453", "2021-03-16T21:17:33Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ("1582-10-10T08:09:07Z", "1582-10-10T08:09:07Z"),
    ])
    func valid(text: String, expected: String) {
        #expect(Self.iso(text) == expected)
    }

    @Test("impossible or malformed dates are refused with the reason", arguments: [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2026-02-29T00:00:00Z", "February 2026 has 28 days"),
        ("1900-02-29", "February 1900 has 28 days"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("2026-13-01", "there is no month 13"),
        ("2026-00-10", "there is no month 0"),
        ("2026-01-00", "there is no day 00"),
        ("0000-01-01", "year 0000"),
        ("20260-01-01", "more than four digits"),
        ("12026-01-01T00:00:00Z", "more than four digits"),
        ("2026-01-01T24:00:00Z", "there is no hour 24"),
        ("2026-01-01T00:60:00Z", "there is no minute 60"),
        ("2026-01-01T00:00:61Z", "there is no second 61"),
        ("2026-01-01T00:00:00+24:00", "there is no offset +24:00"),
        ("2026-01-01T00:00:00", "the time is not"),
        ("2026-01-01T00:00Z", "the time is not"),
        ("2026-01-01T00:00:00.Z", "the time is not"),
        ("2026-01-01T00:00:00Zjunk", "the time is not"),
        ("last spring", "not an RFC 3339 date"),
        ("2026-1-01", "not an RFC 3339 date"),
        ("1e400", "not an RFC 3339 date"),
        ("inf", "not an RFC 3339 date"),
        ("nan", "not an RFC 3339 date"),
        ("-5", "not an RFC 3339 date"),
        ("253402300800", "after the year 9999"),
    ])
    func invalid(text: String, reason: String) {
        switch DateParsing.read(text) {
        case .success(let d): Issue.record("'\(text)' read as \(DateParsing.iso(d))")
        case .failure(let why): #expect(why.reason.contains(reason), "\(why.reason)")
        }
        #expect(DateParsing.parse(text) == nil)
    }

    @Test("configuration dates never read a bare number as epoch seconds")
    func noEpochInFiles() {
        #expect(DateParsing.parse("1615929453") != nil)
        #expect((try? DateParsing.read("1615929453", epochSeconds: false).get()) == nil)
    }

    @Test("as_of and window dates that do not exist are errors at file:line:column")
    func assessmentFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-dates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (line, text) in [("as_of: 2026-02-30", "February 2026 has 28 days"), ("as_of: 0000-01-01T00:00:00Z", "year 0000"),
                             ("as_of: 20261-01-01", "more than four digits"),
                             ("window: {start: 2026-01-01, end: 2026-06-31}", "June 2026 has 30 days")] {
            let path = dir.appendingPathComponent("audit.yaml").path
            try "schema_version: 1\nname: t\n\(line)\nsources: [{path: x.json}]\n".write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try AssessmentFile.load(path: path, sourceKinds: [])
                Issue.record("\(line) was accepted")
            } catch let CEKAuditError.invalidInput(file, l, column, message, _) {
                #expect(file == path)
                #expect(l == 3)
                #expect(column != nil)
                #expect(message.contains(text), "\(message)")
            }
        }
    }
}
