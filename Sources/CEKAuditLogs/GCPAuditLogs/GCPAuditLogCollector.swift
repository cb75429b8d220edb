import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads Cloud Audit Logs of Cloud KMS (`protoPayload.serviceName` `cloudkms.googleapis.com`) and turns them into a
/// `log_source` resource and one `key_usage` resource per key, in the vocabulary and with the semantics of the
/// CloudTrail collector (``CloudTrailCollector``).
///
/// Shapes, recognised by content whatever the file name (`.json`, `.jsonl`, gzip or not):
/// - a JSON array of `LogEntry` objects, as `gcloud logging read --format=json` writes it;
/// - JSON lines of `LogEntry` objects, as a Cloud Storage sink exports them
///   (`cloudaudit.googleapis.com/activity/YYYY/MM/DD/HH:00:00_HH:59:59_S0.json`, `…/data_access/…`);
/// - JSON lines of BigQuery export rows (`protopayload_auditlog`, `timestamp`, `logName`, `insertId`), as
///   `bq extract --destination_format NEWLINE_DELIMITED_JSON` or `bq query --format=json` turned into lines write them.
///
/// Per entry (Cloud Audit Logs `AuditLog`; Cloud KMS documentation, "Cloud KMS audit logging"): `methodName`
/// classifies it (``CloudKMSMethodCatalog``); `resourceName` names the key or key version, read as the key's name
/// `projects/P/locations/L/keyRings/R/cryptoKeys/K` — the id Cloud KMS keys get — with `account` = P and `region`
/// = L; the principal is `authenticationInfo.principalEmail` (or `principalSubject`); a non-zero `status.code` is a
/// failed attempt `Operation (STATUS)`. Entries of other services are counted in `records` and not used; entries
/// with the same `insertId` and content are counted once. Cryptographic uses are only in Data Access logs, which
/// are off unless configured: a source of Admin Activity entries only shows `usage_events: 0` (as CloudTrail does
/// for a trail without key use), its `log_types` say why, and a diagnostic names the setting.
///
/// Errors never stop the run: an unreadable file, a truncated array or an undecodable line is a diagnostic with
/// file:line (`parse_errors`), and the rest of the source is still read.
public struct GCPAuditLogCollector: EvidenceCollector {
    /// Collector name in evidence, coverage and the `log_source` `kind`.
    public static let name = "gcp-audit-log"
    /// Largest uncompressed size read from one gzip file (a decompression bomb stops here).
    public static let maxUncompressedBytes = 512 * 1024 * 1024
    /// What a log source supplies; a failed one makes checks over these inconclusive.
    public static let suppliedTypes: [ResourceType] = [.logSource, .keyUsage]

    /// The assessment window: events outside it are counted (`outside_window`) and not used.
    public var window: ClosedRange<Date>?

    /// - Parameter window: the assessment window; `nil` takes the context's.
    public init(window: ClosedRange<Date>? = nil) {
        self.window = window
    }

    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "Cloud Audit Logs of Cloud KMS: `gcloud logging read --format=json` arrays, Cloud Storage sink exports (JSON lines under `cloudaudit.googleapis.com/activity/…` and `…/data_access/…`) and BigQuery export rows (JSON lines)." }
    public var example: String { "{path: logs/cloudaudit.googleapis.com/, kind: gcp-audit-log}" }

    /// A Cloud Audit Logs entry at the head of the content: a JSON array or object whose first entry has a
    /// `protoPayload` of type `AuditLog`, or a BigQuery export row with `protopayload_auditlog`.
    public func recognizes(_ probe: ContentProbe) -> Bool {
        Self.looksLikeAuditLog(content: probe.head)
    }

    /// ``looksLikeAuditLog(content:)`` reads the first 8 KiB.
    public var recognitionHeadBytes: Int { Self.recognitionBytes }
    static let recognitionBytes = 8192

    /// Whether the first bytes are Cloud Audit Logs entries (any service).
    public static func looksLikeAuditLog(content: Data) -> Bool {
        let head = String(decoding: content.prefix(recognitionBytes), as: UTF8.self)
        guard let first = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" }).first, first == "[" || first == "{" else { return false }
        if head.contains("\"protopayload_auditlog\"") { return true }
        return head.contains("\"protoPayload\"") && head.contains(GCPAuditEntry.auditLogType)
    }

    /// Collects the files of one source entry as one log source; the window comes from the context.
    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var c = self
        if c.window == nil { c.window = context.window }
        var out = c.collect(files: job.files.map { File(path: $0.path, locator: $0.locator) }, label: job.label, gaps: job.gaps, context: context)
        if job.files.isEmpty && job.gaps.isEmpty {
            out.merge(emptySourceFacts(job.label))
            out.coverage.removeAll { $0.source == job.label && $0.status == .complete }
        }
        return out
    }

    /// One file of a log source.
    public struct File: Sendable {
        /// Where it is on disk.
        public var path: String
        /// How evidence and diagnostics name it (relative to the assessment folder).
        public var locator: String
        public init(path: String, locator: String) {
            self.path = path
            self.locator = locator
        }
    }

    struct FileResult {
        var item: EvidenceItem?
        var aggregate = LogAggregate()
        var diagnostics: [Diagnostic] = []
        var logTypes: Set<String> = []
        var failed = false
    }

    /// Collects a log source made of `files`; `label` names it in facts. `gaps` are paths of the source that could
    /// not be read at all: counted in `unread_paths`, each a diagnostic and a failed part of the source.
    public func collect(files: [File], label: String, gaps: [SourceGap] = [], context: CollectionContext) -> FactSet {
        let windowText = window.map { DateParsing.iso($0.lowerBound)...DateParsing.iso($0.upperBound) }
        let dedupe = CloudTrailCollector.Dedupe()
        var total = LogAggregate()
        var logTypes: Set<String> = []
        var out = FactSet()
        out.merge(gapFacts(gaps))
        var failed = 0
        for f in files.sorted(by: { $0.locator < $1.locator }) {
            let r = Self.scan(f, window: windowText, dedupe: dedupe, now: context.now)
            total.merge(r.aggregate)
            logTypes.formUnion(r.logTypes)
            if let item = r.item {
                out.evidence.append(item)
                out.payloadFiles[item.id] = f.path
            }
            out.diagnostics += r.diagnostics
            if r.failed { failed += 1 }
        }
        if total.kmsRecords + total.outsideWindow > 0, !logTypes.contains("data_access") {
            out.diagnostics.append(Diagnostic(.warning, source: label,
                                              message: "the source holds no Data Access entries of Cloud KMS: key uses (Encrypt, Decrypt …) are logged only there, so none can be shown",
                                              fix: "turn on DATA_READ and DATA_WRITE audit logs for cloudkms.googleapis.com and export the data_access log too"))
        }
        out.resources += resources(total, label: label, logTypes: logTypes, items: out.evidence, unread: gaps.count)
        var found: [String: Int] = [:]
        for r in out.resources { found[r.type.rawValue, default: 0] += 1 }
        let status: SourceCoverage.Status = failed == 0 && gaps.isEmpty && total.parseErrors == 0 ? .complete
            : (failed == files.count ? .failed : .partial)
        var detail: [String] = []
        if failed > 0 { detail.append("\(failed) of \(files.count) file(s) could not be read") }
        if total.parseErrors > 0 { detail.append("\(total.parseErrors) entr\(total.parseErrors == 1 ? "y" : "ies") or file(s) could not be parsed") }
        out.coverage.append(SourceCoverage(source: label, collector: Self.name, status: status, resourceTypes: Self.suppliedTypes,
                                           found: found, detail: detail.isEmpty ? nil : detail.joined(separator: "; ")))
        return out
    }

    /// Reads, inflates, splits and aggregates one file. Never throws: problems become diagnostics.
    static func scan(_ f: File, window: ClosedRange<String>?, dedupe: CloudTrailCollector.Dedupe, now: Date) -> FileResult {
        var result = FileResult()
        let raw: Data
        do { raw = try Data(contentsOf: URL(fileURLWithPath: f.path), options: .alwaysMapped) } catch {
            result.failed = true
            result.aggregate.parseErrors += 1
            result.diagnostics.append(CEKAuditError.cannotRead(f.locator, FileProblem.reading(f.path, error: error)).diagnostic)
            return result
        }
        result.item = EvidenceItem(collector: name, locator: f.locator, kind: "gcp-audit-log", bytes: raw, collectedAt: now)
        var data = raw
        if Gzip.isGzip(raw) {
            do { data = try Gzip.inflate(raw, limit: maxUncompressedBytes) } catch {
                result.failed = true
                result.aggregate.parseErrors += 1
                result.diagnostics.append(Diagnostic(.error, source: f.locator, message: "\(error)",
                                                     fix: "the file is truncated, not gzip, or far larger than a log export; fetch it again"))
                return result
            }
        }
        // The sink export's folder names the log type even when entries lack logName.
        for type in ["activity", "data_access", "system_event", "policy"] where f.locator.contains("cloudaudit.googleapis.com/\(type)/") {
            result.logTypes.insert(type)
        }
        result.aggregate.files = 1
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            var start = 0
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { start = 3 }
            var cursor = JSONByteCursor(b, start..<b.count)
            cursor.ws()
            switch cursor.current {
            case 0x5B: readArray(b, cursor: cursor, locator: f.locator, window: window, dedupe: dedupe, into: &result)
            case 0x7B: readLines(b, from: start, locator: f.locator, window: window, dedupe: dedupe, into: &result)
            case nil:
                result.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "the log file is empty"))
            default:
                result.failed = true
                result.aggregate.files = 0
                result.aggregate.parseErrors += 1
                let (line, col) = RecordSplitter.position(b, cursor.i)
                result.diagnostics.append(Diagnostic(.error, source: f.locator, line: line, column: col,
                                                     message: "not Cloud Audit Logs JSON: neither a JSON array nor JSON lines of log entries",
                                                     fix: "export with `gcloud logging read --format=json`, or give the sink's JSON files as they are"))
            }
        }
        return result
    }
    /// A JSON array of entries (``JSONRecordFile/readArray(_:cursor:needle:counted:record:fail:)``): a structural error
    /// stops the file there (the entries before it are kept) and is reported with its line and column.
    private static func readArray(_ b: UnsafeRawBufferPointer, cursor start: JSONByteCursor, locator: String,
                                  window: ClosedRange<String>?, dedupe: CloudTrailCollector.Dedupe, into result: inout FileResult) {
        JSONRecordFile.readArray(b, cursor: start, needle: Array("cloudkms.googleapis.com".utf8), counted: { result.aggregate.records += 1 },
                                 record: { range, ordinal in decode(b, range, locator: locator, ordinal: ordinal, window: window, dedupe: dedupe, into: &result) },
                                 fail: { message, offset in
                                     let (line, col) = RecordSplitter.position(b, offset)
                                     result.aggregate.parseErrors += 1
                                     result.diagnostics.append(Diagnostic(.error, source: locator, line: line, column: col, message: message,
                                                                          fix: "the export is cut short or damaged; export it again"))
                                 })
    }

    /// JSON lines (``JSONRecordFile/readLines(_:from:needle:counted:record:)``), or one pretty-printed entry.
    private static func readLines(_ b: UnsafeRawBufferPointer, from start: Int, locator: String,
                                  window: ClosedRange<String>?, dedupe: CloudTrailCollector.Dedupe, into result: inout FileResult) {
        JSONRecordFile.readLines(b, from: start, needle: Array("cloudkms.googleapis.com".utf8), counted: { result.aggregate.records += 1 },
                                 record: { range, ordinal, line in
                                     decode(b, range, locator: locator, ordinal: ordinal, window: window, dedupe: dedupe, into: &result, line: line)
                                 })
    }


    private static func decode(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, locator: String, ordinal: Int,
                               window: ClosedRange<String>?, dedupe: CloudTrailCollector.Dedupe, into result: inout FileResult,
                               line: Int? = nil) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Data(UnsafeRawBufferPointer(rebasing: b[range])), source: locator)
        } catch {
            let (l, col) = RecordSplitter.position(b, range.lowerBound)
            result.aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: locator, line: line ?? l, column: line == nil ? col : nil,
                                                 message: "entry \(ordinal) is not valid JSON (cut short or damaged) and was not counted",
                                                 fix: "export the log again; a partial upload or a concatenation without newlines causes this"))
            return
        }
        guard case .object = value else {
            result.aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: locator, line: line ?? RecordSplitter.position(b, range.lowerBound).0,
                                                 message: "entry \(ordinal) is not a JSON object and was not counted"))
            return
        }
        let entry = GCPAuditEntry(value)
        if let type = entry.logType { result.logTypes.insert(type) }
        guard entry.isAuditLog, entry.serviceName == "cloudkms.googleapis.com" else { return }
        if let id = entry.insertId {
            let content = [entry.methodName, entry.time, entry.resourceName, entry.statusCode.map(String.init)].map { $0 ?? "" }
                .joined(separator: "\u{1F}")
            switch dedupe.check(id: fnv(id + "\u{1F}" + (entry.logName ?? "")), content: fnv(content)) {
            case .duplicate:
                result.aggregate.duplicates += 1
                if result.aggregate.duplicates <= 5 {
                    result.diagnostics.append(Diagnostic(.warning, source: locator, line: line,
                                                         message: "entry \(id) is delivered more than once; counted once"))
                }
                return
            case .collision:
                result.aggregate.idCollisions += 1
                result.diagnostics.append(Diagnostic(.warning, source: locator, line: line,
                                                     message: "insertId \(id) is shared by different entries; both are counted"))
            case .new: break
            }
        }
        result.aggregate.add(gcp: entry, window: window, file: locator)
    }

    private static func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
        return h
    }

    /// The facts: one `log_source`, one `key_usage` per key.
    func resources(_ a: LogAggregate, label: String, logTypes: Set<String>, items: [EvidenceItem], unread: Int) -> [Resource] {
        let byLocator = Dictionary(items.map { ($0.locator, $0.id) }, uniquingKeysWith: { a, _ in a })
        let sourceProvenance = items.sorted { $0.locator < $1.locator }.prefix(100).map { Provenance(evidence: $0.id) }
        let usageEvents = a.keys.values.reduce(0) { $0 + $1.usage.values.reduce(0, +) }
        var f: [String: FactValue] = [
            "kind": .string(Self.name), "name": .string(label),
            "files": .int(a.files), "digest_files": .int(0), "records": .int(a.records), "kms_records": .int(a.kmsRecords),
            "parse_errors": .int(a.parseErrors), "unread_paths": .int(unread), "duplicates": .int(a.duplicates),
            "id_collisions": .int(a.idCollisions), "outside_window": .int(a.outsideWindow),
            "failed_attempts": .int(a.failedAttempts),
            "first_event": a.first.map(FactValue.string) ?? .null, "last_event": a.last.map(FactValue.string) ?? .null,
            "categories": .strings(a.categories.sorted()),
            "accounts": .strings(a.accounts.sorted()),
            "usage_events": .int(usageEvents),
            "attributed": .bool(a.unattributed == 0),
            "log_types": .strings(logTypes.sorted()),
            // Cloud Audit Logs have no digest files; integrity rests on the log bucket's locked retention.
            "integrity_verified": .int(0), "integrity_mismatches": .int(0),
            "custom_key_store_events": .int(0), "external_key_store_events": .int(0),
        ]
        if a.files == 0 {
            // No log file could be read: what the logs would show is unknown, not "no events".
            for field in ["usage_events", "categories", "attributed", "first_event", "last_event", "kms_records", "accounts", "log_types"] {
                f[field] = .unknown(reason: "no log file of this source could be read; see the diagnostics")
            }
        }
        f["window_start"] = window.map { .string(DateParsing.iso($0.lowerBound)) } ?? .null
        f["window_end"] = window.map { .string(DateParsing.iso($0.upperBound)) } ?? .null
        var out = [Resource(type: .logSource, id: "\(Self.name):\(label)", name: label, fields: f, provenance: Array(sourceProvenance))]
        for ref in a.keys.keys.sorted() {
            guard let s = a.keys[ref] else { continue }
            var k: [String: FactValue] = [
                "key": .string(ref), "account": s.account.map(FactValue.string) ?? .null, "region": s.region.map(FactValue.string) ?? .null,
                "lifecycle": .strings(s.lifecycle.sorted()), "failed_attempts": .strings(s.failed),
                "principals": .strings(s.sortedPrincipals()),
                "first_event": s.first.map(FactValue.string) ?? .null, "last_event": s.last.map(FactValue.string) ?? .null,
                "last_rotated": s.lastRotated.map(FactValue.string) ?? .null,
                "rotation_latest": s.rotationSwitch.map { .string($0.1 ? "enabled" : "disabled") } ?? .null,
                "events_after_deletion": .int(0),
                "key_stores": .list([]),
            ]
            for c in KMSEventCatalog.usageCategories { k["usage." + c] = .int(s.usage[c] ?? 0) }
            k["usage.total"] = .int(s.usage.values.reduce(0, +))
            let files = [s.firstFile?.1, s.lastFile?.1].compactMap { $0 }
            let provenance = Array(Set(files)).sorted().compactMap { byLocator[$0].map { Provenance(evidence: $0) } }
            out.append(Resource(type: .keyUsage, id: "\(Self.name):\(label):\(ref)", name: ref, fields: k, provenance: provenance))
        }
        return out
    }
}
