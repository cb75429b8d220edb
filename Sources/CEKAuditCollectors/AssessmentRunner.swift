import CEKAuditCore
import Foundation
import Logging

/// What to assess: built from an `audit.yaml`, or from a bare folder or file of evidence with default parameters.
public struct AssessmentPlan: Sendable {
    public struct Source: Sendable {
        /// Absolute path on disk.
        public var path: String
        /// Path as shown in reports: relative to the assessment folder.
        public var locator: String
        public var kind: SourceKind
        public var account: String?
        public var tenant: String?
        public var key: String?
        public var keyManager: String?
        /// For an OpenBao / Vault audit log: the configured line prefix.
        public var linePrefix: String? = nil
        /// Whether the assessment file named this file itself (a folder's files were found by walking it).
        public var explicit: Bool
        /// The source entry the file came from (the path as written in the assessment file, or the folder
        /// assessed): files of one entry that are logs form one log source.
        public var group: String = "."
    }

    public var name: String
    /// The folder locators are relative to.
    public var root: String
    /// The assessment file, when there is one.
    public var file: AssessmentFile?
    public var filePath: String?
    public var sources: [Source]
    /// Problems found while planning (a source path that does not exist).
    public var diagnostics: [Diagnostic]
    public var missing: [SourceCoverage]

    /// Plans an assessment of `path`: a folder with an `audit.yaml`, an `audit.yaml` itself, or a folder or file of
    /// evidence (every file recognised by content).
    /// - Throws: ``CEKAuditError`` when the path does not exist or the assessment file is invalid.
    public static func make(path: String) throws -> AssessmentPlan {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CEKAuditError.unreadable(file: path, detail: "no such file or folder")
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var auditPath: String?
        if isDir.boolValue {
            for candidate in ["audit.yaml", "audit.yml"] where fm.fileExists(atPath: absolute + "/" + candidate) {
                auditPath = absolute + "/" + candidate
                break
            }
        } else if ["audit.yaml", "audit.yml"].contains((absolute as NSString).lastPathComponent) {
            auditPath = absolute
        }
        if let auditPath {
            let file = try AssessmentFile.load(path: displayPath(auditPath))
            let root = (auditPath as NSString).deletingLastPathComponent
            var plan = AssessmentPlan(name: file.name, root: root, file: file, filePath: displayPath(auditPath), sources: [],
                                      diagnostics: [], missing: [])
            for s in file.sources {
                var full = s.path.hasPrefix("/") ? s.path : root + "/" + s.path
                while full.count > 1 && full.hasSuffix("/") { full.removeLast() }   // `logs/` and `logs` name the same folder
                let kind = SourceKind(rawValue: s.kind) ?? .auto
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: full, isDirectory: &sub) else {
                    plan.diagnostics.append(Diagnostic(.error, source: displayPath(auditPath), line: s.line,
                                                       message: "source \(s.path) does not exist", fix: "correct the path (relative to the assessment file)"))
                    plan.missing.append(SourceCoverage(source: s.path, collector: kind.collectorName ?? "auto", status: .failed,
                                                       resourceTypes: kind.suppliedTypes ?? allSuppliableTypes,
                                                       detail: "the source does not exist"))
                    continue
                }
                if !sub.boolValue, !isRegularFile(full) {
                    plan.diagnostics.append(Diagnostic(.error, source: displayPath(auditPath), line: s.line,
                                                       message: "source \(s.path) is not a regular file", fix: "name a file or a folder"))
                    plan.missing.append(SourceCoverage(source: s.path, collector: kind.collectorName ?? "auto", status: .failed,
                                                       resourceTypes: kind.suppliedTypes ?? allSuppliableTypes,
                                                       detail: "not a regular file"))
                    continue
                }
                let (files, skipped) = sub.boolValue ? walk(full) : ([full], [])
                for (path, why) in skipped {
                    plan.missing.append(SourceCoverage(source: relative(path, to: root), collector: "none", status: .skipped,
                                                       resourceTypes: [], detail: why))
                }
                for f in files {
                    plan.sources.append(Source(path: f, locator: relative(f, to: root), kind: kind, account: s.account, tenant: s.tenant,
                                               key: s.key, keyManager: s.keyManager, linePrefix: s.linePrefix, explicit: !sub.boolValue,
                                               group: s.path))
                }
            }
            return plan
        }
        let root = isDir.boolValue ? absolute : (absolute as NSString).deletingLastPathComponent
        if !isDir.boolValue, !isRegularFile(absolute) {
            throw CEKAuditError.unreadable(file: path, detail: "not a regular file")
        }
        let (files, skipped) = isDir.boolValue ? walk(absolute) : ([absolute], [])
        var name = (root as NSString).lastPathComponent
        if name.isEmpty || name == "/" { name = "assessment" }
        let skippedRows = skipped.map { SourceCoverage(source: relative($0.0, to: root), collector: "none", status: .skipped,
                                                        resourceTypes: [], detail: $0.1) }
        return AssessmentPlan(name: sanitize(name), root: root, file: nil, filePath: nil,
                              sources: files.map { Source(path: $0, locator: relative($0, to: root), kind: .auto, explicit: !isDir.boolValue,
                                                          group: isDir.boolValue ? sanitize(name) : relative($0, to: root)) },
                              diagnostics: [], missing: skippedRows)
    }

    /// Every type a file source of any kind can supply: what a file that could not even be recognised might have held.
    public static var allSuppliableTypes: [ResourceType] {
        Array(Set(SourceKind.allCases.flatMap { $0.suppliedTypes ?? [] })).sorted()
    }

    /// The regular files below `folder`, in path order, and the entries left out with the reason: hidden files
    /// and folders, symbolic links that leave the folder, and anything that is not a regular file (a named pipe
    /// would block the read forever, a device has no end).
    static func walk(_ folder: String) -> (files: [String], skipped: [(String, String)]) {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: folder) else { return ([], [(folder, "the folder cannot be listed")]) }
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        var files: [String] = [], skipped: [(String, String)] = []
        while let rel = e.nextObject() as? String {
            let full = folder + "/" + rel
            let type = (try? fm.attributesOfItem(atPath: full))?[.type] as? FileAttributeType
            if (rel as NSString).lastPathComponent.hasPrefix(".") {
                if type == .typeDirectory { e.skipDescendants() }
                skipped.append((full, "hidden file or folder"))
                continue
            }
            switch type {
            case .typeDirectory?: continue
            case .typeRegular?: files.append(full)
            case .typeSymbolicLink?:
                let target = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
                var isDir: ObjCBool = false
                if !(target == root || target.hasPrefix(root + "/")) {
                    skipped.append((full, "symbolic link to \(target), outside the assessed folder"))
                } else if fm.fileExists(atPath: target, isDirectory: &isDir), !isDir.boolValue,
                          (try? fm.attributesOfItem(atPath: target))?[.type] as? FileAttributeType == .typeRegular {
                    files.append(full)
                } else {
                    skipped.append((full, "symbolic link to something other than a regular file"))
                }
            default:
                skipped.append((full, "not a regular file (a pipe, socket or device)"))
            }
        }
        return (files.sorted(), skipped.sorted { $0.0 < $1.0 })
    }

    /// Whether `path` is a regular file (or a link to one).
    static func isRegularFile(_ path: String) -> Bool {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return (try? FileManager.default.attributesOfItem(atPath: target))?[.type] as? FileAttributeType == .typeRegular
    }

    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// A path as the user would write it: relative to the working directory when inside it.
    public static func displayPath(_ path: String) -> String {
        relative(path, to: FileManager.default.currentDirectoryPath)
    }

    static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "-" })
    }
}

/// Runs the collectors of a plan, file by file. A file that cannot be read or parsed is reported with its place
/// and a fix, counts as a failed source (so checks over what it would have supplied are inconclusive), and the run
/// goes on.
public struct AssessmentRunner: Sendable {
    public var logger: Logger

    public init(logger: Logger = Logger(label: "cek-audit.collect")) {
        self.logger = logger
    }

    /// One line per file for the user: which collector read it, or why it was skipped.
    public struct Note: Sendable, Hashable {
        public var locator: String
        public var text: String
    }

    /// Collects and normalizes every source of `plan`. `collectors` are the live target collectors to use, by kind
    /// (default: the registry, ``TargetCollectors/all``); tests pass collectors with an injected environment or transport.
    public func collect(_ plan: AssessmentPlan, context: CollectionContext,
                        collectors: [any TargetCollector] = TargetCollectors.all) async -> (FactSet, [Note]) {
        var facts = FactSet(diagnostics: plan.diagnostics)
        facts.coverage += plan.missing
        var notes: [Note] = plan.missing.filter { $0.status == .skipped }.map { Note(locator: $0.source, text: "skipped: \($0.detail ?? "")") }
        var logBatches: [String: [CloudTrailCollector.File]] = [:]
        var exportBatches: [String: [KMSExportCollector.File]] = [:]
        var exportTenants: [String: String] = [:]
        var auditLogBatches: [String: [OpenBaoAuditLogCollector.File]] = [:]
        var auditLogPrefixes: [String: String] = [:]
        for source in plan.sources {
            if source.kind == .cloudtrail || (source.kind == .auto && CloudTrailCollector.looksLikeCloudTrail(source.locator)) {
                logBatches[source.group, default: []].append(.init(path: source.path, locator: source.locator))
                continue
            }
            if isOpenBaoAuditLog(source) {
                auditLogBatches[source.group, default: []].append(.init(path: source.path, locator: source.locator))
                if let p = source.linePrefix { auditLogPrefixes[source.group] = p }
                continue
            }
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: source.path)) } catch {
                facts.diagnostics.append(Diagnostic(.error, source: source.locator, message: "cannot read the file (\(error.localizedDescription))"))
                facts.coverage.append(SourceCoverage(source: source.locator, collector: source.kind.collectorName ?? "auto", status: .failed,
                                                     resourceTypes: source.kind.suppliedTypes ?? AssessmentPlan.allSuppliableTypes,
                                                     detail: "unreadable"))
                notes.append(Note(locator: source.locator, text: "error: cannot read the file"))
                continue
            }
            let input = SourceInput(locator: source.locator, data: data, account: source.account, tenant: source.tenant, key: source.key,
                                    keyManager: source.keyManager, path: source.path)
            var kind = source.kind
            var document: ParsedDocument?
            if kind == .kmsApiExport {
                exportBatches[source.group, default: []].append(.init(locator: source.locator, data: data))
                if let t = source.tenant { exportTenants[source.group] = t }
                continue
            }
            if kind == .auto {
                switch SourceDetector.recognize(locator: source.locator, data: data) {
                case .recognized(let k, let d):
                    kind = k
                    document = d
                case .logFile(.cloudtrail):
                    logBatches[source.group, default: []].append(.init(path: source.path, locator: source.locator))
                    continue
                case .logFile(.kmsApiExport):
                    exportBatches[source.group, default: []].append(.init(locator: source.locator, data: data))
                    if let t = source.tenant { exportTenants[source.group] = t }
                    continue
                case .logFile(let k):
                    notes.append(Note(locator: source.locator, text: "skipped: \(k.rawValue) is not read by this version"))
                    continue
                case .skipped(let why):
                    facts.coverage.append(SourceCoverage(source: source.locator, collector: "none", status: .skipped, resourceTypes: [], detail: why))
                    notes.append(Note(locator: source.locator, text: "skipped: \(why)"))
                    if source.explicit {
                        facts.diagnostics.append(Diagnostic(.warning, source: source.locator, message: "not used: \(why)"))
                    }
                    continue
                case .invalid(let error):
                    fail(&facts, &notes, source: source, error: error, types: AssessmentPlan.allSuppliableTypes, data: data, now: context.now)
                    continue
                }
            } else {
                do { document = try ParsedDocument(data: data, locator: source.locator) } catch let e as CEKAuditError {
                    fail(&facts, &notes, source: source, error: e, types: kind.suppliedTypes ?? [], data: data, now: context.now)
                    continue
                } catch {
                    fail(&facts, &notes, source: source, error: .unreadable(file: source.locator, detail: "\(error)"),
                         types: kind.suppliedTypes ?? [])
                    continue
                }
            }
            guard let collector = kind.collector, let document else { continue }
            var out = collector.collect(document, input: input, context: context)
            // A collector that redacts (key material in a Kubernetes encryption configuration) supplies its own copy.
            if out.payloads[EvidenceItem.makeID(locator: source.locator)] == nil {
                out.payloads[EvidenceItem.makeID(locator: source.locator)] = data
            }
            facts.merge(out)
            var counts: [String: Int] = [:]
            for r in out.resources { counts[r.type.displayName, default: 0] += 1 }
            let summary = counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
            notes.append(Note(locator: source.locator, text: "read as \(kind.rawValue)" + (summary.isEmpty ? " (nothing relevant)" : ": \(summary)")))
            logger.debug("collected", metadata: ["source": .string(source.locator), "collector": .string(collector.name)])
        }
        let window = plan.file?.window
        for group in exportBatches.keys.sorted() {
            let files = exportBatches[group] ?? []
            let out = KMSExportCollector().collect(files: files, label: group, tenant: exportTenants[group], context: context)
            notes.append(Note(locator: group, text: "read as exported AWS KMS API responses: \(files.count) file(s), "
                              + "\(out.resources.filter { $0.type == .key }.count) key(s)"))
            facts.merge(out)
        }
        for group in logBatches.keys.sorted() {
            let files = logBatches[group] ?? []
            let out = await CloudTrailCollector(window: window).collect(files: files, label: group, context: context)
            let source = out.resources.first { $0.type == .logSource }
            notes.append(Note(locator: group, text: "read as CloudTrail logs: \(files.count) file(s), "
                              + "\(source?.value("kms_records").displayText ?? "0") KMS event(s), "
                              + "\(out.resources.filter { $0.type == .keyUsage }.count) key(s)"))
            facts.merge(out)
        }
        for group in auditLogBatches.keys.sorted() {
            let files = auditLogBatches[group] ?? []
            let out = OpenBaoAuditLogCollector(window: window, linePrefix: auditLogPrefixes[group]).collect(files: files, label: group, context: context)
            let source = out.resources.first { $0.type == .logSource }
            notes.append(Note(locator: group, text: "read as OpenBao audit log: \(files.count) file(s), "
                              + "\(source?.value("records").displayText ?? "0") record(s), "
                              + "\(out.resources.filter { $0.type == .keyUsage }.count) key(s)"))
            facts.merge(out)
        }
        let targets = plan.file?.targets ?? []
        if targets.isEmpty {
            Normalizer.normalize(&facts)
            return (facts, notes)
        }
        let logger = self.logger
        let outputs = await withTaskGroup(of: (Int, FactSet).self) { group in
            for (i, t) in targets.enumerated() {
                group.addTask {
                    guard let c = collectors.first(where: { $0.kind == t.kind }) else {
                        return (i, FactSet(diagnostics: [t.error("unknown target kind").diagnostic]))
                    }
                    return (i, await c.collect(t, context: context, logger: logger))
                }
            }
            var all: [(Int, FactSet)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for (t, out) in zip(targets, outputs) {
            var counts: [String: Int] = [:]
            for r in out.resources { counts[r.type.displayName, default: 0] += 1 }
            let summary = counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
            let status = out.unreachableTargets.isEmpty ? "collected" : "unreachable"
            notes.append(Note(locator: "target \(t.name)", text: "\(status) as \(t.kind)" + (summary.isEmpty ? "" : ": \(summary)")))
            facts.merge(out)
        }
        Normalizer.normalize(&facts)
        return (facts, notes)
    }

    /// Whether a source is an OpenBao / Vault audit log: named so, or an `auto` file whose first bytes look like one
    /// (read without loading the file: logs can be large).
    private func isOpenBaoAuditLog(_ source: AssessmentPlan.Source) -> Bool {
        if source.kind == .openbaoAuditLog { return true }
        guard source.kind == .auto, let handle = FileHandle(forReadingAtPath: source.path) else { return false }
        let head = (try? handle.read(upToCount: SourceDetector.headLength)) ?? Data()
        try? handle.close()
        return SourceDetector.streamingKind(locator: source.locator, head: head) == .openbaoAuditLog
    }

    private func fail(_ facts: inout FactSet, _ notes: inout [Note], source: AssessmentPlan.Source, error: CEKAuditError,
                      types: [ResourceType], data: Data? = nil, now: Date? = nil) {
        facts.diagnostics.append(error.diagnostic)
        if let data, let now {
            // The bytes that could not be read are evidence too: an auditor can see exactly which file failed.
            facts.addEvidence(EvidenceItem(collector: "none", locator: source.locator, kind: "unreadable", bytes: data, collectedAt: now),
                              bytes: data)
        }
        facts.coverage.append(SourceCoverage(source: source.locator, collector: source.kind.collectorName ?? "auto", status: .failed,
                                             resourceTypes: types, detail: error.diagnostic.message))
        notes.append(Note(locator: source.locator, text: "error: \(error.diagnostic.message)"))
    }
}
