import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation

/// Shared helpers: fixture paths, the project's catalog, and a one-call assessment of a fixture folder.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// 2026-11-01T00:00:00Z: the fixed assessment time of every test.
    static let now = Date(timeIntervalSince1970: 1_793_491_200)

    static func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

    static func catalog() throws -> Catalog {
        try CatalogLoader.load(path: packageRoot.appendingPathComponent("Controls/CEK-08.yaml").path)
    }

    /// Collects a fixture file or folder the way `cek-audit assess` does: observations, then the normalize stage
    /// with the assessment file's settings plus `trusted` accounts.
    static func collect(_ relative: String, trusted: Set<String> = []) async throws -> FactSet {
        let plan = try AssessmentPlan.make(path: path(relative))
        let observations = await CollectionRunner().collect(plan, context: CollectionContext(now: now, window: plan.file?.window)).0
        var settings = Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: now).settings
        settings.trustedAccounts = Array(Set(settings.trustedAccounts).union(trusted)).sorted()
        return NormalizeStage.run(observations, settings: settings)
    }

    /// Runs a plan through the collection runner (live collectors replaced by `collectors`), then the normalize
    /// stage with the plan's settings.
    static func runPlan(_ plan: AssessmentPlan, collectors: [any EvidenceCollector] = []) async -> (FactSet, [CollectionRunner.Note]) {
        let (observations, notes) = await CollectionRunner(registry: CollectorRegistry.builtIn.replacing(collectors))
            .collect(plan, context: CollectionContext(now: now, window: plan.file?.window))
        let settings = Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: now).settings
        return (NormalizeStage.run(observations, settings: settings), notes)
    }

    /// Recognises bytes by content as if they were the file `name` (written to a temporary folder).
    static func recognize(_ name: String, data: Data) throws -> ContentRecognizer.Outcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-recognize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return ContentRecognizer(registry: .builtIn).recognize(SourceFile(path: url.path, locator: name))
    }

    /// The kind a file is recognised as, or `nil` when skipped or invalid.
    static func recognizedKind(_ name: String, data: Data) throws -> String? {
        if case .recognized(let c, _) = try recognize(name, data: data) { return c.kind }
        return nil
    }

    /// Collects and evaluates; returns the results.
    static func assess(_ relative: String, trusted: Set<String> = []) async throws -> [CheckResult] {
        let facts = try await collect(relative, trusted: trusted)
        return RulesEngine(catalog: try catalog(), now: now).evaluate(facts)
    }

    /// Parses a document and runs one collector on it (the input carries its path on disk, so collectors can follow
    /// references relative to it).
    static func run(_ collector: any DocumentCollector, _ relative: String, account: String? = nil) throws -> FactSet {
        let url = folder.appendingPathComponent(relative)
        return try run(collector, data: try Data(contentsOf: url), locator: relative, path: url.path, account: account)
    }

    /// Runs one collector on bytes given in the test, as if they were the file at `path`, then the normalize stage
    /// (with `trusted` accounts), so tests see the derived facts a report shows.
    static func run(_ collector: any DocumentCollector, data: Data, locator: String, path: String? = nil, account: String? = nil,
                    trusted: [String] = []) throws -> FactSet {
        let doc = try ParsedDocument(data: data, locator: locator)
        let observations = collector.collect(doc, input: SourceInput(locator: locator, data: data, account: account, path: path),
                                             context: CollectionContext(now: now))
        return NormalizeStage.run(observations, settings: AnalysisSettings(trustedAccounts: trusted))
    }

    /// Assesses a fixture file or folder the way `cek-audit assess` does and builds the report model.
    static func report(_ relative: String, parameters: [String: FactValue] = [:]) async throws -> AssessmentReport {
        let facts = try await collect(relative)
        let catalog = try catalog()
        let engine = RulesEngine(catalog: catalog, globalParameters: parameters, now: now)
        return AssessmentBuilder.build(name: "test", catalog: catalog, facts: facts, engine: engine, toolVersion: "test")
    }
}

extension Array where Element == CheckResult {
    /// Verdicts of one check, by subject name.
    func verdicts(_ check: String) -> [String: Verdict] {
        var out: [String: Verdict] = [:]
        for r in self where r.check == check { out[r.subject?.name ?? "-"] = r.verdict }
        return out
    }
}

extension FactSet {
    func resource(_ type: ResourceType, named name: String) -> Resource? {
        resources.first { $0.type == type && $0.name == name }
    }
}
