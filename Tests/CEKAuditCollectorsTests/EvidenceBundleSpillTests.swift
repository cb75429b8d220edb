@testable import CEKAuditCore
@testable import CEKAuditKit
import CEKAuditCollectorKit
import CEKAuditTestSupport
import Foundation
import Testing

/// An evidence bundle written from bytes spilled to a scratch file (live collection, ``PayloadSpillFile``) is the
/// bundle written from the same bytes held in memory, byte for byte — credentials scrubbed and items rehashed alike —,
/// and spilled bytes that cannot be read back stop the bundle with the item named, never a bundle that lacks them.
struct EvidenceBundleSpillTests {
    static let secret = "spillSecretEXAMPLEKEY0000000000000000000"

    static func facts(spillingTo spill: PayloadSpillFile?) -> FactSet {
        var facts = FactSet()
        let answers: [(String, Data)] = [
            ("aws-kms://111122223333/us-east-1/DescribeKey/k1", Data(#"{"KeyMetadata":{"KeyId":"k1","KeyState":"Enabled"}}"#.utf8)),
            ("aws-kms://111122223333/us-east-1/ListResourceTags/k1", Data(#"{"Tags":[{"TagKey":"leak","TagValue":"\#(secret)"}]}"#.utf8)),
            ("aws-kms://111122223333/us-east-1/ListGrants/k1", Data()),
            ("aws-kms://111122223333/us-east-1/ListKeys", Data((0..<5_000).map { UInt8(truncatingIfNeeded: $0 * 7) })),
        ]
        for (locator, bytes) in answers {
            let item = EvidenceItem(collector: "aws-kms", locator: locator, kind: "aws-api-response", bytes: bytes, collectedAt: Fixtures.now)
            facts.addEvidence(item, bytes: bytes, spillingTo: spill)
        }
        return facts
    }

    static func write(_ facts: FactSet, to folder: String) throws {
        try EvidenceBundle.write(facts, settings: EvidenceBundle.Settings(name: "spill", collectedAt: Fixtures.now, parameters: [:], checks: [:], controls: nil),
                                 to: folder, toolVersion: "test", credentials: CredentialScrubber(secrets: [secret]))
    }

    /// Every file under `folder`, by path relative to it.
    static func files(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for rel in try FileManager.default.subpathsOfDirectory(atPath: folder) {
            var isDir: ObjCBool = false
            let path = folder + "/" + rel
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { out[rel] = try Data(contentsOf: URL(fileURLWithPath: path)) }
        }
        return out
    }

    @Test func aBundleFromSpilledBytesIsTheBundleFromHeldBytes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cek-spill-bundle-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = Self.facts(spillingTo: nil)
        let spilled = Self.facts(spillingTo: try PayloadSpillFile())
        #expect(held.payloads.count == 4 && held.payloadSpills.isEmpty)
        #expect(spilled.payloads.isEmpty && spilled.payloadSpills.count == 4)
        try Self.write(held, to: root + "/held")
        try Self.write(spilled, to: root + "/spilled")
        let a = try Self.files(root + "/held"), b = try Self.files(root + "/spilled")
        #expect(a.count == 6, "manifest, facts and four items")
        #expect(a == b)
        let all = a.values.reduce(Data(), +)
        #expect(!String(decoding: all, as: UTF8.self).contains(Self.secret))
        // The scrubbed item carries the size and SHA-256 of what was written, and the bundle verifies.
        let (read, _) = try EvidenceBundle.read(root + "/spilled")
        let tags = try #require(read.evidence.first { $0.locator.hasSuffix("ListResourceTags/k1") })
        #expect(tags.sha256 != held.evidence.first { $0.id == tags.id }?.sha256)
    }

    @Test func spilledBytesThatCannotBeReadBackStopTheBundle() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cek-spill-bundle-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spill = try PayloadSpillFile()
        var facts = Self.facts(spillingTo: spill)
        let item = try #require(facts.evidence.first { $0.locator.hasSuffix("DescribeKey/k1") })
        let place = try #require(facts.payloadSpills[item.id])
        facts.payloadSpills[item.id] = SpilledPayload(file: spill, offset: spill.size - 1, length: place.length)
        let error = #expect(throws: EvidenceBundle.Failure.self) { try Self.write(facts, to: root) }
        guard case .spillUnreadable(let locator, let detail)? = error else {
            Issue.record("expected spillUnreadable, got \(String(describing: error))")
            return
        }
        #expect(locator == item.locator)
        #expect(detail.contains("cannot read"))
        #expect(error?.errorDescription?.contains(item.locator) == true)
        #expect(!FileManager.default.fileExists(atPath: root + "/manifest.json"), "no manifest: the bundle is not complete")
    }
}
