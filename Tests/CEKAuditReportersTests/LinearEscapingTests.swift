import CEKAuditCore
@testable import CEKAuditReporters
import Foundation
import Testing

/// Escaping is linear: a value made of 200 KB of `&` (a key alias, a file name) escapes in one pass in every format.
/// Escaping used to append to a `String.UnicodeScalarView`, which copies the whole string on every append, so such a
/// value took 24.6 s to render as HTML. Speed is measured in `Benchmarks/escaping.sh`; these tests assert what does
/// not depend on the machine (the exact output) under a time limit no linear implementation comes near.
@Suite("Escaping is linear", .timeLimit(.minutes(1)))
struct LinearEscapingTests {
    static let count = 200_000
    static let ampersands = String(repeating: "&", count: count)

    @Test("HTML escaping of 200 KB of & is 200,000 × &amp;")
    func html() {
        let out = HTMLEscaping.escape(Self.ampersands)
        #expect(out.utf8.count == 5 * Self.count)
        #expect(out == String(repeating: "&amp;", count: Self.count))
    }

    @Test("XML-safe text for JUnit keeps 200 KB of & and replaces controls")
    func xml() {
        #expect(JUnitReporter.xmlSafe(Self.ampersands) == Self.ampersands)
        let mixed = String(repeating: "&\u{1}", count: Self.count / 2)
        #expect(JUnitReporter.xmlSafe(mixed) == String(repeating: "&\u{FFFD}", count: Self.count / 2))
    }

    @Test("a 200 KB alias and file name render in every format, escaped")
    func wholeReports() throws {
        var report = try HTMLReportFixture.report()
        report.resources[0].name = Self.ampersands
        report.resources[0].fields["aliases"] = .strings([Self.ampersands])
        report.evidence[0].locator = Self.ampersands
        report.results[0].message = Self.ampersands
        report.results[0].subject?.name = Self.ampersands
        let html = String(decoding: HTMLReporter().render(report), as: UTF8.self)
        #expect(html.contains(String(repeating: "&amp;", count: Self.count)))
        #expect(!html.contains(String(repeating: "&", count: 10)))
        let junit = String(decoding: JUnitReporter().render(report), as: UTF8.self)
        #expect(!junit.contains(String(repeating: "&", count: 10)))
        #expect(junit.contains(String(repeating: "&amp;", count: 1_000)))
        let sarif = try SARIFReporter().render(report)
        #expect(sarif.count > Self.count)
    }
}
