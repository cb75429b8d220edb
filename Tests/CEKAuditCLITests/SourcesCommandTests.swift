import CEKAuditKit
import Foundation
import Testing

/// `cek-audit sources` derives from the collector registry, and the README's source table is its `--markdown`
/// output: a new collector shows up in both, or a test fails.
struct SourcesCommandTests {
    @Test func listsEveryKindOfTheRegistry() throws {
        let r = try CLI.run(["sources"])
        #expect(r.status == 0, "\(r.stderr)")
        for c in CollectorRegistry.builtIn.collectors {
            #expect(r.stdout.contains("\(c.kind) (\(c.input == .live ? "target" : "source"))"), "\(c.kind) missing")
            #expect(r.stdout.contains(c.reads))
        }
    }

    @Test func theReadmeTableMatchesTheCommand() throws {
        let r = try CLI.run(["sources", "--markdown"])
        #expect(r.status == 0)
        let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- sources:begin"))
        let afterBegin = try #require(readme[begin.upperBound...].range(of: "-->\n"))
        let end = try #require(readme.range(of: "<!-- sources:end -->"))
        let table = String(readme[afterBegin.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(table == r.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                "README.md's source table is out of date: replace it with `cek-audit sources --markdown`")
    }

    @Test func everyKindIsAcceptedInAnAssessmentFileAndNothingElse() throws {
        let registry = CollectorRegistry.builtIn
        #expect(Set(registry.sourceKinds).isDisjoint(with: registry.targetKinds))
        #expect(Set(registry.collectors.map(\.kind)).count == registry.collectors.count, "kinds are unique")
    }
}
