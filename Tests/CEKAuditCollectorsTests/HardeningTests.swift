import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// Inputs that once passed on garbage, or hid a failure; each now errors, or leaves the verdict open.
struct HardeningTests {
    @Test func aFileNamedAsAKeyPolicyThatIsNotOneFails() async throws {
        let facts = try await Fixtures.collect("hardening/garbage-policy")
        #expect(facts.coverage.contains { $0.source == "policy.txt" && $0.status == .failed })
        #expect(facts.resources.filter { $0.type == .keyPolicy }.isEmpty)
        let r = try await Fixtures.assess("hardening/garbage-policy")
        #expect(r.verdicts("CEK08-AG2-POLICY-TENANT-BOUNDARY").values.allSatisfy { $0 == .inconclusive })
    }

    @Test func duplicateJSONKeysAreAnErrorNotLastWins() async throws {
        let facts = try await Fixtures.collect("hardening/dup-json")
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("duplicate") })
        #expect(facts.resources.filter { $0.type == .key }.isEmpty)
    }

    @Test func declarationsAWSWouldRefuseAreReportedAndNeverPass() async throws {
        let facts = try await Fixtures.collect("hardening/typo-spec")
        #expect(facts.diagnostics.contains { $0.message.contains("SYMETRIC_DEFAULT") })
        #expect(facts.diagnostics.contains { $0.message.contains("RSA_2048") && $0.message.contains("rotation") })
        #expect(facts.diagnostics.contains { $0.message.contains("-1 days") })
        let r = try await Fixtures.assess("hardening/typo-spec")
        let rotation = r.verdicts("CEK08-AG3-ROTATION-PERIOD")
        #expect(rotation["TypoKey"] == .inconclusive)
        #expect(rotation["SignWithRotation"] == .notApplicable)
        #expect(rotation["NegativePeriod"] == .inconclusive)
    }

    @Test func aLogSourceWithNoReadableLogIsNeitherPassNorFail() async throws {
        let r = try await Fixtures.assess("hardening/not-a-log")
        #expect(r.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").values.allSatisfy { $0 == .inconclusive })
        // The source's own result fails (its file is not a log); the failed source adds an inconclusive one.
        #expect(Verdict.rollUp(r.filter { $0.check == "CEK08-AG4-LOGS-READABLE" }.map(\.verdict)) == .fail)
    }

    @Test func anAuditLogWithNoReadableLineLeavesUsageLoggingOpen() async throws {
        let r = try await Fixtures.assess("hardening/bao-garbage")
        let usage = r.filter { $0.check == "CEK08-AG4-KEY-USAGE-LOGGED" }
        #expect(!usage.isEmpty)
        #expect(usage.allSatisfy { $0.verdict == .inconclusive })
    }

    @Test func pipesLinksOutsideAndHiddenFilesAreListedAsSkipped() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#.utf8)
            .write(to: dir.appendingPathComponent(".hidden/public.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("leak.json").path, withDestinationPath: "/etc/hostname")
        #expect(mkfifo(dir.appendingPathComponent("pipe.json").path, 0o600) == 0)
        let plan = try AssessmentPlan.make(path: dir.path)
        #expect(plan.sources.isEmpty)
        let skipped = Dictionary(uniqueKeysWithValues: plan.missing.map { ($0.source, $0.detail ?? "") })
        #expect(skipped[".hidden"]?.contains("hidden") == true)
        #expect(skipped["leak.json"]?.contains("outside") == true)
        #expect(skipped["pipe.json"]?.contains("not a regular file") == true)
    }
}
