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
    /// Exit 1 only for failures that are new since `--baseline` (which it needs); waiver problems still exit 2.
    case new
}

/// Options shared by every command that writes reports (`assess`, `evaluate`).
struct ReportOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Report folder (default: Reports/<assessment name>).", valueName: "dir"))
    var output: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Report formats to write.")
    var format: [ReportFormat] = [.json, .html]

    @Option(name: .long, help: "Lowest verdict that makes the exit status non-zero besides failures.")
    var failOn: FailOn = .fail

    @Flag(name: .shortAndLong, help: "Print only the verdict line (and no progress line while logs are scanned or keys collected).")
    var quiet = false

    @Option(name: .long, help: ArgumentHelp("A previous report.json, the report folder holding it, or an evidence bundle: each finding is classified new, fixed, changed or unchanged.",
                                            valueName: "report"))
    var baseline: String?

    func validate() throws {
        if format.isEmpty { throw ValidationError("--format needs at least one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") }
        if failOn == .new && baseline == nil { throw ValidationError("--fail-on new needs --baseline PREVIOUS/report.json to tell new failures from known ones.") }
    }
}

/// The waiver file in force (`--waivers`), replacing the one the assessment file or bundle names.
struct WaiverOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A waiver file (README, \"Waivers\"); replaces the assessment file's `waivers:` or the bundle's.",
                                            valueName: "waivers.yaml"))
    var waivers: String?
}

/// Options that fix the assessment time.
struct ClockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Assessment time (RFC 3339); default: audit.yaml as_of, SOURCE_DATE_EPOCH, or now.",
                                            valueName: "date-time"))
    var asOf: String?

    func validate() throws {
        if let asOf, case .failure(let why) = DateParsing.read(asOf) {
            throw ValidationError("--as-of '\(Console.neutralize(asOf))' is not a date: \(why.reason). Write an RFC 3339 date-time such as 2026-11-01T00:00:00Z.")
        }
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
            throw Console.fail(e)
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
                throw Console.fail(e)
            }
        }
        return catalog
    }

    /// Collects every source and target of a plan (observations), printing progress on stderr.
    static func collect(_ plan: AssessmentPlan, now: Date, quiet: Bool) async -> FactSet {
        await collect(plan, now: now, quiet: quiet, shard: nil).facts
    }

    /// Collects the units of `shard` of a plan (everything when nil), printing progress on stderr; with the shard's
    /// record for the bundle.
    static func collect(_ plan: AssessmentPlan, now: Date, quiet: Bool, shard: Shard?) async -> (facts: FactSet, shard: ShardRecord?) {
        // The progress line of log scans and live collection: on a terminal only, never with -q (ScanProgress.shouldShow).
        // Every line goes through the run's credential scrubber, as every other console line does.
        let progress = ScanProgress.shouldShow(quiet: quiet) ? ScanProgress(write: { text in
            FileHandle.standardError.write(Data(credentials.scrub(text).utf8))
        }) : nil
        let context = CollectionContext(now: now, window: plan.file?.window, credentials: credentials, progress: progress)
        if !quiet {
            Console.error("Collecting \(plan.name)\(shard.map { " (shard \($0))" } ?? ""): \(plan.sources.count) file(s), \(plan.file?.targets.count ?? 0) target(s)")
        }
        let (facts, notes, record) = await CollectionRunner(registry: registry).collect(plan, context: context, shard: shard,
                                                                                         toolVersion: CEKAuditVersion.current)
        progress?.finish()
        if !quiet { for n in notes { Console.error("  \(n.locator): \(n.text)") } }
        for d in facts.diagnostics where d.severity >= .warning { Console.error("\(d)") }
        return (facts, record)
    }

    /// The evaluation inputs of a plan: its assessment file's parameters and trust settings, and the waivers in force.
    static func inputs(_ plan: AssessmentPlan, now: Date, waivers: WaiverSet? = nil) -> Evaluation.Inputs {
        var inputs = Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: now)
        inputs.waivers = waivers
        if let waivers { inputs.settings.origins["waivers"] = waivers.source }
        return inputs
    }

    /// Runs a loader of a user-named input: exit 64 when it cannot be read, 65 when it is invalid.
    static func load<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as CEKAuditError {
            throw Console.fail(e)
        }
    }

    /// The waiver file in force for a plan: `--waivers`, else the assessment file's `waivers:`, validated against the
    /// catalog.
    static func waivers(_ plan: AssessmentPlan, catalog: Catalog, override: String?) throws -> WaiverSet? {
        try load { () throws -> WaiverSet? in
            if let override { return try Evaluation.waivers(path: override, root: plan.root, catalog: catalog) }
            guard let file = plan.file, let path = plan.filePath else { return nil }
            return try Evaluation.waivers(of: file, filePath: path, root: plan.root, catalog: catalog)
        }
    }

    /// The findings of a baseline: a `report.json`, a folder holding one, or an evidence bundle (evaluated now with
    /// the settings and waivers it recorded).
    /// - Parameter catalog: needed for a bundle; `nil` refuses one (exit 64).
    static func baseline(_ path: String, catalog: Catalog?) throws -> Comparison.Snapshot {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            Console.error("\(path): error: the baseline does not exist. Fix: name a previous report.json, its folder, or an evidence bundle.")
            throw CEKExit.usage
        }
        var file = path
        if isDir.boolValue {
            if FileManager.default.fileExists(atPath: path + "/manifest.json") {
                guard let catalog else {
                    Console.error("\(path): error: an evidence bundle needs a control catalog to be evaluated. Fix: pass --controls.")
                    throw CEKExit.usage
                }
                let (facts, settings): (FactSet, EvidenceBundle.Settings)
                do { (facts, settings) = try EvidenceBundle.read(path) } catch let e as EvidenceBundle.Failure {
                    Console.error("\(e.errorDescription ?? "\(e)")")
                    throw CEKExit.invalidInput
                }
                let inputs = Evaluation.Inputs(name: settings.name, parameters: settings.parameters, checks: settings.checks,
                                               settings: settings.analysis, now: settings.collectedAt, waivers: settings.waivers)
                return Comparison.Snapshot(Evaluation.evaluate(facts, catalog: catalog, inputs: inputs, toolVersion: CEKAuditVersion.current,
                                                               registry: registry).0)
            }
            file = path + "/report.json"
        }
        return try load { () throws -> Comparison.Snapshot in
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw CEKAuditError.unreadable(file: file, detail: error.localizedDescription)
            }
            return try Comparison.Snapshot.decode(data, file: file)
        }
    }

    /// Normalizes and evaluates observations, compares with the baseline, writes the reports, prints the summary;
    /// returns the report.
    /// - Parameter root: the assessment folder as given (GitHub annotations prefix it to evidence paths).
    /// - Parameter observations: taken over (pass the last copy with `consume`: they are normalized in place).
    static func report(_ observations: consuming FactSet, catalog: Catalog, inputs: Evaluation.Inputs, options: ReportOptions,
                       root: String? = nil) throws -> AssessmentReport {
        let (evaluated, catalogDiagnostics) = Evaluation.evaluate(consume observations, catalog: catalog, inputs: inputs, toolVersion: CEKAuditVersion.current,
                                                                  registry: registry)
        var report = evaluated
        for d in catalogDiagnostics where d.severity >= .warning { Console.error("\(d)") }
        if let path = options.baseline {
            let before = try baseline(path, catalog: catalog)
            report.comparison = Comparison.compare(.init(report), with: before, source: AssessmentPlan.displayPath(path))
        }
        let folder = options.output ?? "Reports/\(inputs.name)"
        // CEK_AUDIT_REPORT_TIMINGS=1 prints each report file's size and write time on stderr (Benchmarks/report-scale.sh).
        let timings: ((String, Int, Duration) -> Void)? = ProcessInfo.processInfo.environment["CEK_AUDIT_REPORT_TIMINGS"] == "1"
            ? { name, size, took in
                let ms = Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15
                Console.error("report-timing: \(name) \(size) bytes written in \(Int(ms.rounded())) ms")
            } : nil
        do { try Evaluation.write(report, formats: options.format, to: folder, root: root, credentials: credentials, written: timings) } catch let e as CEKAuditError {
            Console.error("\(e.errorDescription ?? "\(e)") (The reports go to \(folder); choose another folder with --output.)")
            throw CEKExit.usage
        } catch {
            Console.error("\(folder): error: cannot write the reports: \(String(describing: error))")
            throw CEKExit.usage
        }
        printSummary(report, folder: folder, options: options)
        // Waivers that need attention are warnings, printed like diagnostics even with --quiet.
        do {
            for s in report.waivers?.waivers ?? [] where s.state != .active { Console.error("\(report.waivers?.source ?? "waivers"):\(s.waiver.line ?? 0): \(s.state.rawValue): \(s.message)") }
        }
        if let c = report.comparison {
            Console.out("Compared with \(c.baseline.source): \(c.counts["new"] ?? 0) new, \(c.counts["fixed"] ?? 0) fixed, \(c.counts["changed"] ?? 0) changed, \(c.counts["unchanged"] ?? 0) unchanged")
        }
        if options.format.contains(.github), let annotations = try? ReportFormat.github.render(report, root: root) {
            FileHandle.standardOutput.write(annotations)
        }
        return report
    }

    static func printSummary(_ report: AssessmentReport, folder: String, options: ReportOptions) {
        let counts = report.summary.results
        let line = "\(report.catalog.control) \(report.assessment): \(report.summary.verdict.rawValue) — "
            + "\(counts.fail) fail, \(counts.inconclusive) inconclusive, \(counts.manual) manual, \(counts.pass) pass, "
            + "\(counts.notApplicable) not applicable"
        if options.quiet { Console.out("\(line)"); return }
        Console.out("\(report.catalog.control) \(report.catalog.title) (\(report.catalog.framework) \(report.catalog.frameworkVersion)) — \(report.assessment)")
        for g in report.guidelines {
            Console.out("  \(g.id.padding(toLength: 6, withPad: " ", startingAt: 0)) \(g.verdict.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(g.title)")
        }
        for a in report.caiq { Console.out("\(a.id) proposed answer: \(a.answer.rawValue) (\(a.ownership))") }
        let failing = report.results.filter { $0.verdict == .fail }
        for r in failing.prefix(20) { Console.out("  FAIL \(r.check): \(r.message)") }
        if failing.count > 20 { Console.out("  … and \(failing.count - 20) more failures in the report") }
        Console.out("\(line)")
        let files = options.format.flatMap { [$0.fileName] + $0.companionFileNames }
        Console.out("Reports: \(files.map { "\(folder)/\($0)" }.joined(separator: ", "))")
    }

    /// Exit status after the reports are written: 69 for an unreachable required target; 1 for failures (with
    /// `--fail-on new`, for new failures only); 2 when a waiver expired or the waiver register fails AG-7 and nothing
    /// else counts as a failure; 2 for inconclusive/manual beyond `--fail-on`.
    static func exit(for report: AssessmentReport, unreachable: [String], failOn: FailOn) throws {
        if !unreachable.isEmpty {
            Console.error("error: required target(s) unreachable: \(unreachable.joined(separator: ", ")); the reports mark what they should have supplied as inconclusive.")
            throw CEKExit.unavailable
        }
        let aboutWaivers: (CheckResult) -> Bool = { $0.subject?.type == ResourceType.waiver.rawValue }
        var failing = report.results.filter { $0.verdict == .fail && !aboutWaivers($0) }
        if failOn == .new {
            let new = Set(report.comparison?.findings(.new).map(\.id) ?? [])
            failing = failing.filter { new.contains($0.id) }
        }
        if !failing.isEmpty { throw CEKExit.failures }
        let expired = report.waivers?.waivers(in: .expired) ?? []
        if !expired.isEmpty || report.results.contains(where: { $0.verdict == .fail && aboutWaivers($0) }) {
            let what = expired.isEmpty ? "a waiver fails CEK08-AG7 (see the report)" : "expired waiver(s) \(expired.map(\.waiver.id).joined(separator: ", "))"
            Console.error("error: the waiver register needs attention: \(what).")
            throw CEKExit.inconclusive
        }
        let c = report.summary.results
        switch failOn {
        case .fail, .new: return
        case .inconclusive: if c.inconclusive > 0 { throw CEKExit.inconclusive }
        case .manual: if c.inconclusive > 0 || c.manual > 0 { throw CEKExit.inconclusive }
        }
    }

    /// The settings a bundle keeps for evaluation.
    static func settings(_ plan: AssessmentPlan, now: Date, unreachable: [String] = [], waivers: WaiverSet? = nil) -> EvidenceBundle.Settings {
        var settings = EvidenceBundle.Settings(name: plan.name, collectedAt: now, parameters: plan.file?.parameters ?? [:],
                                               checks: plan.file?.checkParameters ?? [:], controls: plan.file?.controls.map { c in
                                                   AssessmentPlan.displayPath(c.hasPrefix("/") ? c : plan.root + "/" + c)
                                               }, unreachableTargets: unreachable.isEmpty ? nil : unreachable,
                                               analysis: inputs(plan, now: now, waivers: waivers).settings)
        settings.waivers = waivers
        return settings
    }

    static func requiredUnreachable(_ plan: AssessmentPlan, _ facts: FactSet) -> [String] {
        let required = Set((plan.file?.targets ?? []).filter(\.required).map(\.name))
        return facts.unreachableTargets.filter { required.contains($0) }
    }
}
