import Foundation
import Testing

/// `cek-audit assess` on a folder of `.tf` files: findings on declared resources point at the `.tf` file and line
/// (SARIF locations come from the facts' provenance).
struct TerraformHCLCLITests {
    @Test func sarifLocationsNameTheModuleFileAndThePolicyLine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = CLI.packageRoot.appendingPathComponent("Tests/CEKAuditCollectorsTests/Fixtures/hcl/tenants").path
        let r = try CLI.run(["assess", fixture, "-o", dir.path, "-q", "--format", "sarif"])
        #expect(r.status == 0 || r.status == 2, "\(r.stderr)")
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.sarif"))) as? [String: Any])
        let results = (((sarif["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]]) ?? []
        let boundary = results.filter { $0["ruleId"] as? String == "CEK08-AG2-POLICY-TENANT-BOUNDARY" }
        #expect(boundary.count == 4)
        for result in boundary {
            let location = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any]
            #expect((location?["artifactLocation"] as? [String: Any])?["uri"] as? String == "terraform/modules/kms/main.tf")
            #expect((location?["region"] as? [String: Any])?["startLine"] as? Int == 43)
        }
    }
}
