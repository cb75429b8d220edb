import CEKAuditCollectors
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

    /// Collects a fixture file or folder the way `cek-audit assess` does.
    static func collect(_ relative: String, trusted: Set<String> = []) async throws -> FactSet {
        let plan = try AssessmentPlan.make(path: path(relative))
        return await AssessmentRunner().collect(plan, context: CollectionContext(now: now, trustedAccounts: trusted)).0
    }

    /// Collects and evaluates; returns the results.
    static func assess(_ relative: String, trusted: Set<String> = []) async throws -> [CheckResult] {
        let facts = try await collect(relative, trusted: trusted)
        return RulesEngine(catalog: try catalog(), now: now).evaluate(facts)
    }

    /// Parses a document and runs one collector on it (the input carries its path on disk, so collectors can follow
    /// references relative to it).
    static func run(_ collector: any Collector, _ relative: String, account: String? = nil) throws -> FactSet {
        let url = folder.appendingPathComponent(relative)
        return try run(collector, data: try Data(contentsOf: url), locator: relative, path: url.path, account: account)
    }

    /// Runs one collector on bytes given in the test, as if they were the file at `path`.
    static func run(_ collector: any Collector, data: Data, locator: String, path: String? = nil, account: String? = nil) throws -> FactSet {
        let doc = try ParsedDocument(data: data, locator: locator)
        return collector.collect(doc, input: SourceInput(locator: locator, data: data, account: account, path: path),
                                 context: CollectionContext(now: now))
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
