import Foundation
import Testing

/// Exit codes as documented in the README: 0, 1, 2, 64, 65.
@Suite(.serialized) struct ExitCodeTests {
    let fixtures = "Tests/CEKAuditCollectorsTests/Fixtures"

    @Test func failuresExitOneAfterWritingReports() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["assess", "\(fixtures)/cases/rotation-periods", "-o", out.path])
        #expect(r.status == 1)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(r.stdout.contains("BiennialKey"))
    }

    @Test func noFailureExitsZeroAndFailOnInconclusiveExitsTwo() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let ok = try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "-o", out.path, "-q"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let strict = try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "-o", out.path, "-q", "--fail-on", "inconclusive"])
        #expect(strict.status == 2)
    }

    @Test func usageErrorsExit64() throws {
        #expect(try CLI.run(["assess", "does/not/exist"]).status == 64)
        #expect(try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--fail-on", "sometimes"]).status == 64)
        #expect(try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--as-of", "yesterday"]).status == 64)
        #expect(try CLI.run(["frobnicate"]).status == 64)
    }

    @Test func invalidAssessmentFileExits65WithPlace() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "schema_version: 1\nname: t\nsources:\n  - path: x.json\n    kind: cloudformaton\n".write(
            to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("audit.yaml:5:11"))
        #expect(r.stderr.contains("Fix:"))
    }

    @Test func invalidCatalogExits65WithPlace() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try "schema_version: 1\ncontrol: {id: X}\nguidelines: []\ncaiq: []\nextra: 1\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["controls", "validate", bad.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.yaml:5:1"))
        let good = try CLI.run(["controls", "validate"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("valid"))
    }

    @Test func controlsListAndShow() throws {
        let list = try CLI.run(["controls", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("AG-10"))
        #expect(list.stdout.contains("CCM-4"))
        let show = try CLI.run(["controls", "show", "CEK-08.1"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("requires"))
        #expect(try CLI.run(["controls", "show", "AG-99"]).status == 64)
        // A derived check is shown as read: where it is written, its template, its expanded messages.
        let derived = try CLI.run(["controls", "show", "CEK08-AG5-SCOPE-DOCUMENTED"])
        #expect(derived.status == 0)
        #expect(derived.stdout.contains("(guideline AG-5, Controls/CEK-08/checks/AG-5.yaml:"))
        #expect(derived.stdout.contains("Derived from template attestation_check (Controls/CEK-08/templates.yaml:"))
        #expect(derived.stdout.contains("message manual: The documented scope of customer key control needs an auditor's review or an attestation."))
        let template = try CLI.run(["controls", "show", "attestation_check"])
        #expect(template.status == 0)
        #expect(template.stdout.contains("variable topic:"))
        #expect(template.stdout.contains("CEK08-CCM4-HSM-VALIDATION"))
        #expect(list.stdout.contains("from template attestation_check"))
    }

    /// `--controls` takes the root file of a split catalog anywhere; a mistake in one of its files is named there.
    @Test func aSplitCatalogIsValidatedFileByFile() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("Controls")
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("Controls"), to: copy)
        let good = try CLI.run(["controls", "validate", copy.appendingPathComponent("CEK-08.yaml").path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("derived from 1 template(s)"))
        let checks = copy.appendingPathComponent("CEK-08/checks/AG-8.yaml")
        let text = try String(contentsOf: checks, encoding: .utf8).replacingOccurrences(of: "severity: low", with: "severity: lowest")
        try text.write(to: checks, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["controls", "list", "--controls", copy.appendingPathComponent("CEK-08.yaml").path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("CEK-08/checks/AG-8.yaml:9:15: error: checks[0].severity: unknown severity"), "\(bad.stderr)")
    }
}
