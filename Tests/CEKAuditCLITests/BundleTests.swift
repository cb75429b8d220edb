import CEKAuditTestSupport
import Foundation
import Testing

/// Collect once, evaluate many: `evaluate` on a bundle reproduces `assess` byte for byte, and a modified bundle
/// is refused naming the item.
@Suite(.serialized) struct BundleTests {
    @Test func evaluateReproducesAssessByteForByte() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        let collect = try CLI.run(["collect", "examples/acme-ai-platform", "--bundle", bundle])
        #expect(collect.status == 0, "\(collect.stderr)")
        let evaluated = try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("eval").path])
        #expect(evaluated.status == 1)   // the example has failures by design
        for name in ["report.json", "report.html"] {
            let fromBundle = try Data(contentsOf: dir.appendingPathComponent("eval/\(name)"))
            let committed = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("Reports/acme-ai-platform/\(name)"))
            #expect(fromBundle == committed, "\(name) from the bundle differs from assess")
        }
        // Every evidence item is in the bundle, including the CloudTrail logs copied from disk.
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json"))) as? [String: Any])
        let items = try #require(manifest["items"] as? [[String: Any]])
        #expect(items.count >= 7)
        for entry in items {
            let path = try #require(entry["path"] as? String)
            #expect(FileManager.default.fileExists(atPath: bundle + "/" + path))
        }
    }

    /// The example's Kubernetes encryption configuration holds a local aescbc key: the bundle keeps a redacted copy
    /// (which still verifies) and the attested documents, and neither the bundle nor a report contains the key.
    @Test func kubernetesKeyMaterialNeverReachesABundleOrAReport() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", "examples/acme-ai-platform", "--bundle", bundle, "-q"]).status == 0)
        #expect(try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("out").path, "-q"]).status == 1)
        let config = try String(contentsOf: CLI.packageRoot.appendingPathComponent("examples/acme-ai-platform/k8s/encryption-config.yaml"),
                                encoding: .utf8)
        let secret = try #require(config.split(separator: "\n").first { $0.contains("secret:") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces))
        #expect(secret.count > 20)
        let files = (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? [])
            .map { dir.appendingPathComponent($0) }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        #expect(files.count > 10)
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            #expect(!text.contains(secret), "\(file.lastPathComponent) contains the key material")
        }
        let manifest = try String(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("attested-document"))
    }

    @Test func aChangedByteInAnItemIsDetectedAndNamed() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", "Tests/CEKAuditCollectorsTests/Fixtures/cases/rotation-periods", "--bundle", bundle, "-q"]).status == 0)
        let items = try FileManager.default.contentsOfDirectory(atPath: bundle + "/items")
        let item = try #require(items.first)
        let url = URL(fileURLWithPath: bundle + "/items/" + item)
        var data = try Data(contentsOf: url)
        data[data.startIndex] ^= 0x01
        try data.write(to: url)
        let r = try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains(item))
        #expect(r.stderr.contains("template.yaml"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/report.json").path))
    }

    @Test func editedFactsAreDetected() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", "Tests/CEKAuditCollectorsTests/Fixtures/cases/rotation-periods", "--bundle", bundle, "-q"]).status == 0)
        let facts = URL(fileURLWithPath: bundle + "/facts.json")
        let text = try String(contentsOf: facts, encoding: .utf8).replacingOccurrences(of: "730", with: "90")
        try text.write(to: facts, atomically: true, encoding: .utf8)
        let r = try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("facts.json"))
    }

    /// Collect once, evaluate many: a corrected trust list reaches evidence collected before it, without collecting
    /// again. The bundle holds observations; the grant's tenancy is decided at evaluation.
    @Test func evaluateWithAnotherAssessmentFileReDerivesTenancy() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", "examples/acme-ai-platform", "--bundle", bundle, "-q"]).status == 0)
        let audit = try String(contentsOf: CLI.packageRoot.appendingPathComponent("examples/acme-ai-platform/audit.yaml"), encoding: .utf8)
        let partner = audit.replacingOccurrences(of: #"trusted_accounts: ["111122223333"]"#, with: #"trusted_accounts: ["111122223333", "444455556666"]"#)
        #expect(partner != audit)
        let override = dir.appendingPathComponent("partner-audit.yaml")
        try partner.write(to: override, atomically: true, encoding: .utf8)
        // The waiver file it names, relative to it.
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("examples/acme-ai-platform/waivers.yaml"),
                                         to: dir.appendingPathComponent("waivers.yaml"))

        func grantVerdict(_ args: [String], _ out: String) throws -> (String?, [String: Any]) {
            let r = try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent(out).path, "-q"] + args)
            #expect(r.status == 1, "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(out)/report.json"))) as? [String: Any])
            let results = ReportJSON.results(json)
            let grant = results.first { $0["check"] as? String == "CEK08-AG2-GRANT-TENANT-BOUNDARY" }
            return (grant?["verdict"] as? String, try #require(json["settings"] as? [String: Any]))
        }
        let (before, recorded) = try grantVerdict([], "recorded")
        #expect(before == "fail", "the partner account is outside the tenant with the bundle's own settings")
        #expect((recorded["origins"] as? [String: String])?["trusted_accounts"] == "examples/acme-ai-platform/audit.yaml")
        let (after, overridden) = try grantVerdict(["--assessment", override.path], "override")
        #expect(after == "pass", "the same observations, judged with the partner trusted")
        #expect((overridden["trusted_accounts"] as? [String]) == ["111122223333", "444455556666"])
        #expect((overridden["origins"] as? [String: String])?["trusted_accounts"]?.hasPrefix("--assessment ") == true)
        #expect(try CLI.schemaErrors(dir.appendingPathComponent("override/report.json")) == nil)
    }

    /// A bundle written by a release that stored derived facts is refused with what to do, not misread.
    @Test func anOlderBundleFormatGetsAClearMessage() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        #expect(try CLI.run(["collect", "Tests/CEKAuditCollectorsTests/Fixtures/cases/rotation-periods", "--bundle", bundle, "-q"]).status == 0)
        let manifest = URL(fileURLWithPath: bundle + "/manifest.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        #expect(text.contains(#""schema_version" : "2""#))
        try text.replacingOccurrences(of: #""schema_version" : "2""#, with: #""schema_version" : "1""#).write(to: manifest, atomically: true, encoding: .utf8)
        let r = try CLI.run(["evaluate", bundle, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("format version 1"))
        #expect(r.stderr.contains("collect again"))
    }

    /// An assessment file is recognised by its content, whatever its name: `assess corrected-audit.yaml` assesses
    /// what it names instead of reading the file itself as evidence.
    @Test func anAssessmentFileWithAnotherNameIsStillTheAssessment() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let example = CLI.packageRoot.appendingPathComponent("examples/acme-ai-platform")
        let copy = dir.appendingPathComponent("acme")
        try FileManager.default.copyItem(at: example, to: copy)
        try FileManager.default.moveItem(at: copy.appendingPathComponent("audit.yaml"), to: copy.appendingPathComponent("corrected-audit.yaml"))
        var text = try String(contentsOf: copy.appendingPathComponent("corrected-audit.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "controls: ../../Controls/CEK-08.yaml", with: "controls: \(CLI.packageRoot.path)/Controls/CEK-08.yaml")
        try text.write(to: copy.appendingPathComponent("corrected-audit.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["assess", copy.appendingPathComponent("corrected-audit.yaml").path, "-o", dir.appendingPathComponent("out").path, "-q"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("acme-ai-platform: fail"), "\(r.stdout)")
        #expect(!r.stderr.contains("not a recognised input"))
    }
}
