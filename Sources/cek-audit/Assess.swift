import ArgumentParser
import CEKAuditCollectorKit
import CEKAuditKit
import CEKAuditCore
import Foundation

extension CEKAudit {
    struct Assess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assess a folder of evidence (or an audit.yaml) and write report.json and report.html.",
            discussion: """
            PATH is a folder holding an audit.yaml, an audit.yaml itself, or a folder or file of evidence (`cek-audit \
            sources` lists what is read). Without an audit.yaml every file is recognised by its content, whatever its \
            name, and default parameters apply. An audit.yaml may also list live \
            targets (kind: aws-kms or openbao, read-only); exit status 69 when a required one is unreachable. `assess` is \
            `collect` and `evaluate` in one step, without writing a bundle.
            """)

        @Argument(help: ArgumentHelp("Assessment folder, audit.yaml, or evidence folder/file.", valueName: "path"))
        var path: String

        @OptionGroup var catalog: CatalogOptions
        @OptionGroup var report: ReportOptions
        @OptionGroup var clock: ClockOptions
        @OptionGroup var waivers: WaiverOptions

        @Flag(name: .customLong("probe"), help: "Also run the active probes of targets marked `sandbox: true` (README, \"Probes\"): their journals become evidence for AG-1, AG-2, AG-3 and AG-8.")
        var probeTargets = false

        @OptionGroup var probeOptions: ProbeOptions

        func run() async throws {
            let plan = try Pipeline.plan(path)
            var catalog = try Pipeline.catalog(self.catalog, plan: plan)
            if probeTargets {
                // The probe-backed checks join the catalog only when probes run: without --probe nothing changes.
                let extra = CatalogLoader.probeChecksPath(forCatalog: catalog.source)
                if FileManager.default.fileExists(atPath: extra) {
                    catalog = try Pipeline.load { try CatalogLoader.addingProbeChecks(to: catalog, path: extra) }
                } else {
                    Console.error("warning: --probe: \(extra) does not exist, so no check reads the probe journals.")
                }
            }
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let waivers = try Pipeline.waivers(plan, catalog: catalog, override: self.waivers.waivers)
            var facts = await Pipeline.collect(plan, now: now, quiet: report.quiet)
            if probeTargets {
                let (selected, refused) = ProbeSession.select(plan.file?.targets ?? [], registry: Pipeline.registry)
                for r in refused { Console.error("not probed: \(r.reason)") }
                if selected.isEmpty {
                    Console.error("warning: --probe: no target is marked `sandbox: true`, so nothing was probed.")
                } else {
                    let context = CollectionContext(now: now, window: plan.file?.window, credentials: Pipeline.credentials)
                    let journals = await probeOptions.run(selected, context: context, quiet: report.quiet)
                    if !report.quiet { for j in journals { for line in j.summary.split(separator: "\n") { Console.error("\(String(line))") } } }
                    facts.merge(ProbeSession.facts(journals, now: now))
                }
            }
            // `assess` writes no bundle: the evidence bytes collectors kept for one are not needed (the items keep their
            // size and SHA-256).
            facts.payloads = [:]
            facts.payloadFiles = [:]
            facts.payloadSpills = [:]
            let unreachable = Pipeline.requiredUnreachable(plan, facts)
            // The observations are handed over (the variable emptied, so they stay uniquely referenced): normalized in
            // place, not copied, and ended once evaluated.
            let observations = facts
            facts = FactSet()
            let result = try Pipeline.report(consume observations, catalog: catalog, inputs: Pipeline.inputs(plan, now: now, waivers: waivers), options: report,
                                             root: AssessmentPlan.displayPath(plan.root))
            try Pipeline.exit(for: result, unreachable: unreachable, failOn: report.failOn)
        }
    }
}
