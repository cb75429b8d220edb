import CEKAuditCore
@testable import CEKAuditReporters
import Foundation
import Testing

/// What report.html says once instead of per row or per subject at scale (issue 16, item 5): the shared start of a
/// table's ids, and the shared start and end of the reasons members of a group list as their own.
struct HTMLCompactionTests {
    @Test("ids that share a start to a separator show the rest", arguments: [
        (["arn:aws:kms:eu-west-1:111122223333:key/a1", "arn:aws:kms:eu-west-1:111122223333:key/b2/policy"],
         "arn:aws:kms:eu-west-1:111122223333:key/"),
        (["arn:aws:kms:eu-west-1:1:key/a", "arn:aws:kms:us-east-1:1:key/b"], "arn:aws:kms:"),
        // Cut back to the separator: `key/ab` and `key/ac` share `key/a`, but a row keeps its whole last part.
        (["transit/keys/ab", "transit/keys/ac"], "transit/keys/"),
        // Shorter than 8 characters: not worth a note.
        (["k:ab", "k:ac"], ""),
        // An id that is the prefix itself would show nothing.
        (["projects/p1/keys/", "projects/p1/keys/x"], ""),
        (["a/b/c/d/e", "x/b/c/d/e"], ""),
    ])
    func idPrefix(ids: [String], expected: String) {
        #expect(HTMLReportRenderer.commonIDPrefix(ids) == expected)
    }

    /// `n` texts `before + value(i) + after`.
    static func texts(_ before: String, _ after: String, _ n: Int = 25, value: (Int) -> String) -> [String] {
        (0..<n).map { before + value($0) + after }
    }

    @Test("own reasons that differ by a value say their shared words once")
    func sharedShape() {
        let texts = Self.texts("created = ", " (required on_or_after 2025-01-01T00:00:00Z)") { String(format: "2025-01-01T00:00:%02dZ", $0) }
        let shape = HTMLReportRenderer.sharedShape(texts)
        let first = Array(texts[7].utf8)
        #expect(String(decoding: first[..<shape.prefix], as: UTF8.self) == "created = ")
        #expect(String(decoding: first[(first.count - shape.suffix)...], as: UTF8.self) == " (required on_or_after 2025-01-01T00:00:00Z)")
        #expect(String(decoding: first[shape.prefix..<(first.count - shape.suffix)], as: UTF8.self) == "2025-01-01T00:00:07Z")
        // Words are never split (the values share `1`), non-ASCII text is cut between characters.
        let words = HTMLReportRenderer.sharedShape(Self.texts("état = créé à ", " (requis après 9h)") { "1\($0)h" })
        #expect(words.prefix == "état = créé à ".utf8.count && words.suffix == " (requis après 9h)".utf8.count)
        // Too little in common, too few texts, all the same, or a text with no middle left: kept whole.
        #expect(HTMLReportRenderer.sharedShape(Self.texts("a = ", "") { "\($0)" }) == (0, 0))
        #expect(HTMLReportRenderer.sharedShape(Array(texts.prefix(HTMLReportRenderer.sharedShapeMinimum - 1))) == (0, 0))
        #expect(HTMLReportRenderer.sharedShape(Array(repeating: texts[0], count: 30)) == (0, 0))
        // (The first text is the shared start and end alone: "start " + " shared".)
        #expect(HTMLReportRenderer.sharedShape(["shared words at the start  shared words at the end"]
                                               + Self.texts("shared words at the start ", " shared words at the end") { "x\($0)" }) == (0, 0))
    }

    @Test("the CAIQ card lists ten gaps per guideline and verdict, then how many more and where they are")
    func gapsCapped() throws {
        var report = try HTMLReportFixture.report()
        let many = (0..<25).map { "AG-2 [fail]: Key k\($0) lets a foreign account use it." }
        report.caiq[0].gaps = many + ["AG-5 [manual]: The scope of customer key control is documented needs an attestation."]
        let html = String(decoding: HTMLReporter().render(report), as: UTF8.self)
        for n in 0..<10 { #expect(html.contains("Key k\(n) lets")) }
        #expect(!html.contains("Key k10 lets"))
        #expect(html.contains("… and 15 more AG-2 [fail] gap(s), each a result listed under <a href=\"#guideline-AG-2\">AG-2</a> in Results."))
        #expect(html.contains("AG-5 [manual]: The scope"))
    }
}
