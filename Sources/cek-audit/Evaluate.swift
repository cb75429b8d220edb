import ArgumentParser
import CEKAuditCore
import CEKAuditKit
import Foundation

extension CEKAudit {
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate an evidence bundle offline; the reports equal those `assess` wrote on the same inputs.",
            discussion: """
            Every item is checked against its SHA-256 first; a modified bundle is refused (exit 65) naming the item. The \
            bundle holds observations: custody, rotation applicability, key-policy and grant tenancy and namespace \
            isolation are derived now, with the settings recorded at collection or those of `--assessment FILE`. The waivers \
            recorded at collection apply too, unless `--waivers FILE` or the `--assessment` file replaces them.
            """)

        @Argument(help: ArgumentHelp("Bundle folder written by `collect`.", valueName: "bundle"))
        var bundle: String

        @Option(name: .long, help: ArgumentHelp("The manifest SHA-256 `collect` printed; refuses a bundle whose manifest differs.",
                                                valueName: "hex"))
        var manifestSha256: String?

        @Option(name: .long, help: ArgumentHelp("An audit.yaml whose trusted accounts, organizations, namespaces and parameters replace those recorded in the bundle.",
                                                valueName: "audit.yaml"))
        var assessment: String?

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var report: ReportOptions
        @OptionGroup var clock: ClockOptions
        @OptionGroup var waivers: WaiverOptions

        func run() async throws {
            let facts: FactSet
            let settings: EvidenceBundle.Settings
            // The bundle path itself: missing or not a folder is a usage error (64); a bundle that is broken inside is 65.
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: bundle, isDirectory: &isFolder) || !isFolder.boolValue {
                throw Console.fail(.cannotRead(bundle, FileProblem.reading(bundle, folder: true)))
            }
            if let expected = manifestSha256 {
                let actual = (try? EvidenceBundle.manifestDigest(bundle)) ?? "unreadable"
                guard actual == expected.lowercased() else {
                    Console.error("\(bundle): error: manifest.json has SHA-256 \(actual), not \(expected.lowercased()). Fix: the bundle was changed after collection; collect again.")
                    throw CEKExit.invalidInput
                }
            }
            do { (facts, settings) = try EvidenceBundle.read(bundle) } catch let e as EvidenceBundle.Failure {
                Console.error("\(e.errorDescription ?? "\(e)")")
                throw CEKExit.invalidInput
            }
            let catalog = try self.catalog.load(assessmentDefault: settings.controls)
            let now = clock.asOf.flatMap(DateParsing.parse) ?? settings.collectedAt
            if !report.quiet { Console.error("Evaluating bundle \(bundle) (\(facts.evidence.count) item(s) verified) as of \(DateParsing.iso(now))") }
            var inputs = Evaluation.Inputs(name: settings.name, parameters: settings.parameters, checks: settings.checks,
                                           settings: settings.analysis, now: now, waivers: settings.waivers)
            if let assessment {
                // Trust settings and parameters from another assessment file, applied to the same observations.
                let file: AssessmentFile
                do { file = try AssessmentFile.load(path: assessment, sourceKinds: Pipeline.registry.sourceKinds, requireInputs: false) } catch let e as CEKAuditError {
                    throw Console.fail(e)
                }
                do { try file.validate(against: catalog, file: assessment) } catch let e as CEKAuditError {
                    throw Console.fail(e)
                }
                let display = AssessmentPlan.displayPath(URL(fileURLWithPath: assessment).standardizedFileURL.path)
                let override = Evaluation.inputs(name: settings.name, file: file, origin: "--assessment \(display)", now: now)
                inputs.parameters = override.parameters
                inputs.checks = override.checks
                inputs.settings = override.settings
                let root = URL(fileURLWithPath: assessment).standardizedFileURL.deletingLastPathComponent().path
                inputs.waivers = try Pipeline.load { try Evaluation.waivers(of: file, filePath: assessment, root: root, catalog: catalog) }
                if let w = inputs.waivers { inputs.settings.origins["waivers"] = "--assessment \(display): \(w.source)" }
                if !report.quiet {
                    let accounts = override.settings.trustedAccounts.joined(separator: ", ").nonEmpty ?? "none"
                    let organizations = override.settings.trustedOrganizations.joined(separator: ", ").nonEmpty ?? "none"
                    Console.error("Settings from \(display): trusted accounts \(accounts), trusted organizations \(organizations)")
                }
            }
            if let path = waivers.waivers {
                inputs.waivers = try Pipeline.load { try Evaluation.waivers(path: path, root: nil, catalog: catalog) }
                inputs.settings.origins["waivers"] = "--waivers \(AssessmentPlan.displayPath(path))"
            } else if let w = inputs.waivers, inputs.settings.origins["waivers"] == nil {
                inputs.settings.origins["waivers"] = "bundle \(bundle): \(w.source)"
            }
            let result = try Pipeline.report(facts, catalog: catalog, inputs: inputs, options: report)
            try Pipeline.exit(for: result, unreachable: settings.unreachableTargets ?? [], failOn: report.failOn)
        }
    }
}

extension String {
    /// `nil` for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
