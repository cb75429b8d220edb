import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditReporters
import Foundation

/// Evaluation and report writing: the normalize stage on the observations, the rules engine, the report model, and
/// the report files. Shared by `assess` (fresh observations) and `evaluate` (a bundle's), so both give the same bytes
/// for the same observations and settings.
public enum Evaluation {
    /// What evaluation needs besides the observations and the catalog.
    public struct Inputs: Sendable {
        public var name: String
        /// Global parameters and per-check parameters (`parameters:` and `checks:` of the assessment file).
        public var parameters: [String: FactValue]
        public var checks: [String: [String: FactValue]]
        /// The trust settings analyses derive with, and where they came from.
        public var settings: AnalysisSettings
        /// The assessment time.
        public var now: Date
        /// The waiver file in force, applied around the rules engine (``WaiverStage``); `nil` without one.
        public var waivers: WaiverSet?

        public init(name: String, parameters: [String: FactValue], checks: [String: [String: FactValue]], settings: AnalysisSettings, now: Date,
                    waivers: WaiverSet? = nil) {
            self.name = name
            self.parameters = parameters
            self.checks = checks
            self.settings = settings
            self.now = now
            self.waivers = waivers
        }
    }

    /// Normalizes `observations` with the settings, evaluates the catalog and builds the report. Also returns the
    /// catalog diagnostics (attestations no check reads …) for the console. Takes the observations over (a caller
    /// that passes its last copy with `consume` has them normalized in place); what only the evidence bundle and the
    /// analyses read (the evidence bytes, the resources' raw observations) is let go before the rules run.
    public static func evaluate(_ observations: consuming FactSet, catalog: Catalog, inputs: Inputs, toolVersion: String,
                                registry: CollectorRegistry = .builtIn) -> (AssessmentReport, [Diagnostic]) {
        HeapTrim.mapLargeBlocks()
        var facts = NormalizeStage.run(consume observations, settings: inputs.settings, registry: registry)
        facts.payloads = [:]
        facts.payloadFiles = [:]
        facts.payloadSpills = [:]
        for i in facts.resources.indices where facts.resources[i].observed != nil { facts.resources[i].observed = nil }
        HeapTrim.release()
        let engine = RulesEngine(catalog: catalog, globalParameters: inputs.parameters, checkParameters: inputs.checks, now: inputs.now)
        let report = AssessmentBuilder.build(name: inputs.name, catalog: catalog, facts: facts, engine: engine, toolVersion: toolVersion,
                                             settings: inputs.settings, waivers: inputs.waivers)
        return (report, AssessmentBuilder.catalogDiagnostics(catalog, facts: facts))
    }

    /// Writes `report` in each format into `folder` (created). Each file is scrubbed of every credential the run
    /// registered, in every encoding, last thing before it is written: the reporters stay pure, and a credential that
    /// slipped past a collector still never reaches a report.
    /// - Parameters:
    ///   - root: the assessment folder as given, for formats that name files from the repository root.
    ///   - credentials: the run's credentials (``CredentialScrubber``).
    ///   - written: called after each format's file and each companion file (``ReportFormat/companions(_:)``) is
    ///     written with its file name, its size in bytes and the time its rendering, scrubbing and writing took
    ///     (`Benchmarks/report-scale.sh` prints them).
    /// - Throws: ``CEKAuditError/unwritable(file:detail:fix:)`` naming the folder or file that could not be written and
    ///   why (``FileProblem``); an `EncodingError` only if a report holds a value JSON cannot carry.
    public static func write(_ report: AssessmentReport, formats: [ReportFormat], to folder: String, root: String? = nil,
                             credentials: CredentialScrubber, written: ((String, Int, Duration) -> Void)? = nil) throws {
        try CEKAuditError.writing(folder) { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let clock = ContinuousClock()
        for f in formats {
            HeapTrim.release()
            let start = clock.now
            // Each file goes to disk in pieces as it is rendered, scrubbed on the way and renamed into place when
            // whole (``ScrubbingFileWriter``): a 10,000-key report.json or report.html is never whole in memory.
            let path = URL(fileURLWithPath: folder).appendingPathComponent(f.fileName).path
            let size = try stream(to: path, credentials: credentials) { sink in try f.render(report, root: root, to: sink) }
            written?(f.fileName, size, clock.now - start)
            HeapTrim.release()
            for name in f.companionFileNames {
                let companionStart = clock.now
                let companion = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                let size = try stream(to: companion, credentials: credentials) { sink in try f.renderCompanion(name, of: report, to: sink) }
                written?(name, size, clock.now - companionStart)
            }
        }
    }

    /// Writes the file at `path` from what `render` passes its sink, scrubbed, atomically.
    /// - Returns: the file's size in bytes.
    /// - Throws: ``CEKAuditError/unwritable(file:detail:fix:)`` when the file cannot be written; what `render` throws
    ///   otherwise (the file is then left as it was).
    private static func stream(to path: String, credentials: CredentialScrubber, _ render: (@escaping ReportFormat.Sink) throws -> Void) throws -> Int {
        let writer = try CEKAuditError.writing(path) { try ScrubbingFileWriter(path: path, scrubber: credentials) }
        var failure: (any Error)?
        do {
            try render { bytes in
                do { try writer.write(bytes) } catch { failure = error; throw error }
            }
        } catch {
            // The file could not be written (a full disk): said as such, with the path. Otherwise the reporter failed.
            guard let failure else { throw error }
            return try CEKAuditError.writing(path) { throw failure }
        }
        return try CEKAuditError.writing(path) { try writer.finish() }
    }

    /// Loads the waiver file an assessment file names (`waivers:`, relative to the assessment file's folder) and
    /// validates it against the catalog; `nil` when the file names none.
    /// - Parameters:
    ///   - root: the assessment folder: a waiver file inside it is named relative to it in reports, so copies of an
    ///     assessment in differently named folders give the same reports.
    /// - Throws: ``CEKAuditError`` naming the waiver file (or the assessment file's `waivers:` line when it is missing).
    public static func waivers(of file: AssessmentFile, filePath: String, root: String, catalog: Catalog) throws -> WaiverSet? {
        guard let name = file.waivers else { return nil }
        let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent().path
        let path = URL(fileURLWithPath: name.hasPrefix("/") ? name : folder + "/" + name).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CEKAuditError.invalidInput(file: filePath, line: file.waiversLine, column: nil, message: "waivers: \(name) does not exist",
                                             fix: "write the path of the waiver file relative to \(AssessmentPlan.displayPath(filePath))")
        }
        return try waivers(path: path, root: root, catalog: catalog)
    }

    /// Loads a waiver file (`--waivers FILE`) and validates it against the catalog.
    /// - Parameter root: the assessment folder, if any (see ``waivers(of:filePath:root:catalog:)``).
    /// - Throws: ``CEKAuditError`` with file, line and column.
    public static func waivers(path: String, root: String?, catalog: Catalog) throws -> WaiverSet {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let locator = root.flatMap { r in absolute.hasPrefix(r + "/") ? String(absolute.dropFirst(r.count + 1)) : nil }
            ?? AssessmentPlan.displayPath(absolute)
        let set = try WaiverFile.load(path: path, locator: locator)
        try WaiverFile.validate(set, against: catalog, file: path)
        return set
    }

    /// The inputs an assessment file gives (or the defaults without one), with `origin` naming it.
    public static func inputs(name: String, file: AssessmentFile?, origin: String?, now: Date) -> Inputs {
        let settings = file.map { AnalysisSettings($0, origin: origin ?? "audit.yaml") }
            ?? AnalysisSettings(origins: ["trusted_accounts": "default (no assessment file)", "trusted_organizations": "default (no assessment file)",
                                          "trusted_namespaces": "default (no assessment file)", "parameters": "default (no assessment file)"])
        return Inputs(name: name, parameters: file?.parameters ?? [:], checks: file?.checkParameters ?? [:], settings: settings, now: now)
    }
}
