import Foundation
import Testing

/// `examples/ci/`: the workflow and job validate against check-jsonschema's built-in GitHub workflow and GitLab CI
/// schemas (offline), and the commands they run work on the bundled example.
@Suite(.serialized) struct CIExamplesTests {
    /// Runs check-jsonschema with a built-in schema on a file; returns its output when it fails.
    static func checkJSONSchema(_ builtin: String, _ file: String) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Validators.python, "-m", "check_jsonschema", "--builtin-schema", builtin, file]
        p.currentDirectoryURL = CLI.packageRoot
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : String(decoding: o, as: UTF8.self)
    }

    @Test(.enabled(if: Validators.runCheckJSONSchema, Validators.checkJSONSchemaMissing))
    func workflowAndJobValidate() throws {
        #expect(Validators.checkJSONSchema, "check-jsonschema cannot be imported by \(Validators.python)")
        #expect(try Self.checkJSONSchema("vendor.github-workflows", "examples/ci/github-actions.yml") == nil)
        #expect(try Self.checkJSONSchema("vendor.gitlab-ci", "examples/ci/gitlab-ci.yml") == nil)
    }

    /// The documented commands: assess with every CI format, then again against the first report as baseline with
    /// `--fail-on new` (nothing new: exit 0), then `diff`.
    @Test func documentedCommandsRunOnTheExample() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = dir.appendingPathComponent("report").path
        let first = try CLI.run(["assess", "examples/acme-ai-platform", "-o", report, "--format", "json", "html", "sarif", "junit", "markdown", "github"])
        #expect(first.status == 1, "\(first.stderr)")   // the example has failures
        #expect(first.stdout.contains("::error file=examples/acme-ai-platform/terraform/plan.json,line="), "\(first.stdout)")
        let md = try String(contentsOf: URL(fileURLWithPath: report + "/report.md"), encoding: .utf8)
        #expect(md.contains("| AG-7 | pass |"))
        #expect(md.contains("[report.html](report.html)"))
        #expect(md.utf8.count < 1_048_576)
        let sarif = try String(contentsOf: URL(fileURLWithPath: report + "/report.sarif"), encoding: .utf8)
        #expect(sarif.contains("\"suppressions\""))
        #expect(sarif.contains("cekAuditFinding/v1"))
        let second = try CLI.run(["assess", "examples/acme-ai-platform", "-o", dir.appendingPathComponent("again").path, "-q",
                                  "--baseline", report + "/report.json", "--fail-on", "new"])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("0 new, 0 fixed"))
        let missing = try CLI.run(["assess", "examples/acme-ai-platform", "-o", report, "-q", "--fail-on", "new"])
        #expect(missing.status == 64)
        let diff = try CLI.run(["diff", report, dir.appendingPathComponent("again").path, "--format", "json"])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("\"unchanged\""))
    }
}
