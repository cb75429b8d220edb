import CEKAuditKit
import Foundation
import Testing

/// The fuzz entry points (``FuzzTargets``) as ordinary tests: every target takes the project's own inputs, damaged
/// copies of them and every saved crasher (`Fixtures/fuzz-regressions/<target>/`) without crashing or hanging.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FuzzRegressionTests {
    static let regressions = Fixtures.folder.appendingPathComponent("fuzz-regressions")

    /// Inputs for a target: its saved crashers, plus a few project fixtures and cut-short copies of them.
    static func inputs(_ target: String) throws -> [(String, Data)] {
        var out: [(String, Data)] = []
        let fm = FileManager.default
        let dir = regressions.appendingPathComponent(target)
        for name in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() {
            out.append(("regression \(name)", try Data(contentsOf: dir.appendingPathComponent(name))))
        }
        let samples = ["by-content/terraform.tfstate", "by-content/stack.template", "by-content/support-key-policy",
                       "k8s/kms-v2.json", "mixed/not-json.json", "cases/rotation-periods/template.yaml",
                       "gcp/keys-list/gcloud-kms-keys-list.json", "gcp/cmek-policy/assets.jsonl",
                       "gcp-audit-log/gcloud/kms-logs.json", "gcp-audit-log/bigquery/cloudaudit_googleapis_com_rows.jsonl",
                       "azure-audit-log/with-key/PT1H.json", "azure-audit-log/log-analytics/azurediagnostics-export.json",
                       "hcl/tenants/terraform/modules/kms/main.tf", "hcl/styles/main.tf", "hcl/azure/main.tf",
                       "log-query/results/edgecases.csv", "log-query/results/edgecases.jsonl"]
        for s in samples {
            let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent(s))
            out.append((s, data))
            out.append(("\(s) cut in half", data.prefix(data.count / 2)))
            out.append(("\(s) with a NUL byte", data.prefix(data.count / 3) + Data([0]) + data.dropFirst(data.count / 3)))
        }
        out.append(("empty", Data()))
        return out
    }

    @Test(arguments: FuzzTargets.names)
    func everyTargetTakesDamagedInputsAndSavedCrashers(_ target: String) async throws {
        for (_, data) in try Self.inputs(target) {
            await FuzzTargets.run(target, data)
        }
    }

    /// Saved crashers are filed under a known target.
    @Test func regressionFoldersNameKnownTargets() throws {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)) ?? []
        for f in folders where f != "README.md" {
            #expect(FuzzTargets.names.contains(f), "\(f) is not a fuzz target")
        }
    }
}
