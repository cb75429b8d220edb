import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditLogs
import Foundation
import Testing

/// Cloud Audit Logs of Cloud KMS in the three shapes they are exported in (a `gcloud logging read --format=json`
/// array, a Cloud Storage sink's JSON lines, BigQuery export rows), on the project's own fixtures: the same entries
/// give the same facts, denied calls are attempts only, duplicates count once, and damaged input loses nothing else.
struct GCPAuditLogCollectorTests {
    static let ring = "projects/example-project/locations/europe-west4/keyRings/prod-ring"
    static let orders = ring + "/cryptoKeys/orders-key"
    static let signing = ring + "/cryptoKeys/signing-key"
    /// October 2026: the August Decrypt falls outside.
    static let window = DateParsing.parse("2026-10-01T00:00:00Z")!...DateParsing.parse("2026-11-01T00:00:00Z")!

    func files(_ folder: String) throws -> [GCPAuditLogCollector.File] {
        let root = Fixtures.path(folder)
        let e = try #require(FileManager.default.enumerator(atPath: root))
        var out: [GCPAuditLogCollector.File] = []
        while let rel = e.nextObject() as? String {
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &dir), !dir.boolValue {
                out.append(.init(path: root + "/" + rel, locator: rel))
            }
        }
        return out.sorted { $0.locator < $1.locator }
    }

    func collect(_ folder: String, window: ClosedRange<Date>? = Self.window) throws -> FactSet {
        GCPAuditLogCollector(window: window).collect(files: try files(folder), label: folder, context: CollectionContext(now: Fixtures.now))
    }

    func collect(lines: [String], name: String = "entries.json") throws -> FactSet {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-gcp-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return GCPAuditLogCollector().collect(files: [.init(path: url.path, locator: name)], label: name, context: CollectionContext(now: Fixtures.now))
    }

    @Test func aGcloudArrayGivesUsageLifecycleAndAttemptsPerKey() throws {
        let facts = try collect("gcp-audit-log/gcloud")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kind") == .string("gcp-audit-log"))
        #expect(source.value("files") == .int(1))
        #expect(source.value("records") == .int(12))          // 11 entries, one of them delivered twice; one of Cloud Storage
        #expect(source.value("duplicates") == .int(1))
        #expect(source.value("outside_window") == .int(1))    // the August Decrypt
        #expect(source.value("kms_records") == .int(9))
        #expect(source.value("failed_attempts") == .int(1))
        #expect(source.value("usage_events") == .int(3))
        #expect(source.value("parse_errors") == .int(0))
        #expect(source.value("attributed") == .bool(true))
        #expect(source.value("categories") == .strings(["decrypt", "encrypt", "lifecycle", "sign-verify-mac"]))
        #expect(source.value("accounts") == .strings(["example-project"]))
        #expect(source.value("log_types") == .strings(["activity", "data_access"]))
        #expect(source.value("first_event") == .string("2026-10-19T09:00:00Z"))
        #expect(source.value("last_event") == .string("2026-10-20T11:08:00Z"))
        #expect(source.value("window_start") == .string("2026-10-01T00:00:00Z"))

        let usage = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.orders })
        #expect(usage.value("account") == .string("example-project"))
        #expect(usage.value("region") == .string("europe-west4"))
        #expect(usage.value("usage.encrypt") == .int(1))      // on key version 2, counted on the key
        #expect(usage.value("usage.decrypt") == .int(1))      // the denied Decrypt is not a use
        #expect(usage.value("usage.total") == .int(2))
        #expect(usage.value("lifecycle") == .strings(["disable", "enable-rotation", "rotate"]))
        #expect(usage.value("failed_attempts") == .strings(["Decrypt (PERMISSION_DENIED)"]))
        #expect(usage.value("rotation_latest") == .string("enabled"))
        #expect(usage.value("last_rotated") == .string("2026-10-19T09:10:00Z"))
        #expect(usage.value("principals") == .strings([
            "app-sa@example-project.iam.gserviceaccount.com", "kms-admin@example.com",
            "service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
        ]), "the denied caller is not a principal that used the key; the service agent is attributed")
        let signing = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.signing })
        #expect(signing.value("usage.sign-verify-mac") == .int(1))
        // The key ring's SetIamPolicy and GenerateRandomBytes name no key.
        #expect(facts.resources.filter { $0.type == .keyUsage }.count == 2)
        #expect(facts.coverage.first?.status == .complete)
    }

    @Test func theThreeExportShapesOfTheSameEntriesAgree() throws {
        let array = try collect("gcp-audit-log/gcloud")
        let sink = try collect("gcp-audit-log/sink")
        let rows = try collect("gcp-audit-log/bigquery")
        func usage(_ f: FactSet) -> [String: [String: FactValue]] {
            Dictionary(uniqueKeysWithValues: f.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        }
        func source(_ f: FactSet) -> [String: FactValue] {
            (f.resources.first { $0.type == .logSource }?.fields ?? [:]).filter { !["name", "files", "records", "duplicates"].contains($0.key) }
        }
        #expect(usage(array).count == 2)
        #expect(usage(array) == usage(sink))
        #expect(usage(array) == usage(rows))
        #expect(source(array) == source(sink))
        #expect(source(array) == source(rows))
        #expect(sink.resources.first { $0.type == .logSource }?.value("files") == .int(3))
        #expect(rows.resources.first { $0.type == .logSource }?.value("records") == .int(11))
    }

    @Test func withoutAWindowEveryEntryCounts() throws {
        let facts = try collect("gcp-audit-log/sink", window: nil)
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("outside_window") == .int(0))
        #expect(source.value("usage_events") == .int(4))
        #expect(source.value("first_event") == .string("2026-08-01T08:00:00Z"))
        #expect(source.value("window_start") == .null)
    }

    @Test func aTruncatedLineIsAParseErrorWithItsLineAndTheRestIsRead() throws {
        let facts = try collect("gcp-audit-log-malformed")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("parse_errors") == .int(1))
        #expect(source.value("records") == .int(4))
        let error = try #require(facts.diagnostics.first { $0.severity == .error })
        #expect(error.source == "20_S0.json")
        #expect(error.line == 2)
        let usage = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.orders })
        #expect(usage.value("usage.encrypt") == .int(1))
        #expect(usage.value("usage.decrypt") == .int(0))     // line 2 was the successful Decrypt; line 3 is denied
        #expect(usage.value("failed_attempts") == .strings(["Decrypt (PERMISSION_DENIED)"]))
        #expect(facts.coverage.first?.status == .partial)
    }

    @Test func aCutArrayKeepsTheEntriesBeforeTheCut() throws {
        let text = try String(contentsOfFile: Fixtures.path("gcp-audit-log/gcloud/kms-logs.json"), encoding: .utf8)
        let cut = String(text.prefix(text.count * 2 / 3))
        let facts = try collect(lines: [cut], name: "cut.json")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("parse_errors") == .int(1))
        guard case .number(let records) = source.value("records") else { Issue.record("records is not a count"); return }
        #expect(records >= 5)
        let error = try #require(facts.diagnostics.first { $0.severity == .error })
        #expect((error.line ?? 0) > 100, "the line of the cut, not of the file's start")
    }

    @Test func adminActivityOnlyMeansNoUsageAndSaysWhy() throws {
        let facts = try collect("gcp-audit-log/sink/cloudaudit.googleapis.com/activity")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("usage_events") == .int(0))
        #expect(source.value("log_types") == .strings(["activity"]))
        #expect(source.value("categories") == .strings(["lifecycle"]))
        #expect(facts.diagnostics.contains { $0.message.contains("no Data Access entries") })
    }

    @Test func missingAndOddlyTypedMembersNeverCrash() throws {
        let type = "\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\""
        let facts = try collect(lines: [
            "{\"protoPayload\":{\(type),\"serviceName\":\"cloudkms.googleapis.com\"}}",
            "{\"protoPayload\":{\(type),\"serviceName\":\"cloudkms.googleapis.com\",\"methodName\":null,\"resourceName\":7,\"status\":{\"code\":\"7\"},\"authenticationInfo\":[]},\"timestamp\":12}",
            "{\"protopayload_auditlog\":{\"serviceName\":\"cloudkms.googleapis.com\",\"methodName\":\"Decrypt\",\"resourceName\":\"projects/p/locations/l/keyRings/r/cryptoKeys/k\",\"requestJson\":\"{not json\"},\"timestamp\":\"someday\"}",
            "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"serviceName\":\"cloudkms.googleapis.com\"",
            "[1,2]",
            "",
        ])
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kms_records") == .int(3))
        #expect(source.value("parse_errors") == .int(2))
        #expect(source.value("attributed") == .bool(false))   // the Decrypt names no principal
        #expect(facts.diagnostics.filter { $0.severity == .error }.compactMap(\.line) == [4, 5])
    }

    /// A key used by more principals than the cap keeps the smallest of them, as CloudTrail does, whatever order the
    /// entries come in (it kept the first 200 met before).
    @Test func principalsAboveTheCapAreTheSmallestInAnyOrder() throws {
        func entry(_ n: Int) -> String {
            let who = String(format: "sa-%03d@example-project.iam.gserviceaccount.com", n)
            return #"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"\#(who)"},"serviceName":"cloudkms.googleapis.com","methodName":"google.cloud.kms.v1.KeyManagementService.Decrypt","resourceName":"\#(Self.orders)"},"insertId":"id-\#(n)","timestamp":"2026-10-20T11:00:00Z","logName":"projects/example-project/logs/cloudaudit.googleapis.com%2Fdata_access"}"#
        }
        let expected = (0..<200).map { String(format: "sa-%03d@example-project.iam.gserviceaccount.com", $0) }
        for order in [Array((0..<250).reversed()), Array(0..<250), (0..<250).map { ($0 * 97) % 250 }] {
            let facts = try collect(lines: order.map(entry))
            let usage = try #require(facts.resources.first { $0.type == .keyUsage })
            #expect(usage.value("principals") == .strings(expected))
        }
    }

    @Test func entriesOfOtherServicesAreCountedNotUsed() throws {
        let facts = try collect(lines: [
            "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"serviceName\":\"storage.googleapis.com\",\"methodName\":\"storage.objects.get\"},\"insertId\":\"a\"}",
            "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"serviceName\":\"compute.googleapis.com\",\"methodName\":\"v1.compute.instances.insert\"},\"insertId\":\"b\"}",
        ])
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("records") == .int(2))
        #expect(source.value("kms_records") == .int(0))
        #expect(facts.resources.filter { $0.type == .keyUsage }.isEmpty)
    }

    @Test func rotationSwitchesAndVersionStatesAreReadFromTheRequest() throws {
        func entry(_ method: String, _ request: String, _ id: String) -> String {
            "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"serviceName\":\"cloudkms.googleapis.com\",\"methodName\":\"google.cloud.kms.v1.KeyManagementService.\(method)\",\"resourceName\":\"\(Self.orders)\",\"authenticationInfo\":{\"principalEmail\":\"kms-admin@example.com\"},\"request\":\(request)},\"insertId\":\"\(id)\",\"timestamp\":\"2026-10-2\(id)T10:00:00Z\"}"
        }
        let facts = try collect(lines: [
            entry("UpdateCryptoKey", "{\"cryptoKey\":{\"rotationPeriod\":\"7776000s\"},\"updateMask\":\"rotationPeriod\"}", "1"),
            entry("UpdateCryptoKey", "{\"cryptoKey\":{},\"updateMask\":\"rotationPeriod,nextRotationTime\"}", "2"),
            entry("UpdateCryptoKey", "{\"cryptoKey\":{\"labels\":{\"team\":\"payments\"}},\"updateMask\":\"labels\"}", "3"),
            entry("UpdateCryptoKeyVersion", "{\"cryptoKeyVersion\":{\"state\":\"ENABLED\"},\"updateMask\":\"state\"}", "4"),
            entry("DestroyCryptoKeyVersion", "{}", "5"),
            entry("RestoreCryptoKeyVersion", "{}", "6"),
            entry("ImportCryptoKeyVersion", "{}", "7"),
            entry("SetIamPolicy", "{}", "8"),
        ])
        let usage = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(usage.value("lifecycle") == .strings(["cancel-deletion", "disable-rotation", "enable", "enable-rotation", "import",
                                                      "put-policy", "schedule-deletion", "update"]))
        #expect(usage.value("rotation_latest") == .string("disabled"), "the later switch turned rotation off")
    }

    @Test func recognisedByContentWhateverTheName() throws {
        let array = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("gcp-audit-log/gcloud/kms-logs.json")))
        let rows = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("gcp-audit-log/bigquery/cloudaudit_googleapis_com_rows.jsonl")))
        let sink = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(
            "gcp-audit-log/sink/cloudaudit.googleapis.com/data_access/2026/10/20/11:00:00_11:59:59_S0.json")))
        #expect(try Fixtures.recognizedKind("export.txt", data: array) == "gcp-audit-log")
        #expect(try Fixtures.recognizedKind("rows", data: rows) == "gcp-audit-log")
        #expect(try Fixtures.recognizedKind("11:00:00_11:59:59_S0.json", data: sink) == "gcp-audit-log")
        #expect(try Fixtures.recognizedKind("plan.json", data: Data("{\"format_version\":\"1.2\",\"planned_values\":{}}".utf8)) != "gcp-audit-log")
        #expect(!GCPAuditLogCollector.looksLikeAuditLog(content: Data("{\"Records\":[]}".utf8)))
    }

    @Test func theRunnerReadsAFolderAsAGCPAuditLogSource() async throws {
        let facts = try await Fixtures.collect("gcp-audit-log/gcloud")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kind") == .string("gcp-audit-log"))
        #expect(facts.resources.contains { $0.type == .keyUsage && $0.name == Self.orders })
    }
}
