import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditLogs
import Foundation
import Logging

/// What to assess: built from an `audit.yaml`, or from a bare folder or file of evidence with default parameters.
public struct AssessmentPlan: Sendable {
    public struct Source: Sendable {
        /// Absolute path on disk.
        public var path: String
        /// Path as shown in reports: relative to the assessment folder.
        public var locator: String
        /// `auto` (recognised by content) or a source kind of the registry.
        public var kind: String
        public var account: String?
        public var tenant: String?
        public var key: String?
        public var keyManager: String?
        /// For an OpenBao / Vault audit log: the configured line prefix.
        public var linePrefix: String? = nil
        /// For Terraform configurations: the entry's `var_files`, as absolute paths.
        public var varFiles: [String] = []
        /// For a SQL engine's result: the entry's `format`, `engine` and `query` (absolute) and `query_locator`.
        public var queryOptions: [String: String] = [:]
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
    /// Paths of each source entry (by ``Source/group``) left out of the walk because they cannot be read (pipes,
    /// devices, links leaving the folder or to something else than a file, unlistable folders); hidden files are
    /// left out on purpose and are not gaps. Batch (log) collectors of the group account for them.
    public var gaps: [String: [SourceGap]] = [:]
    /// Source entries (by group) that name a batch (log) kind: they get their collector run even when no file of
    /// theirs could be read, so "nothing read" is a fact, not silence.
    public var batchGroups: Set<String> = []

    /// Plans an assessment of `path`: a folder with an `audit.yaml`, an `audit.yaml` itself, or a folder or file of
    /// evidence (every file recognised by content).
    /// - Throws: ``CEKAuditError`` when the path does not exist or the assessment file is invalid.
    public static func make(path: String, registry: CollectorRegistry = .builtIn) throws -> AssessmentPlan {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CEKAuditError.cannotRead(path, FileProblem.reading(path))
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var auditPath: String?
        if isDir.boolValue {
            for candidate in ["audit.yaml", "audit.yml"] where fm.fileExists(atPath: absolute + "/" + candidate) {
                auditPath = absolute + "/" + candidate
                break
            }
        } else if ["audit.yaml", "audit.yml"].contains((absolute as NSString).lastPathComponent) || looksLikeAssessmentFile(absolute) {
            auditPath = absolute
        }
        if let auditPath {
            let file = try AssessmentFile.load(path: displayPath(auditPath), sourceKinds: registry.sourceKinds)
            for s in file.sources where s.linePrefix != nil {
                guard registry.collector(for: s.kind)?.input == .batch, s.kind == "openbao-audit-log" else {
                    throw CEKAuditError.invalidInput(file: displayPath(auditPath), line: s.linePrefixLine ?? s.line, column: nil,
                                                     message: "line_prefix applies to kind openbao-audit-log only",
                                                     fix: "set kind: openbao-audit-log or remove line_prefix")
                }
            }
            try validateQueryOptions(file, auditPath: displayPath(auditPath))
            let root = (auditPath as NSString).deletingLastPathComponent
            var plan = AssessmentPlan(name: file.name, root: root, file: file, filePath: displayPath(auditPath), sources: [],
                                      diagnostics: [], missing: [])
            for s in file.sources {
                var full = s.path.hasPrefix("/") ? s.path : root + "/" + s.path
                while full.count > 1 && full.hasSuffix("/") { full.removeLast() }   // `logs/` and `logs` name the same folder
                let kind = s.kind
                var sub: ObjCBool = false
                if !fm.fileExists(atPath: full, isDirectory: &sub) || (!sub.boolValue && !isRegularFile(full)) {
                    let problem = FileProblem.reading(full)
                    let fix = problem.pathMissing ? "correct the path (relative to the assessment file)" : problem.fix
                    plan.diagnostics.append(Diagnostic(.error, source: displayPath(auditPath), line: s.line,
                                                       message: "source \(s.path): \(problem.what)", fix: fix))
                    plan.missing.append(SourceCoverage(source: s.path, collector: kind, status: .failed,
                                                       resourceTypes: registry.suppliedTypes(kind: kind),
                                                       detail: problem.what))
                    continue
                }
                // A source entry that is itself a link to a folder is walked where it points; locators keep its name.
                let (files, skipped) = sub.boolValue ? walkEntry(full) : ([full], [])
                for (path, why) in skipped {
                    plan.missing.append(SourceCoverage(source: relative(path, to: root), collector: "none", status: .skipped,
                                                       resourceTypes: [], detail: why))
                    if why != hiddenReason { plan.gaps[s.path, default: []].append(SourceGap(locator: relative(path, to: root), reason: why)) }
                }
                if let c = registry.collector(for: kind), c.input == .batch { plan.batchGroups.insert(s.path) }
                var queryOptions = s.queryOptions
                if let query = queryOptions["query"] {
                    let absolute = query.hasPrefix("/") ? query : (root as NSString).appendingPathComponent(query)
                    queryOptions["query"] = URL(fileURLWithPath: absolute).standardizedFileURL.path
                    queryOptions["query_locator"] = relative(queryOptions["query"]!, to: root)
                }
                for f in files {
                    plan.sources.append(Source(path: f, locator: relative(f, to: root), kind: kind, account: s.account, tenant: s.tenant,
                                               key: s.key, keyManager: s.keyManager, linePrefix: s.linePrefix,
                                               varFiles: s.varFiles.map { (root as NSString).appendingPathComponent($0) },
                                               queryOptions: queryOptions, explicit: !sub.boolValue, group: s.path))
                }
            }
            return plan
        }
        let root = isDir.boolValue ? absolute : (absolute as NSString).deletingLastPathComponent
        if !isDir.boolValue, !isRegularFile(absolute) {
            throw CEKAuditError.cannotRead(path, FileProblem.reading(path))
        }
        let (files, skipped) = isDir.boolValue ? walk(absolute) : ([absolute], [])
        var name = (root as NSString).lastPathComponent
        if name.isEmpty || name == "/" { name = "assessment" }
        let skippedRows = skipped.map { SourceCoverage(source: relative($0.0, to: root), collector: "none", status: .skipped,
                                                        resourceTypes: [], detail: $0.1) }
        let group = isDir.boolValue ? sanitize(name) : relative(absolute, to: root)
        var plan = AssessmentPlan(name: sanitize(name), root: root, file: nil, filePath: nil,
                                  sources: files.map { Source(path: $0, locator: relative($0, to: root), kind: "auto", explicit: !isDir.boolValue,
                                                              group: group) },
                                  diagnostics: [], missing: skippedRows)
        let gaps = skipped.filter { $0.1 != hiddenReason }.map { SourceGap(locator: relative($0.0, to: root), reason: $0.1) }
        if !gaps.isEmpty { plan.gaps[group] = gaps }
        return plan
    }

    /// Checks the options of SQL-engine result sources (`format`, `engine`, `query`): only on kind
    /// `log-query-result`, which needs `engine` and `query`; values from their closed lists.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the line and the fix.
    static func validateQueryOptions(_ file: AssessmentFile, auditPath: String) throws {
        for s in file.sources {
            func fail(_ option: String?, _ message: String, _ fix: String) -> CEKAuditError {
                .invalidInput(file: auditPath, line: option.flatMap { s.queryOptionLines[$0] } ?? s.line, column: nil, message: message, fix: fix)
            }
            guard s.kind == "log-query-result" else {
                if let option = s.queryOptions.keys.sorted().first {
                    throw fail(option, "\(option) applies to kind log-query-result only", "set kind: log-query-result or remove \(option)")
                }
                continue
            }
            guard let engine = s.queryOptions["engine"] else {
                throw fail(nil, "a log-query-result source needs engine", "add engine: athena, trino or bigquery: the engine that ran the query")
            }
            guard LogQueryResultCollector.engines.contains(engine) else {
                throw fail("engine", "unknown engine '\(engine)'", "use one of \(LogQueryResultCollector.engines.joined(separator: ", "))")
            }
            guard s.queryOptions["query"] != nil else {
                throw fail(nil, "a log-query-result source needs query", "add query: the path of the shipped .sql file the result came from (Queries/cloudtrail_kms_usage.sql, Queries/cloud_audit_logs_kms_usage.sql)")
            }
            if let format = s.queryOptions["format"], !LogQueryResultCollector.formats.contains(format) {
                throw fail("format", "unknown format '\(format)'", "use csv (as Athena writes query results) or jsonl")
            }
        }
    }

    /// Whether a YAML file named otherwise than `audit.yaml` is an assessment file (`corrected-audit.yaml`): a
    /// top-level `schema_version`, `name`, and `sources` or `targets`, in its first 64 KiB. It is then loaded as one
    /// (strictly), instead of being assessed as evidence.
    static func looksLikeAssessmentFile(_ path: String) -> Bool {
        guard ["yaml", "yml"].contains((path as NSString).pathExtension.lowercased()),
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64 * 1024), let text = String(data: head, encoding: .utf8) else { return false }
        let keys = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.first, first.isLetter, let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[..<colon])
        })
        return keys.contains("schema_version") && keys.contains("name") && (keys.contains("sources") || keys.contains("targets"))
            && !keys.contains("attestations") && !keys.contains("guidelines")
    }

    /// Walks a source entry's folder; an entry that is a symbolic link to a folder is walked at its target, with
    /// paths reported under the entry's own name.
    static func walkEntry(_ folder: String) -> (files: [String], skipped: [(String, String)]) {
        let target = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard target != folder else { return walk(folder) }
        func back(_ p: String) -> String { p.hasPrefix(target) ? folder + p.dropFirst(target.count) : p }
        let (files, skipped) = walk(target)
        return (files.map(back), skipped.map { (back($0.0), $0.1) })
    }

    /// Why a hidden file or folder is left out (on purpose: not a gap).
    static let hiddenReason = "hidden file or folder"

    /// The regular files below `folder`, in path order, and the entries left out with the reason: hidden files
    /// and folders, symbolic links that leave the folder, and anything that is not a regular file (a named pipe
    /// would block the read forever, a device has no end).
    static func walk(_ folder: String) -> (files: [String], skipped: [(String, String)]) {
        guard let top = opendir(folder) else {
            return ([], [(folder, "the folder cannot be listed: \(FileProblem.reading(folder, folder: true).what)")])
        }
        closedir(top)
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        var files: [String] = [], skipped: [(String, String)] = []
        // Depth first with POSIX `readdir` (its d_type saves a `stat` per entry on most file systems): Foundation's
        // directory enumerator normalised every path it made and was a quarter of the serial start of a scan of
        // thousands of log files. Symbolic links to folders are not followed, as before.
        // Folders wait by path and are opened one at a time (a folder of 10,000 folders must not hold 10,000 open
        // descriptors).
        var pending = [folder]
        while let dir = pending.popLast() {
            guard let handle = opendir(dir) else {
                // Said, not silently left out: the files inside were not assessed.
                skipped.append((dir, "the folder cannot be listed: \(FileProblem.reading(dir, folder: true).what)"))
                continue
            }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let full = dir + "/" + name
                var type: mode_t?
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_DIR): type = S_IFDIR
                case Int32(DT_REG): type = S_IFREG
                case Int32(DT_LNK): type = S_IFLNK
                default:
                    var st = stat()
                    type = lstat(full, &st) == 0 ? st.st_mode & S_IFMT : nil
                }
                if name.hasPrefix(".") {
                    skipped.append((full, hiddenReason))
                    continue
                }
                switch type {
                case S_IFDIR?: pending.append(full)
                case S_IFREG?: files.append(full)
                case S_IFLNK?:
                    let target = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
                    if !(target == root || target.hasPrefix(root + "/")) {
                        skipped.append((full, "symbolic link to \(target), outside the assessed folder"))
                    } else if isRegularFile(target) {
                        files.append(full)
                    } else {
                        skipped.append((full, "symbolic link to something other than a regular file"))
                    }
                default:
                    skipped.append((full, "not a regular file (a pipe, socket or device)"))
                }
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

