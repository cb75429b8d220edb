import CEKAuditCore
import Foundation
import Logging

/// One input handed to a document collector: a file's bytes and where they came from.
public struct SourceInput: Sendable {
    /// Path relative to the assessment folder (or as given), used in evidence and messages.
    public var locator: String
    public var data: Data
    /// The account the source belongs to, when the assessment file says so (what `AWS::AccountId` means for a
    /// template; the owner of a standalone key policy).
    public var account: String?
    /// Tenant label from the assessment file.
    public var tenant: String?
    /// For a standalone key policy: the key it belongs to.
    public var key: String?
    /// For a standalone key policy: the manager (`customer` / `aws`) of its key, when the assessment file says.
    public var keyManager: String?
    /// The file's path on disk, when it was read from one: collectors that follow references to other files (an
    /// attestation's documents) resolve them against its folder. `nil` for inputs built in memory.
    public var path: String?

    public init(locator: String, data: Data, account: String? = nil, tenant: String? = nil, key: String? = nil,
                keyManager: String? = nil, path: String? = nil) {
        self.path = path
        self.keyManager = keyManager
        self.locator = locator
        self.data = data
        self.account = account
        self.tenant = tenant
        self.key = key
    }
}

/// What every collector needs besides its input: the clock and the assessment window. Deliberately nothing that an
/// analysis decides with (trusted accounts, organizations, namespaces, check parameters): collectors record
/// observations, and the normalize stage after the evidence bundle derives from them with the settings in force, so
/// `evaluate` can re-derive with corrected settings (DESIGN.md, "Data flow").
public struct CollectionContext: Sendable {
    /// The assessment clock (UTC), stamped on every evidence item.
    public var now: Date
    /// The assessment window for log evidence; `nil` when unbounded.
    public var window: ClosedRange<Date>?
    /// The run's credentials: live collectors register every credential they resolve here, their clients scrub
    /// server answers with it, and the writers scrub every output with it (``CredentialScrubber``).
    public var credentials: CredentialScrubber
    /// Where log scans report files read, for the progress line on a terminal; `nil` (the default, and whenever
    /// stderr is not a terminal or `-q` is given) reports nothing.
    public var progress: ScanProgress?
    /// The shard this collection runs as (`collect --shard i/N`), for targets that divide their work among shards
    /// (``EvidenceCollector/divides(_:)``); `nil` when the collection is not sharded.
    public var shard: ShardScope?

    /// - Parameters:
    ///   - credentials: the run's registry; the CLI passes the one its writers and console consult.
    ///   - progress: the terminal's progress line, if one is shown.
    public init(now: Date, window: ClosedRange<Date>? = nil, credentials: CredentialScrubber = CredentialScrubber(),
                progress: ScanProgress? = nil) {
        self.now = now
        self.window = window
        self.credentials = credentials
        self.progress = progress
    }
}

/// How a collector takes its input from the runner.
public enum CollectorInput: String, Sendable, Hashable, CaseIterable {
    /// One document at a time (a template, a plan, a policy): each file is parsed once and handed over alone.
    case document
    /// Every file of one `sources:` entry together, streamed (logs, exported API responses read as one set).
    case batch
    /// A live target named under `targets:` in the assessment file, reached through its API.
    case live
}

/// The first bytes of a file and where it is, for content recognition (never the name alone: the extension is
/// only a hint). `document` is the file parsed as JSON or YAML when its head looks like one and it parsed.
public struct ContentProbe: Sendable {
    /// Path relative to the assessment folder.
    public var locator: String
    /// Up to ``headLength`` bytes from the start (inflated, for a gzip file).
    public var head: Data
    /// Whether `head` is the whole file.
    public var headIsWhole: Bool
    /// The file parsed as JSON or YAML, when it looked like one and parsed.
    public var document: ParsedDocument?

    /// How many bytes of a file recognition reads before deciding (64 KiB).
    public static let headLength = 64 * 1024

    public init(locator: String, head: Data, headIsWhole: Bool, document: ParsedDocument? = nil) {
        self.locator = locator
        self.head = head
        self.headIsWhole = headIsWhole
        self.document = document
    }

    /// The file name's extension, lowercased (`json`, `tfstate`, `backup`, or empty).
    public var pathExtension: String { (locator as NSString).pathExtension.lowercased() }
}

/// One file of a source entry, as the runner hands it to a collector.
public struct SourceFile: Sendable {
    /// Absolute path on disk.
    public var path: String
    /// Path as shown in reports: relative to the assessment folder.
    public var locator: String
    /// Settings from the `sources:` entry the file came from.
    public var account: String?
    public var tenant: String?
    public var key: String?
    public var keyManager: String?
    /// For an OpenBao / Vault audit log: the text the audit device's `prefix` option puts before each line.
    public var linePrefix: String?
    /// For a Terraform configuration: the source entry's `var_files` (absolute paths), applied like `-var-file`.
    public var varFiles: [String] = []
    /// For a SQL engine's result (`log-query-result`): `format` (`csv` / `jsonl`), `engine`, `query` (absolute path
    /// of the `.sql` file) and `query_locator` (that path as shown in reports), from the source entry.
    public var queryOptions: [String: String] = [:]
    /// The bytes, when the runner already read them (documents are read once, for recognition and collection).
    public var data: Data?
    /// The parsed document, when recognition already parsed it.
    public var document: ParsedDocument?

    public init(path: String, locator: String, account: String? = nil, tenant: String? = nil, key: String? = nil, keyManager: String? = nil,
                linePrefix: String? = nil, data: Data? = nil, document: ParsedDocument? = nil) {
        self.path = path
        self.locator = locator
        self.account = account
        self.tenant = tenant
        self.key = key
        self.keyManager = keyManager
        self.linePrefix = linePrefix
        self.data = data
        self.document = document
    }

    /// The ``SourceInput`` for a document collector.
    public func input(data: Data) -> SourceInput {
        SourceInput(locator: locator, data: data, account: account, tenant: tenant, key: key, keyManager: keyManager, path: path)
    }
}

/// A path of a source entry that could not be read at all: a named pipe, a broken or escaping link, a device, a
/// folder that cannot be listed, a file a digest lists that is not there. A gap of a log source is evidence the
/// auditor did not see, and keeps the source from being "completely read".
public struct SourceGap: Sendable, Hashable {
    /// Path relative to the assessment folder.
    public var locator: String
    /// Why it could not be read, as a sentence fragment ("not a regular file (a pipe, socket or device)").
    public var reason: String

    public init(locator: String, reason: String) {
        self.locator = locator
        self.reason = reason
    }
}

/// What one collector run gets: the files of one source entry (document and batch collectors) or one live target.
public struct CollectionJob: Sendable {
    /// The source entry as written in the assessment file (or the folder assessed): names a batch's log source.
    public var label: String
    public var files: [SourceFile]
    /// Paths of the source entry that could not be read (batch collectors account for them).
    public var gaps: [SourceGap]
    /// The live target, for ``CollectorInput/live`` collectors.
    public var target: AssessmentFile.Target?

    public init(label: String, files: [SourceFile] = [], gaps: [SourceGap] = [], target: AssessmentFile.Target? = nil) {
        self.label = label
        self.files = files
        self.gaps = gaps
        self.target = target
    }
}

/// The one protocol every collector implements — file, log and live alike (DESIGN.md, "Collectors"). A collector
/// turns its input into evidence items and **observations**: normalized facts with provenance, and the raw
/// structured data an analysis needs (``Resource/observed``). It never judges, and never derives what depends on
/// assessment settings: the normalize stage does that after the bundle (``FactAnalysis``).
///
/// A new collector is a folder in its family's target plus one line in the registry (`CEKAuditKit`'s
/// `CollectorRegistry`); the source kinds `audit.yaml` accepts, content recognition, coverage names and
/// `cek-audit sources` all derive from the registry.
public protocol EvidenceCollector: Sendable {
    /// The kind name: what `audit.yaml` writes under `kind:` (sources or targets) and coverage shows as collector.
    var kind: String { get }
    /// How the runner hands inputs over.
    var input: CollectorInput { get }
    /// One sentence: what it reads (`cek-audit sources`, README).
    var reads: String { get }
    /// A short example of an input it reads, or of its `audit.yaml` entry.
    var example: String { get }
    /// Resource types it supplies; a failed source makes checks over these types inconclusive.
    var suppliedTypes: [ResourceType] { get }
    /// Whether the content is this collector's input (document and batch collectors). Bounded: looks only at the
    /// probe's head and, for JSON / YAML, its parsed document. Live collectors answer `false`.
    func recognizes(_ probe: ContentProbe) -> Bool
    /// How many bytes of the head ``recognizes(_:)`` reads at most (default ``ContentProbe/headLength``). A
    /// compressed file's head is inflated only as far as the collectors asked in turn need, so a collector that
    /// decides on its first few KiB saves inflating 64 KiB of every `.json.gz` of a trail. A collector must give
    /// the same answer for any head at least this long.
    var recognitionHeadBytes: Int { get }
    /// Checks a live target's options before anything is collected (live collectors).
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the option and the fix.
    func validate(_ target: AssessmentFile.Target) throws
    /// Collects one job. Problems become diagnostics, failed coverage rows and unknown facts, never throws; an
    /// unreachable live target is listed in ``FactSet/unreachableTargets``.
    func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet
    /// Whether a live target divides its work among shards by member (an organization's accounts, the projects below
    /// a folder, a tenant's subscriptions): such a target is run by every shard, which lists its members and collects
    /// those ``ShardScope/owns(target:member:kind:resourceTypes:)`` gives it. Default: `false` (one shard collects the
    /// whole target).
    func divides(_ target: AssessmentFile.Target) -> Bool
}

extension EvidenceCollector {
    /// By default a target is one unit of work, collected whole by the shard that owns it.
    public func divides(_ target: AssessmentFile.Target) -> Bool { false }
    public func validate(_ target: AssessmentFile.Target) throws {}
    public func recognizes(_ probe: ContentProbe) -> Bool { false }
    public var recognitionHeadBytes: Int { ContentProbe.headLength }

    /// A coverage row counting the resources found per type.
    public func coverage(_ source: String, resources: [Resource], partial: Bool, detail: String? = nil) -> SourceCoverage {
        var found: [String: Int] = [:]
        for r in resources { found[r.type.rawValue, default: 0] += 1 }
        return SourceCoverage(source: source, collector: kind, status: partial ? .partial : .complete,
                              resourceTypes: suppliedTypes, found: found, detail: detail)
    }

    /// The bytes of a source file (already read, or read now); `nil` when it cannot be read, after recording a
    /// diagnostic naming the file and why, and a failed coverage row for it in `facts`.
    public func bytes(of file: SourceFile, into facts: inout FactSet) -> Data? {
        if let d = file.data { return d }
        do { return try Data(contentsOf: URL(fileURLWithPath: file.path)) } catch {
            let problem = FileProblem.reading(file.path, error: error)
            facts.diagnostics.append(CEKAuditError.cannotRead(file.locator, problem).diagnostic)
            facts.coverage.append(failedCoverage(file.locator, detail: problem.what))
            return nil
        }
    }

    /// A failed coverage row for a source this collector could not read: checks over what it would have supplied
    /// become inconclusive.
    public func failedCoverage(_ source: String, detail: String) -> SourceCoverage {
        SourceCoverage(source: source, collector: kind, status: .failed, resourceTypes: suppliedTypes, detail: detail)
    }

    /// What a log collector reports for a source entry holding no file at all: an error diagnostic and a failed
    /// coverage row — an empty log source is no evidence, and says so where an auditor looks.
    public func emptySourceFacts(_ label: String) -> FactSet {
        FactSet(coverage: [failedCoverage(label, detail: "the source holds no log file")],
                diagnostics: [Diagnostic(.error, source: label, message: "the log source holds no file: nothing was read",
                                         fix: "point the source at the folder or files the logs were exported to")])
    }

    /// The gaps of a job as a log collector reports them: an error diagnostic and a failed coverage row each (so
    /// checks over what they would have supplied are inconclusive, never pass).
    public func gapFacts(_ gaps: [SourceGap]) -> FactSet {
        var out = FactSet()
        for g in gaps {
            out.diagnostics.append(Diagnostic(.error, source: g.locator, message: "part of log source not read: \(g.reason)",
                                              fix: "replace it with the log file it should be, or remove it from the source"))
            out.coverage.append(failedCoverage(g.locator, detail: g.reason))
        }
        return out
    }
}

/// A collector of single documents (JSON or YAML): the kit reads and parses each file once, reports unreadable and
/// unparseable files as failed sources with their place, keeps the bytes as evidence, and calls
/// ``collect(_:input:context:)`` per document.
public protocol DocumentCollector: EvidenceCollector {
    /// Whether a parsed document is this collector's input.
    func recognizes(document: JSONValue) -> Bool
    /// Collects from a parsed document. Errors inside the document become diagnostics and unknown facts.
    func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet
}

extension DocumentCollector {
    public var input: CollectorInput { .document }

    public func recognizes(_ probe: ContentProbe) -> Bool {
        guard let d = probe.document else { return false }
        return recognizes(document: d.value)
    }

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var facts = FactSet()
        for file in job.files {
            guard let data = bytes(of: file, into: &facts) else { continue }
            let document: ParsedDocument
            if let d = file.document { document = d } else {
                do { document = try ParsedDocument(data: data, locator: file.locator) } catch {
                    let e = (error as? CEKAuditError) ?? .cannotRead(file.locator, FileProblem.reading(file.path, error: error))
                    facts.diagnostics.append(e.diagnostic)
                    // The bytes that could not be read are evidence too: an auditor can see exactly which file failed.
                    facts.addEvidence(EvidenceItem(collector: kind, locator: file.locator, kind: "unreadable", bytes: data, collectedAt: context.now),
                                      bytes: data)
                    facts.coverage.append(failedCoverage(file.locator, detail: e.diagnostic.message))
                    continue
                }
            }
            var out = collect(document, input: file.input(data: data), context: context)
            // A collector that redacts (key material in a Kubernetes encryption configuration) supplies its own copy.
            let id = EvidenceItem.makeID(locator: file.locator)
            if out.payloads[id] == nil { out.payloads[id] = data }
            facts.merge(out)
            logger.debug("collected", metadata: ["source": .string(file.locator), "collector": .string(kind)])
        }
        return facts
    }

    /// The evidence item for an input.
    public func evidenceItem(_ input: SourceInput, kind: String, context: CollectionContext) -> EvidenceItem {
        EvidenceItem(collector: self.kind, locator: input.locator, kind: kind, bytes: input.data, collectedAt: context.now)
    }

    /// A coverage row counting the resources found per type.
    public func coverage(_ input: SourceInput, resources: [Resource], partial: Bool, detail: String? = nil) -> SourceCoverage {
        coverage(input.locator, resources: resources, partial: partial, detail: detail)
    }
}

/// One analysis of the normalize stage: derives fields from observations (custody, rotation applicability,
/// key-policy and grant tenancy, namespace isolation …) with the settings in force. It runs after the bundle, in
/// `assess` and `evaluate` alike, so evidence collected last quarter is judged with today's corrected settings.
/// Each analysis decides its fields in one function, with one reason text.
public protocol FactAnalysis: Sendable {
    /// Short name, for diagnostics.
    var name: String { get }
    /// Derives fields in place. Pure: no I/O, no clock.
    func derive(_ facts: inout FactSet, settings: AnalysisSettings)
}

/// A collector that reads a live key-management service through its API, named under `targets:` in the
/// assessment file. Read-only unless the assessment asks for probes; every failed call becomes unknown facts on
/// exactly the resources that call should have described (never a dropped resource, never a pass), named in a
/// diagnostic; credentials never reach evidence, logs or reports.
public protocol LiveCollector: EvidenceCollector {
    /// Collects facts and evidence from one target. Unreachable targets are listed in ``FactSet/unreachableTargets``.
    func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet
}

extension LiveCollector {
    public var input: CollectorInput { .live }

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        guard let target = job.target else {
            return FactSet(diagnostics: [Diagnostic(.error, source: job.label, message: "\(kind) reads live targets, not files",
                                                    fix: "name it under `targets:` in the assessment file")])
        }
        return await collect(target, context: context, logger: logger)
    }
}
