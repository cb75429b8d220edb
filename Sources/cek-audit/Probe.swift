import ArgumentParser
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Dispatch
import Foundation

/// The flags `probe` and `assess --probe` share.
struct ProbeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Seconds the probe steps may take per run before they are stopped and cleanup runs.", valueName: "seconds"))
    var probeTimeout: Int = 300

    @Option(name: .long, help: ArgumentHelp("Run id put in every created resource's name (cek-audit-probe-<id>); default: random.", valueName: "id"))
    var runID: String?

    func validate() throws {
        if !(1...3600).contains(probeTimeout) { throw ValidationError("--probe-timeout takes 1 to 3600 seconds.") }
        if let runID, !ProbeRun.isValid(runID) {
            throw ValidationError("--run-id '\(Console.neutralize(runID))' must be 1 to 32 lowercase letters, digits or hyphens.")
        }
    }

    /// Runs the probes of `targets` with cleanup, stopping the steps (never the cleanup) on SIGINT, SIGTERM or the
    /// timeout. Returns the journals.
    func run(_ targets: [(AssessmentFile.Target, any TargetProber)], context: CollectionContext, quiet: Bool) async -> [ProbeJournal] {
        let run = ProbeRun(id: runID)
        if !quiet { Console.error("Probing \(targets.count) sandbox target(s), run \(run.tag) (SIGINT or SIGTERM stops the steps; cleanup still runs)") }
        let task = Task { await ProbeSession.run(targets, run: run, context: context) }
        let trap = SignalTrap([SIGINT, SIGTERM]) { signal in
            Console.error("Received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping the probe steps and cleaning up…")
            task.cancel()
        }
        let seconds = probeTimeout
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
            if !Task.isCancelled {
                Console.error("The probe timeout (\(seconds) s) passed: stopping the probe steps and cleaning up…")
                task.cancel()
            }
        }
        let journals = await task.value
        timer.cancel()
        trap.release()
        return journals
    }
}

/// Turns SIGINT and SIGTERM into a callback instead of ending the process, until ``release()``.
final class SignalTrap: @unchecked Sendable {
    // @unchecked: `sources` is written in init and release only, both on the calling task.
    private var sources: [any DispatchSourceSignal] = []
    private let signals: [Int32]

    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: DispatchQueue.global())
            source.setEventHandler { handler(s) }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handling.
    func release() {
        for s in sources { s.cancel() }
        sources = []
        for s in signals { signal(s, SIG_DFL) }
    }
}

extension CEKAudit {
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exercise key management in sandbox targets: create, use, rotate, revoke, import and delete a throw-away key.",
            discussion: """
            Opt-in active probes (README, "Probes"). Only targets marked `sandbox: true` in audit.yaml are probed; any \
            other is refused. Every created resource carries cek-audit-probe-<run> in its name, alias or tags, and is \
            removed (or scheduled for deletion) when the run ends: on success, failure, timeout, SIGINT or SIGTERM. \
            --plan prints the steps and calls without making them; --cleanup removes what an interrupted run left. \
            Exit status: 0 every step as expected; 1 a step failed, a control was not enforced, or something was left \
            behind; 2 a step was not supported by the endpoint or the run was interrupted; 64 no target may be probed.
            """)

        @Argument(help: ArgumentHelp("Assessment folder or audit.yaml naming the targets.", valueName: "path"))
        var path: String

        @Flag(name: .long, help: "Print the steps and calls per target without making them.")
        var plan = false

        @Flag(name: .long, help: "Find resources tagged cek-audit-probe-* in the sandbox targets and remove them or schedule their deletion.")
        var cleanup = false

        @Option(name: .long, help: ArgumentHelp("Probe only this target (repeatable).", valueName: "name"))
        var target: [String] = []

        @Option(name: .long, help: ArgumentHelp("Folder for journal.json per target (default: Reports/<assessment name>/probe).", valueName: "dir"))
        var output: String?

        @OptionGroup var probe: ProbeOptions

        @Flag(name: .shortAndLong, help: "Print only the outcome lines.")
        var quiet = false

        func validate() throws {
            if plan && cleanup { throw ValidationError("--plan and --cleanup exclude each other.") }
        }

        func run() async throws {
            let plan = try Pipeline.plan(path)
            guard let file = plan.file else {
                Console.error("\(path): error: probes need an audit.yaml naming targets. Fix: add a targets: entry with sandbox: true.")
                throw CEKExit.usage
            }
            do { try Pipeline.registry.validate(file.targets) } catch let e as CEKAuditError { throw Console.fail(e) }
            for name in target where !file.targets.contains(where: { $0.name == name }) {
                Console.error("error: --target \(name): no target of that name in \(plan.filePath ?? path).")
                throw CEKExit.usage
            }
            let (selected, refused) = ProbeSession.select(file.targets, registry: Pipeline.registry, only: target)
            for r in refused { Console.error("refused: \(r.reason)") }
            guard !selected.isEmpty else {
                Console.error("error: no target may be probed. Fix: mark a throw-away target `sandbox: true` in \(plan.filePath ?? path).")
                throw CEKExit.usage
            }
            let context = CollectionContext(now: Date(), credentials: Pipeline.credentials)
            if self.plan { return try printPlan(selected) }
            if cleanup { return try await removeLeftovers(selected, context: context) }
            let journals = await probe.run(selected, context: context, quiet: quiet)
            let folder = output ?? "Reports/\(plan.name)/probe"
            for j in journals {
                for line in j.summary.split(separator: "\n") { Console.out("\(String(line))") }
                do {
                    let dir = folder + "/" + j.target
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try Pipeline.credentials.scrub(j.encoded()).write(to: URL(fileURLWithPath: dir + "/journal.json"))
                    if !quiet { Console.out("Journal: \(dir)/journal.json") }
                } catch {
                    Console.error("\(folder): error: cannot write the journal: \(error.localizedDescription)")
                    throw CEKExit.usage
                }
            }
            let steps = journals.flatMap(\.steps)
            if steps.contains(where: { $0.outcome == .failed || $0.outcome == .notEnforced }) || journals.contains(where: { !$0.leftBehind.isEmpty }) {
                throw CEKExit.failures
            }
            if journals.contains(where: { !$0.completed || !$0.uncertain.isEmpty })
                || steps.contains(where: { $0.outcome == .notSupportedByEndpoint || $0.outcome == .skipped }) {
                throw CEKExit.inconclusive
            }
        }

        private func printPlan(_ selected: [(AssessmentFile.Target, any TargetProber)]) throws {
            let run = ProbeRun(id: probe.runID ?? "RUN")
            for (t, p) in selected {
                let steps: [ProbePlanStep]
                do { steps = try p.plan(t, run: run) } catch let e as CEKAuditError { throw Console.fail(e) }
                Console.out("Probe plan for \(t.name) (\(t.kind)), run tag \(run.tag) — nothing is sent:")
                for (i, s) in steps.enumerated() {
                    Console.out("  \(i + 1). \(s.step) [\(s.operation)] expects \(s.expect.rawValue): \(s.purpose)")
                    for c in s.calls { Console.out("       \(c)") }
                }
            }
        }

        private func removeLeftovers(_ selected: [(AssessmentFile.Target, any TargetProber)], context: CollectionContext) async throws {
            var failed = false
            for (t, p) in selected {
                let (found, failure) = await p.removeLeftovers(t, context: context)
                if let failure {
                    Console.error("\(t.name): error: leftovers could not be searched: \(failure)")
                    failed = true
                    continue
                }
                Console.out("\(t.name): \(found.count) probe resource(s) found")
                for r in found {
                    Console.out("  \(r.kind) \(r.name): \(r.cleanup)")
                    if r.cleanup != "removed" && r.cleanup != "scheduled-for-deletion" { failed = true }
                }
            }
            if failed { throw CEKExit.failures }
        }
    }
}
