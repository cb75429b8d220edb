import CEKAuditCore
import Foundation

/// Holds the journal of a probe run while it runs, so the part recorded before an interruption (SIGINT, SIGTERM,
/// a timeout: task cancellation) survives for cleanup and the report. Thread-safe; steps run one after another.
public final class ProbeRecorder: @unchecked Sendable {
    // @unchecked: every access to `journal` holds `lock`.
    private let lock = NSLock()
    private var journal: ProbeJournal

    /// - Parameters:
    ///   - target: the target's name in `audit.yaml`.
    ///   - kind: its collector kind.
    ///   - run: the run, whose tag every created resource carries.
    public init(target: String, kind: String, run: ProbeRun) {
        journal = ProbeJournal(target: target, kind: kind, runTag: run.tag)
        hold = Self.hold(ProcessInfo.processInfo.environment["CEK_AUDIT_PROBE_HOLD"])
    }

    /// `CEK_AUDIT_PROBE_HOLD=STEP:SECONDS` pauses the run after the step named STEP for SECONDS (at most 600), so that an
    /// interruption (SIGINT, SIGTERM, a kill) can be shown to land mid-run: the tests of cleanup use it, and an operator
    /// can use it to rehearse an interrupted run. The pause ends at once when the run is cancelled.
    let hold: (step: String, seconds: Double)?

    static func hold(_ text: String?) -> (step: String, seconds: Double)? {
        guard let text, let colon = text.lastIndex(of: ":"), let seconds = Double(text[text.index(after: colon)...]),
              seconds > 0, seconds <= 600 else { return nil }
        let step = String(text[..<colon])
        return step.isEmpty ? nil : (step, seconds)
    }

    /// The journal as recorded so far.
    public var snapshot: ProbeJournal { lock.withLock { journal } }

    /// Records a step.
    public func record(_ step: ProbeStep) { lock.withLock { journal.steps.append(step) } }

    /// Records a resource the probe created (before anything else can fail, so cleanup knows it).
    public func created(_ kind: String, _ name: String) { lock.withLock { journal.created.append(ProbeResource(kind: kind, name: name)) } }

    /// Records a resource whose creation request got no answer (the run was interrupted or timed out while it was in
    /// flight): the server may have created it. Cleanup tries to remove it; ``forget(_:_:)`` drops it when the server
    /// says it does not exist.
    public func unconfirmed(_ kind: String, _ name: String) {
        lock.withLock { journal.created.append(ProbeResource(kind: kind, name: name, cleanup: ProbeResource.unconfirmed)) }
    }

    /// Drops an unconfirmed resource the server does not have (its creation never happened).
    public func forget(_ kind: String, _ name: String) {
        lock.withLock { journal.created.removeAll { $0.kind == kind && $0.name == name && $0.cleanup == ProbeResource.unconfirmed } }
    }

    /// Sets the cleanup result of a created resource (`removed`, `scheduled-for-deletion`, `left: <why>`).
    public func cleaned(_ kind: String, _ name: String, _ result: String) {
        lock.withLock {
            for i in journal.created.indices where journal.created[i].kind == kind && journal.created[i].name == name {
                journal.created[i].cleanup = result
            }
        }
    }

    /// Marks the run finished: completed, or stopped with the reason.
    public func finish(completed: Bool, interruption: String?) {
        lock.withLock {
            journal.completed = completed
            journal.interruption = interruption
        }
    }

    /// Runs one step: skipped when the task is already cancelled (the run was interrupted), timed, and recorded.
    /// The body returns the step; its duration is measured here. A step whose task was cancelled while it ran is
    /// recorded as skipped (interrupted), never as a failure of the service.
    @discardableResult
    public func step(_ name: String, _ operation: String, request: String, _ body: () async -> ProbeStep) async -> ProbeStep {
        if Task.isCancelled {
            let s = ProbeStep(step: name, operation: operation, request: request, outcome: .skipped, detail: "not attempted: the run was interrupted")
            record(s)
            return s
        }
        let clock = ContinuousClock()
        let start = clock.now
        var s = await body()
        s.step = name
        s.operation = operation
        if s.request.isEmpty { s.request = request }
        let elapsed = clock.now - start
        s.durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        if Task.isCancelled && s.outcome != .performed && s.outcome != .refusedAsExpected {
            s.outcome = .skipped
            s.detail = "interrupted while it ran"
        }
        record(s)
        if let hold, hold.step == name, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(hold.seconds * 1_000_000_000))
        }
        return s
    }

    /// Records a step that was not attempted because `reason` (an earlier step it depends on did not succeed).
    public func skip(_ name: String, _ operation: String, request: String, because reason: String) {
        record(ProbeStep(step: name, operation: operation, request: request, outcome: .skipped, detail: "not attempted: \(reason)"))
    }
}

/// The active probe of one kind of live target (issue 15): opt-in, for `sandbox: true` targets only. One
/// implementation per provider family; the kit's registry lists them by ``kind``.
public protocol TargetProber: Sendable {
    /// The target kind it probes (`openbao`, `aws-kms`).
    var kind: String { get }
    /// The steps and calls a run would make, for `--plan`; nothing is sent.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` for invalid target options.
    func plan(_ target: AssessmentFile.Target, run: ProbeRun) throws -> [ProbePlanStep]
    /// Runs the probe into `recorder`, then cleans up what it created — on success, failure and cancellation alike
    /// (the cleanup runs in a task of its own, not cancelled). Never throws: problems are steps of the journal.
    func probe(_ target: AssessmentFile.Target, run: ProbeRun, context: CollectionContext, recorder: ProbeRecorder) async
    /// Finds resources tagged by earlier runs (``ProbeRun/tagPrefix``) and removes them or schedules their deletion.
    /// - Returns: what was found, with the result of each; `failure` when the target could not be searched.
    func removeLeftovers(_ target: AssessmentFile.Target, context: CollectionContext) async -> (found: [ProbeResource], failure: String?)
}
