import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging
import Synchronization

/// Reads CloudTrail log files — `.json` and `.json.gz`, single files or whole trees in the S3 delivery layout
/// (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…`, organization trails with the `o-…` segment) — and turns
/// their KMS events into a `log_source` resource and one `key_usage` resource per key.
///
/// Digest files (`CloudTrail-Digest`) are recognised and used for integrity evidence (the SHA-256 of each listed
/// log file's uncompressed content is compared with the digest's `hashValue`), never parsed as events. Files are
/// scanned in parallel, each read, inflated and dropped in turn, so memory depends on the largest file and the
/// number of keys, not on the size of the corpus. Per-file errors are reported and the run goes on.
/// Follows the AWS CloudTrail User Guide ("CloudTrail record contents", "digest file structure").
public struct CloudTrailCollector: EvidenceCollector {
    public static let name = "cloudtrail"
    /// Largest uncompressed size read from one `.json.gz` file (CloudTrail log files are a few MB); the cap keeps a
    /// decompression bomb from exhausting memory while files are read in parallel.
    public static let maxUncompressedBytes = 512 * 1024 * 1024
    public static let suppliedTypes: [ResourceType] = [.logSource, .keyUsage]

    /// The assessment window: events outside it are counted but not used.
    public var window: ClosedRange<Date>?
    /// Parallel workers (default: the processor count).
    public var workers: Int
    /// Largest uncompressed size one worker inflates whole (default ``wholeInflateBytes``); larger `.json.gz` files
    /// are inflated by streaming zlib.
    public var wholeInflateLimit = CloudTrailCollector.wholeInflateBytes

    public init(window: ClosedRange<Date>? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.window = window
        self.workers = max(1, workers)
    }

    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "CloudTrail log files (`.json`, `.json.gz`), single files or `AWSLogs/…` delivery trees with organization trails; digest files verify integrity." }
    public var example: String { "{path: logs/AWSLogs/, kind: cloudtrail}" }

    /// A CloudTrail log (`Records`), digest (`digestStartTime`) or single event (`eventVersion` with
    /// `eventSource`), from the head of the (inflated) content.
    public func recognizes(_ probe: ContentProbe) -> Bool {
        Self.looksLikeCloudTrail(content: probe.head)
    }
    /// ``looksLikeCloudTrail(content:)`` reads the first 4 KiB.
    public var recognitionHeadBytes: Int { Self.recognitionBytes }
    static let recognitionBytes = 4096

    /// Whether the first bytes of a JSON document are a CloudTrail log, digest or single event.
    ///
    /// Searched as bytes (`memchr`, `memcmp`): `String.contains` went through Foundation's `range(of:)`, bridging the head to
    /// UTF-16 for every file of a trail. A head that starts with a non-ASCII byte after ASCII white space is decided
    /// on its decoded text, as before (Unicode white space before the brace).
    public static func looksLikeCloudTrail(content: Data) -> Bool {
        let head = content.prefix(recognitionBytes)
        return head.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Bool in
            var k = 0
            while k < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[k]) { k += 1 }
            if k < b.count, b[k] >= 0x80 {
                let text = String(decoding: b, as: UTF8.self)
                guard text.drop(while: { $0.isWhitespace }).first == "{" else { return false }
            } else {
                guard k < b.count, b[k] == UInt8(ascii: "{") else { return false }
            }
            func has(_ s: String) -> Bool { RecordSplitter.contains(b, 0..<b.count, Array(s.utf8)) }
            return has("\"Records\"") || has("\"digestStartTime\"") || (has("\"eventVersion\"") && has("\"eventSource\""))
        }
    }

    /// Collects the files of one source entry as one log source; the window comes from the context.
    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var c = self
        if c.window == nil { c.window = context.window }
        var out = await c.collect(files: job.files.map { File(path: $0.path, locator: $0.locator) }, label: job.label, gaps: job.gaps, context: context)
        if job.files.isEmpty && job.gaps.isEmpty {
            out.merge(emptySourceFacts(job.label))
            out.coverage.removeAll { $0.source == job.label && $0.status == .complete }
        }
        return out
    }

    /// One file of a log source.
    public struct File: Sendable {
        public var path: String
        public var locator: String
        public init(path: String, locator: String) {
            self.path = path
            self.locator = locator
        }
    }

    /// Whether a file looks like a CloudTrail log or digest by its name or place in the delivery layout.
    public static func looksLikeCloudTrail(_ locator: String) -> Bool {
        let lower = locator.lowercased()
        guard lower.hasSuffix(".json") || lower.hasSuffix(".json.gz") else { return false }
        return locator.contains("_CloudTrail_") || locator.contains("_CloudTrail-Digest_")
            || locator.contains("/CloudTrail/") || locator.contains("/CloudTrail-Digest/")
    }

    /// What scanning one file gives besides its events (which go into the worker's ``LogAggregate``).
    struct FileResult: Sendable {
        var index: Int
        var item: EvidenceItem?
        var diagnostics: [Diagnostic] = []
        /// Deletion time of each key deleted in this file: events of the key after it, in this file, are counted
        /// as events after deletion (the per-file rule of earlier versions, independent of the order files are read).
        var deletedInFile: [String: String] = [:]
        var digestEntries: [(object: String, hash: String)] = []
        var uncompressedSHA256: String?
        var isDigest = false
        var failed = false
    }

    /// The next file to scan, shared by the workers: each takes the next index when it is done with a file, so a
    /// worker that drew small files takes more of them (work stealing over a list sorted largest first).
    final class WorkQueue: Sendable {
        private let next = Atomic<Int>(0)
        let count: Int
        init(count: Int) { self.count = count }
        /// The next index, or `nil` when every file is taken.
        func take() -> Int? {
            let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
            return k < count ? k : nil
        }
    }

    /// Deduplication shared by the workers: exact duplicate records are counted once and reported; records that
    /// share an event id but differ are both kept and reported.
    ///
    /// Independent of the order files are read in: duplicates are the copies of a record beyond the first (the same
    /// count whichever copy came first), each reported on the larger of two file indexes (the file read and the
    /// smallest file the record was met in so far), which over all copies names every file holding a copy but the
    /// smallest, in any order; collisions are the distinct records of an id beyond the first, reported once every
    /// file is read, each on the smallest file that holds it but for the record met in the smallest file of all
    /// (``filesOfID(_:)``).
    final class Dedupe: Sendable {
        /// One lock and table per stripe, chosen by the id's top bits: the workers check every KMS event here, and
        /// with one lock they waited on each other (futex calls on a 2-core scan).
        private let stripes: [Stripe]
        /// Seed of ``hash(_:_:)`` for this run: ids and contents crafted offline to collide do not collide here.
        let seed: UInt64

        final class Stripe: Sendable {
            let seen = Mutex(EventTable())
        }

        init(stripes: Int = 16) {
            self.stripes = (0..<max(1, stripes)).map { _ in Stripe() }
            var g = SystemRandomNumberGenerator()
            seed = g.next()
        }

        /// What a record is to the records checked before it (``check(id:content:file:)``).
        enum Outcome: Equatable, Sendable {
            /// The first record of its id.
            case new
            /// A copy of a record met before (same id, same content): not counted again; reported on file `reportOn`.
            case duplicate(reportOn: Int)
            /// A record whose id was met with other content: counted; reported after the scan (``filesOfID(_:)``).
            case collision
        }

        /// Checks the record of event id hash `id` and content hash `content` read from file `file` (an index that
        /// orders the source's files; 0 for a source read one file at a time, in order).
        func check(id: UInt64, content: UInt64, file: Int = 0) -> Outcome {
            stripes[Int(truncatingIfNeeded: id >> 32) % stripes.count].seen.withLock { $0.check(id: id, content: content, file: file) }
        }

        /// The smallest file index of each distinct record of event id hash `id`, in no order.
        func filesOfID(_ id: UInt64) -> [Int] {
            stripes[Int(truncatingIfNeeded: id >> 32) % stripes.count].seen.withLock { $0.filesOfID(id) }
        }

        /// ``WordHash/chain(_:_:)`` of `bytes` continuing from `h`.
        @inline(__always) static func hash(_ bytes: UnsafeRawBufferPointer, _ h: UInt64) -> UInt64 {
            WordHash.chain(bytes, h)
        }

        /// ``hash(_:_:)`` of a string's UTF-8 (`nil` as empty).
        @inline(__always) static func hash(_ s: String?, _ h: UInt64) -> UInt64 {
            guard var s else { return hash(UnsafeRawBufferPointer(start: nil, count: 0), h) }
            return s.withUTF8 { hash(UnsafeRawBufferPointer($0), h) }
        }
    }

    /// The records met: open addressing with linear probing from a slot chosen by the event id (mixed with a
    /// per-run random seed, so ids crafted to collide cannot pile up in one place), so every distinct record of an
    /// id lies in the probe run from that slot. One multiply per lookup instead of a SipHash of the key
    /// (`Dictionary`), for the one lookup every KMS record makes under the shared lock.
    struct EventTable: Sendable {
        /// Slot k at 2k (the id, 0 when empty) and 2k + 1 (the content hash folded to 32 bits, then the smallest
        /// file index the record was met in): one cache line per probe, 16 bytes per distinct record.
        private var slots: [UInt64] = []
        private var count = 0
        private let seed: UInt64

        init() {
            var g = SystemRandomNumberGenerator()
            seed = g.next() | 1
        }

        /// Number of slots.
        private var capacity: Int { slots.count / 2 }
        /// Most distinct records kept per event id (the probe run of an id holds them all).
        static let maxRecordsPerID = 64

        /// As ``Dedupe/check(id:content:file:)``. An id of 0 marks an empty slot, so it is stored as another
        /// constant (a 2^-64 chance of treating two distinct ids as one); contents are compared by their hash folded to
        /// 32 bits (a 2^-32 chance of taking a different record of the same id for a copy).
        mutating func check(id: UInt64, content: UInt64, file: Int = 0) -> Dedupe.Outcome {
            let key = id == 0 ? 0x9E37_79B9_7F4A_7C15 : id
            let tag = UInt64(UInt32(truncatingIfNeeded: content ^ (content >> 32)))   // both halves folded
            let place = UInt64(UInt32(clamping: file))
            if count * 5 >= capacity * 4 { grow() }
            let mask = capacity - 1
            var k = slot(key, mask)
            var stored = false
            let outcome = slots.withUnsafeMutableBufferPointer { t -> Dedupe.Outcome in
                var ofID = 0   // other records of this id met in the run
                while true {
                    let there = t[2 * k]
                    if there == 0 {
                        t[2 * k] = key
                        t[2 * k + 1] = tag << 32 | place
                        stored = true
                        return ofID > 0 ? .collision : .new
                    }
                    if there == key {
                        let held = t[2 * k + 1]
                        let smallest = held & 0xFFFF_FFFF
                        if held >> 32 == tag {
                            if place < smallest { t[2 * k + 1] = tag << 32 | place }
                            return .duplicate(reportOn: Int(max(smallest, place)))
                        }
                        ofID += 1
                        // Bounded: a log that reuses one id for ever more records would make every lookup walk them
                        // all. Past the limit a new record of the id is a collision, not kept (so a copy of it is
                        // another collision, and which records are kept then depends on the order read).
                        if ofID >= Self.maxRecordsPerID { return .collision }
                    }
                    k = (k + 1) & mask
                }
            }
            if stored { count += 1 }
            return outcome
        }

        /// The smallest file index of each distinct record of `id` (every one lies in the probe run from its slot).
        func filesOfID(_ id: UInt64) -> [Int] {
            guard capacity > 0 else { return [] }
            let key = id == 0 ? 0x9E37_79B9_7F4A_7C15 : id
            let mask = capacity - 1
            var k = slot(key, mask)
            var out: [Int] = []
            while slots[2 * k] != 0 {
                if slots[2 * k] == key { out.append(Int(slots[2 * k + 1] & 0xFFFF_FFFF)) }
                k = (k + 1) & mask
            }
            return out
        }

        @inline(__always) private func slot(_ key: UInt64, _ mask: Int) -> Int {
            var h = (key ^ seed) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31
            return Int(truncatingIfNeeded: h) & mask
        }

        private mutating func grow() {
            let old = slots
            let size = max(1024, capacity * 2)
            slots = Array(repeating: 0, count: 2 * size)
            let mask = size - 1
            for j in 0..<old.count / 2 where old[2 * j] != 0 {
                let key = old[2 * j]
                var k = slot(key, mask)
                while slots[2 * k] != 0 { k = (k + 1) & mask }
                slots[2 * k] = key
                slots[2 * k + 1] = old[2 * j + 1]
            }
        }
    }

    /// Collects a log source made of `files`; `label` names it in facts (the folder or file as given). `gaps` are
    /// paths of the source that could not be read at all; with the log files a digest lists that are not among
    /// `files`, they are counted in `unread_paths` and reported each as a failed part of the source.
    public func collect(files: [File], label: String, gaps: [SourceGap] = [], context: CollectionContext) async -> FactSet {
        let windowText = window.map { DateParsing.iso($0.lowerBound)...DateParsing.iso($0.upperBound) }
        // Digests first (small), so that log files listed in them get their uncompressed hash computed.
        let digestNames = Set(files.filter { $0.locator.contains("CloudTrail-Digest") }.map(\.locator))
        let ordered = files.filter { digestNames.contains($0.locator) } + files.filter { !digestNames.contains($0.locator) }
        var digestHashes: [String: String] = [:]   // log file name → expected SHA-256
        var digestObjects: [String: String] = [:]  // log file name → the S3 object key the digest lists
        var results: [FileResult] = []
        var total = LogAggregate()
        let dedupe = Dedupe()

        let sizes = ordered.map { Self.sizeOnDisk($0.path) }
        context.progress?.begin(files: files.count, bytes: sizes.reduce(0, +))
        // Phase 1: digests.
        for (i, f) in ordered.enumerated() where digestNames.contains(f.locator) {
            let r = Self.scan(f, index: i, window: windowText, wantHash: false, dedupe: dedupe, now: context.now, wholeLimit: wholeInflateLimit,
                              into: &total)
            context.progress?.fileDone(bytes: Int64(r.item?.size ?? 0))
            for e in r.digestEntries {
                digestHashes[Self.fileName(e.object)] = e.hash.lowercased()
                digestObjects[Self.fileName(e.object)] = e.object
            }
            results.append(r)
        }
        // Phase 2: logs, largest first, on `workers` tasks that take the next file when done with one (work
        // stealing). Each task aggregates into its own LogAggregate, so the collecting task merges one aggregate per
        // worker, not one per file; every merge and every capped list is order-independent, so the facts do not
        // depend on which worker read which file.
        let logs = ordered.indices.filter { !digestNames.contains(ordered[$0].locator) }
            .sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
            .map { (index: $0, file: ordered[$0]) }
        let expected = digestHashes
        let now = context.now
        let wholeLimit = wholeInflateLimit
        let progress = context.progress
        let queue = WorkQueue(count: logs.count)
        await withTaskGroup(of: ([FileResult], LogAggregate).self) { group in
            for _ in 0..<min(workers, logs.count) {
                group.addTask {
                    var aggregate = LogAggregate()
                    var done: [FileResult] = []
                    let worker = Worker()
                    while let k = queue.take() {
                        let (i, f) = logs[k]
                        let wantHash = !expected.isEmpty && expected[Self.fileName(f.locator)] != nil
                        let r = Self.scan(f, index: i, window: windowText, wantHash: wantHash, dedupe: dedupe, now: now, wholeLimit: wholeLimit,
                                          worker: worker, into: &aggregate)
                        progress?.fileDone(bytes: Int64(r.item?.size ?? 0))
                        done.append(r)
                    }
                    return (done, aggregate)
                }
            }
            for await (done, aggregate) in group {
                results += done
                total.merge(aggregate)
            }
        }
        results.sort { $0.index < $1.index }

        var out = FactSet()
        // Log files a digest lists that the source does not hold: evidence the auditor did not see.
        let present = digestHashes.isEmpty ? [] : Set(files.map { Self.fileName($0.locator) })
        var allGaps = gaps
        for name in digestHashes.keys.sorted() where !present.contains(name) {
            // Named by the S3 key the digest lists, so the auditor can fetch exactly that object.
            allGaps.append(SourceGap(locator: digestObjects[name] ?? name, reason: "listed by a CloudTrail digest file but not in log source \(label)"))
        }
        out.merge(gapFacts(allGaps))
        var verified = 0, mismatched = 0
        // Ids shared by different records: each record but the one met in the smallest file, on its smallest file.
        var collided: [Int: [String]] = [:]
        for (hash, id) in total.collidedIDs {
            for file in dedupe.filesOfID(hash).sorted().dropFirst() { collided[file, default: []].append(id) }
        }
        for r in results {
            if let item = r.item { out.evidence.append(item) }
            out.diagnostics += r.diagnostics
            let locator = r.item?.locator ?? ordered[r.index].locator
            for id in total.repeatedIDs[r.index] ?? [] {
                out.diagnostics.append(Diagnostic(.warning, source: locator, message: "event \(id) is delivered more than once; counted once"))
            }
            for id in (collided[r.index] ?? []).sorted() {
                out.diagnostics.append(Diagnostic(.warning, source: locator, message: "event id \(id) is shared by different records; both are counted"))
            }
            if r.isDigest { total.digestFiles += 1 }
            if !digestHashes.isEmpty, let locator = r.item?.locator, let want = digestHashes[Self.fileName(locator)], let got = r.uncompressedSHA256 {
                if want == got { verified += 1 } else {
                    mismatched += 1
                    out.diagnostics.append(Diagnostic(.warning, source: locator,
                                                      message: "digest hash mismatch: the digest lists SHA-256 \(want), the file's content hashes to \(got)",
                                                      fix: "the log file may have been modified after delivery; compare it with the copy in S3"))
                }
            }
        }
        for f in files { out.payloadFiles[EvidenceItem.makeID(locator: f.locator)] = f.path }
        for (ref, stats) in total.keys.sorted(by: { $0.key < $1.key }) where stats.eventsAfterDeletion > 0 {
            out.diagnostics.append(Diagnostic(.warning, source: label,
                                              message: "key \(ref): \(stats.eventsAfterDeletion) event(s) logged after its deletion on \(stats.deletedAt ?? "?"); the timeline is inconsistent",
                                              fix: "check whether the logs mix keys that share an id (copied examples) or were altered"))
        }
        out.resources += resources(total, label: label, verified: verified, mismatched: mismatched,
                                   items: out.evidence.filter { $0.kind == "cloudtrail-log" }, unread: allGaps.count)
        var found: [String: Int] = [:]
        for r in out.resources { found[r.type.rawValue, default: 0] += 1 }
        let failed = results.filter(\.failed).count
        // A record that could not be decoded was not counted: the key usage of this source is then incomplete.
        let status: SourceCoverage.Status = failed == 0 && allGaps.isEmpty && total.parseErrors == 0 ? .complete
            : (failed == files.count ? .failed : .partial)
        out.coverage.append(SourceCoverage(
            source: label, collector: Self.name, status: status, resourceTypes: Self.suppliedTypes,
            found: found, detail: failed > 0 ? "\(failed) of \(files.count) file(s) could not be read"
                : (total.parseErrors > 0 ? "\(total.parseErrors) record(s) could not be decoded and were not counted" : nil)))
        return out
    }

    /// Largest uncompressed size a worker inflates whole into memory (libdeflate), and largest file it reads into its
    /// buffer; a larger `.json.gz` file is inflated by streaming zlib instead, up to ``maxUncompressedBytes``, and a
    /// larger plain file is memory-mapped. With one buffer per worker this bounds the scan's memory for CloudTrail's
    /// few-MB files.
    public static let wholeInflateBytes = 48 * 1024 * 1024

    /// Size of a file on disk (`stat`), 0 when it cannot be read: for the progress total only.
    static func sizeOnDisk(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// What one worker keeps from file to file: the buffer files are read into and the libdeflate workspace they are
    /// inflated into (see ``FileReadBuffer`` and ``InflateWorkspace`` for why).
    final class Worker {
        let reader = FileReadBuffer()
        let inflater = try? InflateWorkspace()
    }

    /// Reads, inflates, splits and aggregates one file. Never throws: problems become diagnostics.
    ///
    /// With a `worker`, a file of up to ``wholeInflateBytes`` is read into the worker's buffer and a `.json.gz` is
    /// inflated whole by libdeflate into the worker's workspace (no `Data` copy, no fresh pages per file); without
    /// one, or for a larger file, the file is memory-mapped and inflated into a buffer of its own, falling back to
    /// streaming zlib past the whole-inflate limit. Its events go into `aggregate`, the scanning worker's.
    static func scan(_ f: File, index: Int, window: ClosedRange<String>?, wantHash: Bool, dedupe: Dedupe, now: Date,
                     wholeLimit: Int = wholeInflateBytes, worker: Worker? = nil, into aggregate: inout LogAggregate) -> FileResult {
        var result = FileResult(index: index)
        if let worker {
            defer { worker.reader.trim(); worker.inflater?.trim() }
            do {
                let raw = try worker.reader.read(f.path, limit: wholeLimit)
                scan(raw, f, wantHash: wantHash, window: window, dedupe: dedupe, now: now, wholeLimit: wholeLimit, inflater: worker.inflater,
                     into: &result, &aggregate)
                return result
            } catch let e as POSIXError where e.code == .EFBIG {
                // Larger than a worker's buffer: mapped below.
            } catch {
                readFailed(error, f, into: &result, &aggregate)
                return result
            }
        }
        let raw: Data
        do { raw = try Data(contentsOf: URL(fileURLWithPath: f.path), options: .alwaysMapped) } catch {
            readFailed(error, f, into: &result, &aggregate)
            return result
        }
        raw.withUnsafeBytes { b in
            scan(b, f, wantHash: wantHash, window: window, dedupe: dedupe, now: now, wholeLimit: wholeLimit, inflater: nil, into: &result, &aggregate)
        }
        return result
    }

    /// The part of ``scan(_:index:window:wantHash:dedupe:now:wholeLimit:worker:into:)`` after the file's bytes `raw`
    /// are read: its evidence item, then its content (inflated into `inflater` when given).
    private static func scan(_ raw: UnsafeRawBufferPointer, _ f: File, wantHash: Bool, window: ClosedRange<String>?, dedupe: Dedupe, now: Date,
                             wholeLimit: Int, inflater: InflateWorkspace?, into result: inout FileResult, _ aggregate: inout LogAggregate) {
        let sha256 = SHA256Hex.digest(raw)
        result.item = EvidenceItem(collector: name, locator: f.locator, kind: "cloudtrail-log", size: raw.count, sha256: sha256, collectedAt: now)
        guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else {
            if wantHash { result.uncompressedSHA256 = sha256 }
            scanContent(raw, f, window: window, dedupe: dedupe, into: &result, &aggregate)
            return
        }
        do {
            if let inflater {
                let b = try Gzip.inflateWhole(raw, limit: wholeLimit, into: inflater)
                if wantHash { result.uncompressedSHA256 = SHA256Hex.digest(b) }
                scanContent(b, f, window: window, dedupe: dedupe, into: &result, &aggregate)
            } else {
                let whole = try Gzip.inflateWhole(raw, limit: wholeLimit)
                whole.withBytes { b in
                    if wantHash { result.uncompressedSHA256 = SHA256Hex.digest(b) }
                    scanContent(b, f, window: window, dedupe: dedupe, into: &result, &aggregate)
                }
            }
            return
        } catch Gzip.Failure.tooLarge {
            // Too large to hold whole in the worker's budget: streaming zlib, as before libdeflate.
        } catch {
            inflateFailed(error, f, into: &result, &aggregate)
            return
        }
        let data: Data
        do { data = try Gzip.inflate(Data(raw), limit: Self.maxUncompressedBytes) } catch {
            inflateFailed(error, f, into: &result, &aggregate)
            return
        }
        if wantHash { result.uncompressedSHA256 = SHA256Hex.digest(data) }
        data.withUnsafeBytes { scanContent($0, f, window: window, dedupe: dedupe, into: &result, &aggregate) }
    }

    private static func readFailed(_ error: any Error, _ f: File, into result: inout FileResult, _ aggregate: inout LogAggregate) {
        result.failed = true
        aggregate.parseErrors += 1
        result.diagnostics.append(CEKAuditError.cannotRead(f.locator, FileProblem.reading(f.path, error: error)).diagnostic)
    }

    private static func inflateFailed(_ error: any Error, _ f: File, into result: inout FileResult, _ aggregate: inout LogAggregate) {
        result.failed = true
        aggregate.parseErrors += 1
        let fix: String
        if case Gzip.Failure.tooLarge = error {
            fix = "CloudTrail delivers files far smaller than this; the file may be a decompression bomb — inspect it before assessing"
        } else {
            fix = "the file is truncated or not gzip; fetch it again from the trail's bucket"
        }
        result.diagnostics.append(Diagnostic(.error, source: f.locator, message: "\(error)", fix: fix))
    }

    /// Splits the (inflated) content of one file into records and aggregates its KMS records.
    private static func scanContent(_ b: UnsafeRawBufferPointer, _ f: File, window: ClosedRange<String>?, dedupe: Dedupe,
                                    into result: inout FileResult, _ aggregate: inout LogAggregate) {
        let shape: RecordSplitter.Shape
        do { shape = try RecordSplitter.split(b) } catch let e as RecordSplitter.Failure {
            let (line, col) = RecordSplitter.position(b, e.offset)
            result.failed = true
            aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: f.locator, line: line, column: col, message: "not valid CloudTrail JSON: \(e.message)",
                                                 fix: "check for a missing comma or an unclosed brace near this place"))
            return
        } catch {
            result.failed = true
            aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: f.locator, message: "not valid CloudTrail JSON (\(error))"))
            return
        }
        switch shape {
        case .digest:
            result.isDigest = true
            result.item?.kind = "cloudtrail-digest"
            guard let logs = (try? JSONValue.parse(Data(b), source: f.locator))?["logFiles"], case .array(let entries) = logs else {
                result.failed = true
                aggregate.parseErrors += 1
                result.diagnostics.append(Diagnostic(.error, source: f.locator, message: "digest file without a readable logFiles list",
                                                     fix: "fetch the digest again; log files it should list are not verified"))
                return
            }
            for l in entries {
                if let object = l["s3Object"]?.stringValue, let hash = l["hashValue"]?.stringValue { result.digestEntries.append((object, hash)) }
            }
        case .other:
            result.failed = true
            aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: f.locator, message: "JSON without a Records array: not a CloudTrail log file",
                                                 fix: "remove it from the log source, or name its kind in the assessment file"))
        case .singleEvent:
            aggregate.files += 1
            decode(b, 0..<b.count, locator: f.locator, ordinal: 1, window: window, dedupe: dedupe, into: &result, &aggregate)
        case .records(let ranges):
            aggregate.files += 1
            // Only records that may be KMS events are decoded: those holding the KMS endpoint's name, and those
            // holding a `\u` escape (which could spell it: `"\u006bms.amazonaws.com"` is the same JSON string).
            let needle = Array("kms.amazonaws.com".utf8), unicodeEscape = Array("\\u".utf8)
            for (k, range) in ranges.enumerated() {
                aggregate.records += 1
                guard RecordSplitter.containsEither(b, range, needle, unicodeEscape) else { continue }
                decode(b, range, locator: f.locator, ordinal: k + 1, window: window, dedupe: dedupe, into: &result, &aggregate)
            }
        }
    }

    private static func decode(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, locator: String, ordinal: Int,
                               window: ClosedRange<String>?, dedupe: Dedupe, into result: inout FileResult, _ aggregate: inout LogAggregate) {
        let record: CloudTrailRecord
        do {
            record = try CloudTrailRecordReader.read(b, range, interner: &aggregate.interner)
        } catch {
            let offset = (error as? CloudTrailRecordReader.Failure)?.offset ?? range.lowerBound
            let (line, col) = RecordSplitter.position(b, offset)
            aggregate.parseErrors += 1
            result.diagnostics.append(Diagnostic(.error, source: locator, line: line, column: col,
                                                 message: "record \(ordinal) is not valid JSON (\((error as? CloudTrailRecordReader.Failure)?.message ?? "\(error)")) and was not counted",
                                                 fix: "check for a missing comma inside the record"))
            return
        }
        guard record.eventSource == "kms.amazonaws.com" else { return }
        if let id = record.eventID {
            // Same id and same event (name, time, request, outcome): a re-delivery, whatever the formatting.
            // (The fields one after the other, each with its length, hashed where they lie; no string made.)
            var content = Dedupe.hash(record.eventName, dedupe.seed)
            content = Dedupe.hash(record.eventTime, content)
            content = record.requestID.map { r in r.withUTF8(in: b) { Dedupe.hash($0, content) } } ?? Dedupe.hash(nil, content)
            content = Dedupe.hash(record.errorCode, content)
            let idHash = id.withUTF8(in: b) { Dedupe.hash($0, ~dedupe.seed) }
            switch dedupe.check(id: idHash, content: content, file: result.index) {
            case .duplicate(let file):
                aggregate.duplicates += 1
                aggregate.noteRepeated(id.string(in: b), file: file)
                // A copy counts no event again, but what keeps a minimum, a maximum or a set sees it, and its file's
                // deletion rule applies: the outcome does not depend on which copy was read first.
                aggregate.add(record, window: window, file: locator, deletedInFile: &result.deletedInFile, repeated: true)
                return
            case .collision:
                aggregate.idCollisions += 1
                aggregate.noteCollided(id.string(in: b), hash: idHash)
            case .new: break
            }
        }
        aggregate.add(record, window: window, file: locator, deletedInFile: &result.deletedInFile)
    }

    /// The name a digest file lists a log file under: the last component of its locator or S3 object key (what
    /// follows the last `/`, trailing slashes ignored, as `NSString.lastPathComponent` gives it). Byte-level:
    /// `NSString.lastPathComponent` normalised the whole path first and was a sixth of the serial end of a scan.
    static func fileName(_ path: String) -> String {
        var s = Substring(path)
        while s.utf8.count > 1, s.utf8.last == UInt8(ascii: "/") { s = s.dropLast() }
        guard let slash = s.utf8.lastIndex(of: UInt8(ascii: "/")) else { return String(s) }
        return String(s[s.utf8.index(after: slash)...])
    }

    /// The facts: one `log_source`, one `key_usage` per key (alias-addressed calls resolved through alias events).
    func resources(_ a: LogAggregate, label: String, verified: Int, mismatched: Int, items: [EvidenceItem], unread: Int = 0) -> [Resource] {
        // Provenance: the log source points at its files (the first 100, in locator order); a key's usage at the
        // files holding its first and last event.
        let byLocator = Dictionary(items.map { ($0.locator, $0.id) }, uniquingKeysWith: { a, _ in a })
        let sourceProvenance = items.sorted { $0.locator < $1.locator }.prefix(100).map { Provenance(evidence: $0.id, pointer: "Records") }
        var out: [Resource] = []
        var keys = a.keys
        for (ref, stats) in a.keys where ref.hasPrefix("alias/") {
            if let target = a.aliases[ref]?.1, let resolved = keys.keys.first(where: { $0.hasSuffix("/" + target) || $0 == target }) {
                keys[resolved, default: .init()].merge(stats)
                keys[ref] = nil
            }
        }
        let usageEvents = keys.values.reduce(0) { $0 + $1.usage.values.reduce(0, +) }
        let nothingRead = a.files == 0
        var f: [String: FactValue] = [
            "kind": .string("cloudtrail"), "name": .string(label),
            "files": .int(a.files), "digest_files": .int(a.digestFiles), "records": .int(a.records), "kms_records": .int(a.kmsRecords),
            "parse_errors": .int(a.parseErrors), "unread_paths": .int(unread), "duplicates": .int(a.duplicates), "id_collisions": .int(a.idCollisions), "outside_window": .int(a.outsideWindow),
            "failed_attempts": .int(a.failedAttempts),
            "first_event": a.first.map(FactValue.string) ?? .null, "last_event": a.last.map(FactValue.string) ?? .null,
            "categories": .strings(a.categories.sorted()),
            "accounts": .strings(a.accounts.sorted()),
            "usage_events": .int(usageEvents),
            "attributed": .bool(a.unattributed == 0),
            "integrity_verified": .int(verified), "integrity_mismatches": .int(mismatched),
            "custom_key_store_events": .int(a.customKeyStoreEvents), "external_key_store_events": .int(a.externalKeyStoreEvents),
        ]
        if nothingRead {
            // No log file could be read: what the logs would show is unknown, not "no events".
            for field in ["usage_events", "categories", "attributed", "first_event", "last_event", "kms_records", "accounts"] {
                f[field] = .unknown(reason: "no log file of this source could be read; see the diagnostics")
            }
        }
        if let w = window {
            f["window_start"] = .string(DateParsing.iso(w.lowerBound))
            f["window_end"] = .string(DateParsing.iso(w.upperBound))
        } else {
            f["window_start"] = .null
            f["window_end"] = .null
        }
        out.append(Resource(type: .logSource, id: "cloudtrail:\(label)", name: label, fields: f, provenance: Array(sourceProvenance)))
        for ref in keys.keys.sorted() {
            guard let s = keys[ref] else { continue }
            var k: [String: FactValue] = [
                "key": .string(ref), "account": s.account.map(FactValue.string) ?? .null, "region": s.region.map(FactValue.string) ?? .null,
                "lifecycle": .strings(s.lifecycle.sorted()), "failed_attempts": .strings(s.failed),
                "principals": .strings(s.sortedPrincipals()),
                "first_event": s.first.map(FactValue.string) ?? .null, "last_event": s.last.map(FactValue.string) ?? .null,
                "last_rotated": s.lastRotated.map(FactValue.string) ?? .null,
                "rotation_latest": s.rotationSwitch.map { .string($0.1 ? "enabled" : "disabled") } ?? .null,
                "events_after_deletion": .int(s.eventsAfterDeletion),
                "key_stores": .strings(s.keyStores.sorted()),
            ]
            for c in KMSEventCatalog.usageCategories { k["usage." + c] = .int(s.usage[c] ?? 0) }
            k["usage.total"] = .int(s.usage.values.reduce(0, +))
            let files = [s.firstFile?.1, s.lastFile?.1].compactMap { $0 }
            let provenance = Array(Set(files)).sorted().compactMap { byLocator[$0].map { Provenance(evidence: $0, pointer: "Records") } }
            out.append(Resource(type: .keyUsage, id: "cloudtrail:\(label):\(ref)", name: ref, fields: k, provenance: provenance))
        }
        return out
    }
}
