import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads the result of a shipped log-aggregation query run by a SQL engine on the customer's own log table — Amazon
/// Athena or Trino over the CloudTrail table (`Queries/cloudtrail_kms_usage.sql`), BigQuery over the Cloud Audit
/// Logs export (`Queries/cloud_audit_logs_kms_usage.sql`) — into the same `log_source` and `key_usage` facts the
/// built-in scanner (``CloudTrailCollector``, ``GCPAuditLogCollector``) produces from the log files, so terabytes of
/// logs are aggregated where they lie and only the per-key result is assessed.
///
/// The source entry names the result file (`path`), its `format` (`csv` as Athena writes query results, or `jsonl`;
/// taken from the file's extension when not given), the `engine` and the `query` file that produced it. The query's
/// text must be byte-for-byte a shipped query for that engine (``ShippedQuery``): its text and SHA-256, and the
/// result file's SHA-256, are evidence. A query that differs, a result whose columns are not the query's, or a value
/// that does not read is an error naming the file, line and fix; the source is then failed, so the checks over its
/// facts are inconclusive, never passed.
///
/// What the engine does not report is unknown, not zero: parse errors, unreadable paths and digest-file integrity
/// (the `cloudtrail` scanner reads digest files; Athena's CloudTrail SerDe does not).
public struct LogQueryResultCollector: EvidenceCollector {
    /// The source kind `audit.yaml` names.
    public static let name = "log-query-result"
    /// Engines whose result this collector reads (the `engine` option).
    public static let engines = ["athena", "trino", "bigquery"]
    /// Result formats (the `format` option).
    public static let formats = ["csv", "jsonl"]
    /// What a result stands for: the log source and the per-key usage, as the scanners supply them.
    public static let suppliedTypes: [ResourceType] = [.logSource, .keyUsage]

    /// The assessment window; the query is not windowed, so a result with events outside it is reported.
    public var window: ClosedRange<Date>?

    /// - Parameter window: the assessment window (UTC); the context's window is used when `nil`.
    public init(window: ClosedRange<Date>? = nil) {
        self.window = window
    }

    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "The result (CSV as Athena writes it, or JSON lines) of a shipped log-aggregation query (`Queries/`) run by Athena or Trino on the CloudTrail table, or by BigQuery on the Cloud Audit Logs export; the query's text and SHA-256 are evidence." }
    public var example: String { "{path: results/kms-usage.csv, kind: log-query-result, engine: athena, query: Queries/cloudtrail_kms_usage.sql}" }

    /// The options of a source entry, as the runner hands them over in ``SourceFile/queryOptions``.
    struct Options {
        var engine: String
        var format: String?
        var queryPath: String
        var queryLocator: String
    }

    /// Reads the result files of one source entry (`job.files`, Athena's `.metadata` companions left out) with the
    /// entry's options (``SourceFile/queryOptions``). Never throws: problems become diagnostics and a failed coverage
    /// row, so the checks over the source's facts are inconclusive.
    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var c = self
        if c.window == nil { c.window = context.window }
        var out = gapFacts(job.gaps)
        let files = job.files.filter { !$0.locator.hasSuffix(".metadata") }
        guard !files.isEmpty else {
            if job.gaps.isEmpty { out.merge(emptySourceFacts(job.label)) }
            return out
        }
        let o = files[0].queryOptions
        guard let engine = o["engine"], let queryPath = o["query"] else {
            out.diagnostics.append(Diagnostic(.error, source: job.label, message: "a log-query-result source needs engine and query",
                                              fix: "add engine: athena and query: Queries/cloudtrail_kms_usage.sql to the source entry"))
            out.coverage.append(failedCoverage(job.label, detail: "engine or query not given"))
            return out
        }
        let options = Options(engine: engine, format: o["format"], queryPath: queryPath, queryLocator: o["query_locator"] ?? queryPath)
        out.merge(c.collect(files: files, options: options, label: job.label, context: context))
        return out
    }

    /// Reads the result `files` of one source produced by the query `options` names.
    func collect(files: [SourceFile], options o: Options, label: String, context: CollectionContext) -> FactSet {
        var out = FactSet()
        func fail(_ d: Diagnostic, _ detail: String) -> FactSet {
            out.diagnostics.append(d)
            out.coverage.append(failedCoverage(label, detail: detail))
            return out
        }
        let queryData: Data
        do { queryData = try Data(contentsOf: URL(fileURLWithPath: o.queryPath)) } catch {
            return fail(CEKAuditError.cannotRead(o.queryLocator, FileProblem.reading(o.queryPath, error: error)).diagnostic,
                        "query file \(o.queryLocator) could not be read")
        }
        let queryItem = EvidenceItem(collector: Self.name, locator: o.queryLocator, kind: "log-query", bytes: queryData, collectedAt: context.now)
        out.addEvidence(queryItem, bytes: queryData)
        guard let shipped = ShippedQuery.all.first(where: { $0.engines.contains(o.engine) && Data($0.text.utf8) == queryData }) else {
            let candidates = ShippedQuery.all.filter { $0.engines.contains(o.engine) }
            let nearest = candidates.first
            let line = nearest.map { Self.firstDifferingLine(Array($0.text.utf8), Array(queryData)) } ?? 1
            let shippedText = candidates.map { "\($0.path) (SHA-256 \($0.sha256))" }.joined(separator: ", ")
            return fail(Diagnostic(.error, source: o.queryLocator, line: line,
                                   message: "the query (SHA-256 \(queryItem.sha256)) is not the query shipped for engine \(o.engine): \(shippedText.isEmpty ? "none" : shippedText); it first differs on this line, so the result's columns cannot be trusted to mean what the facts say",
                                   fix: "run the shipped query byte-for-byte (a table of another name: CREATE VIEW cloudtrail_logs AS SELECT * FROM yours) and name that file in query:"),
                        "query \(o.queryLocator) is not a shipped query")
        }
        var aggregate = LogAggregate()
        var lines: [String: (Int, String)] = [:]   // key → (line, result evidence id)
        var sourceRow: (Int, String)?
        var hashes: [String] = []
        var items: [EvidenceItem] = []
        var logTypes: Set<String> = []
        for f in files {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: f.path)) } catch {
                return fail(CEKAuditError.cannotRead(f.locator, FileProblem.reading(f.path, error: error)).diagnostic, "\(f.locator) could not be read")
            }
            let item = EvidenceItem(collector: Self.name, locator: f.locator, kind: "log-query-result", bytes: data, collectedAt: context.now)
            out.addEvidence(item, bytes: data)
            items.append(item)
            hashes.append(item.sha256)
            let format = o.format ?? (f.locator.lowercased().hasSuffix(".csv") ? "csv" : "jsonl")
            do {
                let table = format == "csv" ? try QueryResultTable.csv(data, expected: shipped.columns) : try QueryResultTable.jsonLines(data)
                let read = try Self.aggregate(table, columns: shipped.columns, format: format)
                aggregate.merge(read.aggregate)
                logTypes.formUnion(read.logTypes)
                for (k, line) in read.lines { lines[k] = (line, item.id) }
                if let l = read.sourceLine, sourceRow == nil { sourceRow = (l, item.id) }
            } catch let e as QueryResultTable.Failure {
                return fail(Diagnostic(.error, source: f.locator, line: e.line, message: e.message, fix: e.fix), "\(f.locator) line \(e.line): \(e.message)")
            } catch {
                return fail(Diagnostic(.error, source: f.locator, message: "\(error)"), "\(f.locator) could not be read")
            }
        }
        var resources: [Resource]
        let engineReason = "the SQL engine (\(o.engine)) does not report it; the query reads only the records the table yields"
        var unknownFields = ["parse_errors", "unread_paths", "digest_files", "integrity_verified", "integrity_mismatches"]
        if shipped.scanner == "gcp-audit-log" {
            // A BigQuery table has no files: the scanner's "nothing read" (no file) does not apply, and `files` is unknown.
            var a = aggregate
            if sourceRow != nil { a.files = max(a.files, 1) }
            resources = GCPAuditLogCollector(window: window).resources(a, label: label, logTypes: logTypes, items: [], unread: 0)
            unknownFields.append("files")
        } else {
            resources = CloudTrailCollector(window: window, workers: 1).resources(aggregate, label: label, verified: 0, mismatched: 0, items: [])
        }
        for i in resources.indices {
            if resources[i].type == .logSource {
                var fields = resources[i].fields
                for field in unknownFields { fields[field] = .unknown(reason: engineReason) }
                if window != nil { fields["outside_window"] = .unknown(reason: "the shipped query is not windowed; the result covers what the table holds") }
                fields["engine"] = .string(o.engine)
                fields["query"] = .string(o.queryLocator)
                fields["query_sha256"] = .string(queryItem.sha256)
                fields["result_sha256"] = .strings(hashes)
                resources[i].fields = fields
                resources[i].provenance = [Provenance(evidence: queryItem.id)]
                    + (sourceRow.map { [Provenance(evidence: $0.1, pointer: "record=source", line: $0.0)] } ?? [])
            } else if let (line, id) = lines[resources[i].name] {
                resources[i].provenance = [Provenance(evidence: id, pointer: "record=key", line: line)]
            } else {
                resources[i].provenance = items.map { Provenance(evidence: $0.id) }
            }
        }
        out.resources += resources
        if let w = window, let first = aggregate.first, let last = aggregate.last,
           first < DateParsing.iso(w.lowerBound) || last > DateParsing.iso(w.upperBound) {
            out.diagnostics.append(Diagnostic(.warning, source: files[0].locator,
                                              message: "the result holds key-management events from \(first) to \(last), beyond the assessment window \(DateParsing.iso(w.lowerBound)) – \(DateParsing.iso(w.upperBound))",
                                              fix: "restrict the cloudtrail_logs view to the window (WHERE eventtime BETWEEN …) and run the query again"))
        }
        // As the scanners report them: a re-delivered event counted once, an id shared by different events.
        if aggregate.duplicates > 0 {
            out.diagnostics.append(Diagnostic(.warning, source: files[0].locator,
                                              message: "\(aggregate.duplicates) event(s) are delivered more than once; the query counted each once"))
        }
        if aggregate.idCollisions > 0 {
            out.diagnostics.append(Diagnostic(.warning, source: files[0].locator,
                                              message: "\(aggregate.idCollisions) event id(s) are shared by different records; the query counted each record"))
        }
        out.coverage.append(coverage(label, resources: resources, partial: false))
        return out
    }

    /// The 1-based line where two texts first differ (the line after the shorter one's end when one is a prefix).
    static func firstDifferingLine(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var line = 1
        for i in 0..<min(a.count, b.count) {
            if a[i] != b[i] { return line }
            if a[i] == 0x0A { line += 1 }
        }
        return line
    }

    /// What one result file says, as the scanner's aggregate.
    struct Read {
        var aggregate = LogAggregate()
        /// Line of each key's row.
        var lines: [String: Int] = [:]
        var sourceLine: Int?
        /// Cloud Audit Logs: the log types of the source row.
        var logTypes: Set<String> = []
    }

    /// Turns the rows of the shipped CloudTrail query's result into a ``LogAggregate``.
    /// - Throws: ``QueryResultTable/Failure`` for columns that are not the query's, an unknown record type, a value
    ///   that is not a count, a JSON array or a time, or a result without its `source` row.
    static func aggregate(_ table: QueryResultTable, columns: [String], format: String) throws -> Read {
        if format == "csv" {
            guard table.columns == columns else { throw QueryResultTable.headerFailure(table.columns, expected: columns) }
        } else {
            let extra = table.columns.filter { !columns.contains($0) }
            guard extra.isEmpty, table.columns.contains("record") || table.rows.isEmpty else {
                let line = table.rows.first(where: { r in r.values.keys.contains { !columns.contains($0) } || r.values["record"] == nil })?.line ?? 1
                throw QueryResultTable.Failure(line: line, message: extra.isEmpty ? "rows without a record column" : "columns the shipped query does not have: \(extra.joined(separator: ", "))",
                                               fix: "give the result of the shipped query, unedited")
            }
        }
        var read = Read()
        var a = LogAggregate()
        for row in table.rows {
            func text(_ c: String) -> String? { (row.values[c] ?? nil).flatMap { $0.isEmpty ? nil : $0 } }
            func count(_ c: String) throws -> Int {
                guard let t = text(c) else { return 0 }
                guard let n = Int(t), n >= 0 else {
                    throw QueryResultTable.Failure(line: row.line, message: "column \(c) is '\(t)', not a count", fix: "give the result of the shipped query, unedited")
                }
                return n
            }
            func list(_ c: String) throws -> [String] {
                guard let t = text(c), t != "null" else { return [] }
                guard let values = (try? JSONSerialization.jsonObject(with: Data(t.utf8), options: [])) as? [Any] else {
                    throw QueryResultTable.Failure(line: row.line, message: "column \(c) is not a JSON array", fix: "give the result of the shipped query, unedited")
                }
                return values.compactMap { $0 as? String }
            }
            switch text("record") {
            case "key":
                guard let ref = text("key") else {
                    throw QueryResultTable.Failure(line: row.line, message: "a key row without a key", fix: "give the result of the shipped query, unedited")
                }
                var s = LogAggregate.KeyStats()
                s.account = text("account")
                s.region = text("region")
                for (category, column) in zip(KMSEventCatalog.usageCategories, ["usage_encrypt", "usage_decrypt", "usage_generate_data_key", "usage_re_encrypt", "usage_sign_verify_mac"]) {
                    let n = try count(column)
                    if n > 0 { s.usage[category] = n; a.categories.insert(category) }
                }
                s.lifecycle = Set(try list("lifecycle"))
                if !s.lifecycle.isEmpty { a.categories.insert("lifecycle") }
                if try count("access_events") > 0 { a.categories.insert("access") }
                s.failed = Array(Set(try list("failed_attempts")).sorted().prefix(50))
                s.principals = Set(Set(try list("principals")).sorted().prefix(200))
                s.first = text("first_event")
                s.last = text("last_event")
                s.lastRotated = text("last_rotated")
                if let at = text("rotation_switched_at"), let state = text("rotation_switch") { s.rotationSwitch = (at, state == "enable-rotation") }
                s.deletedAt = text("deleted_at")
                s.eventsAfterDeletion = try count("events_after_deletion")
                s.keyStores = Set(try list("key_stores"))
                guard a.keys[ref] == nil else {
                    throw QueryResultTable.Failure(line: row.line, message: "key \(ref) has a second row", fix: "give the result of the shipped query, unedited")
                }
                a.keys[ref] = s
                read.lines[ref] = row.line
                try tally(&a)
            case "unkeyed":
                try tally(&a)
            case "alias":
                if let alias = text("key"), let target = text("alias_target") { a.aliases[alias] = (text("last_event") ?? "", target) }
            case "source":
                guard read.sourceLine == nil else {
                    throw QueryResultTable.Failure(line: row.line, message: "a second source row", fix: "give the result of one run of the shipped query")
                }
                read.sourceLine = row.line
                a.files += try count("files")
                a.records += try count("records")
                a.duplicates += try count("duplicates")
                a.idCollisions += try count("id_collisions")
                if columns.contains("log_types") { read.logTypes.formUnion(try list("log_types")) }
            case let other:
                throw QueryResultTable.Failure(line: row.line, message: "unknown record type '\(other ?? "")'", fix: "give the result of the shipped query, unedited")
            }
            /// Totals every key and unkeyed row adds to the source.
            func tally(_ a: inout LogAggregate) throws {
                a.kmsRecords += try count("events")
                a.failedAttempts += try count("failed_events")
                a.unattributed += try count("unattributed")
                a.first = LogAggregate.min(a.first, text("first_event"))
                a.last = LogAggregate.max(a.last, text("last_event"))
                a.accounts.formUnion(try list("accounts"))
                a.customKeyStoreEvents += try count("custom_key_store_events")
                a.externalKeyStoreEvents += try count("external_key_store_events")
            }
        }
        guard read.sourceLine != nil else {
            throw QueryResultTable.Failure(line: max(1, (table.rows.last?.line ?? 0) + 1), message: "the result has no source row: it is incomplete",
                                           fix: "download the whole result of the shipped query; its last rows include record = source")
        }
        read.aggregate = a
        return read
    }
}
