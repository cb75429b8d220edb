import Foundation
import Testing
@testable import CEKAuditCore

/// A small file must not become a large assessment: YAML aliases that repeat a long string are capped by the size of
/// the text they expand to (not only by node count), and results never copy a long value — they name it, shortened,
/// and the resource keeps it once. A 1 MB template reusing one string through aliases used to take 2.44 GB of memory
/// and write 1.8 GB of reports.
@Suite("Amplification", .timeLimit(.minutes(1)))
struct AmplificationTests {
    /// `big: &big "xxxx…"` (`length` characters) and `count` aliases of it: few nodes, much text.
    static func aliasDocument(length: Int, count: Int) -> String {
        "big: &big \"" + String(repeating: "x", count: length) + "\"\nrefs:\n" + String(repeating: "  - *big\n", count: count)
    }

    @Test("aliases expanding past the text limit are refused, naming the file, the limit and the anchor")
    func expandedTextIsCapped() throws {
        // 100 KB × 400 = 40 MB of text from a 104 KB file with 403 nodes.
        let text = Self.aliasDocument(length: 100_000, count: 400)
        #expect(text.utf8.count < 200_000)
        do {
            _ = try YAMLDocument.compose(text, file: "stack.yaml")
            Issue.record("the document was accepted")
        } catch let CEKAuditError.invalidInput(file, line, column, message, fix) {
            #expect(file == "stack.yaml")
            #expect(line == 1 && column == 6)   // the anchored scalar the aliases repeat
            #expect(message.contains("32 MiB"), "\(message)")
            #expect(message.contains("aliases"))
            #expect(fix?.contains("alias") == true)
        }
    }

    @Test("the same aliases under the limit are read, and the limit counts keys and values")
    func underTheLimit() throws {
        let text = Self.aliasDocument(length: 1_000, count: 100)
        #expect(try YAMLDocument.compose(text, file: "ok.yaml") != nil)
        let node = try #require(try YAMLDocument.compose(text, file: "ok.yaml"))
        #expect(throws: CEKAuditError.self) { try YAMLDocument.checkExpansion(node, file: "ok.yaml", maxNodes: 1_000, maxBytes: 100_000) }
        try YAMLDocument.checkExpansion(node, file: "ok.yaml", maxNodes: 1_000, maxBytes: 102_000)
    }

    static let catalogPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Controls/CEK-08.yaml").path

    @Test("results name a 1 MB value in a few hundred characters; the resource keeps it whole")
    func resultsDoNotRepeatLongValues() throws {
        let catalog = try CatalogLoader.load(path: Self.catalogPath)
        let long = "alias/" + String(repeating: "&", count: 1_000_000)
        let keys = (0..<3).map { i in
            Resource(type: .key, id: "arn:aws:kms:eu-west-1:111122223333:key/" + long + "\(i)", name: long + "\(i)", fields: [
                "manager": .string("customer"), "custody": .string("customer-generated"), "aliases": .strings([long]),
                "rotation.applicable": .bool(true), "rotation.enabled": .bool(false), "description": .string(long),
                "deletion.window_days": .unknown(reason: long),
            ], provenance: [Provenance(evidence: "ev-1", pointer: "Resources." + long, line: 3)])
        }
        let coverage = [SourceCoverage(source: "stack.yaml", collector: "cloudformation", status: .complete, resourceTypes: [.key])]
        let now = DateParsing.parse("2026-11-01T00:00:00Z") ?? Date()
        let results = RulesEngine(catalog: catalog, now: now).evaluate(FactSet(resources: keys, coverage: coverage))
        let about = results.filter { $0.subject?.type == "key" && $0.subject?.id != "*" }
        #expect(about.count >= 3)
        var total = 0
        for r in results {
            let strings = [r.message, r.subject?.id ?? "", r.subject?.name ?? ""] + r.reasons + r.evidence.compactMap(\.pointer)
            for s in strings { #expect(s.utf8.count < 2_000, "\(r.check): \(s.prefix(80))…") }
            total += strings.reduce(0) { $0 + $1.utf8.count }
        }
        #expect(total < 2_000 * 30 * results.count)
        // Long ids that share their first 256 characters stay distinct, and the cut is marked.
        let ids = Set(about.compactMap(\.subject?.id))
        #expect(ids.count == 3)
        #expect(ids.allSatisfy { $0.contains("…[cut: ") && $0.contains("SHA-256") })
        #expect(about.allSatisfy { $0.subject.map { $0.id == Excerpt.identifier(keys[0].id) || $0.id == Excerpt.identifier(keys[1].id) || $0.id == Excerpt.identifier(keys[2].id) } ?? false })
    }

    @Test("short values are never cut")
    func shortValuesStay() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        #expect(Excerpt.clip(arn) == arn)
        #expect(Excerpt.identifier(arn) == arn)
        let exactly = String(repeating: "é", count: Excerpt.maxCharacters)
        #expect(Excerpt.clip(exactly) == exactly)
        let longer = exactly + "x"
        #expect(Excerpt.clip(longer) == exactly + "…[cut: \(longer.utf8.count) bytes in all]")
    }
}
