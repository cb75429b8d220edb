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

/// Exported AWS KMS API responses assessed offline (the shapes of ScoutSuite #1636 and Prowler #36, on the
/// project's own fixtures).
struct KMSExportCollectorTests {
    @Test func keysThatCannotRotateAreNotApplicableAndTheSymmetricOnePasses() async throws {
        let r = try await Fixtures.assess("kms-export/rotation-kinds")
        #expect(r.verdicts("CEK08-AG3-ROTATION-PERIOD") == [
            "aaaa1111-0000-4000-8000-000000000001": .notApplicable,
            "aaaa1111-0000-4000-8000-000000000002": .notApplicable,
            "aaaa1111-0000-4000-8000-000000000003": .pass,
        ])
        #expect(!r.contains { $0.verdict == .fail })
    }

    @Test func importedMaterialAndAnErrorResponseNeitherCrashNorFail() async throws {
        let facts = try await Fixtures.collect("kms-export/byok")
        let key = try #require(facts.resources.first { $0.type == .key })
        #expect(key.value("custody") == .string("imported"))
        #expect(key.value("material.valid_to") == .string("2027-01-01T00:00:00Z"))
        #expect(facts.diagnostics.contains { $0.message.contains("UnsupportedOperationException") && $0.severity == .info })
        let r = try await Fixtures.assess("kms-export/byok")
        #expect(r.verdicts("CEK08-AG3-ROTATION-PERIOD").values.allSatisfy { $0 == .notApplicable })
        #expect(r.verdicts("CEK08-AG1-IMPORTED-MATERIAL-EXPIRY").values.allSatisfy { $0 == .pass })
        #expect(r.verdicts("CEK08-AG1-CMK-EXISTS").values.allSatisfy { $0 == .pass })
    }
}
