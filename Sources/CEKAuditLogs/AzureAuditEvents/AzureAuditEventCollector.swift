import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads Azure Key Vault and Managed HSM `AuditEvent` logs and turns them into a `log_source` resource and one
/// `key_usage` resource per key, in the vocabulary and with the semantics of the CloudTrail collector
/// (``CloudTrailCollector``), so the same checks judge them.
///
/// Shapes, recognised by content whatever the file name (`.json`, `.jsonl`, gzip or not):
/// - JSON lines of `AuditEvent` records, as a diagnostic setting exports them to a storage account
///   (`insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/…/VAULTS/<NAME>/y=2026/m=11/d=02/h=08/m=00/PT1H.json`),
///   and the older `{"records": [...]}` form of the same blobs;
/// - Log Analytics `AzureDiagnostics` (or `AZKVAuditLogs`) rows, as a JSON array (`az monitor log-analytics query`)
///   or JSON lines.
///
/// Per record (``AzureAuditEvent``; Key Vault documentation, "Azure Key Vault logging"): `operationName` classifies
/// it (``KeyVaultOperationCatalog``: `KeyWrap` counts as `encrypt`, `KeyUnwrap` as `decrypt`, `KeySign` / `KeyVerify`
/// as `sign-verify-mac`, `KeyRelease` as `release`; `KeyDelete` is `schedule-deletion` — soft delete —, `KeyRecover`
/// `cancel-deletion`, `KeyPurge` `delete`, `KeyRotationPolicySet` `enable-rotation`); the key is the versionless key
/// URI (`https://<vault>.vault.azure.net/keys/<name>`, host lower-cased — the id the Azure facts give keys) from
/// `properties.id` or the request URI; `account` is the subscription of `resourceId` (lower-cased); the principal is
/// the caller's UPN, else `app:<appid>`, else `oid:<object id>`; a result other than success (`Forbidden`,
/// `Unauthorized`, `NotFound`, an HTTP status of 400 or more) is a failed attempt `Operation (Result)`, never
/// evidence that the action happened. Records of other resources or categories are counted in `records` and not
/// used; records with the same correlation id, operation and content are counted once.
///
/// Errors never stop the run: an unreadable file, a truncated array or an undecodable line is a diagnostic with
/// file:line (`parse_errors`), and the rest of the source is still read.
public struct AzureAuditEventCollector: EvidenceCollector {
    /// Collector name in evidence, coverage and the `log_source` `kind`.
    public static let name = "azure-keyvault-audit-log"
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
    public var reads: String { "Azure Key Vault and Managed HSM `AuditEvent` logs: a diagnostic setting's storage-account export (JSON lines under `insights-logs-auditevent/resourceId=/…/PT1H.json`) and Log Analytics `AzureDiagnostics` / `AZKVAuditLogs` rows (JSON array or lines)." }
    public var example: String { "{path: logs/insights-logs-auditevent/, kind: azure-keyvault-audit-log}" }

    /// Key Vault `AuditEvent` records at the head of the content: JSON (an array, lines or a `records` object) that
    /// names `AuditEvent`, an `operationName` and a `Microsoft.KeyVault` resource.
    public func recognizes(_ probe: ContentProbe) -> Bool {
        Self.looksLikeAuditEvents(content: probe.head)
    }

    /// ``looksLikeAuditEvents(content:)`` reads the first 8 KiB.
    public var recognitionHeadBytes: Int { Self.recognitionBytes }
    static let recognitionBytes = 8192

    /// Whether the first bytes are Key Vault `AuditEvent` records (either export shape), case-insensitively.
    public static func looksLikeAuditEvents(content: Data) -> Bool {
        let head = String(decoding: content.prefix(recognitionBytes), as: UTF8.self)
        guard let first = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" }).first, first == "[" || first == "{" else { return false }
        let lower = head.lowercased()
        return lower.contains("\"operationname\"") && lower.contains("auditevent") && lower.contains("/providers/microsoft.keyvault/")
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
        var failed = false
    }

    /// Collects a log source made of `files`; `label` names it in facts. `gaps` are paths of the source that could
    /// not be read at all: counted in `unread_paths`, each a diagnostic and a failed part of the source.
    public func collect(files: [File], label: String, gaps: [SourceGap] = [], context: CollectionContext) -> FactSet {
        let windowText = window.map { DateParsing.iso($0.lowerBound)...DateParsing.iso($0.upperBound) }
        let dedupe = CloudTrailCollector.Dedupe()
        var total = LogAggregate()
        var out = FactSet()
        out.merge(gapFacts(gaps))
        var failed = 0
        for f in files.sorted(by: { $0.locator < $1.locator }) {
            let r = Self.scan(f, window: windowText, dedupe: dedupe, now: context.now)
            total.merge(r.aggregate)
            if let item = r.item {
                out.evidence.append(item)
                out.payloadFiles[item.id] = f.path
            }
            out.diagnostics += r.diagnostics
            if r.failed { failed += 1 }
        }
        out.resources += resources(total, label: label, items: out.evidence, unread: gaps.count)
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
        result.item = EvidenceItem(collector: name, locator: f.locator, kind: "azure-keyvault-audit-log", bytes: raw, collectedAt: now)
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
                                                     message: "not Key Vault AuditEvent JSON: neither a JSON array nor JSON lines of records",
                                                     fix: "give the storage account's PT1H.json blobs as they are, or export Log Analytics rows with `az monitor log-analytics query -o json`"))
            }
        }
        return result
    }
    /// A JSON array of entries (``JSONRecordFile/readArray(_:cursor:needle:counted:record:fail:)``): a structural error
    /// stops the file there (the entries before it are kept) and is reported with its line and column.
    private static func readArray(_ b: UnsafeRawBufferPointer, cursor start: JSONByteCursor, locator: String,
                                  window: ClosedRange<String>?, dedupe: CloudTrailCollector.Dedupe, into result: inout FileResult) {
        JSONRecordFile.readArray(b, cursor: start, needle: nil, counted: { result.aggregate.records += 1 },
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
        JSONRecordFile.readLines(b, from: start, needle: nil, counted: { result.aggregate.records += 1 },
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
        // The older blob form: one object holding `records`.
        if case .array(let records)? = value["records"] {
            result.aggregate.records += max(0, records.count - 1)
            for r in records {
                guard case .object = r else {
                    result.aggregate.parseErrors += 1
                    result.diagnostics.append(Diagnostic(.error, source: locator, line: line ?? RecordSplitter.position(b, range.lowerBound).0,
                                                         message: "a member of `records` in entry \(ordinal) is not a JSON object and was not counted"))
                    continue
                }
                use(AzureAuditEvent(r), locator: locator, line: line, window: window, dedupe: dedupe, into: &result)
            }
            return
        }
        use(AzureAuditEvent(value), locator: locator, line: line, window: window, dedupe: dedupe, into: &result)
    }

    private static func use(_ event: AzureAuditEvent, locator: String, line: Int?, window: ClosedRange<String>?,
                            dedupe: CloudTrailCollector.Dedupe, into result: inout FileResult) {
        guard event.isKeyVaultAuditEvent else { return }
        if let id = event.correlationId {
            let content = [event.operationName, event.time, event.objectId ?? event.requestUri, event.failure, event.resourceId?.lowercased()]
                .map { $0 ?? "" }.joined(separator: "\u{1F}")
            switch dedupe.check(id: fnv(id + "\u{1F}" + (event.operationName ?? "")), content: fnv(content)) {
            case .duplicate:
                result.aggregate.duplicates += 1
                if result.aggregate.duplicates <= 5 {
                    result.diagnostics.append(Diagnostic(.warning, source: locator, line: line,
                                                         message: "record \(id) (\(event.operationName ?? "?")) is delivered more than once; counted once"))
                }
                return
            case .collision:
                result.aggregate.idCollisions += 1
                result.diagnostics.append(Diagnostic(.warning, source: locator, line: line,
                                                     message: "correlation id \(id) is shared by different \(event.operationName ?? "?") records; both are counted"))
            case .new: break
            }
        }
        result.aggregate.add(azure: event, window: window, file: locator)
    }

    private static func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
        return h
    }

    /// The facts: one `log_source`, one `key_usage` per key.
    func resources(_ a: LogAggregate, label: String, items: [EvidenceItem], unread: Int) -> [Resource] {
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
            // Azure Monitor exports have no digest files; integrity rests on the destination's immutability policy.
            "integrity_verified": .int(0), "integrity_mismatches": .int(0),
            "custom_key_store_events": .int(0), "external_key_store_events": .int(0),
        ]
        if a.files == 0 {
            // No log file could be read: what the logs would show is unknown, not "no events".
            for field in ["usage_events", "categories", "attributed", "first_event", "last_event", "kms_records", "accounts"] {
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
                "events_after_deletion": .int(s.eventsAfterDeletion),
                "key_stores": .list([]),
            ]
            for c in KMSEventCatalog.usageCategories + ["release"] { k["usage." + c] = .int(s.usage[c] ?? 0) }
            k["usage.total"] = .int(s.usage.values.reduce(0, +))
            let files = [s.firstFile?.1, s.lastFile?.1].compactMap { $0 }
            let provenance = Array(Set(files)).sorted().compactMap { byLocator[$0].map { Provenance(evidence: $0) } }
            out.append(Resource(type: .keyUsage, id: "\(Self.name):\(label):\(ref)", name: ref, fields: k, provenance: provenance))
        }
        return out
    }
}
