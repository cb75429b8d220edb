import CEKAuditCore
import Foundation
import Logging

/// A collector that probes a live key-management service through its API (AWS KMS, OpenBao / Vault …).
///
/// It is read-only unless the assessment asks for probes; it turns every failed call into unknown facts on exactly
/// the resources that call should have described (never a dropped resource, never a pass), names the error in a
/// diagnostic, and keeps credentials out of evidence, logs and reports.
public protocol TargetCollector: Sendable {
    /// The `kind:` this collector serves in the assessment file.
    var kind: String { get }
    /// Resource types a successful collection supplies.
    var suppliedTypes: [ResourceType] { get }
    /// Checks the target's options before anything is collected.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the option and the fix.
    func validate(_ target: AssessmentFile.Target) throws
    /// Collects facts and evidence. Unreachable targets are listed in ``FactSet/unreachableTargets``.
    func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet
}

/// The target collectors this build knows, by kind. Add a collector here to make its kind usable in `targets:`.
public enum TargetCollectors {
    public static let all: [any TargetCollector] = [AWSKMSCollector(), OpenBaoTargetCollector()]

    /// The collector for `kind`.
    public static func collector(for kind: String) -> (any TargetCollector)? {
        all.first { $0.kind == kind }
    }

    /// Validates every target of an assessment file: known kind, valid options.
    /// - Throws: ``CEKAuditError`` naming the file and line.
    public static func validate(_ targets: [AssessmentFile.Target]) throws {
        for t in targets {
            guard let c = collector(for: t.kind) else {
                let known = all.map(\.kind).sorted()
                throw t.error("unknown target kind", fix: known.isEmpty ? "this build has no live collectors" : "use one of \(known.joined(separator: ", "))")
            }
            try c.validate(t)
        }
    }
}
