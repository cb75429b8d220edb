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
}
