import Foundation
import Testing
@testable import CEKAuditCore

/// A catalog split into files: a root file whose guidelines include their checks files, and a templates file.
/// Every mistake is reported in the file it is written in, with line and column.
struct CatalogSplitTests {
    /// A small split catalog, written to a fresh folder per test.
    struct Folder {
        let url: URL

        init(files: [String: String] = Folder.files) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-catalog-\(UUID().uuidString)", isDirectory: true)
            for (path, text) in files {
                let file = url.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: file)
            }
        }

        var root: String { url.appendingPathComponent("catalog.yaml").path }
        func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
        func load() throws -> Catalog { try CatalogLoader.load(path: root) }

        /// The loader's refusal as (file, line, column, message).
        func error() -> (file: String, line: Int?, column: Int?, message: String)? {
            do { _ = try load(); return nil } catch let CEKAuditError.invalidInput(file, line, column, message, _) {
                return (file, line, column, message)
            } catch { return ("", nil, nil, "\(error)") }
        }

        func remove() { try? FileManager.default.removeItem(at: url) }

        static let root = """
        \(TestCatalog.header)
          - id: AG-1
            origin: aicm
            number: 1
            title: Capability
            text: Keys exist.
            checks: ag1/checks.yaml
          - id: AG-5
            origin: aicm
            number: 5
            title: Scope
            text: The scope is written down.
            checks: ag5/checks.yaml
        caiq:
          - {id: CEK-08.1, question: Can customers manage keys?, requires: [AG-1], supports: [AG-5], ownership: CSP-Owned}
        templates: templates.yaml

        """

        static let ag1 = "guideline: AG-1\nchecks:\n" + TestCatalog.indented(TestCatalog.rotationCheck, by: 2) + "\n"

        static let ag5 = """
        guideline: AG-5
        checks:
          - id: T-5
            template: attested
            title: Scope attested
            severity: low
            with:
              topic: the documented scope
            manual:
              procedure: |
                1. Ask for the documents.
                2. Record them.

        """

        static let templates = """
        templates:
          attested:
            variables:
              topic: what the attested document shows
            check:
              rationale: "An attestation of ${topic} settles ${guideline}."
              subject: attestation
              aggregate:
                where: {field: guideline, eq: "${guideline}"}
                min: 1
                when_absent: manual
              require: {field: present, eq: true}
              messages:
                pass: "${guideline}, ${topic}, is attested by {matched}."
                fail: "No attestation of ${topic} (${guideline}) holds."
                inconclusive: "Whether ${topic} is attested could not be decided."
                manual: "${Topic} needs an auditor's review or an attestation."
              examples:
                - {name: "${guideline} attested", facts: [{guideline: "${guideline}", present: true}], expect: pass}
                - {name: nothing attested, facts: [], coverage: none, expect: manual}

        """

        static let files = ["catalog.yaml": root, "ag1/checks.yaml": ag1, "ag5/checks.yaml": ag5, "templates.yaml": templates]
    }

    /// The folder with `file` edited.
    static func folder(_ file: String, _ edit: (String) -> String) throws -> Folder {
        var files = Folder.files
        files[file] = edit(files[file] ?? "")
        return try Folder(files: files)
    }

    /// Writes the catalog with `file` edited, loads it and removes it again: the loader's refusal, and the folder
    /// (gone, but its paths are what the error names).
    static func refusal(_ file: String, _ edit: (String) -> String) throws -> (error: (file: String, line: Int?, column: Int?, message: String), folder: Folder) {
        let f = try folder(file, edit)
        defer { f.remove() }
        return (try #require(f.error(), "the catalog with \(file) edited should not load"), f)
    }

    // MARK: what loads

    @Test func theSplitCatalogLoadsWithEveryCheckInItsFile() throws {
        let f = try Folder()
        defer { f.remove() }
        let c = try f.load()
        #expect(c.source == f.root)
        #expect(c.files == [f.root, f.path("templates.yaml"), f.path("ag1/checks.yaml"), f.path("ag5/checks.yaml")])
        let t1 = try #require(c.checks.first { $0.id == "T-1" })
        #expect(t1.source == f.path("ag1/checks.yaml"))
        #expect(t1.line == 3)
        #expect(t1.template == nil)
        #expect(c.templates.map(\.name) == ["attested"])
        #expect(c.templates.first?.checks == ["T-5"])
        #expect(c.templates.first?.source == f.path("templates.yaml"))
    }

    @Test func aDerivedCheckIsTheTemplateWithItsValues() throws {
        let f = try Folder()
        defer { f.remove() }
        let check = try #require(try f.load().checks.first { $0.id == "T-5" })
        #expect(check.template == "attested")
        #expect(check.guideline == "AG-5")
        #expect(check.severity == .low)
        #expect(check.source == f.path("ag5/checks.yaml"))
        #expect(check.line == 3)
        #expect(check.rationale == "An attestation of the documented scope settles AG-5.")
        #expect(check.kind == .aggregate(subject: .attestation, where: .compare(field: "guideline", op: .eq, operand: .literal(.string("AG-5"))),
                                         groupBy: nil, min: .literal(.number(1)), max: nil))
        #expect(check.whenAbsent == .manual(procedure: "1. Ask for the documents.\n2. Record them.\n"))
        #expect(check.messages[.pass] == "AG-5, the documented scope, is attested by {matched}.")
        #expect(check.messages[.manual] == "The documented scope needs an auditor's review or an attestation.")
        // The template's examples are the derived check's, with the guideline filled in, written in the template.
        #expect(check.examples.map(\.name) == ["AG-5 attested", "nothing attested"])
        #expect(check.examples.first?.facts == [["guideline": .string("AG-5"), "present": .bool(true)]])
        #expect(check.examples.allSatisfy { $0.source == f.path("templates.yaml") })
    }

    @Test func aCheckOverridesMessagesByKeyAddsExamplesAndReplacesOtherKeys() throws {
        let f = try Self.folder("ag5/checks.yaml") {
            $0 + """
                rationale: Written for this check.
                messages:
                  manual: "Ask the provider."
                examples:
                  - {name: another guideline's attestation, facts: [{guideline: AG-9, present: true}], expect: manual}

            """
        }
        defer { f.remove() }
        let check = try #require(try f.load().checks.first { $0.id == "T-5" })
        #expect(check.rationale == "Written for this check.")
        #expect(check.messages[.manual] == "Ask the provider.")
        #expect(check.messages[.pass] == "AG-5, the documented scope, is attested by {matched}.")
        #expect(check.examples.map(\.name) == ["AG-5 attested", "nothing attested", "another guideline's attestation"])
        #expect(check.examples.last?.source == f.path("ag5/checks.yaml"))
    }

    @Test func aSingleFileMayHoldItsTemplatesInline() throws {
        let inlineChecks = Folder.ag5.replacingOccurrences(of: "guideline: AG-5\nchecks:\n", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        let inlineTemplates = Folder.templates.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .joined(separator: "\n")
        let text = Folder.root
            .replacingOccurrences(of: "    checks: ag1/checks.yaml\n", with: "    procedure: Ask.\n")
            .replacingOccurrences(of: "    checks: ag5/checks.yaml\n", with: "    checks:\n\(inlineChecks)")
            .replacingOccurrences(of: "templates: templates.yaml\n", with: "templates:\n\(inlineTemplates)")
        let c = try CatalogLoader.load(data: Data(text.utf8), source: "one.yaml")
        #expect(c.files == ["one.yaml"])
        #expect(c.sha256 == SHA256Hex.digest(Data(text.utf8)))
        #expect(c.checks.first?.messages[.manual] == "The documented scope needs an auditor's review or an attestation.")
        // A mistake in an inline template still names its place, and the check it was expanded for.
        let broken = text.replacingOccurrences(of: "require: {field: present, eq: true}", with: "require: {field: presnt, eq: true}")
        do {
            _ = try CatalogLoader.load(data: Data(broken.utf8), source: "one.yaml")
            Issue.record("expected an error")
        } catch let CEKAuditError.invalidInput(file, line, _, message, _) {
            #expect(file == "one.yaml")
            #expect(line.map { $0 > 20 } == true)
            #expect(message.contains("'presnt' is not a fact field of attestation"))
            #expect(message.contains("template attested, expanded for check T-5 at one.yaml:"))
        }
    }

    /// The digest of a split catalog is that of its `sha256sum` listing (``Catalog/sha256``), so it can be checked
    /// with standard tools; any byte changed in any file changes it.
    @Test func theDigestCoversEveryFile() throws {
        let f = try Folder()
        defer { f.remove() }
        let c = try f.load()
        let listing = ["ag1/checks.yaml", "ag5/checks.yaml", "catalog.yaml", "templates.yaml"].map { name in
            "\(SHA256Hex.digest(FileManager.default.contents(atPath: f.path(name)) ?? Data()))  \(name)\n"
        }.joined()
        #expect(c.sha256 == SHA256Hex.digest(Data(listing.utf8)))
        let g = try Self.folder("templates.yaml") { $0 + "# a comment\n" }
        defer { g.remove() }
        #expect(try g.load().sha256 != c.sha256)
    }

    // MARK: mistakes, each in its own file

    @Test func aMistakeInAChecksFileNamesThatFile() throws {
        let (e, f) = try Self.refusal("ag1/checks.yaml") { $0.replacingOccurrences(of: "severity: medium", with: "severity: medium\n    sevrity: low") }
        #expect(e.file == f.path("ag1/checks.yaml"))
        #expect(e.line == 6 && e.column == 5)
        #expect(e.message.contains("unknown key 'sevrity'"))
    }

    @Test func aMistakeInTheTemplateNamesTheTemplateFileAndTheCheck() throws {
        let (e, f) = try Self.refusal("templates.yaml") { $0.replacingOccurrences(of: "{field: present, eq: true}", with: "{field: presnt, eq: true}") }
        #expect(e.file == f.path("templates.yaml"))
        #expect(e.line == 12 && e.column == 24)
        #expect(e.message.contains("'presnt' is not a fact field of attestation"))
        #expect(e.message.contains("template attested, expanded for check T-5 at \(f.path("ag5/checks.yaml")):3"))
    }

    @Test func aMissingIncludedFileIsNamedWhereItIsIncluded() throws {
        var files = Folder.files
        files["ag5/checks.yaml"] = nil
        let f = try Folder(files: files)
        defer { f.remove() }
        let e = try #require(f.error())
        #expect(e.file == f.root)
        #expect(e.line == 20 && e.column == 13)
        #expect(e.message.contains("cannot read \(f.path("ag5/checks.yaml"))"))
    }

    @Test func anIncludedPathStaysInsideTheCatalogFolder() throws {
        for bad in ["../outside.yaml", "/etc/passwd", "ag1//checks.yaml"] {
            let e = try Self.refusal("catalog.yaml") { $0.replacingOccurrences(of: "checks: ag1/checks.yaml", with: "checks: \(bad)") }.error
            #expect(e.message.contains("is not a path inside the catalog's folder"), "\(bad)")
        }
        let twice = try Self.refusal("catalog.yaml") { $0.replacingOccurrences(of: "checks: ag5/checks.yaml", with: "checks: ag1/checks.yaml") }.error
        #expect(twice.message.contains("ag1/checks.yaml is already part of the catalog"))
    }

    @Test func aChecksFileNamesTheGuidelineThatIncludesIt() throws {
        let (e, f) = try Self.refusal("ag1/checks.yaml") { $0.replacingOccurrences(of: "guideline: AG-1", with: "guideline: AG-2") }
        #expect(e.file == f.path("ag1/checks.yaml") && e.line == 1)
        #expect(e.message.contains("this file holds the checks of AG-2, but guideline AG-1 includes it"))
    }

    @Test func aSyntaxErrorInAnIncludedFileNamesThatFile() throws {
        let (e, f) = try Self.refusal("ag5/checks.yaml") { $0.replacingOccurrences(of: "title: Scope attested", with: "title: [Scope attested") }
        #expect(e.file == f.path("ag5/checks.yaml"))
        #expect(e.line != nil && e.column != nil)
    }

    // MARK: template strictness

    @Test func templateReferencesAreChecked() throws {
        let cases: [(file: String, edit: (String) -> String, at: String, line: Int, message: String)] = [
            ("ag5/checks.yaml", { $0.replacingOccurrences(of: "template: attested", with: "template: atested") },
             "ag5/checks.yaml", 4, "there is no template 'atested'"),
            ("ag5/checks.yaml", { $0.replacingOccurrences(of: "topic: the documented scope", with: "topik: the documented scope") },
             "ag5/checks.yaml", 8, "unknown key 'topik'"),
            ("ag5/checks.yaml", { $0.replacingOccurrences(of: "    with:\n      topic: the documented scope\n", with: "") },
             "ag5/checks.yaml", 3, "template attested needs a value for 'topic'"),
            ("templates.yaml", { $0.replacingOccurrences(of: "settles ${guideline}", with: "settles ${guidline}") },
             "templates.yaml", 6, "${guidline} is not a variable of template attested"),
            ("templates.yaml", { $0.replacingOccurrences(of: "      topic: what the attested document shows\n",
                                                         with: "      topic: what the attested document shows\n      owner: who owns it\n") },
             "templates.yaml", 5, "declares variable 'owner' but never uses ${owner}"),
            ("templates.yaml", { $0.replacingOccurrences(of: "    check:\n", with: "    check:\n      id: X\n") },
             "templates.yaml", 6, "unknown key 'id'"),
            ("ag1/checks.yaml", { $0.replacingOccurrences(of: "    severity: medium\n", with: "    severity: medium\n    with: {topic: x}\n") },
             "ag1/checks.yaml", 6, "'with' sets the variables of a template, and check T-1 names none"),
            ("ag5/checks.yaml", { $0.replacingOccurrences(of: "    severity: low\n", with: "") },
             "ag5/checks.yaml", 3, "check T-5 has no 'severity'"),
        ]
        for c in cases {
            let (e, f) = try Self.refusal(c.file, c.edit)
            #expect(e.file == f.path(c.at), "\(c.message): \(e)")
            #expect(e.line == c.line, "\(c.message): \(e)")
            #expect(e.message.contains(c.message), "\(e.message)")
        }
    }

    @Test func anUnusedTemplateIsRefused() throws {
        let (e, f) = try Self.refusal("ag5/checks.yaml") {
            $0.replacingOccurrences(of: "    template: attested\n", with: "").replacingOccurrences(of: "    with:\n      topic: the documented scope\n", with: "")
        }
        #expect(e.file == f.path("templates.yaml") && e.line == 2)
        #expect(e.message.contains("template 'attested' is used by no check"))
    }
}
