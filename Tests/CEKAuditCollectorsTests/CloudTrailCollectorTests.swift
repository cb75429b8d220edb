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

/// CloudTrail logs: the delivery layout with an organization segment, gzip, digests, duplicates, null members,
/// denied calls and malformed files (the failure kinds of beats #20972, cartography #1740 and the awsdocs
/// examples), on the project's own fixtures.
struct CloudTrailCollectorTests {
    static let key = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-4222-8333-444455556666"

    func files(_ folder: String) throws -> [CloudTrailCollector.File] {
        let root = Fixtures.path(folder)
        let e = try #require(FileManager.default.enumerator(atPath: root))
        var out: [CloudTrailCollector.File] = []
        while let rel = e.nextObject() as? String {
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &dir), !dir.boolValue {
                out.append(.init(path: root + "/" + rel, locator: rel))
            }
        }
        return out.sorted { $0.locator < $1.locator }
    }

    func collect(_ folder: String, window: ClosedRange<Date>? = nil, workers: Int = 2) async throws -> FactSet {
        await CloudTrailCollector(window: window, workers: workers)
            .collect(files: try files(folder), label: folder, context: CollectionContext(now: Fixtures.now))
    }

    @Test func aggregatesKMSEventsPerKeyAndVerifiesTheDigest() async throws {
        let facts = try await collect("cloudtrail")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("files") == .int(2))
        #expect(source.value("digest_files") == .int(1))
        #expect(source.value("records") == .int(13))
        #expect(source.value("duplicates") == .int(1))            // e-0004 delivered twice, counted once
        #expect(source.value("failed_attempts") == .int(2))       // denied ScheduleKeyDeletion, failed DisableKey
        #expect(source.value("integrity_verified") == .int(1))
        #expect(source.value("integrity_mismatches") == .int(0))
        #expect(source.value("parse_errors") == .int(0))
        #expect(source.value("attributed") == .bool(true))
        #expect(source.value("categories") == .strings(["decrypt", "encrypt", "generate-data-key", "lifecycle"]))

        let usage = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.key })
        #expect(usage.value("usage.decrypt") == .int(2))          // one in window twice (deduplicated) + one in September
        #expect(usage.value("usage.encrypt") == .int(1))          // via alias/example-app, resolved through CreateAlias
        #expect(usage.value("usage.generate-data-key") == .int(1))
        let lifecycle = usage.value("lifecycle")
        #expect(lifecycle == .strings(["alias", "create", "enable-rotation", "rotate"]))
        // Denied and failed calls are attempts only: no disable, no scheduled deletion.
        #expect(usage.value("failed_attempts") == .strings(["DisableKey (NotFoundException)", "ScheduleKeyDeletion (AccessDenied)"])
                || usage.value("failed_attempts") == .strings(["ScheduleKeyDeletion (AccessDenied)", "DisableKey (NotFoundException)"]))
        #expect(usage.value("rotation_latest") == .string("enabled"))
        #expect(usage.value("last_rotated") == .string("2026-10-16T10:00:00Z"))
        #expect(facts.evidence.count == 3)
        #expect(facts.evidence.allSatisfy { $0.sha256.count == 64 })
        #expect(facts.diagnostics.contains { $0.message.contains("e-0004") && $0.severity == .warning })
    }

    @Test func theWindowExcludesOlderEvents() async throws {
        let start = try #require(DateParsing.parse("2026-10-01T00:00:00Z"))
        let end = try #require(DateParsing.parse("2026-10-31T23:59:59Z"))
        let facts = try await collect("cloudtrail", window: start...end)
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("outside_window") == .int(1))
        let usage = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.key })
        #expect(usage.value("usage.decrypt") == .int(1))
    }

    @Test func resultsDoNotDependOnTheNumberOfWorkers() async throws {
        let one = try await collect("cloudtrail", workers: 1)
        let many = try await collect("cloudtrail", workers: 4)
        #expect(one.resources == many.resources)
        #expect(one.evidence == many.evidence)
    }

    @Test func malformedAndTruncatedFilesAreReportedAndTheRestIsRead() async throws {
        let facts = try await collect("cloudtrail-malformed")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("parse_errors") == .int(2))
        let record = try #require(facts.diagnostics.first { $0.source.hasSuffix("bad.json") })
        #expect(record.line == 1)
        #expect(record.message.contains("record 1"))
        #expect(facts.diagnostics.contains { $0.source.hasSuffix("truncated.json.gz") && $0.severity == .error })
        // The second record of the bad file was still counted.
        let usage = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(usage.value("usage.encrypt") == .int(1))
        #expect(facts.coverage.first?.status == .partial)
    }

    /// A KMS record that cannot be decoded was not counted, even when every file was read: the source is partial, so
    /// what key usage it shows is not taken as the whole.
    @Test func anUndecodableRecordMakesTheSourcePartial() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Fixtures.path("cloudtrail-malformed/111122223333_CloudTrail_eu-west-1_20261015T1100Z_bad.json")), to: dir.appendingPathComponent("bad.json"))
        let facts = await CloudTrailCollector().collect(files: [.init(path: dir.appendingPathComponent("bad.json").path, locator: "bad.json")],
                                                        label: "logs", context: CollectionContext(now: Fixtures.now))
        let row = try #require(facts.coverage.first)
        #expect(row.status == .partial, "\(row)")
        #expect(row.detail?.contains("could not be decoded") == true, "\(row)")
    }

    @Test func assessedFolderGivesUsageLoggedPass() async throws {
        let results = try await Fixtures.assess("cloudtrail")
        #expect(results.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").values.allSatisfy { $0 == .pass })
        #expect(results.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").count == 1)
        #expect(results.verdicts("CEK08-AG3-LIFECYCLE-EXERCISED").values.first == .pass)
    }

    /// A log file a digest lists but the source lacks is a gap named by the S3 key the digest gives, and keeps the
    /// log source from being completely read.
    @Test func aLogADigestListsButTheSourceLacksIsAGapNamedByItsKey() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Fixtures.packageRoot.appendingPathComponent("examples/acme-ai-platform/logs"), to: dir)
        let logs = (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? [])
            .filter { $0.contains("/CloudTrail/") && $0.hasSuffix(".json.gz") }.sorted()
        let removed = try #require(logs.first)
        try FileManager.default.removeItem(at: dir.appendingPathComponent(removed))
        let facts = await Fixtures.runPlan(try AssessmentPlan.make(path: dir.path)).0
        let name = (removed as NSString).lastPathComponent
        let gap = try #require(facts.coverage.first { $0.source.hasSuffix(name) && $0.status == .failed })
        #expect(gap.source.contains("AWSLogs/"), "named by the digest's S3 key: \(gap.source)")
        #expect(facts.resources(of: .logSource).first?["unread_paths"] == .int(1))
    }
}
