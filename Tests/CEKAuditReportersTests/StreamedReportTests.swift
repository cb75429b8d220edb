@testable import CEKAuditReporters
import CEKAuditCore
import Foundation
import Testing

/// report.json, report.html and evidence.html written in pieces as they are rendered (``ReportFormat/render(_:root:to:)``)
/// are byte for byte the files rendered whole: pieces of a few bytes cross every boundary the writers have (a comma
/// whose line break depends on the next byte, a backslash escape inside a string, a multi-byte character).
struct StreamedReportTests {
    /// The bytes `render` passes its sink, joined, and how many pieces there were.
    static func collect(_ render: (@escaping ReportFormat.Sink) throws -> Void) rethrows -> (Data, Int) {
        final class Box { var data = Data(); var pieces = 0 }
        let box = Box()
        try render { bytes in
            box.data.append(contentsOf: bytes)
            box.pieces += 1
        }
        return (box.data, box.pieces)
    }

    static func reports() throws -> [(String, AssessmentReport)] {
        [("fixture", try HTMLReportFixture.report()), ("hostile", try HTMLHostileInputTests.hostileReport())]
    }

    @Test("report.json in pieces is report.json", arguments: [1, 2, 3, 7, 64, 4096])
    func json(chunk: Int) throws {
        for (name, report) in try Self.reports() {
            let whole = try JSONReporter().render(report)
            let (streamed, pieces) = try Self.collect { try JSONReporter().render(report, to: $0, chunk: chunk) }
            #expect(streamed == whole, "\(name), pieces of \(chunk)")
            if chunk < 64 { #expect(pieces > 10, "\(name): the file went in pieces") }
        }
    }

    @Test("report.html and evidence.html in pieces are the pages", arguments: [1, 5, 512, 1 << 20])
    func html(chunk: Int) throws {
        for (name, report) in try Self.reports() {
            let (page, pagePieces) = try Self.collect { try HTMLReporter().render(report, to: $0, chunk: chunk) }
            #expect(page == HTMLReporter().render(report), "\(name) report.html, pieces of \(chunk)")
            let (evidence, _) = try Self.collect { try HTMLReporter().renderEvidence(report, to: $0, chunk: chunk) }
            #expect(evidence == HTMLReporter().renderEvidence(report), "\(name) evidence.html, pieces of \(chunk)")
            if chunk < 64 { #expect(pagePieces > 100) }
        }
    }

    @Test func everyFormatStreamsItsOwnBytes() throws {
        let report = try HTMLReportFixture.report()
        for format in ReportFormat.allCases {
            let (streamed, _) = try Self.collect { try format.render(report, root: "assessments/acme", to: $0) }
            #expect(streamed == (try format.render(report, root: "assessments/acme")), "\(format)")
            let companions = format.companions(report)
            #expect(companions.map(\.fileName) == format.companionFileNames)
            for (name, data) in companions {
                let (c, _) = try Self.collect { try format.renderCompanion(name, of: report, to: $0) }
                #expect(c == data, "\(format) \(name)")
            }
        }
    }

    /// A sink that fails (a full disk) stops the writing: its first error comes out, and nothing reaches it after.
    @Test func aFailingSinkStopsTheWriting() throws {
        struct Full: Error {}
        let report = try HTMLReportFixture.report()
        for render in [{ (s: @escaping ReportFormat.Sink) throws in try JSONReporter().render(report, to: s, chunk: 16) },
                       { (s: @escaping ReportFormat.Sink) throws in try HTMLReporter().render(report, to: s, chunk: 16) }] {
            final class Count { var n = 0 }
            let calls = Count()
            #expect(throws: Full.self) {
                try render { _ in
                    calls.n += 1
                    throw Full()
                }
            }
            #expect(calls.n == 1)
        }
    }
}
