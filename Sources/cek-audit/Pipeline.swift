import ArgumentParser
import CEKAuditCollectorKit
import CEKAuditKit
import CEKAuditCore
import CEKAuditReporters
import Foundation

extension ReportFormat: ExpressibleByArgument {}

/// Which verdicts make the run exit non-zero.
enum FailOn: String, CaseIterable, ExpressibleByArgument {
    /// Exit 1 on failures only.
    case fail
    /// Also exit 2 when any result is inconclusive.
    case inconclusive
    /// Also exit 2 when any result is inconclusive or still needs a manual review.
    case manual
}

/// Options shared by every command that writes reports (`assess`, `evaluate`).
struct ReportOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Report folder (default: Reports/<assessment name>).", valueName: "dir"))
    var output: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Report formats to write.")
    var format: [ReportFormat] = [.json, .html]

    @Option(name: .long, help: "Lowest verdict that makes the exit status non-zero besides failures.")
    var failOn: FailOn = .fail

    @Flag(name: .shortAndLong, help: "Print only the verdict line.")
    var quiet = false

    func validate() throws {
        if format.isEmpty { throw ValidationError("--format needs at least one of: json, html.") }
    }
}

/// Options that fix the assessment time.
struct ClockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Assessment time (RFC 3339); default: audit.yaml as_of, SOURCE_DATE_EPOCH, or now.",
                                            valueName: "date-time"))
    var asOf: String?

    func validate() throws {
        if let asOf, DateParsing.parse(asOf) == nil { throw ValidationError("--as-of '\(asOf)' is not an RFC 3339 date-time.") }
    }

    /// `--as-of`, then the assessment file's `as_of`, then `SOURCE_DATE_EPOCH`, then the current time (whole seconds).
    func time(fileAsOf: Date?) -> Date {
        if let asOf, let d = DateParsing.parse(asOf) { return d }
        if let d = fileAsOf { return d }
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let s = Double(epoch) { return Date(timeIntervalSince1970: s) }
        return Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }
}

/// The steps `assess`, `collect` and `evaluate` share: the kit does the work, this prints and maps to exit codes.
enum Pipeline {
    /// The collectors and analyses of this build.
    static let registry = CollectorRegistry.builtIn

    /// The credentials of this run: live collectors register what they resolve; reports, the bundle and the console
    /// are scrubbed with it before anything is written.
    static let credentials = CredentialScrubber()

    /// Plans an assessment, exiting 64 for a missing path and 65 for an invalid assessment file.
    static func plan(_ path: String) throws -> AssessmentPlan {
        do { return try AssessmentPlan.make(path: path, registry: registry) } catch let e as CEKAuditError {
            Console.error(e.errorDescription ?? "\(e)")
            if case .unreadable = e { throw CEKExit.usage }
            throw CEKExit.invalidInput
        }
    }

    /// The catalog for a plan (assessment file's `controls:` unless `--controls`), validated against the plan.
    static func catalog(_ options: CatalogOptions, plan: AssessmentPlan) throws -> Catalog {
        var catalogDefault: String?
        if let c = plan.file?.controls { catalogDefault = AssessmentPlan.displayPath(c.hasPrefix("/") ? c : plan.root + "/" + c) }
        let catalog = try options.load(assessmentDefault: catalogDefault)
        if let file = plan.file, let filePath = plan.filePath {
            do {
                try file.validate(against: catalog, file: filePath)
                try registry.validate(file.targets)
            } catch let e as CEKAuditError {
                Console.error(e.errorDescription ?? "\(e)")
                throw CEKExit.invalidInput
            }
        }
        return catalog
    }

    /// Collects every source and target of a plan (observations), printing progress on stderr.
    static func collect(_ plan: AssessmentPlan, now: Date, quiet: Bool) async -> FactSet {
        let context = CollectionContext(now: now, window: plan.file?.window, credentials: credentials)
        if !quiet {
            Console.error("Collecting \(plan.name): \(plan.sources.count) file(s), \(plan.file?.targets.count ?? 0) target(s)")
        }
        let (facts, notes) = await CollectionRunner(registry: registry).collect(plan, context: context)
        if !quiet { for n in notes { Console.error("  \(n.locator): \(n.text)") } }
        for d in facts.diagnostics where d.severity >= .warning { Console.error(d.description) }
        return facts
    }

    /// The evaluation inputs of a plan: its assessment file's parameters and trust settings.
    static func inputs(_ plan: AssessmentPlan, now: Date) -> Evaluation.Inputs {
        Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: now)
    }

    /// Normalizes and evaluates observations, writes the reports, prints the summary; returns the report.
    static func report(_ observations: FactSet, catalog: Catalog, inputs: Evaluation.Inputs, options: ReportOptions) throws -> AssessmentReport {
        let (report, catalogDiagnostics) = Evaluation.evaluate(observations, catalog: catalog, inputs: inputs, toolVersion: CEKAuditVersion.current,
                                                               registry: registry)
        for d in catalogDiagnostics where d.severity >= .warning { Console.error(d.description) }
        let folder = options.output ?? "Reports/\(inputs.name)"
        do { try Evaluation.write(report, formats: options.format, to: folder, credentials: credentials) } catch {
            Console.error("\(folder): error: cannot write the reports (\(error.localizedDescription)).")
            throw CEKExit.usage
        }
        printSummary(report, folder: folder, options: options)
        return report
    }

    static func printSummary(_ report: AssessmentReport, folder: String, options: ReportOptions) {
        let counts = report.summary.results
        let line = "\(report.catalog.control) \(report.assessment): \(report.summary.verdict.rawValue) — "
            + "\(counts.fail) fail, \(counts.inconclusive) inconclusive, \(counts.manual) manual, \(counts.pass) pass, "
            + "\(counts.notApplicable) not applicable"
        if options.quiet { Console.out(line); return }
        Console.out("\(report.catalog.control) \(report.catalog.title) (\(report.catalog.framework) \(report.catalog.frameworkVersion)) — \(report.assessment)")
        for g in report.guidelines {
            Console.out("  \(g.id.padding(toLength: 6, withPad: " ", startingAt: 0)) \(g.verdict.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(g.title)")
        }
        for a in report.caiq { Console.out("\(a.id) proposed answer: \(a.answer.rawValue) (\(a.ownership))") }
        let failing = report.results.filter { $0.verdict == .fail }
        for r in failing.prefix(20) { Console.out("  FAIL \(r.check): \(r.message)") }
        if failing.count > 20 { Console.out("  … and \(failing.count - 20) more failures in the report") }
        Console.out(line)
        Console.out("Reports: " + options.format.map { "\(folder)/\($0.fileName)" }.joined(separator: ", "))
    }

    /// Exit status after the reports are written: 69 for an unreachable required target, 1 for failures,
    /// 2 for inconclusive/manual beyond `--fail-on`.
    static func exit(for report: AssessmentReport, unreachable: [String], failOn: FailOn) throws {
        if !unreachable.isEmpty {
            Console.error("error: required target(s) unreachable: \(unreachable.joined(separator: ", ")); the reports mark what they should have supplied as inconclusive.")
            throw CEKExit.unavailable
        }
        let c = report.summary.results
        if c.fail > 0 { throw CEKExit.failures }
        switch failOn {
        case .fail: return
        case .inconclusive: if c.inconclusive > 0 { throw CEKExit.inconclusive }
        case .manual: if c.inconclusive > 0 || c.manual > 0 { throw CEKExit.inconclusive }
        }
    }

    /// The settings a bundle keeps for evaluation.
    static func settings(_ plan: AssessmentPlan, now: Date, unreachable: [String] = []) -> EvidenceBundle.Settings {
        EvidenceBundle.Settings(name: plan.name, collectedAt: now, parameters: plan.file?.parameters ?? [:],
                                checks: plan.file?.checkParameters ?? [:], controls: plan.file?.controls.map { c in
                                    AssessmentPlan.displayPath(c.hasPrefix("/") ? c : plan.root + "/" + c)
                                }, unreachableTargets: unreachable.isEmpty ? nil : unreachable,
                                analysis: inputs(plan, now: now).settings)
    }

    static func requiredUnreachable(_ plan: AssessmentPlan, _ facts: FactSet) -> [String] {
        let required = Set((plan.file?.targets ?? []).filter(\.required).map(\.name))
        return facts.unreachableTargets.filter { required.contains($0) }
    }
}
