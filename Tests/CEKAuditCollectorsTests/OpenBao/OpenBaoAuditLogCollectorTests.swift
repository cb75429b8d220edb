import CEKAuditCollectors
import CEKAuditCore
import Foundation
import Testing

/// The file audit device log: prefixes, request/response pairing, attempts versus performed operations, streaming.
/// `Fixtures/openbao/audit-prefixed/audit.log` reproduces shared corpus case 16 (hashicorp/vault#9236) with the
/// project's own placeholder values: every line behind `**prod-eu**`, HMAC'd values, a refused delete.
struct OpenBaoAuditLogCollectorTests {
    static func collect(_ path: String, prefix: String? = nil) -> FactSet {
        OpenBaoAuditLogCollector().collect(fileAt: path, input: SourceInput(locator: (path as NSString).lastPathComponent, data: Data(), linePrefix: prefix),
                                           context: CollectionContext(now: Fixtures.now))
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
        #expect(log["parse_errors"] == .int(0))
        #expect(log["records"] == .int(9))
        #expect(log["prefix"] == .string("**prod-eu**"))
        #expect(log["categories"] == .strings(["config", "create", "decrypt", "encrypt", "rotate"]))
        #expect(log["attempted_categories"] == .strings(["delete"]))
        #expect(log["first_event"] == .string("2025-03-11T08:00:00Z"))
        func usage(_ category: String) -> Resource? { facts.resource(.keyUsage, named: "transit/keys/ledger \(category)") }
        #expect(usage("create")?["count"] == .int(1))
        // The rotation period is HMAC'd: recorded as configured, value unreadable.
        let config = try #require(usage("config"))
        #expect(config["settings"] == .strings(["auto_rotate_period=(HMAC'd)", "deletion_allowed=false"]))
        #expect(usage("rotate")?["count"] == .int(1))
        // The refused delete is an attempt, not a deletion.
        let delete = try #require(usage("delete"))
        #expect(delete["count"] == .int(0))
        #expect(delete["errored"] == .int(1))
        #expect(delete["first"] == .null)
        #expect(usage("encrypt")?["unconfirmed"] == .int(0))
        #expect(usage("decrypt")?["unconfirmed"] == .int(1))
        #expect(facts.coverage.first?.inventoryTypes == [.keyUsage, .logSource])
        // The verdicts EXPECTED.md gives: key usage audit logging passes, the log is read completely.
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-USAGE-LOGGED") == ["all log sources": .pass])
        #expect(results.verdicts("CEK08-AG4-LOG-READABLE") == ["audit.log": .pass])
        #expect(results.verdicts("CEK08-AG4-EVENTS-ATTRIBUTED") == ["audit.log": .pass])
    }

    @Test func aConfiguredPrefixIsStrippedEvenWhenItHoldsABrace() throws {
        let text = [Self.line("request", id: "1", op: "update", path: "encrypt/k"), Self.line("request", id: "2", op: "update", path: "decrypt/k")]
            .map { "{env}|" + $0 }.joined(separator: "\n")
        let path = try Self.temp(text)
        let configured = Self.collect(path, prefix: "{env}|").resources(of: .logSource).first
        #expect(configured?["parse_errors"] == .int(0))
        #expect(configured?["categories"] == .strings(["decrypt", "encrypt"]))
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
        #expect(d.message.hasPrefix("2 unparseable line(s) of 4 (lines 2, 3)"))
        #expect(d.line == 2)
        #expect(facts.coverage.first?.status == .partial)
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-LOG-READABLE").values.first == .fail)
        // Only encrypt was seen and the log is incomplete: usage cannot be failed on it.
        #expect(results.verdicts("CEK08-AG4-USAGE-LOGGED").values.first == .inconclusive)
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
        #expect(log["attempted_categories"] == .strings(["read"]))
        #expect(log["tenants"] == .strings(["tenant-b"]))
        #expect(log["unattributed"] == .int(1))
        #expect(log["unpaired_requests"] == .int(0))
        let read = try #require(facts.resource(.keyUsage, named: "tenant-b/transit/keys/orders-b read"))
        #expect(read["denied"] == .int(1))
        #expect(read["count"] == .int(0))
        #expect(read["key"] == .string("tenant-b/transit/keys/orders-b"))
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-EVENTS-ATTRIBUTED").values.first == .fail)
    }

    @Test func aLogWithoutUsageFailsTheUsageCheck() throws {
        let facts = Self.collect(try Self.temp(Self.line("request", id: "1", op: "update", path: "keys/k") + "\n"
                                              + Self.line("response", id: "1", op: "update", path: "keys/k")))
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        #expect(results.verdicts("CEK08-AG4-USAGE-LOGGED").values.first == .fail)
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
        let item = try #require(facts.evidence.first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(item.size == bytes.count)
        #expect(item.sha256 == SHA256Hex.digest(bytes))
        #expect(facts.payloads.isEmpty, "a log is pinned by its hash, not copied into memory")
    }

    @Test func detectsAuditLogsByContent() throws {
        let head = Data(("**x**" + Self.line("request", id: "1", op: "update", path: "encrypt/k") + "\n").utf8)
        #expect(SourceDetector.streamingKind(locator: "logs/vault_audit.log", head: head) == .openbaoAuditLog)
        #expect(SourceDetector.streamingKind(locator: "logs/audit.log.3", head: head) == .openbaoAuditLog)
        #expect(SourceDetector.streamingKind(locator: "x.log", head: Data("hello\n".utf8)) == nil)
        #expect(SourceDetector.streamingKind(locator: "t.json", head: Data(#"{"Records":[]}"#.utf8)) == nil)
        #expect(SourceDetector.streamingKind(locator: "t.yaml", head: head) == nil)
    }

    @Test func aFolderWithoutAnAssessmentFileFindsTheLog() throws {
        let facts = try Fixtures.collect("openbao/audit-prefixed")
        #expect(facts.resources(of: .logSource).count == 1)
        #expect(facts.coverage.first?.collector == "openbao-audit-log")
    }
}
