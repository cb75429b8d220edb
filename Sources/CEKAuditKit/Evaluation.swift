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

        public init(name: String, parameters: [String: FactValue], checks: [String: [String: FactValue]], settings: AnalysisSettings, now: Date) {
            self.name = name
            self.parameters = parameters
            self.checks = checks
            self.settings = settings
            self.now = now
        }
    }

    /// Normalizes `observations` with the settings, evaluates the catalog and builds the report. Also returns the
    /// catalog diagnostics (attestations no check reads …) for the console.
    public static func evaluate(_ observations: FactSet, catalog: Catalog, inputs: Inputs, toolVersion: String,
                                registry: CollectorRegistry = .builtIn) -> (AssessmentReport, [Diagnostic]) {
        let facts = NormalizeStage.run(observations, settings: inputs.settings, registry: registry)
        let engine = RulesEngine(catalog: catalog, globalParameters: inputs.parameters, checkParameters: inputs.checks, now: inputs.now)
        let report = AssessmentBuilder.build(name: inputs.name, catalog: catalog, facts: facts, engine: engine, toolVersion: toolVersion,
                                             settings: inputs.settings)
        return (report, AssessmentBuilder.catalogDiagnostics(catalog, facts: facts))
    }

    /// Writes `report` in each format into `folder` (created). Each file is scrubbed of every credential the run
    /// registered, in every encoding, last thing before it is written: the reporters stay pure, and a credential that
    /// slipped past a collector still never reaches a report.
    /// - Throws: file-system errors, or a rendering error.
    public static func write(_ report: AssessmentReport, formats: [ReportFormat], to folder: String, credentials: CredentialScrubber) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for f in formats {
            let data = credentials.scrub(try f.render(report))
            try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent(f.fileName), options: .atomic)
        }
    }

    /// The inputs an assessment file gives (or the defaults without one), with `origin` naming it.
    public static func inputs(name: String, file: AssessmentFile?, origin: String?, now: Date) -> Inputs {
        let settings = file.map { AnalysisSettings($0, origin: origin ?? "audit.yaml") }
            ?? AnalysisSettings(origins: ["trusted_accounts": "default (no assessment file)", "trusted_organizations": "default (no assessment file)",
                                          "trusted_namespaces": "default (no assessment file)", "parameters": "default (no assessment file)"])
        return Inputs(name: name, parameters: file?.parameters ?? [:], checks: file?.checkParameters ?? [:], settings: settings, now: now)
    }
}
