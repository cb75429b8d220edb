@testable import CEKAuditCollectorKit
@testable import CEKAuditLogs
import CEKAuditCore
import CEKAuditKit
import CEKAuditTestSupport
import Foundation
import Testing

/// The shipped Athena / Trino query (`Queries/cloudtrail_kms_usage.sql`) run by DuckDB over a generated CloudTrail
/// corpus, its result read by the `log-query-result` source, against the built-in scanner on the same files; and the
/// refusals of a result or query that are not the shipped ones.
struct LogQueryResultTests {
    static let python = ProcessInfo.processInfo.environment["CEK_AUDIT_PYTHON"] ?? "python3"
    static let required = ProcessInfo.processInfo.environment["CEK_AUDIT_REQUIRE_VALIDATORS"] == "1"
    static let queryPath = Fixtures.packageRoot.appendingPathComponent("Queries/cloudtrail_kms_usage.sql").path
    static let context = CollectionContext(now: Fixtures.now)

    /// Runs `python` with arguments; returns its status and output (stdout and stderr).
    static func run(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    static let duckDB: Bool = (try? run(["-c", "import duckdb"]))?.0 == 0

    /// ``run(_:)`` off the cooperative pool (DuckDB over a corpus takes seconds), for the async tests.
    static func runOffPool(_ args: [String]) async throws -> (Int32, String) {
        try await offPool { try run(args) }
    }

    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-logquery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The result files of `query` over `folder` (every `.json` / `.json.gz` below it) as the source reads them.
    static func files(_ folder: URL) -> [SourceFile] {
        let walker = FileManager.default.enumerator(atPath: folder.path)
        var out: [SourceFile] = []
        while let rel = walker?.nextObject() as? String {
            if rel.hasSuffix(".json") || rel.hasSuffix(".json.gz") { out.append(SourceFile(path: folder.appendingPathComponent(rel).path, locator: rel)) }
        }
        return out.sorted { $0.locator < $1.locator }
    }

    static func options(query: String = queryPath, format: String? = nil) -> LogQueryResultCollector.Options {
        LogQueryResultCollector.Options(engine: "athena", format: format, queryPath: query, queryLocator: "Queries/cloudtrail_kms_usage.sql")
    }

    static func read(_ result: URL, format: String? = nil, query: String = queryPath) -> FactSet {
        LogQueryResultCollector().collect(files: [SourceFile(path: result.path, locator: result.lastPathComponent)],
                                          options: options(query: query, format: format), label: "logs", context: context)
    }

    @Test func duckDBResultOfTheShippedQueryGivesTheScannersKeyUsage() async throws {
        guard Self.duckDB else {
            #expect(!Self.required, "\(Self.python) cannot import duckdb, and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires it (scripts/test.sh installs it)")
            print("note: SQL equivalence not tested: needs PyPI duckdb ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it")
            return
        }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("logs")
        // The benchmark generator's corpus (several accounts, regions, keys and principals; KMS and other services;
        // denied calls) plus hand-written edge cases: alias-addressed, bare-id, error-message and service-event keys,
        // a re-delivered record, a shared event id, lifecycle, rotation, key-store and unattributed events.
        let (genStatus, genOut) = try await Self.runOffPool([Fixtures.packageRoot.appendingPathComponent("Benchmarks/gen_cloudtrail.py").path, logs.path,
                                                "--bytes", "600000", "--records-per-file", "80", "--seed", "11"])
        try #require(genStatus == 0, "gen_cloudtrail.py: \(genOut)")
        let edge = "111122223333_CloudTrail_eu-west-1_20261015T0800Z_edgecases.json"
        try FileManager.default.copyItem(atPath: Fixtures.path("log-query/\(edge)"), toPath: logs.appendingPathComponent(edge).path)
        let logFiles = Self.files(logs)
        #expect(logFiles.count > 5)

        let csv = dir.appendingPathComponent("result.csv"), jsonl = dir.appendingPathComponent("result.jsonl")
        let (status, out) = try await Self.runOffPool([Fixtures.packageRoot.appendingPathComponent("Queries/duckdb/run.py").path, "--query", Self.queryPath,
                                          "--csv", csv.path, "--jsonl", jsonl.path] + logFiles.map(\.path))
        try #require(status == 0, "Queries/duckdb/run.py: \(out)")
        // Athena's CSV: the header and every value quoted.
        let firstLine = String(decoding: try Data(contentsOf: csv), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine == ShippedQuery.cloudTrailKMSUsage.columns.map { "\"\($0)\"" }.joined(separator: ","))

        let scanned = await CloudTrailCollector(workers: 1).collect(files: logFiles.map { .init(path: $0.path, locator: $0.locator) },
                                                                    label: "logs", context: Self.context)
        let scannedKeys = Dictionary(uniqueKeysWithValues: scanned.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        let scannedSource = try #require(scanned.resources.first { $0.type == .logSource })
        #expect(scannedKeys.count > 20)
        // The corpus exercises what the comparison is about.
        #expect(scannedKeys.values.contains { if case .list(let l)? = $0["failed_attempts"] { !l.isEmpty } else { false } })
        #expect(scannedKeys.values.contains { $0["rotation_latest"] == .string("disabled") })
        #expect(scannedSource.fields["duplicates"] == .int(1))
        #expect(scannedSource.fields["id_collisions"] == .int(1))

        for (result, format) in [(csv, "csv"), (jsonl, "jsonl")] {
            try Self.expectSameFacts(Self.read(result, format: format), as: scanned, result: result, format: format)
        }
    }

    /// The facts of a query result against the scanner's on the same logs: every key_usage field of every key, and
    /// the log_source fields both report.
    static func expectSameFacts(_ facts: FactSet, as scanned: FactSet, result: URL, format: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scannedKeys = Dictionary(uniqueKeysWithValues: scanned.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        let scannedSource = try #require(scanned.resources.first { $0.type == .logSource })
        #expect(facts.diagnostics.filter { $0.severity == .error }.isEmpty, "\(format): \(facts.diagnostics)", sourceLocation: sourceLocation)
        #expect(facts.coverage.map(\.status) == [.complete], "\(format)", sourceLocation: sourceLocation)
        let keys = Dictionary(uniqueKeysWithValues: facts.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        #expect(keys.keys.sorted() == scannedKeys.keys.sorted(), "\(format): other keys", sourceLocation: sourceLocation)
        for (name, fields) in scannedKeys.sorted(by: { $0.key < $1.key }) {
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                #expect(keys[name]?[field] == value, "\(format): key \(name), \(field): the scanner says \(value), the query \(String(describing: keys[name]?[field]))",
                        sourceLocation: sourceLocation)
            }
        }
        let source = try #require(facts.resources.first { $0.type == .logSource })
        for field in ["kind", "name", "files", "records", "kms_records", "duplicates", "id_collisions", "outside_window", "failed_attempts",
                      "first_event", "last_event", "categories", "accounts", "usage_events", "attributed", "custom_key_store_events",
                      "external_key_store_events", "window_start", "window_end"] {
            #expect(source.fields[field] == scannedSource.fields[field], "\(format): log_source \(field)", sourceLocation: sourceLocation)
        }
        // What the engine does not report is unknown, never a clean zero.
        #expect(source.fields["parse_errors"]?.isKnown == false, sourceLocation: sourceLocation)
        #expect(source.fields["integrity_verified"]?.isKnown == false, sourceLocation: sourceLocation)
        #expect(source.fields["query_sha256"] == .string(ShippedQuery.cloudTrailKMSUsage.sha256), sourceLocation: sourceLocation)
        #expect(source.fields["result_sha256"] == .strings([SHA256Hex.digest(try Data(contentsOf: result))]), sourceLocation: sourceLocation)
        // The query and the result are evidence.
        #expect(Set(facts.evidence.map(\.kind)) == ["log-query", "log-query-result"], sourceLocation: sourceLocation)
    }

    /// The committed DuckDB result of the edge-case log (`Fixtures/log-query/results/`, written by `Queries/duckdb/run.py`):
    /// alias-addressed, bare-id, error-message and service-event keys, a re-delivered record, a shared event id,
    /// rotation switches, a key store and an unattributed use give the scanner's facts, without DuckDB installed.
    @Test func theCommittedResultOfTheEdgeCasesGivesTheScannersFacts() async throws {
        let edge = "111122223333_CloudTrail_eu-west-1_20261015T0800Z_edgecases.json"
        let scanned = await CloudTrailCollector(workers: 1).collect(files: [.init(path: Fixtures.path("log-query/\(edge)"), locator: edge)],
                                                                    label: "logs", context: Self.context)
        let keys = scanned.resources.filter { $0.type == .keyUsage }
        #expect(keys.count == 5, "alias/orders resolved into its key, the bare id and the error message's key qualified")
        let result = Self.read(URL(fileURLWithPath: Fixtures.path("log-query/results/edgecases.csv")))
        #expect(result.diagnostics.filter { $0.severity == .warning }.map(\.message) == [
            "1 event(s) are delivered more than once; the query counted each once",
            "1 event id(s) are shared by different records; the query counted each record"])
        for format in ["csv", "jsonl"] {
            let result = URL(fileURLWithPath: Fixtures.path("log-query/results/edgecases.\(format)"))
            try Self.expectSameFacts(Self.read(result, format: format), as: scanned, result: result, format: format)
        }
    }

    /// BigQuery export rows of Cloud Audit Logs (JSON lines, as `bq extract` writes them): Cloud KMS uses, rotation
    /// switches through update masks, key versions, a key created on a key ring, disabled and destroyed versions,
    /// denied calls, principals by e-mail or subject or none, a re-exported entry, entries of another service.
    static func cloudAuditRows(count: Int) -> String {
        let keys = ["projects/example-project/locations/europe-west4/keyRings/prod-ring/cryptoKeys/orders-key",
                    "projects/example-project/locations/europe-west4/keyRings/prod-ring/cryptoKeys/images-key",
                    "projects/analytics-prod/locations/us-central1/keyRings/bq/cryptoKeys/warehouse"]
        let principals: [(String, String)] = [("principalEmail", "app-sa@example-project.iam.gserviceaccount.com"),
                                              ("principalEmail", "alice@example.com"), ("principalSubject", "principal://iam.googleapis.com/x"),
                                              ("principalEmail", "")]
        func json(_ s: String) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed]), as: UTF8.self) }
        var lines: [String] = []
        for n in 0..<count {
            let key = keys[n % keys.count]
            let project = String(key.split(separator: "/")[1])
            let (who, principal) = principals[n % principals.count]
            // Rotation switched off (n % 17 == 5) after every other event, so some key's latest switch is "disabled".
            let time = String(format: "2026-10-%02d %02d:%02d:%02d.%06d UTC", n % 17 == 5 ? 28 : 1 + n % 27, n % 24, (n * 7) % 60, (n * 13) % 60,
                              (n * 7919) % 1_000_000)
            let logType = n % 5 == 0 ? "activity" : "data_access"
            var method = ["Decrypt", "Encrypt", "AsymmetricSign", "GetCryptoKey", "Decrypt", "MacVerify"][n % 6]
            var resource = key
            var request = "{}"
            switch n % 17 {
            case 3: method = "UpdateCryptoKey"; request = #"{"cryptoKey":{"rotationPeriod":"7776000s"},"updateMask":"rotationPeriod,nextRotationTime"}"#
            case 5: method = "UpdateCryptoKey"; request = #"{"cryptoKey":{},"updateMask":{"paths":["rotation_period"]}}"#
            case 7: method = "CreateCryptoKeyVersion"; resource = "//cloudkms.googleapis.com/" + key
            case 9: method = "UpdateCryptoKeyVersion"; resource = key + "/cryptoKeyVersions/2"; request = #"{"cryptoKeyVersion":{"state":"DISABLED"}}"#
            case 11: method = "DestroyCryptoKeyVersion"; resource = key + "/cryptoKeyVersions/1"
            case 13: method = "CreateCryptoKey"; resource = key.components(separatedBy: "/cryptoKeys/")[0]; request = #"{"cryptoKeyId":"new-\#(n % 3)"}"#
            case 15: method = "SetIamPolicy"; request = #"{"policy":{}}"#
            default: if n % 4 == 2 { resource = key + "/cryptoKeyVersions/\(n % 3 + 1)" }
            }
            let status = n % 23 == 4 ? #"{"code":7,"message":"Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied"}"# : "null"
            let service = n % 19 == 8 ? "storage.googleapis.com" : "cloudkms.googleapis.com"
            let insert = n % 29 == 10 ? "dup-\(n - 1)" : "ins-\(n)"
            let row = #"{"logName":"projects/\#(project)/logs/cloudaudit.googleapis.com%2F\#(logType)","resource":{"type":"cloudkms_cryptokey","labels":{"project_id":"\#(project)","location":"x","key_ring_id":"y","crypto_key_id":"z"}},"protopayload_auditlog":{"serviceName":"\#(service)","methodName":"google.cloud.kms.v1.KeyManagementService.\#(method)","resourceName":"\#(resource)","status":\#(status),"authenticationInfo":{"\#(who)":"\#(principal)"},"requestJson":\#(json(request))},"timestamp":"\#(time)","insertId":"\#(insert)"}"#
            lines.append(row)
            // A re-exported entry: the same row again.
            if n % 31 == 6 { lines.append(row) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func duckDBResultOfTheShippedBigQueryQueryGivesTheCloudAuditLogScannersKeyUsage() async throws {
        guard Self.duckDB else {
            #expect(!Self.required, "\(Self.python) cannot import duckdb, and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires it (scripts/test.sh installs it)")
            print("note: BigQuery SQL equivalence not tested: needs PyPI duckdb ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it")
            return
        }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = dir.appendingPathComponent("cloudaudit_googleapis_com_generated.jsonl")
        try Data(Self.cloudAuditRows(count: 400).utf8).write(to: generated)
        let fixture = Fixtures.path("gcp-audit-log/bigquery/cloudaudit_googleapis_com_rows.jsonl")
        let query = Fixtures.packageRoot.appendingPathComponent("Queries/cloud_audit_logs_kms_usage.sql").path
        let csv = dir.appendingPathComponent("result.csv"), jsonl = dir.appendingPathComponent("result.jsonl")
        let (status, out) = try await Self.runOffPool([Fixtures.packageRoot.appendingPathComponent("Queries/duckdb/run.py").path, "--dialect", "bigquery",
                                          "--query", query, "--csv", csv.path, "--jsonl", jsonl.path, generated.path, fixture])
        try #require(status == 0, "Queries/duckdb/run.py: \(out)")

        let scanned = GCPAuditLogCollector().collect(files: [.init(path: generated.path, locator: generated.lastPathComponent),
                                                             .init(path: fixture, locator: "cloudaudit_googleapis_com_rows.jsonl")],
                                                     label: "logs", context: Self.context)
        let scannedKeys = Dictionary(uniqueKeysWithValues: scanned.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
        let scannedSource = try #require(scanned.resources.first { $0.type == .logSource })
        #expect(scannedKeys.count >= 5)
        #expect((scannedSource.fields["duplicates"].flatMap { if case .number(let n) = $0 { n } else { nil } } ?? 0) > 0)
        #expect(scannedKeys.values.contains { $0["rotation_latest"] == .string("disabled") })
        #expect(scannedKeys.values.contains { if case .list(let l)? = $0["failed_attempts"] { !l.isEmpty } else { false } })

        for (result, format) in [(csv, "csv"), (jsonl, "jsonl")] {
            let facts = LogQueryResultCollector().collect(files: [SourceFile(path: result.path, locator: result.lastPathComponent)],
                                                          options: .init(engine: "bigquery", format: format, queryPath: query,
                                                                         queryLocator: "Queries/cloud_audit_logs_kms_usage.sql"),
                                                          label: "logs", context: Self.context)
            #expect(facts.coverage.map(\.status) == [.complete], "\(format): \(facts.diagnostics)")
            let keys = Dictionary(uniqueKeysWithValues: facts.resources.filter { $0.type == .keyUsage }.map { ($0.name, $0.fields) })
            #expect(keys.keys.sorted() == scannedKeys.keys.sorted(), "\(format): other keys")
            for (name, fields) in scannedKeys.sorted(by: { $0.key < $1.key }) {
                for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                    #expect(keys[name]?[field] == value, "\(format): key \(name), \(field): the scanner says \(value), the query \(String(describing: keys[name]?[field]))")
                }
            }
            let source = try #require(facts.resources.first { $0.type == .logSource })
            for field in ["kind", "name", "records", "kms_records", "duplicates", "id_collisions", "outside_window", "failed_attempts",
                          "first_event", "last_event", "categories", "accounts", "usage_events", "attributed", "log_types",
                          "custom_key_store_events", "external_key_store_events", "window_start", "window_end"] {
                #expect(source.fields[field] == scannedSource.fields[field], "\(format): log_source \(field): \(String(describing: scannedSource.fields[field])) vs \(String(describing: source.fields[field]))")
            }
            #expect(source.fields["files"]?.isKnown == false, "a BigQuery table has no files")
            #expect(source.fields["engine"] == .string("bigquery"))
        }
    }

    @Test func theShippedQueryTextIsTheRepositorysFile() throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: Self.queryPath))
        #expect(file == Data(ShippedQuery.cloudTrailKMSUsage.text.utf8), "run scripts/gen-shipped-queries.py after editing Queries/")
        #expect(ShippedQuery.cloudTrailKMSUsage.sha256 == SHA256Hex.digest(file))
    }

    @Test func csvReadsAsAthenaWritesIt() throws {
        let text = "\"a\",\"b\",\"c\"\r\n\"x \"\"y\"\"\",,\"\"\n\"multi\nline\",\"2\",\"z\"\n"
        let t = try QueryResultTable.csv(Data(text.utf8))
        #expect(t.columns == ["a", "b", "c"])
        #expect(t.rows.count == 2)
        #expect(t.rows[0].values["a"] == .some("x \"y\""))
        #expect(t.rows[0].values["b"] == .some(nil), "an empty unquoted field is NULL")
        #expect(t.rows[0].values["c"] == .some(""), "a quoted empty field is an empty string")
        #expect(t.rows[1].line == 3)
        #expect(t.rows[1].values["a"] == .some("multi\nline"))
        #expect(throws: QueryResultTable.Failure.self) { try QueryResultTable.csv(Data("\"a\",\"b\"\n\"open,\"x\"\n".utf8)) }
        #expect(throws: QueryResultTable.Failure.self) { try QueryResultTable.csv(Data("\"a\",\"b\"\n\"1\"\n".utf8)) }
        #expect(throws: QueryResultTable.Failure.self) { try QueryResultTable.csv(Data("\"a\"\nx\"y\n".utf8)) }
        #expect(throws: QueryResultTable.Failure.self) { try QueryResultTable.csv(Data()) }
    }

    /// A small valid result, written by hand in Athena's CSV.
    static func validCSV() -> String {
        let columns = ShippedQuery.cloudTrailKMSUsage.columns
        func row(_ values: [String: String]) -> String {
            columns.map { values[$0].map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } ?? "" }.joined(separator: ",")
        }
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-0000-4000-8000-000000000001"
        return ([columns.map { "\"\($0)\"" }.joined(separator: ",")] + [
            row(["record": "key", "key": key, "account": "111122223333", "region": "eu-west-1", "events": "3", "usage_encrypt": "0",
                 "usage_decrypt": "2", "usage_generate_data_key": "0", "usage_re_encrypt": "0", "usage_sign_verify_mac": "0", "access_events": "0",
                 "lifecycle": "[\"enable-rotation\"]", "failed_events": "0", "failed_attempts": "[]", "principals": "[\"arn:aws:iam::111122223333:role/app\"]",
                 "unattributed": "0", "first_event": "2026-10-01T00:00:00Z", "last_event": "2026-10-02T00:00:00Z", "events_after_deletion": "0",
                 "key_stores": "[]", "accounts": "[\"111122223333\"]", "custom_key_store_events": "0", "external_key_store_events": "0"]),
            row(["record": "source", "files": "2", "records": "40", "duplicates": "0", "id_collisions": "0"]),
        ]).joined(separator: "\n") + "\n"
    }

    @Test func aHandWrittenResultReadsIntoFacts() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("result.csv")
        try Data(Self.validCSV().utf8).write(to: csv)
        let facts = Self.read(csv)
        #expect(facts.coverage.map(\.status) == [.complete], "\(facts.diagnostics)")
        let key = try #require(facts.resources.first { $0.type == .keyUsage })
        #expect(key.fields["usage.decrypt"] == .int(2))
        #expect(key.fields["usage.total"] == .int(2))
        #expect(key.fields["lifecycle"] == .strings(["enable-rotation"]))
        #expect(key.provenance.first?.line == 2)
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.fields["usage_events"] == .int(2))
        #expect(source.fields["files"] == .int(2))
        #expect(source.fields["attributed"] == .bool(true))
    }

    /// Through a source entry's job: Athena's `.csv.metadata` companion is not a result; the query is not windowed,
    /// so with an assessment window the events beyond it are reported and `outside_window` is unknown, not 0.
    @Test func aWindowedAssessmentAndAthenasMetadataFile() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("q-1234.csv"), metadata = dir.appendingPathComponent("q-1234.csv.metadata")
        try Data(Self.validCSV().utf8).write(to: csv)
        try Data([0x0A, 0x01, 0xFF]).write(to: metadata)
        let options = ["engine": "athena", "query": Self.queryPath, "query_locator": "Queries/cloudtrail_kms_usage.sql"]
        var files = [SourceFile(path: csv.path, locator: "results/q-1234.csv"), SourceFile(path: metadata.path, locator: "results/q-1234.csv.metadata")]
        for i in files.indices { files[i].queryOptions = options }
        let window = DateParsing.parse("2026-10-01T12:00:00Z")!...DateParsing.parse("2026-10-31T00:00:00Z")!
        let facts = await LogQueryResultCollector().collect(CollectionJob(label: "results", files: files),
                                                            context: CollectionContext(now: Fixtures.now, window: window), logger: .init(label: "test"))
        #expect(facts.coverage.map(\.status) == [.complete], "\(facts.diagnostics)")
        #expect(facts.evidence.map(\.locator).sorted() == ["Queries/cloudtrail_kms_usage.sql", "results/q-1234.csv"])
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.fields["outside_window"]?.isKnown == false)
        #expect(source.fields["window_start"] == .string("2026-10-01T12:00:00Z"))
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.message.contains("beyond the assessment window") })
        // Without options (a source entry that is not log-query-result cannot reach here, but a hand-made job can).
        let bare = await LogQueryResultCollector().collect(CollectionJob(label: "results", files: [SourceFile(path: csv.path, locator: "q.csv")]),
                                                           context: Self.context, logger: .init(label: "test"))
        #expect(bare.coverage.map(\.status) == [.failed])
        #expect(bare.resources.isEmpty)
    }

    /// A refused input: one error naming the file and line, a failed source (so its checks are inconclusive), no facts.
    static func expectRefused(_ facts: FactSet, file: String, line: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let errors = facts.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(facts.diagnostics)", sourceLocation: sourceLocation)
        #expect(errors.first?.source == file, sourceLocation: sourceLocation)
        #expect(errors.first?.line == line, "\(errors)", sourceLocation: sourceLocation)
        #expect(errors.first?.message.contains(message) == true, "\(errors)", sourceLocation: sourceLocation)
        #expect(errors.first?.fix?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(facts.coverage.map(\.status) == [.failed], sourceLocation: sourceLocation)
        #expect(facts.resources.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func aChangedQueryIsRefusedAtItsFirstDifferingLine() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("result.csv")
        try Data(Self.validCSV().utf8).write(to: csv)
        var lines = ShippedQuery.cloudTrailKMSUsage.text.components(separatedBy: "\n")
        lines[19] = lines[19].replacingOccurrences(of: "invokedby", with: "principalid")
        let query = dir.appendingPathComponent("edited.sql")
        try Data(lines.joined(separator: "\n").utf8).write(to: query)
        let facts = LogQueryResultCollector().collect(files: [SourceFile(path: csv.path, locator: "result.csv")],
                                                      options: .init(engine: "athena", format: nil, queryPath: query.path, queryLocator: "edited.sql"),
                                                      label: "logs", context: Self.context)
        Self.expectRefused(facts, file: "edited.sql", line: 20, "is not the query shipped")
        #expect(facts.evidence.map(\.kind) == ["log-query"], "the query read is evidence of what was refused")
    }

    @Test func aResultThatIsNotTheQuerysIsRefused() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let valid = Self.validCSV()
        let cases: [(String, String, Int, String)] = [
            ("header", valid.replacingOccurrences(of: "\"usage_decrypt\",", with: ""), 1, "columns missing: usage_decrypt"),
            ("count", valid.replacingOccurrences(of: "\"2\",\"0\",\"0\",\"0\",\"0\"", with: "\"two\",\"0\",\"0\",\"0\",\"0\""), 2, "not a count"),
            ("list", valid.replacingOccurrences(of: "\"[\"\"enable-rotation\"\"]\"", with: "\"enable-rotation\""), 2, "not a JSON array"),
            ("truncated", String(valid[..<valid.range(of: "arn:aws:iam")!.lowerBound]), 2, "never closed"),
            ("no source row", valid.components(separatedBy: "\n").prefix(2).joined(separator: "\n") + "\n", 3, "no source row"),
        ]
        for (name, text, line, message) in cases {
            let csv = dir.appendingPathComponent("\(name).csv")
            try Data(text.utf8).write(to: csv)
            Self.expectRefused(Self.read(csv), file: "\(name).csv", line: line, message)
        }
        let jsonl = dir.appendingPathComponent("extra.jsonl")
        try Data("{\"record\":\"source\",\"files\":1,\"records\":2,\"duplicates\":0,\"id_collisions\":0,\"bytes\":5}\n".utf8).write(to: jsonl)
        Self.expectRefused(Self.read(jsonl), file: "extra.jsonl", line: 1, "does not have: bytes")
    }

    @Test func anAssessmentFileDeclaresTheSourceWithItsOptions() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.validCSV().utf8).write(to: dir.appendingPathComponent("kms-usage.csv"))
        try FileManager.default.copyItem(atPath: Self.queryPath, toPath: dir.appendingPathComponent("cloudtrail_kms_usage.sql").path)
        func write(_ source: String) throws {
            try Data("""
            schema_version: 1
            name: sql
            sources:
              \(source)

            """.utf8).write(to: dir.appendingPathComponent("audit.yaml"))
        }
        try write("- {path: kms-usage.csv, kind: log-query-result, engine: athena, format: csv, query: cloudtrail_kms_usage.sql}")
        let plan = try AssessmentPlan.make(path: dir.path)
        let (facts, _) = await Fixtures.runPlan(plan)
        #expect(facts.coverage.filter { $0.collector == "log-query-result" }.map(\.status) == [.complete], "\(facts.diagnostics)")
        #expect(facts.resources.filter { $0.type == .keyUsage }.count == 1)
        let source = try #require(facts.resources.first { $0.type == .logSource })
        #expect(source.fields["query"] == .string("cloudtrail_kms_usage.sql"))
        #expect(source.fields["engine"] == .string("athena"))

        for (entry, message) in [
            ("- {path: kms-usage.csv, kind: log-query-result, query: cloudtrail_kms_usage.sql}", "needs engine"),
            ("- {path: kms-usage.csv, kind: log-query-result, engine: athena}", "needs query"),
            ("- {path: kms-usage.csv, kind: log-query-result, engine: presto, query: q.sql}", "unknown engine"),
            ("- {path: kms-usage.csv, kind: log-query-result, engine: athena, query: q.sql, format: xlsx}", "unknown format"),
            ("- {path: kms-usage.csv, kind: cloudtrail, engine: athena}", "applies to kind log-query-result only"),
        ] {
            try write(entry)
            do {
                _ = try AssessmentPlan.make(path: dir.path)
                Issue.record("accepted: \(entry)")
            } catch let e as CEKAuditError {
                let d = e.diagnostic
                #expect(d.message.contains(message), "\(d)")
                #expect(d.line == 4, "\(d)")
                #expect(d.fix?.isEmpty == false)
            }
        }
    }
}
