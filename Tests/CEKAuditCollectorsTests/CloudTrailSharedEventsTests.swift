@testable import CEKAuditLogs
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Testing

/// Files that share events — a trail copied beside its assembled copy, examples that reuse an event id — give the
/// same facts, warnings and provenance whichever worker reads which file first: copies count once, what keeps a
/// minimum, a maximum or a set sees every copy, each copy's file applies its own deletion rule, and each warning
/// names the same file in every reading (CloudTrailCollector.Dedupe).
struct CloudTrailSharedEventsTests {
    static let key = "arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-0000-4000-8000-000000000001"

    static func record(_ id: String, _ name: String, _ time: String, principal: String = "arn:aws:iam::111122223333:role/app") -> String {
        #"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"\#(principal)","accountId":"111122223333"},"eventTime":"\#(time)","eventSource":"kms.amazonaws.com","eventName":"\#(name)","awsRegion":"eu-west-1","requestID":"r-\#(id)-\#(name)","eventID":"\#(id)","recipientAccountId":"111122223333","resources":[{"type":"AWS::KMS::Key","ARN":"\#(key)"}]}"#
    }

    /// Five files: `a` holds a use, the deletion and a use after it; `b` copies the deletion and the late use and
    /// adds one of its own; `c` copies the first use; `d` and `e` reuse the id "1" for a different record and for a
    /// copy of `c`'s. Padding changes each file's size, and so the order the workers take them in.
    static func files(padding: [Int]) -> [(String, String)] {
        let a = [record("e1", "Decrypt", "2026-10-01T09:00:00Z"), record("e2", "DeleteKey", "2026-10-01T10:00:00Z"),
                 record("e3", "Decrypt", "2026-10-01T11:00:00Z", principal: "arn:aws:iam::111122223333:role/late")]
        let b = [record("e2", "DeleteKey", "2026-10-01T10:00:00Z"),
                 record("e3", "Decrypt", "2026-10-01T11:00:00Z", principal: "arn:aws:iam::111122223333:role/late"),
                 record("e4", "Encrypt", "2026-10-01T09:30:00Z")]   // before the deletion: not after it
        let c = [record("e1", "Decrypt", "2026-10-01T09:00:00Z"), record("1", "Encrypt", "2026-10-02T08:00:00Z")]
        let d = [record("1", "Decrypt", "2026-10-02T09:00:00Z")]
        let e = [record("1", "Encrypt", "2026-10-02T08:00:00Z"), record("e5", "Sign", "2026-09-30T08:00:00Z")]
        return zip(["a", "b", "c", "d", "e"], [a, b, c, d, e]).enumerated().map { k, file in
            (file.0, "{\"Records\":[" + file.1.joined(separator: ",") + "]}" + String(repeating: " ", count: padding[k]))
        }
    }

    /// What a reading gives, but the evidence items' sizes and digests (the padding differs): facts with their
    /// provenance by file name, and the warnings with their files.
    static func reading(workers: Int, padding: [Int]) async throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [CloudTrailCollector.File] = []
        for (name, json) in Self.files(padding: padding) {
            let path = dir.appendingPathComponent("111122223333_CloudTrail_eu-west-1_20261001T0000Z_\(name).json").path
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            files.append(.init(path: path, locator: "logs/\(name).json"))
        }
        let facts = await CloudTrailCollector(workers: workers).collect(files: files, label: "logs", context: CollectionContext(now: Date(timeIntervalSince1970: 1_800_000_000)))
        let names = Dictionary(uniqueKeysWithValues: facts.evidence.map { ($0.id, $0.locator) })
        var out = facts.resources.map { r in
            "\(r.type.rawValue) \(r.id) \(r.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) from \(r.provenance.map { names[$0.evidence] ?? $0.evidence })"
        }.sorted()
        out += facts.diagnostics.map { "\($0.severity) \($0.source): \($0.message)" }
        return out
    }

    @Test func sharedEventsGiveOneReadingWhateverTheOrder() async throws {
        let paddings = [[0, 0, 0, 0, 0], [4000, 3000, 2000, 1000, 0], [0, 1000, 2000, 3000, 4000], [2000, 0, 4000, 1000, 3000]]
        let reference = try await Self.reading(workers: 1, padding: paddings[0])
        for padding in paddings {
            for workers in [1, 2, 3] {
                for _ in 0..<(workers == 1 ? 1 : 3) {
                    #expect(try await Self.reading(workers: workers, padding: padding) == reference, "workers \(workers), padding \(padding)")
                }
            }
        }
        // The counts: e2 and e3 once each, e1 once; "1" twice (two records), its copy once.
        let source = try #require(reference.first { $0.hasPrefix("log_source") })
        for count in ["duplicates=number(4.0)", "id_collisions=number(1.0)", "kms_records=number(7.0)"] { #expect(source.contains(count), "\(source)") }
        // The late use follows the deletion in both a and b: two log entries after deletion, whichever copy counted.
        let usage = try #require(reference.first { $0.hasPrefix("key_usage") })
        #expect(usage.contains("events_after_deletion=number(2.0)"), "\(usage)")
        #expect(usage.contains("role/late"), "\(usage)")
        // Each warning names the larger file of each pair: b (e2, e3), c (e1), e (the copy of "1"), and d (the other "1").
        let warnings = reference.filter { $0.hasPrefix("warning logs/") }
        #expect(warnings.contains("warning logs/b.json: event e2 is delivered more than once; counted once"), "\(warnings)")
        #expect(warnings.contains("warning logs/b.json: event e3 is delivered more than once; counted once"), "\(warnings)")
        #expect(warnings.contains("warning logs/c.json: event e1 is delivered more than once; counted once"), "\(warnings)")
        #expect(warnings.contains("warning logs/e.json: event 1 is delivered more than once; counted once"), "\(warnings)")
        #expect(warnings.contains("warning logs/d.json: event id 1 is shared by different records; both are counted"), "\(warnings)")
    }

    /// What the warnings need stays small however many copies a trail holds: the five smallest repeated ids per file
    /// and the thousand smallest shared ids, the same sets in any order and across workers' merges.
    @Test func warningsKeepABoundedSetWhateverTheCopies() {
        func ids(_ n: Int) -> [String] { (0..<n).map { String(format: "e-%06d", $0) } }
        var a = LogAggregate(), b = LogAggregate()
        for (k, id) in ids(20_000).reversed().enumerated() { if k % 2 == 0 { a.noteRepeated(id, file: 3) } else { b.noteRepeated(id, file: 3) } }
        for (k, id) in ids(5_000).shuffled().enumerated() { if k % 2 == 0 { a.noteCollided(id, hash: UInt64(k + 1)) } else { b.noteCollided(id, hash: UInt64(k + 1)) } }
        #expect(a.collidedIDs.count <= 2 * LogAggregate.collidedIDsKept)
        a.merge(b)
        #expect(a.repeatedIDs[3] == Array(ids(5)))
        #expect(a.collidedIDs.values.sorted() == ids(LogAggregate.collidedIDsKept))
    }
}
