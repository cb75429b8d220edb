import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads OpenBao / Vault file audit device logs (OpenBao documentation, "Audit devices" → "File"): JSON lines, one
/// `request` and one `response` entry per request, optionally each behind the device's `prefix` text. The files of
/// one source (a folder of rotated logs, or one file) make one log source.
///
/// Each file is streamed (``AuditLogChunkReader``): runs of whole lines read in place into two reused buffers in turn
/// (a run just read is queued behind the one being decoded, which is then tallied while the new one decodes), split
/// into shares decoded on the threads of an ``AuditDecodePool``, one per core, beside one task that hashes the run
/// (``AuditLineDecoder``: a C fast path over the line's bytes, the exact ``AuditLineReader`` for what it leaves), then
/// tallied in file order — constant memory, any size, no copy per line. Per line, a configured prefix
/// is stripped,
/// else anything before the first `{` is taken as the prefix (hashicorp/vault#9236: `**staging**{"time":…}`); a line
/// that still does not decode counts as a parse error — reported as "N unparseable lines", never as "no audit
/// events". HMAC'd values stay as they are: a setting whose value is HMAC'd is recorded as set, its value unreadable.
/// Denied and failed requests are attempts, not evidence of the operation. Events outside the assessment window are
/// counted and not used.
///
/// Facts, in the vocabulary the CloudTrail collector shares: one `log_source` (`usage_events`, `categories`,
/// `attributed`, `parse_errors` …) and one `key_usage` per key (`usage.*`, `lifecycle`, `failed_attempts` …).
/// Logs are not inventories: no coverage row claims completeness.
public struct OpenBaoAuditLogCollector: EvidenceCollector {
    /// Collector name in evidence and coverage.
    public static let name = "openbao-audit-log"
    /// What a log source supplies; a failed one makes checks over these inconclusive.
    public static let suppliedTypes: [ResourceType] = [.logSource, .keyUsage]
    /// The assessment window for events; `nil` when unbounded.
    public var window: ClosedRange<Date>?
    /// Text the file audit device writes before each line (its `prefix` option), when configured.
    public var linePrefix: String?
    /// Threads that decode lines (default: the processor count); lines are still tallied in file order.
    public var workers = ProcessInfo.processInfo.activeProcessorCount

    /// - Parameters:
    ///   - window: events outside it are counted (`outside_window`) and not used.
    ///   - linePrefix: the device's `prefix` text; without it, text before the first `{` is taken as the prefix.
    public init(window: ClosedRange<Date>? = nil, linePrefix: String? = nil) {
        self.window = window
        self.linePrefix = linePrefix
    }

    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "OpenBao / Vault file audit device logs: JSON lines of request and response entries, optionally behind the device's prefix; rotated files of one source together." }
    public var example: String { "{path: logs/audit.log, kind: openbao-audit-log, line_prefix: \"**staging**\"}" }

    /// One JSON object per line with `time`, `type` = `request` / `response` and `request` or `auth`, optionally
    /// after a per-line prefix, in the first lines of the head.
    public func recognizes(_ probe: ContentProbe) -> Bool {
        var lines = probe.head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        if !probe.headIsWhole, !lines.isEmpty { lines.removeLast() }   // possibly cut short
        var seen = 0
        for raw in lines.prefix(5) {
            guard let text = String(data: Data(raw), encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !text.isEmpty else { continue }
            guard let brace = text.firstIndex(of: "{"), text.last == "}",
                  let data = String(text[brace...]).data(using: .utf8),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let type = object["type"] as? String, ["request", "response"].contains(type), object["time"] is String,
                  object["request"] != nil || object["auth"] != nil else { return false }
            seen += 1
        }
        return seen > 0
    }

    /// Reads the files of one source entry as one log source; the window comes from the context and the line
    /// prefix from the source entry.
    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var c = self
        if c.window == nil { c.window = context.window }
        if c.linePrefix == nil { c.linePrefix = job.files.compactMap(\.linePrefix).first }
        var out = c.collect(files: job.files.map { File(path: $0.path, locator: $0.locator) }, label: job.label, context: context)
        if job.files.isEmpty && job.gaps.isEmpty {
            out.merge(emptySourceFacts(job.label))
            out.coverage.removeAll { $0.source == job.label && $0.status != .failed }
        }
        guard !job.gaps.isEmpty else { return out }
        out.merge(gapFacts(job.gaps))
        for i in out.resources.indices where out.resources[i].type == .logSource { out.resources[i]["unread_paths"] = .int(job.gaps.count) }
        for i in out.coverage.indices where out.coverage[i].source == job.label && out.coverage[i].status == .complete { out.coverage[i].status = .partial }
        return out
    }

    /// A log file: where it is and how reports name it.
    public struct File: Sendable {
        public var path: String
        public var locator: String
        public init(path: String, locator: String) {
            self.path = path
            self.locator = locator
        }
    }

    /// Reads `files` (in order: request/response pairs may span a rotation) as one log source named `label`.
    public func collect(files: [File], label: String, context: CollectionContext) -> FactSet {
        var facts = FactSet()
        var tally = AuditLogTally(window: window)
        let prefix = linePrefix.map { Array($0.utf8) }
        let workers = self.workers
        var provenance: [Provenance] = []
        var failedFiles = 0
        context.progress?.begin(files: files.count, bytes: files.reduce(Int64(0)) { total, file in
            var st = stat()
            return total + (stat(file.path, &st) == 0 ? Int64(st.st_size) : 0)
        })
        let prefixText = linePrefix.flatMap { $0.isEmpty ? nil : $0 }
        // Threads of its own for the decoding (see AuditDecodePool: Dispatch's pool starts one thread short).
        let pool = AuditDecodePool(threads: workers)
        defer { pool.shutdown() }
        // One decoder (its caches) per share slot of a run, kept from run to run and file to file; two sets, taken by
        // the runs in turn, since a run's tasks may start while the last ones of the run before still run.
        let decoderSets = (0..<2).map { _ in (0..<Self.shareCount(workers: workers, bytes: Int.max)).map { _ in AuditLineDecoder(prefix: prefix) } }
        var runs = 0
        for file in files {
            let reader: AuditLogChunkReader
            do { reader = try AuditLogChunkReader(path: file.path, chunkSize: chunkSize) } catch {
                failedFiles += 1
                context.progress?.fileDone(bytes: 0)
                facts.diagnostics.append(CEKAuditError.cannotRead(file.locator, FileProblem.reading(file.path, error: error)).diagnostic)
                continue
            }
            var lineNumber = 0
            // Runs in flight, in file order: the one just read is queued for decoding (with its hash) behind the one
            // before, which is then waited for and tallied here, in file order, while the new one decodes. At most
            // one stays in flight across next(), which reuses the buffer of the run before last.
            var inFlight: [DecodedRun] = []
            func tallyOldest() {
                for share in inFlight.removeFirst().take() {
                    Self.apply(share, firstLine: lineNumber + 1, prefix: prefixText, file: file.locator, to: &tally)
                    lineNumber += share.lines
                }
            }
            do {
                while let piece = try reader.next() {
                    switch piece {
                    case .tooLong:
                        while !inFlight.isEmpty { tallyOldest() }
                        lineNumber += 1
                        tally.lines += 1
                        tally.parseError(file: file.locator, line: lineNumber)
                    case .lines(let run, let readUpTo):
                        inFlight.append(Self.submit(run, hashing: reader, upTo: readUpTo, decoders: decoderSets[runs % 2], workers: workers, pool: pool))
                        runs += 1
                        while inFlight.count > 1 { tallyOldest() }
                    }
                }
                while !inFlight.isEmpty { tallyOldest() }
            } catch {
                while !inFlight.isEmpty { tallyOldest() }
                failedFiles += 1
                facts.diagnostics.append(Diagnostic(.error, source: file.locator, line: lineNumber,
                                                    message: "reading the log failed after \(lineNumber) line(s): \(FileProblem.reading(file.path, error: error).what)"))
            }
            let digest = reader.finishDigest()
            context.progress?.fileDone(bytes: Int64(reader.size))
            let item = EvidenceItem(collector: Self.name, locator: file.locator, kind: "openbao-audit-log", size: reader.size, sha256: digest,
                                    collectedAt: context.now)
            // A log is pinned by its hash; a bundle copies it from disk instead of holding it in memory.
            facts.evidence.append(item)
            facts.payloadFiles[item.id] = file.path
            provenance.append(Provenance(evidence: item.id))
            if let lines = tally.errorLines[file.locator], !lines.isEmpty {
                let count = lines.count
                facts.diagnostics.append(Diagnostic(.warning, source: file.locator, line: lines.first,
                                                    message: "unparseable line(s) \(lines.map(String.init).joined(separator: ", "))\(count >= 10 ? ", …" : ""): their events were not evaluated",
                                                    fix: "if every line starts with the same text before the JSON, set line_prefix on the source; otherwise check for truncated or interleaved writes"))
            }
        }
        tally.finish()
        facts.resources.append(logSource(tally, label: label, files: files.count - failedFiles, provenance: provenance))
        facts.resources += keyUsage(tally, label: label, provenance: provenance)
        if tally.records == 0 && failedFiles < files.count {
            facts.diagnostics.append(Diagnostic(.warning, source: label, message: "no audit record could be read from this log source",
                                                fix: "check that it is a file audit device log (JSON lines)"))
        }
        var found: [String: Int] = [:]
        for r in facts.resources { found[r.type.rawValue, default: 0] += 1 }
        let status: SourceCoverage.Status = failedFiles == files.count ? .failed : (failedFiles > 0 || tally.parseErrors > 0 ? .partial : .complete)
        var detail: [String] = []
        if failedFiles > 0 { detail.append("\(failedFiles) of \(files.count) file(s) could not be read") }
        if tally.parseErrors > 0 { detail.append("\(tally.parseErrors) unparseable line(s) of \(tally.lines)") }
        facts.coverage.append(SourceCoverage(source: label, collector: Self.name, status: status, resourceTypes: Self.suppliedTypes,
                                             found: found, detail: detail.isEmpty ? nil : detail.joined(separator: "; ")))
        return facts
    }

    /// What one non-blank line gave: the prefixes seen before its JSON and what its record brings to the tally, or
    /// `nil` for a line that does not decode (a parse error).
    struct LineOutcome: Sendable {
        /// The line's index in its share (0 for the share's first line, blank lines counted).
        var line: Int
        /// The configured prefix was found (and stripped).
        var configuredPrefix = false
        /// Text before the `{` (after a configured prefix), when there was some.
        var otherPrefix: String?
        var parsed: AuditLogTally.Parsed?
    }

    /// The lines of one contiguous share of a run: how many lines it held, the outcomes that the tally needs in order
    /// (key operations, parse errors, prefix changes), and the count of the other records. A record that is no key
    /// operation and whose prefixes are those of the non-blank line before it in the share only adds to counters
    /// (its prefixes were just seen), so it is counted, not listed: the tally comes out the same.
    struct Share: Sendable {
        var outcomes: [LineOutcome] = []
        var lines = 0
        /// Requests and responses counted, not listed.
        var plainRequests = 0
        var plainResponses = 0
    }

    /// The shares of one run, each filled by the task that decodes it; ``take()`` waits for every task of the run.
    final class DecodedRun: @unchecked Sendable {
        private let slots: UnsafeMutablePointer<Share>
        private let count: Int
        fileprivate let countdown: AuditDecodePool.Countdown
        private var taken = false

        /// Room for `shares` shares, and a countdown over `tasks` tasks.
        fileprivate init(shares: Int, tasks: Int) {
            count = shares
            slots = .allocate(capacity: Swift.max(shares, 1))
            slots.initialize(repeating: Share(), count: shares)
            countdown = AuditDecodePool.Countdown(tasks)
        }

        /// Stores the share at `index` (each index by one task).
        fileprivate func store(_ share: Share, at index: Int) { slots[index] = share }

        /// The shares in file order, once every task of the run has ended; call once.
        func take() -> [Share] {
            countdown.wait()
            precondition(!taken, "a decoded run is taken once")
            taken = true
            return Array(UnsafeMutableBufferPointer(start: slots, count: count))
        }

        deinit {
            slots.deinitialize(count: count)
            slots.deallocate()
        }
    }

    /// Bytes read per refill of a file's buffer (tests make it small to cut lines across refills).
    var chunkSize = AuditLogChunkReader.defaultChunkSize

    /// What the tasks of one run share: the run (read only), the reader (only to hash, which locks), the share
    /// bounds, the decoders (each used by one task) and where the shares go.
    private struct DecodeJob: @unchecked Sendable {
        let run: UnsafeRawBufferPointer
        let readUpTo: Int
        let reader: AuditLogChunkReader
        let bounds: [Int]
        let decoders: [AuditLineDecoder]
        let out: DecodedRun
    }

    /// Shares a run of `bytes` is cut into: several per worker so that they even out, one for a small run.
    static func shareCount(workers: Int, bytes: Int) -> Int {
        bytes < 64 << 10 || workers <= 1 ? 1 : workers * 4
    }

    /// Queues on `pool` the decoding of the lines of `run` (whole lines, as ``AuditLogChunkReader`` hands them out)
    /// in shares, one ``AuditLineDecoder`` per share, behind one task that hashes the bytes the reader read up to
    /// `readUpTo` (first, so that it runs beside the decoding rather than after it). Decoding is pure (bytes in,
    /// outcome out; the decoders' caches only save work), so the outcomes are the same as one line at a time; the
    /// returned run hands them back in file order. `run` must stay valid, and `decoders` unused elsewhere, until then.
    static func submit(_ run: UnsafeRawBufferPointer, hashing reader: AuditLogChunkReader, upTo readUpTo: Int, decoders: [AuditLineDecoder],
                       workers: Int, pool: AuditDecodePool) -> DecodedRun {
        let n = run.count
        var bounds = [0]
        if n > 0, let base = run.baseAddress {
            // Share boundaries just after a newline, about equal in bytes.
            let wanted = Swift.min(shareCount(workers: workers, bytes: n), decoders.count)
            for s in 1..<Swift.max(wanted, 1) {
                let k = Swift.max(n * s / wanted, bounds[bounds.count - 1])
                guard k < n, let nl = memchr(base + k, 0x0A, n - k) else { break }
                let cut = base.distance(to: UnsafeRawPointer(nl)) + 1
                if cut < n, cut > bounds[bounds.count - 1] { bounds.append(cut) }
            }
            bounds.append(n)
        }
        let shares = bounds.count - 1
        let result = DecodedRun(shares: shares, tasks: shares + 1)
        let job = DecodeJob(run: run, readUpTo: readUpTo, reader: reader, bounds: bounds, decoders: decoders, out: result)
        var tasks: [@Sendable () -> Void] = [{
            job.reader.hash(upTo: job.readUpTo)
            job.out.countdown.done()
        }]
        for s in 0..<shares {
            tasks.append {
                job.out.store(job.decoders[s].decodeShare(UnsafeRawBufferPointer(rebasing: job.run[job.bounds[s]..<job.bounds[s + 1]])), at: s)
                job.out.countdown.done()
            }
        }
        pool.submit(tasks)
        return result
    }

    /// Tallies one share in file order; `firstLine` is the file's line number of the share's first line.
    static func apply(_ share: Share, firstLine: Int, prefix: String?, file: String, to tally: inout AuditLogTally) {
        tally.lines += share.plainRequests + share.plainResponses
        tally.addPlain(requests: share.plainRequests, responses: share.plainResponses)
        for o in share.outcomes {
            tally.lines += 1
            if o.configuredPrefix, let prefix { tally.sawPrefix(prefix) }
            if let p = o.otherPrefix { tally.sawPrefix(p) }
            if let parsed = o.parsed { tally.add(parsed) } else { tally.parseError(file: file, line: firstLine + o.line) }
        }
    }

    private func logSource(_ t: AuditLogTally, label: String, files: Int, provenance: [Provenance]) -> Resource {
        var f: [String: FactValue] = [
            "kind": .string("openbao-audit-log"),
            "name": .string(label),
            "files": .int(files),
            "lines": .int(t.lines),
            "records": .int(t.records),
            "parse_errors": .int(t.parseErrors),
            "unread_paths": .int(0),
            "prefix": t.prefixes.isEmpty ? .null : .string(t.prefixes.joined(separator: " | ")),
            "first_event": t.first.map(FactValue.string) ?? .null,
            "last_event": t.last.map(FactValue.string) ?? .null,
            "categories": .strings(t.categories.sorted()),
            "usage_events": .int(t.usageEvents),
            "attributed": .bool(t.unattributed == 0),
            "failed_attempts": .int(t.denied + t.errored),
            "outside_window": .int(t.outsideWindow),
            "requests": .int(t.requests),
            "responses": .int(t.responses),
            "unpaired_requests": .int(t.unpaired),
            "denied": .int(t.denied),
            "errored": .int(t.errored),
            "keys": .int(t.keys.count),
            "tenants": .strings(t.tenants.sorted()),
        ]
        if t.records == 0 {
            // Nothing readable: what the log would show is unknown, not "no events, all attributed".
            for field in ["usage_events", "attributed", "categories", "first_event", "last_event"] {
                f[field] = .unknown(reason: t.lines == 0 ? "the audit log holds no lines" : "no line of the audit log could be read")
            }
        }
        f["window_start"] = window.map { .string(DateParsing.iso($0.lowerBound)) } ?? .null
        f["window_end"] = window.map { .string(DateParsing.iso($0.upperBound)) } ?? .null
        return Resource(type: .logSource, id: "\(Self.name):\(label)", name: label, fields: f, provenance: provenance)
    }

    /// Usage categories shared with CloudTrail (`usage.<category>`).
    static let usageCategories = ["encrypt", "decrypt", "generate-data-key", "re-encrypt", "sign-verify-mac"]

    private func keyUsage(_ t: AuditLogTally, label: String, provenance: [Provenance]) -> [Resource] {
        t.keys.keys.sorted().compactMap { ref in
            guard let s = t.keys[ref] else { return nil }
            var f: [String: FactValue] = [
                "key": .string(ref.path), "tenant": .string(ref.namespace), "account": .null, "region": .null,
                "lifecycle": .strings(s.lifecycle.sorted()), "failed_attempts": .strings(s.failed),
                "principals": .strings(s.principals.sorted()),
                "first_event": s.first.map(FactValue.string) ?? .null, "last_event": s.last.map(FactValue.string) ?? .null,
                "last_rotated": s.lastRotated.map(FactValue.string) ?? .null,
                "events_after_deletion": .int(s.eventsAfterDeletion), "key_stores": .list([]),
                "settings": .strings(s.settings.sorted()), "unconfirmed": .int(s.unconfirmed),
            ]
            switch s.rotationSwitch {
            case nil: f["rotation_latest"] = .null
            case let (_, state?)?: f["rotation_latest"] = .string(state)
            case (_, nil)?: f["rotation_latest"] = .unknown(reason: "auto_rotate_period is HMAC'd in the audit log: rotation was configured, its period is not readable")
            }
            for c in Self.usageCategories { f["usage." + c] = .int(s.usage[c] ?? 0) }
            f["usage.total"] = .int(s.usage.values.reduce(0, +))
            return Resource(type: .keyUsage, id: "\(Self.name):\(label):\(ref.path)", name: ref.path, fields: f, provenance: provenance)
        }
    }
}
