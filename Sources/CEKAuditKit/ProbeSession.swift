import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Active probes of an assessment's sandbox targets (issue 15): which targets may be probed, running them one after
/// another, and turning their journals into observations. Opt-in only: `cek-audit probe` and `assess --probe` call it;
/// nothing else does.
public enum ProbeSession {
    /// A target that will not be probed, and why (one sentence naming it).
    public struct Refusal: Sendable, Hashable {
        public var target: String
        public var reason: String
    }

    /// Splits targets into those that may be probed (`sandbox: true` and a prober for their kind) and those refused.
    /// - Parameter only: target names to restrict to (`--target`); empty for every target.
    public static func select(_ targets: [AssessmentFile.Target], registry: CollectorRegistry,
                              only: [String] = []) -> (probe: [(AssessmentFile.Target, any TargetProber)], refused: [Refusal]) {
        var probe: [(AssessmentFile.Target, any TargetProber)] = []
        var refused: [Refusal] = []
        for t in targets where only.isEmpty || only.contains(t.name) {
            guard t.sandbox else {
                refused.append(Refusal(target: t.name, reason: "target \(t.name) (\(t.kind)) is not marked `sandbox: true` in \(t.file), so it is never probed: probes create, use and delete keys"))
                continue
            }
            guard let p = registry.prober(for: t.kind) else {
                let kinds = registry.probers.map(\.kind).sorted().joined(separator: ", ")
                refused.append(Refusal(target: t.name, reason: "target \(t.name): this build cannot probe \(t.kind) targets (probes exist for: \(kinds))"))
                continue
            }
            probe.append((t, p))
        }
        return (probe, refused)
    }

    /// Probes each target in turn, cleanup included; returns the journals in target order. Cancellation (a signal or
    /// a timeout) stops the steps, never the cleanup.
    public static func run(_ targets: [(AssessmentFile.Target, any TargetProber)], run: ProbeRun,
                           context: CollectionContext) async -> [ProbeJournal] {
        var journals: [ProbeJournal] = []
        for (t, p) in targets {
            let recorder = ProbeRecorder(target: t.name, kind: t.kind, run: run)
            if Task.isCancelled {
                recorder.finish(completed: false, interruption: "the run was interrupted before this target")
            } else {
                await p.probe(t, run: run, context: context, recorder: recorder)
            }
            journals.append(recorder.snapshot)
        }
        return journals
    }

    /// The journals as observations (evidence items and `capability` facts), collector `probe`.
    public static func facts(_ journals: [ProbeJournal], now: Date) -> FactSet {
        var out = FactSet()
        for j in journals { out.merge(j.facts(collector: "probe", now: now)) }
        return out
    }
}
