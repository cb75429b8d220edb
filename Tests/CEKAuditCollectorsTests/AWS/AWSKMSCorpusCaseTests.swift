@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// Shared corpus cases 02, 03 and 05 — API responses the field's tools misread — served to the live collector.
/// The project's own reproductions (`Fixtures/aws/cases/`, placeholder account 111122223333) always run; the corpus
/// files themselves are served too when `../shared/corpus` is next to the repository.
@Suite(.timeLimit(.minutes(1)))
struct AWSKMSCorpusCaseTests {
    static func ownCase(_ name: String) throws -> FakeAWSScenario {
        let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent("aws/cases/\(name).json"))
        return FakeAWSScenario.fromCase(try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    static let corpus = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/cases")
    static var corpusAvailable: Bool { FileManager.default.fileExists(atPath: corpus.path) }

    /// A scenario from a corpus case folder: `describe-key.json` (one answer or a list), and
    /// `get-key-rotation-status.json` (one answer, or answers by key id) or `get-key-rotation-status.error.json`.
    static func corpusCase(_ prefix: String) throws -> FakeAWSScenario {
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: corpus.path).first { $0.hasPrefix(prefix) })
        let dir = corpus.appendingPathComponent(folder)
        func load(_ name: String) -> Any? {
            (try? Data(contentsOf: dir.appendingPathComponent(name))).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        }
        let describes = (load("describe-key.json") as? [[String: Any]]) ?? [(load("describe-key.json") as? [String: Any]) ?? [:]]
        let rotation = load("get-key-rotation-status.json") as? [String: Any]
        let rotationError = load("get-key-rotation-status.error.json") as? [String: Any]
        var keys: [[String: Any]] = []
        for d in describes {
            let md = d["KeyMetadata"] as? [String: Any] ?? [:]
            let id = md["KeyId"] as? String ?? ""
            var k: [String: Any] = ["metadata": md]
            if let byKey = rotation?[id] as? [String: Any] { k["rotation"] = byKey } else if rotation?["KeyRotationEnabled"] != nil { k["rotation"] = rotation }
            if let e = rotationError?["Error"] as? [String: Any] {
                k["rotation_error"] = ["status": 400, "code": e["Code"] ?? "Error", "message": e["Message"] ?? ""]
            }
            if (k["rotation"] as? [String: Any])?["KeyRotationEnabled"] as? Bool == true {
                k["rotation_dates"] = [DateParsing.iso(Fixtures.now.addingTimeInterval(-90 * 86_400))]
            }
            keys.append(k)
        }
        let account = (describes.first?["KeyMetadata"] as? [String: Any])?["AWSAccountId"] as? String ?? "111122223333"
        return FakeAWSScenario.fromCase(["account": account, "region": "us-east-1", "keys": keys])
    }

    static func assess(_ scenario: FakeAWSScenario) async throws -> (FactSet, [CheckResult], FakeAWSServer) {
        let server = try FakeAWSServer(scenario: scenario.document)
        let (facts, rec) = await AWSTest.collect(AWSTest.target(_: "corpus", AWSTest.options(server)))
        #expect(rec.mutating.isEmpty)
        return (facts, try AWSTest.evaluate(facts), server)
    }

    /// Case 02: HMAC and ECC keys are not applicable for rotation, the symmetric key passes, nothing fails.
    static func expectCase02(_ facts: FactSet, _ results: [CheckResult]) {
        let rotation = results.filter { $0.check == "CEK08-AG3-ROTATION-PERIOD" }
        let bySpec = Dictionary(uniqueKeysWithValues: rotation.compactMap { r -> (String, Verdict)? in
            guard let key = facts.resources.first(where: { $0.id == r.subject?.id }), case .string(let spec)? = key["spec"] else { return nil }
            return (spec, r.verdict)
        })
        #expect(bySpec == ["HMAC_256": .notApplicable, "ECC_NIST_P521": .notApplicable, "SYMMETRIC_DEFAULT": .pass])
        #expect(Verdict.rollUp(rotation.map(\.verdict)) == .pass)
        #expect(!results.contains { $0.verdict == .fail && $0.subject?.type == "key" })
    }

    /// Case 03: a key pending deletion is not applicable for rotation, its deletion date is recorded, nothing fails.
    static func expectCase03(_ facts: FactSet, _ results: [CheckResult]) {
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD").values.allSatisfy { $0 == .notApplicable })
        #expect(results.verdicts("CEK08-AG3-ROTATION-RECENT").values.allSatisfy { $0 == .notApplicable })
        let key = facts.resources(of: .key).first
        #expect(key?["deletion.scheduled_for"] == .string("2021-03-16T21:17:33Z"))
        #expect(key?["state"] == .string("PendingDeletion"))
        #expect(results.verdicts("CEK08-AG3-DELETION-WINDOW").values.allSatisfy { $0 == .pass })
        #expect(!results.contains { $0.verdict == .fail && $0.subject?.type == "key" })
    }

    /// Case 05: imported material (BYOK) shows the capability, rotation is not applicable, the expiry is reported
    /// and judged against the warning window; the rotation API is never called, so its error cannot become a failure.
    static func expectCase05(_ facts: FactSet, _ results: [CheckResult], _ server: FakeAWSServer) throws {
        #expect(results.verdicts("CEK08-AG1-CMK-EXISTS").values.first == .pass)
        let key = facts.resources(of: .key).first
        #expect(key?["custody"] == .string("imported"))
        #expect(key?["material.valid_to"] == .string("2027-01-08T10:00:00Z"))
        #expect(results.verdicts("CEK08-AG3-ROTATION-PERIOD").values.allSatisfy { $0 == .notApplicable })
        #expect(results.verdicts("CEK08-AG1-IMPORTED-MATERIAL-EXPIRY").values.allSatisfy { $0 == .pass }, "68 days left at the test clock")
        #expect(!server.operations().contains("GetKeyRotationStatus"))
        #expect(facts.diagnostics.isEmpty)
        let warned = RulesEngine(catalog: try Fixtures.catalog(), globalParameters: ["material_expiry_warning_days": .number(90)], now: Fixtures.now)
            .evaluate(facts).verdicts("CEK08-AG1-IMPORTED-MATERIAL-EXPIRY")
        #expect(warned.values.allSatisfy { $0 == .fail }, "inside a 90-day warning window")
    }

    @Test func case02HMACAndECCKeysAreNotFailedForRotation() async throws {
        let (facts, results, _) = try await Self.assess(try Self.ownCase("hmac-ecc-rotation"))
        Self.expectCase02(facts, results)
    }

    @Test func case03APendingDeletionKeyIsNotFailed() async throws {
        let (facts, results, _) = try await Self.assess(try Self.ownCase("pending-deletion"))
        Self.expectCase03(facts, results)
    }

    @Test func case05ImportedMaterialIsTheCapabilityNotARotationFailure() async throws {
        let (facts, results, server) = try await Self.assess(try Self.ownCase("external-origin"))
        try Self.expectCase05(facts, results, server)
    }

    @Test(.enabled(if: corpusAvailable, "../shared/corpus is not next to the repository"))
    func theCorpusFilesThemselvesGiveTheSameVerdicts() async throws {
        let (f2, r2, _) = try await Self.assess(try Self.corpusCase("02-"))
        Self.expectCase02(f2, r2)
        let (f3, r3, _) = try await Self.assess(try Self.corpusCase("03-"))
        Self.expectCase03(f3, r3)
        let (f5, r5, s5) = try await Self.assess(try Self.corpusCase("05-"))
        try Self.expectCase05(f5, r5, s5)
    }
}
