import CEKAuditCollectorKit
import CEKAuditKit
import CEKAuditCore
import CEKAuditReporters
import CEKAuditTestSupport
import Foundation
import Logging
import Testing

/// Runs one live collector against a ``HostileServer`` the way `cek-audit collect` and `assess` do — collection with a
/// fresh credential registry, the evidence bundle, evaluation and every report format — and checks what any hostile
/// run must give: no credential, in any encoding, in the observations or any file written; a bundle that reads back;
/// and nothing that was cut short passes.
struct HostileServerRun {
    var server: HostileServer
    var facts: FactSet
    var results: [CheckResult]
    var folder: URL

    /// Collects `target` (which points at `server`) with `collector`, then writes and re-reads every output under a
    /// temporary folder. The run owns the server: ``cleanUp()`` stops it.
    static func run(_ server: HostileServer, _ collector: any LiveCollector, _ target: AssessmentFile.Target) async throws -> HostileServerRun {
        let credentials = CredentialScrubber()
        let context = CollectionContext(now: Fixtures.now, credentials: credentials)
        let observations = await collector.collect(target, context: context, logger: Logger(label: "hostile"))
        // The writing is long and synchronous: it runs on a thread of its own, not on one the tests' tasks share.
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<HostileServerRun, any Error>) in
            Thread.detachNewThread {
                c.resume(with: Result { try write(observations, credentials: credentials, server: server) })
            }
        }
    }

    static func write(_ observations: FactSet, credentials: CredentialScrubber, server: HostileServer) throws -> HostileServerRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cek-hostile-\(UUID().uuidString)")
        let bundle = folder.appendingPathComponent("bundle").path
        try EvidenceBundle.write(observations, settings: EvidenceBundle.Settings(name: "hostile", collectedAt: Fixtures.now, parameters: [:],
                                                                                checks: [:], controls: nil),
                                 to: bundle, toolVersion: "test", credentials: credentials)
        _ = try EvidenceBundle.read(bundle)
        let (report, _) = Evaluation.evaluate(observations, catalog: try Fixtures.catalog(),
                                              inputs: Evaluation.inputs(name: "hostile", file: nil, origin: nil, now: Fixtures.now),
                                              toolVersion: "test")
        try Evaluation.write(report, formats: ReportFormat.allCases, to: folder.appendingPathComponent("reports").path, credentials: credentials)
        let facts = NormalizeStage.run(observations, settings: AnalysisSettings())
        return HostileServerRun(server: server, facts: facts, results: report.results, folder: folder)
    }

    /// No form of any of `secrets` in the observations themselves (before any writer scrubbed them), in any file of
    /// the bundle or the reports, or in the diagnostics the console would print.
    func expectNoCredential(_ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoder = JSONEncoder()
        let observed = try encoder.encode(facts.resources) + encoder.encode(facts.coverage) + encoder.encode(facts.evidence)
        #expect(CredentialForms.leaks(in: observed, secrets: secrets).isEmpty, "in the observations", sourceLocation: sourceLocation)
        for (id, bytes) in try facts.heldPayloads() {
            #expect(CredentialForms.leaks(in: bytes, secrets: secrets).isEmpty, "in evidence payload \(id)", sourceLocation: sourceLocation)
        }
        let console = facts.diagnostics.map(\.description).joined(separator: "\n")
        #expect(CredentialForms.leaks(in: console, secrets: secrets).isEmpty, "in the diagnostics", sourceLocation: sourceLocation)
        #expect(CredentialForms.leaks(under: folder, secrets: secrets) == [], sourceLocation: sourceLocation)
    }

    /// Every failed source has checks that are inconclusive over it and none that pass; at least one exists.
    func expectCutShortIsInconclusive(sourceLocation: SourceLocation = #_sourceLocation) {
        let failed = facts.coverage.filter { $0.status == .failed }
        #expect(!failed.isEmpty, "something was cut short", sourceLocation: sourceLocation)
        var inconclusive = 0
        for row in failed {
            let onRow = results.filter { $0.subject?.id == row.source }
            #expect(!onRow.contains { $0.verdict == .pass }, "\(row.source) passes", sourceLocation: sourceLocation)
            inconclusive += onRow.filter { $0.verdict == .inconclusive }.count
        }
        #expect(inconclusive > 0, "no check is inconclusive over a failed source", sourceLocation: sourceLocation)
        #expect(!facts.hasInventory(of: .key) || facts.resources(of: .key).contains { $0["spec"]?.isKnown == false },
                "the keys are either no complete inventory or have unknown facts", sourceLocation: sourceLocation)
    }

    /// A body over `limit` bytes was refused: a failed source says so, and what it should have given is inconclusive.
    func expectBodyRefused(over limit: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(facts.coverage.contains { $0.status == .failed && ($0.detail ?? "").contains("larger than \(limit) bytes") },
                sourceLocation: sourceLocation)
        expectCutShortIsInconclusive(sourceLocation: sourceLocation)
    }

    /// Stops the server and removes what was written.
    func cleanUp() {
        server.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}
