import ArgumentParser
import CEKAuditCore
import CEKAuditKit
import Foundation

extension CEKAudit {
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

        @Flag(name: .shortAndLong, help: "Print only the bundle path (and no progress line while logs are scanned).")
        var quiet = false

        func run() async throws {
            let plan = try Pipeline.plan(path)
            let catalog = try Pipeline.catalog(catalog, plan: plan)   // validates the assessment file against the checks
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let waivers = try Pipeline.waivers(plan, catalog: catalog, override: nil)   // recorded in the bundle's settings
            let facts = await Pipeline.collect(plan, now: now, quiet: quiet)
            let folder = bundle ?? "Reports/\(plan.name)/bundle"
            let digest: String
            do {
                digest = try EvidenceBundle.write(facts, settings: Pipeline.settings(plan, now: now, unreachable: Pipeline.requiredUnreachable(plan, facts), waivers: waivers),
                                                  to: folder, toolVersion: CEKAuditVersion.current, credentials: Pipeline.credentials)
            } catch let e as CEKAuditError {
                Console.error("\(e.errorDescription ?? "\(e)") (The bundle goes to \(folder); choose another folder with --bundle.)")
                throw CEKExit.usage
            } catch {
                Console.error("\(folder): error: cannot write the bundle: \(error.localizedDescription)")
                throw CEKExit.usage
            }
            if quiet {
                Console.out("\(folder)")
            } else {
                Console.out("Bundle: \(folder) (\(facts.evidence.count) evidence item(s), \(facts.resources.count) resource(s))")
                Console.out("Manifest SHA-256: \(digest) — keep it apart from the bundle; `evaluate --manifest-sha256` checks it")
            }
            let unreachable = Pipeline.requiredUnreachable(plan, facts)
            if !unreachable.isEmpty {
                Console.error("error: required target(s) unreachable: \(unreachable.joined(separator: ", ")).")
                throw CEKExit.unavailable
            }
        }
    }
}
