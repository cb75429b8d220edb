import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditLogs
import Foundation
import Testing

/// Key Vault `AuditEvent` logs in the shapes they are exported in (a storage account's `PT1H.json` JSON lines,
/// Log Analytics `AzureDiagnostics` rows), on the project's own fixtures: an imported key used by an application, a
/// sign refused (`Forbidden`) and a purge of another key, a duplicate delivery, a secret read, an event outside the
/// window.
struct AzureAuditEventCollectorTests {
    static let vault = "https://kv-ai-prod.vault.azure.net"
    static let imported = vault + "/keys/cmk-import"
    static let signing = vault + "/keys/signing-key"
    static let app = "app:11111111-2222-3333-4444-555555555555"
    static let subscription = "8f3c2a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b"
    /// November 2026: the October KeyEncrypt falls outside.
    static let window = DateParsing.parse("2026-11-01T00:00:00Z")!...DateParsing.parse("2026-12-01T00:00:00Z")!

    func files(_ folder: String) throws -> [AzureAuditEventCollector.File] {
        let root = Fixtures.path(folder)
        let e = try #require(FileManager.default.enumerator(atPath: root))
        var out: [AzureAuditEventCollector.File] = []
        while let rel = e.nextObject() as? String {
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &dir), !dir.boolValue {
                out.append(.init(path: root + "/" + rel, locator: rel))
            }
        }
        return out.sorted { $0.locator < $1.locator }
    }

    func collect(_ folder: String, window: ClosedRange<Date>? = Self.window) throws -> FactSet {
        AzureAuditEventCollector(window: window).collect(files: try files(folder), label: folder, context: CollectionContext(now: Fixtures.now))
    }

    func collect(lines: [String], name: String = "PT1H.json") throws -> FactSet {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-azure-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return AzureAuditEventCollector().collect(files: [.init(path: url.path, locator: name)], label: name, context: CollectionContext(now: Fixtures.now))
    }

    /// One storage-export record.
    static func record(_ op: String, key: String?, request: String? = nil, signature: String = "OK", status: Int = 200,
                       claim: String = "{\"appid\":\"11111111-2222-3333-4444-555555555555\"}", time: String = "2026-11-03T10:00:00.0000000Z",
                       correlation: String = UUID().uuidString) -> String {
        let id = key.map { "\"id\":\"\($0)\"," } ?? ""
        let req = (request ?? key).map { "\"requestUri\":\"\($0)?api-version=7.4\"," } ?? ""
        return "{\"time\":\"\(time)\",\"category\":\"AuditEvent\",\"operationName\":\"\(op)\",\"resultType\":\"Success\",\"resultSignature\":\"\(signature)\",\"correlationId\":\"\(correlation)\",\"identity\":{\"claim\":\(claim)},\"properties\":{\(id)\(req)\"httpStatusCode\":\(status)},\"resourceId\":\"/SUBSCRIPTIONS/8F3C2A1E-4B5D-4E6F-9A7B-1C2D3E4F5A6B/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-AI-PROD\"}"
    }

    @Test func importAndDecryptByAnApplicationARefusedSignAndAPurge() throws {
        let facts = try collect("azure-audit-log/storage")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kind") == .string("azure-keyvault-audit-log"))
        #expect(source.value("files") == .int(1))
        #expect(source.value("records") == .int(10))
        #expect(source.value("duplicates") == .int(1))
        #expect(source.value("outside_window") == .int(1))    // the October KeyEncrypt
        #expect(source.value("kms_records") == .int(8))
        #expect(source.value("failed_attempts") == .int(1))
        #expect(source.value("usage_events") == .int(2))      // KeyDecrypt and KeyUnwrap; the refused KeySign is no use
        #expect(source.value("parse_errors") == .int(0))
        #expect(source.value("attributed") == .bool(true))
        #expect(source.value("categories") == .strings(["decrypt", "lifecycle"]))   // the VaultGet names no key, as CloudTrail reads keyless events
        #expect(source.value("accounts") == .strings([Self.subscription]))
        #expect(source.value("first_event") == .string("2026-11-02T08:01:12Z"))
        #expect(source.value("last_event") == .string("2026-11-02T08:40:00Z"))
        #expect(source.value("window_start") == .string("2026-11-01T00:00:00Z"))

        let imported = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.imported })
        #expect(imported.value("key") == .string(Self.imported))
        #expect(imported.value("account") == .string(Self.subscription))
        #expect(imported.value("lifecycle") == .strings(["import"]))
        #expect(imported.value("principals") == .strings([Self.app]))
        #expect(imported.value("usage.decrypt") == .int(2))
        #expect(imported.value("usage.encrypt") == .int(0))
        #expect(imported.value("usage.total") == .int(2))
        #expect(imported.value("failed_attempts") == .strings([]))

        let signing = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.signing })
        #expect(signing.value("failed_attempts") == .strings(["KeySign (Forbidden)"]))
        #expect(signing.value("usage.sign-verify-mac") == .int(0), "a refused sign is an attempt, not a use")
        #expect(signing.value("usage.total") == .int(0))
        #expect(signing.value("lifecycle") == .strings(["delete", "schedule-deletion"]), "KeyDelete soft-deletes; KeyPurge deletes")
        #expect(signing.value("principals") == .strings(["kv-admin@contoso.example"]), "the refused caller is not a principal of the key")
        // The secret and the vault read name no key.
        #expect(facts.resources.filter { $0.type == .keyUsage }.count == 2)
        #expect(facts.coverage.first?.status == .complete)
    }

    @Test func logAnalyticsRowsOfTheSameRecordsAgree() throws {
        let storage = try collect("azure-audit-log/storage")
        let rows = try collect("azure-audit-log/log-analytics")
        func usage(_ f: FactSet) -> [String: [String: FactValue]] {
            Dictionary(uniqueKeysWithValues: f.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        }
        func source(_ f: FactSet) -> [String: FactValue] {
            (f.resources.first { $0.type == .logSource }?.fields ?? [:]).filter { $0.key != "name" }
        }
        #expect(usage(storage).count == 2)
        #expect(usage(storage) == usage(rows))
        #expect(source(storage) == source(rows))
    }

    @Test func theImportedKeyIsImportedAfterTheNormalizeStage() async throws {
        let facts = try await Fixtures.collect("azure-audit-log/with-key")
        let key = try #require(facts.resources.first { $0.type == .key && $0.id == Self.imported })
        #expect(key.value("custody") == .string(Custody.imported.rawValue))
        #expect(key.value("rotation.applicable") == .bool(false))
        let usage = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.imported })
        #expect(usage.value("lifecycle") == .strings(["import"]))
        #expect(facts.resources.first { $0.type == .logSource }?.value("kind") == .string("azure-keyvault-audit-log"))
    }

    @Test func withoutTheLogTheSameKeyIsCustomerGenerated() async throws {
        // The control of the test above: the custody comes from the log, not from the key's answer.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-azure-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: Fixtures.path("azure-audit-log/with-key/az-keyvault-key-show.json"),
                                         toPath: dir.appendingPathComponent("key.json").path)
        let plan = try AssessmentPlan.make(path: dir.path)
        let observations = await CollectionRunner().collect(plan, context: CollectionContext(now: Fixtures.now)).0
        let facts = NormalizeStage.run(observations, settings: AnalysisSettings())
        let key = try #require(facts.resources.first { $0.type == .key && $0.id == Self.imported })
        #expect(key.value("custody") == .string(Custody.customerGenerated.rawValue))
    }

    @Test func withoutAWindowEveryRecordCounts() throws {
        let facts = try collect("azure-audit-log/storage", window: nil)
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("outside_window") == .int(0))
        #expect(source.value("usage_events") == .int(3))
        #expect(source.value("first_event") == .string("2026-10-15T09:00:00Z"))
        #expect(source.value("window_start") == .null)
    }

    @Test func aTruncatedLineIsAParseErrorWithItsLineAndTheRestIsRead() throws {
        let facts = try collect("azure-audit-log-malformed")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("parse_errors") == .int(1))
        #expect(source.value("records") == .int(3))
        let error = try #require(facts.diagnostics.first { $0.severity == .error })
        #expect(error.source == "PT1H.json")
        #expect(error.line == 2)
        let imported = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.imported })
        #expect(imported.value("lifecycle") == .strings(["import"]))
        #expect(imported.value("usage.decrypt") == .int(0))   // line 2 was the cut KeyDecrypt
        let signing = try #require(facts.resources.first { $0.type == .keyUsage && $0.name == Self.signing })
        #expect(signing.value("failed_attempts") == .strings(["KeySign (Forbidden)"]))
        #expect(facts.coverage.first?.status == .partial)
    }

    @Test func operationsMapToTheCloudTrailVocabulary() throws {
        let k = Self.vault + "/keys/orders/0011"
        let facts = try collect(lines: [
            Self.record("KeyCreate", key: k, time: "2026-11-03T10:00:00Z"),
            Self.record("KeyRotationPolicySet", key: Self.vault + "/keys/orders/rotationpolicy", time: "2026-11-03T10:01:00Z"),
            Self.record("KeyRotate", key: k, time: "2026-11-03T10:02:00Z"),
            Self.record("KeyUpdate", key: k),
            Self.record("KeyBackup", key: k),
            Self.record("KeyRestore", key: k),
            Self.record("KeyRecover", key: nil, request: Self.vault + "/deletedkeys/orders/recover"),
            Self.record("KeyEncrypt", key: k),
            Self.record("KeyWrap", key: k),
            Self.record("KeyVerify", key: k),
            Self.record("KeySign", key: k, claim: "{\"oid\":\"ABCDEF01-0000-0000-0000-000000000000\"}"),
            Self.record("KeyRelease", key: k),
            Self.record("KeyDecrypt", key: k, signature: "Unauthorized", status: 401),
            Self.record("KeyUnwrap", key: k, signature: "OK", status: 404),
            Self.record("KeyGet", key: k),
        ])
        let usage = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(usage.value("key") == .string(Self.vault + "/keys/orders"))
        #expect(usage.value("lifecycle") == .strings(["backup", "cancel-deletion", "create", "enable-rotation", "restore", "rotate", "update"]))
        #expect(usage.value("usage.encrypt") == .int(2))
        #expect(usage.value("usage.sign-verify-mac") == .int(2))
        #expect(usage.value("usage.release") == .int(1))
        #expect(usage.value("usage.decrypt") == .int(0))
        #expect(usage.value("usage.total") == .int(5))
        #expect(usage.value("failed_attempts") == .strings(["KeyDecrypt (Unauthorized)", "KeyUnwrap (HTTP 404)"]))
        #expect(usage.value("rotation_latest") == .string("enabled"))
        #expect(usage.value("last_rotated") == .string("2026-11-03T10:02:00Z"))
        #expect(usage.value("principals") == .strings([Self.app, "oid:abcdef01-0000-0000-0000-000000000000"]))
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("categories") == .strings(["access", "encrypt", "lifecycle", "release", "sign-verify-mac"]))
    }

    @Test func eventsAfterAPurgeAreCountedAsInconsistent() throws {
        let k = Self.vault + "/keys/gone"
        let facts = try collect(lines: [
            Self.record("KeyPurge", key: nil, request: Self.vault + "/deletedkeys/gone", time: "2026-11-03T10:00:00Z"),
            Self.record("KeyDecrypt", key: k + "/01", time: "2026-11-03T11:00:00Z"),
        ])
        let usage = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(usage.value("events_after_deletion") == .int(1))
    }

    @Test func missingAndOddlyTypedMembersNeverCrash() throws {
        let rid = "\"resourceId\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V\""
        let facts = try collect(lines: [
            "{\(rid)}",
            "{\(rid),\"operationName\":null,\"time\":12,\"properties\":[],\"identity\":\"x\",\"resultSignature\":7}",
            "{\(rid),\"operationName\":\"KeyDecrypt\",\"properties\":{\"id\":\"https://v.vault.azure.net/keys/k/1\",\"httpStatusCode\":\"oops\"},\"identity\":{\"claim\":null},\"time\":\"someday\"}",
            "{\"records\":[{\(rid),\"operationName\":\"KeyEncrypt\",\"properties\":{\"id\":\"https://v.vault.azure.net/keys/k\"}}, 3]}",
            "{\(rid),\"operationName\":\"KeyDecrypt\"",
            "[1,2]",
            "{\"resourceId\":\"/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/SA\",\"operationName\":\"GetBlob\"}",
            "{\(rid),\"category\":\"AzurePolicyEvaluationDetails\",\"operationName\":\"KeyDecrypt\"}",
            "",
        ])
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kms_records") == .int(4))
        #expect(source.value("parse_errors") == .int(3))
        #expect(source.value("attributed") == .bool(false))   // the KeyDecrypt names no caller
        #expect(facts.diagnostics.filter { $0.severity == .error }.compactMap(\.line) == [4, 5, 6])
        let usage = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(usage.value("key") == .string("https://v.vault.azure.net/keys/k"))
        #expect(usage.value("usage.total") == .int(2))
    }

    @Test func recognisedByContentWhateverTheName() throws {
        let storage = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("azure-audit-log/with-key/PT1H.json")))
        let rows = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("azure-audit-log/log-analytics/azurediagnostics-export.json")))
        let key = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("azure-audit-log/with-key/az-keyvault-key-show.json")))
        #expect(try Fixtures.recognizedKind("export.txt", data: storage) == "azure-keyvault-audit-log")
        #expect(try Fixtures.recognizedKind("rows", data: rows) == "azure-keyvault-audit-log")
        #expect(try Fixtures.recognizedKind("az-keyvault-key-show.json", data: key) == "azure-export")
        #expect(try Fixtures.recognizedKind("plan.json", data: Data("{\"format_version\":\"1.2\",\"planned_values\":{}}".utf8)) != "azure-keyvault-audit-log")
        // An Activity Log record of a vault is not an AuditEvent.
        #expect(!AzureAuditEventCollector.looksLikeAuditEvents(content: Data(
            "{\"operationName\":\"MICROSOFT.KEYVAULT/VAULTS/WRITE\",\"resourceId\":\"/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v\",\"category\":\"Administrative\"}".utf8)))
    }

    @Test func theRunnerReadsAFolderAsAnAuditEventSource() async throws {
        let facts = try await Fixtures.collect("azure-audit-log/storage")
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.value("kind") == .string("azure-keyvault-audit-log"))
        #expect(facts.resources.contains { $0.type == .keyUsage && $0.name == Self.imported })
    }
}
