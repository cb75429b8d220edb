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
            recorded at collection apply too, unless `--waivers FILE` or the `--assessment` file replaces them. \
            Several bundles (or a folder holding bundles) are evaluated as one assessment: the shards of `collect --shard \
            i/N` merged, evidence deduplicated by SHA-256; a missing shard, or one collected with other settings, is \
            reported and what it should have covered is inconclusive. The report names the shards it holds.
            """)

        @Argument(help: ArgumentHelp("Bundle folder(s) written by `collect`, or a folder holding bundles (the shards of one collection).",
                                     valueName: "bundle"))
        var bundles: [String]

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

        /// The bundle folders named: each argument that is a bundle, or the bundles directly inside a folder that is
        /// not one, in path order.
        static func expand(_ paths: [String]) throws -> [String] {
            let fm = FileManager.default
            var out: [String] = []
            for path in paths {
                // The bundle path itself: missing or not a folder is a usage error (64); a bundle broken inside is 65.
                var isFolder: ObjCBool = false
                if !fm.fileExists(atPath: path, isDirectory: &isFolder) || !isFolder.boolValue {
                    throw Console.fail(.cannotRead(path, FileProblem.reading(path, folder: true)))
                }
                if fm.fileExists(atPath: (path as NSString).appendingPathComponent("manifest.json")) { out.append(path); continue }
                let folders = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                    .filter { var d: ObjCBool = false; return fm.fileExists(atPath: $0, isDirectory: &d) && d.boolValue }
                let inside = folders.filter { fm.fileExists(atPath: ($0 as NSString).appendingPathComponent("manifest.json")) }
                // A folder beside the bundles without a manifest may be a damaged or renamed bundle: said, not skipped silently.
                if !inside.isEmpty {
                    for other in folders where !inside.contains(other) {
                        Console.error("\(other): warning: not a bundle (no manifest.json); not merged. Fix: if it is a damaged bundle, collect it again.")
                    }
                }
                // A folder with no bundle inside is read as one, so the message names its missing manifest.
                out += inside.isEmpty ? [path] : inside
            }
            return out
        }

        func run() async throws {
            var facts: FactSet
            var settings: EvidenceBundle.Settings
            let folders = try Self.expand(bundles)
            let bundle = folders.count == 1 ? folders[0] : "\(folders.count) bundles"
            if manifestSha256 != nil, folders.count != 1 {
                Console.error("error: --manifest-sha256 checks one bundle; \(folders.count) were given. Fix: check each bundle's manifest on its own (cek-audit evaluate BUNDLE --manifest-sha256 HEX).")
                throw CEKExit.usage
            }
            if let expected = manifestSha256 {
                let actual = (try? EvidenceBundle.manifestDigest(bundle)) ?? "unreadable"
                guard actual == expected.lowercased() else {
                    Console.error("\(bundle): error: manifest.json has SHA-256 \(actual), not \(expected.lowercased()). Fix: the bundle was changed after collection; collect again.")
                    throw CEKExit.invalidInput
                }
            }
            var read: [BundleMerge.Input] = []
            for folder in folders {
                do {
                    let (f, s) = try EvidenceBundle.read(folder)
                    read.append(BundleMerge.Input(path: folder, facts: f, settings: s))
                } catch let e as EvidenceBundle.Failure {
                    Console.error("\(e.errorDescription ?? "\(e)")")
                    throw CEKExit.invalidInput
                }
            }
            var shards: String?
            var mergeProblems = 0
            if read.count == 1, read[0].settings.shard == nil {
                (facts, settings) = (read[0].facts, read[0].settings)
            } else {
                let merged = BundleMerge.merge(read)
                (facts, settings, shards) = (merged.facts, merged.settings, merged.shards)
                for p in merged.problems { Console.error("error: \(p)") }
                mergeProblems = merged.problems.count
            }
            let catalog = try self.catalog.load(assessmentDefault: settings.controls)
            let now = clock.asOf.flatMap(DateParsing.parse) ?? settings.collectedAt
            if !report.quiet { Console.error("Evaluating bundle \(bundle) (\(facts.evidence.count) item(s) verified) as of \(DateParsing.iso(now))") }
            var inputs = Evaluation.Inputs(name: settings.name, parameters: settings.parameters, checks: settings.checks,
                                           settings: settings.analysis, now: now, waivers: settings.waivers)
            if let shards { inputs.settings.origins["shards"] = "\(folders.count) bundle(s): \(shards)" }
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
            if mergeProblems > 0 {
                // Reports are written (what is missing is inconclusive in them); the run is not a clean one.
                Console.error("error: \(mergeProblems) problem(s) merging the bundles (above); the reports mark what the missing or mismatched shards should have covered as inconclusive.")
                throw CEKExit.unavailable
            }
            try Pipeline.exit(for: result, unreachable: settings.unreachableTargets ?? [], failOn: report.failOn)
        }
    }
}

extension String {
    /// `nil` for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
