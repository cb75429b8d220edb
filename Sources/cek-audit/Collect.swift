import ArgumentParser
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation

extension Shard: ExpressibleByArgument {
    /// `--shard i/N`.
    public init?(argument: String) { self.init(parsing: argument) }
}

extension CEKAudit {
    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Collect evidence into a bundle that `evaluate` can assess offline, later, byte for byte.",
            discussion: """
            The bundle holds every evidence item with its SHA-256, the normalized facts and the assessment settings. \
            With --shard i/N only the units of work of shard i are collected (document files one by one, log and export \
            sources as a whole, live targets; each unit belongs to the shard its id's SHA-256 selects), so N runners \
            given the same assessment cover everything exactly once; `evaluate` merges their bundles.
            """)

        @Argument(help: ArgumentHelp("Assessment folder, audit.yaml, or evidence folder/file.", valueName: "path"))
        var path: String

        @Option(name: .long, help: ArgumentHelp("Bundle folder (default: Reports/<assessment name>/bundle).", valueName: "dir"))
        var bundle: String?

        @Option(name: .long, help: ArgumentHelp("Collect only shard i of N (1 ≤ i ≤ N), such as 2/3; merge the N bundles with `evaluate`.",
                                                valueName: "i/N"))
        var shard: Shard?

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var clock: ClockOptions

        @Flag(name: .shortAndLong, help: "Print only the bundle path (and no progress line while logs are scanned or keys collected).")
        var quiet = false

        func run() async throws {
            let plan = try Pipeline.plan(path)
            let catalog = try Pipeline.catalog(catalog, plan: plan)   // validates the assessment file against the checks
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let waivers = try Pipeline.waivers(plan, catalog: catalog, override: nil)   // recorded in the bundle's settings
            let (facts, record) = await Pipeline.collect(plan, now: now, quiet: quiet, shard: shard)
            let folder = bundle ?? "Reports/\(plan.name)/bundle" + (shard.map { "-\($0.index)-of-\($0.count)" } ?? "")
            var settings = Pipeline.settings(plan, now: now, unreachable: Pipeline.requiredUnreachable(plan, facts), waivers: waivers)
            settings.shard = record
            let digest: String
            do {
                digest = try EvidenceBundle.write(facts, settings: settings, to: folder, toolVersion: CEKAuditVersion.current, credentials: Pipeline.credentials)
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
                // Targets every shard runs (divided by member, shard 0) are counted through their members.
                let shardNote = record.map { ", shard \($0.shard): \($0.ownUnits.count) of \($0.units.filter { $0.shard != 0 }.count) unit(s)" } ?? ""
                Console.out("Bundle: \(folder) (\(facts.evidence.count) evidence item(s), \(facts.resources.count) resource(s)\(shardNote))")
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
