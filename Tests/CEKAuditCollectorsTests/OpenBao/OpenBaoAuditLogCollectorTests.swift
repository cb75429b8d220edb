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

/// The file audit device log: prefixes, request/response pairing, attempts versus performed operations, streaming.
/// `Fixtures/openbao/audit-prefixed/audit.log` reproduces shared corpus case 16 (hashicorp/vault#9236) with the
/// project's own placeholder values: every line behind `**prod-eu**`, HMAC'd values, a refused delete.
struct OpenBaoAuditLogCollectorTests {
    static func collect(_ path: String, prefix: String? = nil, window: ClosedRange<Date>? = nil) -> FactSet {
        let locator = (path as NSString).lastPathComponent
        return OpenBaoAuditLogCollector(window: window, linePrefix: prefix)
            .collect(files: [.init(path: path, locator: locator)], label: locator, context: CollectionContext(now: Fixtures.now))
    }

    static func temp(_ text: String, name: String = "audit.log") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func line(_ type: String, id: String, op: String, path: String, time: String = "2026-10-01T12:00:00.5Z", allowed: Bool = true,
                     display: String? = "svc", ns: String? = nil, error: String? = nil, data: String = "{}") -> String {
        let nsJSON = ns.map { #""namespace":{"id":"x","path":"\#($0)/"},"# } ?? #""namespace":{"id":"root"},"#
        let mount = (ns.map { "\($0)/" } ?? "") + "transit/"
        let auth = display.map { #"{"display_name":"\#($0)","policy_results":{"allowed":\#(allowed)}}"# } ?? #"{"policy_results":{"allowed":\#(allowed)}}"#
        let err = error.map { #","error":"\#($0)""# } ?? ""
        return #"{"time":"\#(time)","type":"\#(type)","auth":\#(auth),"request":{"id":"\#(id)","operation":"\#(op)","mount_point":"\#(mount)","mount_type":"transit",\#(nsJSON)"path":"transit/\#(path)","data":\#(data)}\#(err)}"#
    }

    @Test func corpusCase16PrefixedLogGivesLifecycleEvidenceAndUsage() throws {
        let facts = Self.collect(Fixtures.path("openbao/audit-prefixed/audit.log"))
        let log = try #require(facts.resources(of: .logSource).first)
        // The prefix is stripped: 0 unparseable lines, and the records are there.
        #expect(log["parse_errors"] == .int(0))
        #expect(log["records"] == .int(9))
        #expect(log["prefix"] == .string("**prod-eu**"))
        #expect(log["categories"] == .strings(["decrypt", "encrypt", "lifecycle"]))
        #expect(log["usage_events"] == .int(2))
        #expect(log["attributed"] == .bool(true))
        #expect(log["failed_attempts"] == .int(1))
        #expect(log["first_event"] == .string("2025-03-11T08:00:00Z"))
        let ledger = try #require(facts.resource(.keyUsage, named: "transit/keys/ledger"))
        // Lifecycle: created, auto-rotation configured with its period HMAC'd, rotated by hand; the refused delete is
        // an attempt, not a deletion.
        #expect(ledger["lifecycle"] == .strings(["configure", "configure-rotation", "create", "rotate"]))
        #expect(ledger["settings"] == .strings(["allow_plaintext_backup=false", "auto_rotate_period=(HMAC'd)", "deletion_allowed=false",
                                                "exportable=false", "type=(HMAC'd)"]))
        #expect(ledger["rotation_latest"]?.unknownReason?.contains("HMAC'd") == true)
        #expect(ledger["last_rotated"] == .string("2025-03-11T08:03:00Z"))
        #expect(ledger["failed_attempts"] == .strings(["delete (deletion is not allowed for this key)"]))
        #expect(ledger["usage.encrypt"] == .int(1))
        #expect(ledger["usage.decrypt"] == .int(1))
        #expect(ledger["unconfirmed"] == .int(3), "config, rotate and decrypt were logged without a response")
        #expect(ledger["events_after_deletion"] == .int(0))
        // The verdicts EXPECTED.md gives: key usage audit logging passes; the log is read completely; the rotation
        // shows the lifecycle exercised.
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-KEY-USAGE-LOGGED") == ["audit.log": .pass])
        #expect(results.verdicts("CEK08-AG4-LOGS-READABLE") == ["audit.log": .pass])
        #expect(results.verdicts("CEK08-AG3-LIFECYCLE-EXERCISED").values.first == .pass)
        #expect(facts.payloadFiles.values.first == Fixtures.path("openbao/audit-prefixed/audit.log"))
    }

    /// Lines are decoded on several threads in batches and tallied in file order: a log long enough for several
    /// batches and shares (bad lines, prefixes, blank lines, pairs across a batch boundary) gives the same facts
    /// with one worker and with four, and the counts its lines hold.
    @Test func parallelDecodingGivesTheFactsOfOneLineAtATime() throws {
        var lines: [String] = []
        var encrypts = 0, bad = 0
        for n in 0..<5_000 {
            switch n % 97 {
            case 13: lines.append("{\"time\": truncated"); bad += 1
            case 29: lines.append("**edge**" + Self.line("request", id: "p\(n)", op: "update", path: "decrypt/k\(n % 3)"))
            case 41: lines.append("   ")
            default:
                lines.append(Self.line("request", id: "r\(n)", op: "update", path: "encrypt/k\(n % 3)"))
                lines.append(Self.line("response", id: "r\(n)", op: "update", path: "encrypt/k\(n % 3)"))
                encrypts += 1
            }
        }
        lines.insert(String(repeating: "x", count: 2_000), at: 4_500)   // text without JSON
        bad += 1
        let path = try Self.temp(lines.joined(separator: "\n"))
        func run(_ workers: Int) -> FactSet {
            var c = OpenBaoAuditLogCollector()
            c.workers = workers
            return c.collect(files: [.init(path: path, locator: "audit.log")], label: "audit.log", context: CollectionContext(now: Fixtures.now))
        }
        let one = run(1), four = run(4)
        #expect(one.resources == four.resources)
        #expect(one.diagnostics == four.diagnostics)
        let log = try #require(four.resources(of: .logSource).first)
        #expect(log["parse_errors"] == .int(bad))
        #expect(log["prefix"] == .string("**edge**"))
        let total = (0..<3).compactMap { four.resource(.keyUsage, named: "transit/keys/k\($0)")?["usage.encrypt"] }
        #expect(total.count == 3)
        let counted = total.reduce(0) { sum, value in
            guard case .number(let v) = value else { return sum }
            return sum + Int(v)
        }
        #expect(counted == encrypts)
    }

    @Test func aConfiguredPrefixIsStrippedEvenWhenItHoldsABrace() throws {
        let text = [Self.line("request", id: "1", op: "update", path: "encrypt/k"), Self.line("request", id: "2", op: "update", path: "decrypt/k")]
            .map { "{env}|" + $0 }.joined(separator: "\n")
        let path = try Self.temp(text)
        let configured = Self.collect(path, prefix: "{env}|").resources(of: .logSource).first
        #expect(configured?["parse_errors"] == .int(0))
        #expect(configured?["categories"] == .strings(["decrypt", "encrypt"]))
        #expect(configured?["prefix"] == .string("{env}|"))
        // Without it, the text before the first brace is not a prefix here: the lines do not parse, and say so.
        let auto = Self.collect(path).resources(of: .logSource).first
        #expect(auto?["parse_errors"] == .int(2))
    }

    @Test func unparseableLinesAreCountedNeverSilent() throws {
        let text = [Self.line("request", id: "1", op: "update", path: "encrypt/k"), "{\"time\": truncated", "plain text",
                    Self.line("response", id: "1", op: "update", path: "encrypt/k")].joined(separator: "\n")
        let facts = Self.collect(try Self.temp(text))
        let log = try #require(facts.resources(of: .logSource).first)
        #expect(log["parse_errors"] == .int(2))
        #expect(log["lines"] == .int(4))
        let d = try #require(facts.diagnostics.first)
        #expect(d.message.hasPrefix("unparseable line(s) 2, 3:"))
        #expect(d.line == 2)
        #expect(facts.coverage.first?.status == .partial)
        #expect(facts.coverage.first?.detail == "2 unparseable line(s) of 4")
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-LOGS-READABLE").values.first == .fail)
    }

    @Test func deniedRequestsAreAttemptsAndNamespacesAreAttributed() throws {
        let text = [
            Self.line("request", id: "a", op: "read", path: "keys/orders-b", allowed: false, ns: "tenant-b", error: "permission denied"),
            Self.line("response", id: "a", op: "read", path: "keys/orders-b", allowed: false, ns: "tenant-b", error: "permission denied"),
            Self.line("request", id: "b", op: "update", path: "encrypt/orders-b", ns: "tenant-b"),
            Self.line("response", id: "b", op: "update", path: "encrypt/orders-b", ns: "tenant-b"),
            Self.line("request", id: "c", op: "update", path: "decrypt/orders-b", display: nil, ns: "tenant-b"),
            Self.line("response", id: "c", op: "update", path: "decrypt/orders-b", display: nil, ns: "tenant-b"),
        ].joined(separator: "\n")
        let facts = Self.collect(try Self.temp(text))
        let log = try #require(facts.resources(of: .logSource).first)
        #expect(log["denied"] == .int(1))
        #expect(log["categories"] == .strings(["decrypt", "encrypt"]), "the denied read is not an access event")
        #expect(log["tenants"] == .strings(["tenant-b"]))
        #expect(log["attributed"] == .bool(false))
        #expect(log["unpaired_requests"] == .int(0))
        let key = try #require(facts.resource(.keyUsage, named: "tenant-b/transit/keys/orders-b"))
        #expect(key["failed_attempts"] == .strings(["read (permission denied)"]))
        #expect(key["usage.total"] == .int(2))
        #expect(key["tenant"] == .string("tenant-b"))
        #expect(key["principals"] == .strings(["svc"]))
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").values.first == .fail, "a use without an identity")
    }

    @Test func aLogWithoutUsageFailsTheUsageCheck() throws {
        let facts = Self.collect(try Self.temp(Self.line("request", id: "1", op: "update", path: "keys/k") + "\n"
                                              + Self.line("response", id: "1", op: "update", path: "keys/k")))
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-KEY-USAGE-LOGGED").values.first == .fail)
    }

    @Test func eventsOutsideTheWindowAreCountedNotUsed() throws {
        let text = [Self.line("request", id: "1", op: "update", path: "encrypt/k", time: "2026-09-01T00:00:00Z"),
                    Self.line("request", id: "2", op: "update", path: "decrypt/k", time: "2026-10-15T00:00:00Z")].joined(separator: "\n")
        let window = try #require(DateParsing.parse("2026-10-01T00:00:00Z"))...(try #require(DateParsing.parse("2026-10-31T00:00:00Z")))
        let log = try #require(Self.collect(try Self.temp(text), window: window).resources(of: .logSource).first)
        #expect(log["outside_window"] == .int(1))
        #expect(log["categories"] == .strings(["decrypt"]))
        #expect(log["window_start"] == .string("2026-10-01T00:00:00Z"))
    }

    @Test func rotatedFilesOfOneSourceAreOneLogSourceAndPairsSpanThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-rot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data((Self.line("request", id: "x", op: "update", path: "keys/k/rotate") + "\n").utf8).write(to: dir.appendingPathComponent("audit.log.1"))
        try Data((Self.line("response", id: "x", op: "update", path: "keys/k/rotate", error: "boom") + "\n").utf8).write(to: dir.appendingPathComponent("audit.log"))
        let facts = OpenBaoAuditLogCollector().collect(files: [.init(path: dir.appendingPathComponent("audit.log.1").path, locator: "audit.log.1"),
                                                               .init(path: dir.appendingPathComponent("audit.log").path, locator: "audit.log")],
                                                       label: "logs", context: CollectionContext(now: Fixtures.now))
        #expect(facts.resources(of: .logSource).count == 1)
        #expect(facts.evidence.count == 2)
        let key = try #require(facts.resource(.keyUsage, named: "transit/keys/k"))
        #expect(key["lifecycle"] == .strings([]), "the response says the rotation failed")
        #expect(key["failed_attempts"] == .strings(["rotate (boom)"]))
    }

    @Test func streamsLargeLogsAndHashesEveryByte() throws {
        // 30,000 records (about 8 MB) with CRLF endings and one over-long line; the digest matches a whole-file hash.
        var text = ""
        for i in 0..<15_000 {
            text += Self.line("request", id: "r\(i)", op: "update", path: i % 2 == 0 ? "encrypt/k\(i % 7)" : "decrypt/k\(i % 7)") + "\r\n"
            text += Self.line("response", id: "r\(i)", op: "update", path: i % 2 == 0 ? "encrypt/k\(i % 7)" : "decrypt/k\(i % 7)") + "\r\n"
        }
        let path = try Self.temp(text + String(repeating: "x", count: 300_000))
        let facts = Self.collect(path)
        let log = try #require(facts.resources(of: .logSource).first)
        #expect(log["records"] == .int(30_000))
        #expect(log["parse_errors"] == .int(1))
        #expect(log["keys"] == .int(7))
        #expect(log["usage_events"] == .int(15_000), "a request and its response are one event")
        let item = try #require(facts.evidence.first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(item.size == bytes.count)
        #expect(item.sha256 == SHA256Hex.digest(bytes))
        #expect(facts.payloads.isEmpty, "a log is pinned by its hash, not copied into memory")
        #expect(facts.payloadFiles[item.id] == path)
    }

    @Test func detectsAuditLogsByContent() throws {
        let head = Data(("**x**" + Self.line("request", id: "1", op: "update", path: "encrypt/k") + "\n").utf8)
        #expect(try Fixtures.recognizedKind("vault_audit.log", data: head) == "openbao-audit-log")
        #expect(try Fixtures.recognizedKind("audit.log.3", data: head) == "openbao-audit-log")
        #expect(try Fixtures.recognizedKind("no-extension", data: head) == "openbao-audit-log", "the extension is only a hint")
        #expect(try Fixtures.recognizedKind("x.log", data: Data("hello\n".utf8)) == nil)
        #expect(try Fixtures.recognizedKind("t.json", data: Data(#"{"Records":[]}"#.utf8)) == "cloudtrail")
    }

    @Test func aFolderWithoutAnAssessmentFileFindsTheLog() async throws {
        let facts = try await Fixtures.collect("openbao/audit-prefixed")
        #expect(facts.resources(of: .logSource).count == 1)
        #expect(facts.coverage.first?.collector == "openbao-audit-log")
    }
}
