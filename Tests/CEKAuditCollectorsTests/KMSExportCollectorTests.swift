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

    /// An export that mixes answers and error entries in one object by key is read entry by entry: answers are used,
    /// each error leaves exactly the facts of its call unknown for its key, with the operation and error code.
    @Test func answersAndErrorsByKeyAreReadEntryByEntry() async throws {
        let facts = try await Fixtures.collect("kms-export/mixed-errors")
        func key(_ n: Int) -> Resource? { facts.resources.first { $0.type == .key && $0.name == "cccc3333-0000-4000-8000-00000000000\(n)" } }
        let one = try #require(key(1)), two = try #require(key(2)), three = try #require(key(3))
        #expect(one.value("rotation.enabled") == .bool(true))
        #expect(three.value("rotation.enabled") == .bool(false))
        let denied = try #require(two.value("rotation.enabled").unknownReason)
        #expect(denied.contains("GetKeyRotationStatus") && denied.contains("AccessDeniedException"))
        #expect(two.value("custody") == .string("customer-generated"), "DescribeKey answered for this key")
        #expect(two.provenance.contains { $0.pointer == "cccc3333-0000-4000-8000-000000000002" })

        // The policy answer is analysed; the denied one is a key policy with its facts unknown.
        let policies = facts.resources.filter { $0.type == .keyPolicy }
        #expect(policies.first { $0.value("key") == .string(one.id) }?.value("cross_tenant") == .bool(false))
        let deniedPolicy = try #require(policies.first { $0.value("key") == .string(three.id) })
        #expect(deniedPolicy.value("cross_tenant").unknownReason?.contains("GetKeyPolicy call answered AccessDeniedException") == true)

        // A key whose DescribeKey was denied is kept with its metadata unknown; a key that does not exist is not.
        let four = try #require(facts.resources.first { $0.type == .key && $0.id.hasSuffix("000000000004") })
        #expect(four.value("manager").unknownReason?.contains("DescribeKey call answered AccessDeniedException") == true)
        #expect(four.value("account") == .string("111122223333"))
        #expect(!facts.resources.contains { $0.id.hasSuffix("000000000005") })
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.message.contains("NotFoundException") })

        let r = try await Fixtures.assess("kms-export/mixed-errors")
        #expect(r.verdicts("CEK08-AG3-ROTATION-PERIOD") == [
            "cccc3333-0000-4000-8000-000000000001": .pass,
            "cccc3333-0000-4000-8000-000000000002": .inconclusive,
            "cccc3333-0000-4000-8000-000000000003": .fail,
            "cccc3333-0000-4000-8000-000000000004": .inconclusive,
        ])
    }

    @Test func anObjectByKeyIsRecognisedOnlyWhenItIsAboutKMSKeys() throws {
        let mixed = #"{"1234abcd-12ab-34cd-56ef-1234567890ab": {"KeyRotationEnabled": true}, "mrk-1234abcd12ab34cd56ef1234567890ab": {"Error": {"Code": "AccessDeniedException", "Message": "denied"}}}"#
        #expect(try Fixtures.recognizedKind("rotation.json", data: Data(mixed.utf8)) == KMSExportCollector.name)
        // S3 GetBucketPolicy answers by bucket name have the same `Policy` member: not a KMS export.
        let buckets = #"{"acme-logs": {"Policy": "{}"}, "acme-data": {"Error": {"Code": "NoSuchBucketPolicy", "Message": "none"}}}"#
        #expect(try Fixtures.recognizedKind("policies.json", data: Data(buckets.utf8)) != KMSExportCollector.name)
    }
}
