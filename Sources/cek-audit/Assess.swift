import ArgumentParser
import CEKAuditCollectors
import CEKAuditCore
import Foundation

extension CEKAudit {
    struct Assess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assess a folder of evidence (or an audit.yaml) and write report.json and report.html.",
            discussion: """
            PATH is a folder holding an audit.yaml, an audit.yaml itself, or a folder or file of evidence: \
            CloudFormation templates, Terraform plan/state JSON (`terraform show -json`), key-policy JSON, \
            CloudTrail logs, Kubernetes EncryptionConfiguration files, attestation files. Without an audit.yaml \
            every file is recognised by its content and default parameters apply. An audit.yaml may also list live \
            targets (kind: aws-kms or openbao, read-only); exit status 69 when a required one is unreachable. `assess` is \
            `collect` and `evaluate` in one step, without writing a bundle.
            """)

        @Argument(help: ArgumentHelp("Assessment folder, audit.yaml, or evidence folder/file.", valueName: "path"))
        var path: String

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var report: ReportOptions
        @OptionGroup var clock: ClockOptions

        func run() async throws {
            let plan = try Pipeline.plan(path)
            let catalog = try Pipeline.catalog(self.catalog, plan: plan)
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let facts = await Pipeline.collect(plan, now: now, quiet: report.quiet)
            let result = try Pipeline.report(name: plan.name, facts: facts, catalog: catalog, parameters: plan.file?.parameters ?? [:],
                                             checks: plan.file?.checkParameters ?? [:], now: now, options: report)
            try Pipeline.exit(for: result, unreachable: Pipeline.requiredUnreachable(plan, facts), failOn: report.failOn)
        }
    }

    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Collect evidence into a bundle that `evaluate` can assess offline, later, byte for byte.",
            discussion: "The bundle holds every evidence item with its SHA-256, the normalized facts and the assessment settings.")

        @Argument(help: ArgumentHelp("Assessment folder, audit.yaml, or evidence folder/file.", valueName: "path"))
        var path: String

        @Option(name: .long, help: ArgumentHelp("Bundle folder (default: Reports/<assessment name>/bundle).", valueName: "dir"))
        var bundle: String?

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var clock: ClockOptions

        @Flag(name: .shortAndLong, help: "Print only the bundle path.")
        var quiet = false

        func run() async throws {
            let plan = try Pipeline.plan(path)
            _ = try Pipeline.catalog(catalog, plan: plan)   // validates the assessment file against the checks
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let facts = await Pipeline.collect(plan, now: now, quiet: quiet)
            let folder = bundle ?? "Reports/\(plan.name)/bundle"
            let digest: String
            do {
                digest = try EvidenceBundle.write(facts, settings: Pipeline.settings(plan, now: now, unreachable: Pipeline.requiredUnreachable(plan, facts)),
                                                  to: folder, toolVersion: CEKAuditVersion.current)
            } catch {
                Console.error("\(folder): error: cannot write the bundle (\(error.localizedDescription)).")
                throw CEKExit.usage
            }
            Console.out(quiet ? folder : "Bundle: \(folder) (\(facts.evidence.count) evidence item(s), \(facts.resources.count) resource(s))")
            if !quiet {
                Console.out("Manifest SHA-256: \(digest) — keep it apart from the bundle; `evaluate --manifest-sha256` checks it")
            }
            let unreachable = Pipeline.requiredUnreachable(plan, facts)
            if !unreachable.isEmpty {
                Console.error("error: required target(s) unreachable: \(unreachable.joined(separator: ", ")).")
                throw CEKExit.unavailable
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate an evidence bundle offline; the reports equal those `assess` wrote on the same inputs.",
            discussion: "Every item is checked against its SHA-256 first; a modified bundle is refused (exit 65) naming the item.")

        @Argument(help: ArgumentHelp("Bundle folder written by `collect`.", valueName: "bundle"))
        var bundle: String

        @Option(name: .long, help: ArgumentHelp("The manifest SHA-256 `collect` printed; refuses a bundle whose manifest differs.",
                                                valueName: "hex"))
        var manifestSha256: String?

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var report: ReportOptions
        @OptionGroup var clock: ClockOptions

        func run() async throws {
            let facts: FactSet
            let settings: EvidenceBundle.Settings
            if let expected = manifestSha256 {
                let actual = (try? EvidenceBundle.manifestDigest(bundle)) ?? "unreadable"
                guard actual == expected.lowercased() else {
                    Console.error("\(bundle): error: manifest.json has SHA-256 \(actual), not \(expected.lowercased()). Fix: the bundle was changed after collection; collect again.")
                    throw CEKExit.invalidInput
                }
            }
            do { (facts, settings) = try EvidenceBundle.read(bundle) } catch let e as EvidenceBundle.Failure {
                Console.error(e.errorDescription ?? "\(e)")
                throw CEKExit.invalidInput
            }
            let catalog = try self.catalog.load(assessmentDefault: settings.controls)
            let now = clock.asOf.flatMap(DateParsing.parse) ?? settings.collectedAt
            if !report.quiet { Console.error("Evaluating bundle \(bundle) (\(facts.evidence.count) item(s) verified) as of \(DateParsing.iso(now))") }
            let result = try Pipeline.report(name: settings.name, facts: facts, catalog: catalog, parameters: settings.parameters,
                                             checks: settings.checks, now: now, options: report)
            try Pipeline.exit(for: result, unreachable: settings.unreachableTargets ?? [], failOn: report.failOn)
        }
    }
}
