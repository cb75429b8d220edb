import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Runs the collectors of a plan: every file is recognised (by content, unless its source names a kind) and handed
/// to its collector — documents one by one, logs and exports per source entry as one batch —, then the live targets
/// are collected concurrently. No collector is special here: all of them come from the ``CollectorRegistry``.
///
/// The result holds **observations** only; ``NormalizeStage`` derives from them after the evidence bundle. A file that
/// cannot be read or parsed is reported with its place and a fix, counts as a failed source (so checks over what it
/// would have supplied are inconclusive), and the run goes on.
public struct CollectionRunner: Sendable {
    public var registry: CollectorRegistry
    public var logger: Logger

    public init(registry: CollectorRegistry = .builtIn, logger: Logger = Logger(label: "cek-audit.collect")) {
        self.registry = registry
        self.logger = logger
    }

    /// One line per source for the user: which collector read it, or why it was skipped.
    public struct Note: Sendable, Hashable {
        public var locator: String
        public var text: String
    }

    /// A collector run over the files of one source entry.
    struct Job {
        var collector: any EvidenceCollector
        var label: String
        var files: [SourceFile] = []
        var gaps: [SourceGap] = []
    }

    /// Collects every source and target of `plan`.
    public func collect(_ plan: AssessmentPlan, context: CollectionContext) async -> (FactSet, [Note]) {
        let (facts, notes, _) = await collect(plan, context: context, shard: nil, toolVersion: "")
        return (facts, notes)
    }

    /// `body(0..<count)` on every core (`DispatchQueue.concurrentPerform`), results in index order.
    static func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        let base = SlotBase(base: slots.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: count) { k in (base.base + k).pointee = body(k) }
        let out = slots.map { $0! }
        _ = slots.deinitialize()
        return out
    }

    /// The result slots of ``parallelMap(_:_:)``, each written by one iteration only.
    private struct SlotBase<T>: @unchecked Sendable { let base: UnsafeMutablePointer<T?> }

    /// Collects the units of work of `plan` that belong to `shard` (all of them when nil): document files one by
    /// one, log and export sources as a whole, live targets. Every shard recognizes every file, so each knows the
    /// whole list of units and which shard owns each; the record says so (nil when `shard` is nil).
    public func collect(_ plan: AssessmentPlan, context: CollectionContext, shard: Shard?,
                        toolVersion: String) async -> (FactSet, [Note], ShardRecord?) {
        var facts = FactSet(diagnostics: plan.diagnostics)
        facts.coverage += plan.missing
        var notes: [Note] = plan.missing.filter { $0.status == .skipped }.map { Note(locator: $0.source, text: "skipped: \($0.detail ?? "")") }
        var jobs: [Job] = []
        let recognizer = ContentRecognizer(registry: registry)
        @Sendable func sourceFile(_ source: AssessmentPlan.Source) -> SourceFile {
            var file = SourceFile(path: source.path, locator: source.locator, account: source.account, tenant: source.tenant, key: source.key,
                                  keyManager: source.keyManager, linePrefix: source.linePrefix)
            file.varFiles = source.varFiles
            file.queryOptions = source.queryOptions
            return file
        }
        // Recognition reads each file's head (and inflates a gzip file's first 64 KiB): pure per file, so done on
        // every core up front; the outcomes are then used in source order, as before.
        let sources = plan.sources, known = self.registry
        let outcomes = Self.parallelMap(sources.count) { k -> ContentRecognizer.Outcome? in
            let source = sources[k]
            if source.kind != "auto", known.collector(for: source.kind) != nil { return nil }
            return recognizer.recognize(sourceFile(source))
        }
        for (index, source) in plan.sources.enumerated() {
            var file = sourceFile(source)
            let collector: any EvidenceCollector
            if source.kind != "auto", let named = registry.collector(for: source.kind) {
                collector = named
            } else {
                switch outcomes[index] ?? recognizer.recognize(file) {
                case .recognized(let c, let read):
                    collector = c
                    file = read
                case .skipped(let why):
                    facts.coverage.append(SourceCoverage(source: source.locator, collector: "none", status: .skipped, resourceTypes: [], detail: why))
                    notes.append(Note(locator: source.locator, text: "skipped: \(why)"))
                    if source.explicit { facts.diagnostics.append(Diagnostic(.warning, source: source.locator, message: "not used: \(why)")) }
                    continue
                case .invalid(let error, let data):
                    facts.diagnostics.append(error.diagnostic)
                    if let data {
                        // The bytes that could not be read are evidence too: an auditor can see exactly which file failed.
                        facts.addEvidence(EvidenceItem(collector: "none", locator: source.locator, kind: "unreadable", bytes: data, collectedAt: context.now),
                                          bytes: data)
                    }
                    facts.coverage.append(SourceCoverage(source: source.locator, collector: "auto", status: .failed,
                                                         resourceTypes: registry.suppliedTypes(kind: "auto"), detail: error.diagnostic.message))
                    notes.append(Note(locator: source.locator, text: "error: \(error.diagnostic.message)"))
                    continue
                }
            }
            // Documents are collected one by one; the files of one source entry that a batch collector reads form one job.
            if collector.input == .batch, let i = jobs.firstIndex(where: { $0.collector.kind == collector.kind && $0.label == source.group }) {
                jobs[i].files.append(file)
            } else {
                jobs.append(Job(collector: collector, label: collector.input == .batch ? source.group : source.locator, files: [file]))
            }
        }
        // A source entry that names a log kind is collected even when none of its files could be read.
        for group in plan.batchGroups.sorted() where !jobs.contains(where: { $0.label == group && $0.collector.input == .batch }) {
            guard let kind = plan.file?.sources.first(where: { $0.path == group })?.kind, let c = registry.collector(for: kind) else { continue }
            jobs.append(Job(collector: c, label: group))
        }
        // The unreadable paths of a source entry belong to its log sources: they report them as gaps instead of
        // the plan's "skipped" rows.
        var handedOver = Set<String>()
        for i in jobs.indices where jobs[i].collector.input == .batch {
            jobs[i].gaps = plan.gaps[jobs[i].label] ?? []
            handedOver.formUnion(jobs[i].gaps.map(\.locator))
        }
        facts.coverage.removeAll { $0.status == .skipped && handedOver.contains($0.source) }
        let allTargets = plan.file?.targets ?? []
        var record: ShardRecord?
        var targets = allTargets
        var scope: ShardScope?
        let registry = self.registry
        func divides(_ t: AssessmentFile.Target) -> Bool { registry.collector(for: t.kind)?.divides(t) ?? false }
        if let shard {
            func unitID(_ job: Job) -> String {
                job.collector.input == .batch ? "batch:\(job.collector.kind):\(job.label)" : "document:\(job.label)"
            }
            var units = jobs.map { job in
                ShardRecord.Unit(id: unitID(job), kind: job.collector.kind, source: job.label, shard: 0,
                                 resourceTypes: job.collector.suppliedTypes)
            }
            for i in units.indices { units[i].shard = Shard.owner(of: units[i].id, count: shard.count) }
            // A target that divides its work is run by every shard (shard 0): its members are the units.
            units += allTargets.map { t in
                ShardRecord.Unit(id: "target:\(t.name)", kind: t.kind, source: "target \(t.name)",
                                 shard: divides(t) ? 0 : Shard.owner(of: "target:\(t.name)", count: shard.count),
                                 resourceTypes: self.registry.suppliedTypes(kind: t.kind))
            }
            units.sort { $0.id < $1.id }
            let fileBytes = plan.filePath.flatMap { FileManager.default.contents(atPath: $0) }
            record = ShardRecord(shard: shard, units: units,
                                 configuration: ShardRecord.configurationDigest(assessmentFile: fileBytes, unitIDs: units.map(\.id),
                                                                                toolVersion: toolVersion))
            jobs = jobs.filter { Shard.owner(of: unitID($0), count: shard.count) == shard.index }
            targets = allTargets.filter { divides($0) || Shard.owner(of: "target:\($0.name)", count: shard.count) == shard.index }
            let divided = targets.filter(divides).count
            notes.append(Note(locator: "shard \(shard)", text: "\(jobs.count + targets.count - divided) of \(units.count - divided) unit(s) of work"
                              + (divided == 0 ? "" : ", and this shard's members of \(divided) target(s) divided among the shards")))
            scope = ShardScope(shard: shard)
        }
        var sharded = context
        sharded.shard = scope
        let runContext = sharded
        for job in jobs {
            let out = await job.collector.collect(CollectionJob(label: job.label, files: job.files, gaps: job.gaps), context: runContext, logger: logger)
            notes += Self.notes(for: job, out)
            facts.merge(out)
        }
        let logger = self.logger
        let outputs = await withTaskGroup(of: (Int, FactSet).self) { group in
            for (i, t) in targets.enumerated() {
                // On the HTTP client's event loops: each answer is read where it arrived (EventLoopTaskExecutor).
                group.addTask(executorPreference: EventLoopTaskExecutor.singleton) {
                    guard let c = registry.collector(for: t.kind), c.input == .live else {
                        return (i, FactSet(diagnostics: [t.error("unknown target kind").diagnostic]))
                    }
                    return (i, await c.collect(CollectionJob(label: t.name, target: t), context: runContext, logger: logger))
                }
            }
            var all: [(Int, FactSet)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for (t, out) in zip(targets, outputs) {
            let status = out.unreachableTargets.isEmpty ? "collected" : "unreachable"
            notes.append(Note(locator: "target \(t.name)", text: "\(status) as \(t.kind)" + (Self.summary(out.resources).map { ": \($0)" } ?? "")))
            facts.merge(out)
        }
        // The members of divided targets, as every shard found them: a merge names those of a missing shard.
        if let scope, record != nil {
            record!.units += scope.units.map { ShardRecord.Unit(id: $0.id, kind: $0.kind, source: $0.source, shard: $0.shard,
                                                                resourceTypes: $0.resourceTypes, unreachable: $0.unreachable ? true : nil) }
            record!.units.sort { $0.id < $1.id }
        }
        return (facts, notes, record)
    }

    /// The notes for one job: per file for documents, one for a batch.
    static func notes(for job: Job, _ out: FactSet) -> [Note] {
        if job.collector.input == .batch {
            return [Note(locator: job.label, text: "read as \(job.collector.kind): \(job.files.count) file(s)"
                         + (summary(out.resources).map { ", \($0)" } ?? ", nothing relevant"))]
        }
        return job.files.map { f in
            let row = out.coverage.first { $0.source == f.locator }
            if let row, row.status == .failed { return Note(locator: f.locator, text: "error: \(row.detail ?? "could not be read")") }
            let mine = out.resources.filter { r in r.provenance.contains { $0.evidence == EvidenceItem.makeID(locator: f.locator) } }
            return Note(locator: f.locator, text: "read as \(job.collector.kind)" + (summary(mine).map { ": \($0)" } ?? " (nothing relevant)"))
        }
    }

    /// `2 key, 1 key policy`, or `nil` when there are none.
    static func summary(_ resources: [Resource]) -> String? {
        var counts: [String: Int] = [:]
        for r in resources { counts[r.type.displayName, default: 0] += 1 }
        guard !counts.isEmpty else { return nil }
        return counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
    }
}
