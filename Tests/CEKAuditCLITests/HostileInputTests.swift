import Foundation
import Testing

/// Strings from files land escaped in HTML and stripped of control characters in the terminal.
@Suite(.serialized) struct HostileInputTests {
    @Test func markupInDescriptionsAliasesAndTagsShowsAsText() throws {
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["assess", "Tests/CEKAuditCollectorsTests/Fixtures/hostile", "-o", out.path])
        #expect([0, 1].contains(r.status), "\(r.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        // The evidence page beside it escapes the file names and kinds it lists, too.
        let evidence = try String(contentsOf: out.appendingPathComponent("evidence.html"), encoding: .utf8)
        #expect(!evidence.contains("<img"))
        #expect(evidence.components(separatedBy: "<script").count - 1 == 1, "only the page's own script")
        #expect(evidence.contains("<tr id=\"E1\">"))
        let json = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("<img src=x onerror=alert(1)>"))   // JSON keeps the data as data
    }

    @Test func controlCharactersNeverReachTheTerminal() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let template = """
        {"AWSTemplateFormatVersion":"2010-09-09","Resources":{"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":true,"RotationPeriodInDays":900,
         "Description":"x"}},"A":{"Type":"AWS::KMS::Alias","Properties":{"AliasName":"alias/\\u001b[31mred\\u001b[0m","TargetKeyId":{"Ref":"K"}}}}}
        """
        try template.write(to: dir.appendingPathComponent("t.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("red"))
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(!r.stderr.contains("\u{1B}"))
    }
}
