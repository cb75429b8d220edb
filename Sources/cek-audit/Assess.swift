import ArgumentParser
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

        func run() async throws {
            let plan = try Pipeline.plan(path)
            let catalog = try Pipeline.catalog(self.catalog, plan: plan)
            let now = clock.time(fileAsOf: plan.file?.asOf)
            let waivers = try Pipeline.waivers(plan, catalog: catalog, override: self.waivers.waivers)
            let facts = await Pipeline.collect(plan, now: now, quiet: report.quiet)
            let result = try Pipeline.report(facts, catalog: catalog, inputs: Pipeline.inputs(plan, now: now, waivers: waivers), options: report,
                                             root: AssessmentPlan.displayPath(plan.root))
            try Pipeline.exit(for: result, unreachable: Pipeline.requiredUnreachable(plan, facts), failOn: report.failOn)
        }
    }
}
