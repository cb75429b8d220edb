import Foundation
import Testing
@testable import CEKAuditCore

/// The waiver file loader, selectors, and the stage that applies waivers around the rules engine.
struct WaiverTests {
    static let now = DateParsing.parse("2026-11-01T00:00:00Z") ?? Date(timeIntervalSince1970: 0)

    func load(_ text: String) throws -> WaiverSet {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("waivers-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try WaiverFile.load(path: url.path, locator: "waivers.yaml")
    }

    func error(_ text: String) -> (line: Int?, column: Int?, message: String)? {
        do { _ = try load(text); return nil } catch let CEKAuditError.invalidInput(_, line, column, message, _) {
            return (line, column, message)
        } catch { return (nil, nil, "\(error)") }
    }

    @Test func loadsEverySelector() throws {
        let set = try load("""
        schema_version: 1
        waivers:
          - {id: A, check: AG-3, resource: "arn:aws:kms:*:111122223333:key/*", expires: 2027-01-01}
          - {id: B, check: AG-3, tag: {env: sandbox}, expires: 2027-01-01, warn_days: 10}
          - {id: C, check: AG-3, tenant: tenant-b, expires: "2027-01-01T12:00:00Z", created: 2026-10-01}
        """)
        #expect(set.waivers.map(\.selector) == [.resource("arn:aws:kms:*:111122223333:key/*"), .tag(key: "env", value: "sandbox"), .tenant("tenant-b")])
        #expect(set.waivers[1].warnDays == 10)
        #expect(set.waivers[2].line == 5)
        #expect(set.source == "waivers.yaml" && set.sha256.count == 64)
    }

    @Test func refusalsNameLineAndColumn() {
        let head = "schema_version: 1\nwaivers:\n"
        #expect(error(head + "  - {id: A, check: AG-3, resource: x}\n")?.message.contains("missing required key 'expires'") == true)
        #expect(error(head + "  - {id: A, check: AG-3, expires: 2027-01-01}\n")?.message.contains("names no resources") == true)
        #expect(error(head + "  - {id: A, check: AG-3, resource: x, tenant: t, expires: 2027-01-01}\n")?.message.contains("one selector") == true)
        let typo = error(head + "  - id: A\n    check: AG-3\n    resource: x\n    expires: 2027-01-01\n    aprover: me\n")
        #expect(typo?.line == 7 && typo?.column == 5)
        #expect(error(head + "  - {id: A, check: AG-3, resource: x, expires: soon}\n")?.message.contains("not a date") == true)
        let dup = error(head + "  - {id: A, check: AG-3, resource: x, expires: 2027-01-01}\n  - {id: A, check: AG-3, resource: y, expires: 2027-01-01}\n")
        #expect(dup?.message.contains("already used on line 3") == true)
        #expect(error("schema_version: 2\nwaivers: []\n")?.message.contains("not supported") == true)
    }

    @Test func globs() {
        #expect(Glob.matches("aws_db_instance.*", "aws_db_instance.feature_store"))
        #expect(Glob.matches("*feature*", "terraform/plan.json#aws_db_instance.feature_store"))
        #expect(Glob.matches("a*b*c", "aXXbYYc"))
        #expect(!Glob.matches("a*b", "aXXc"))
        #expect(Glob.matches("exact", "exact") && !Glob.matches("exact", "exactly"))
    }

    /// A one-guideline catalog: a per-key check whose result depends on `rotation.enabled`.
    func catalog() throws -> Catalog {
        try CatalogLoader.load(data: Data(CatalogLoaderStrictnessTests.minimal.utf8), source: "c.yaml")
    }

    func key(_ id: String, _ rotation: FactValue, tags: [String] = []) -> Resource {
        Resource(type: .key, id: id, fields: ["rotation.enabled": rotation, "tags": .list(tags.map(FactValue.string)), "tenant": .string("t-1")])
    }

    @Test func waiverTurnsOnlyFailuresIntoWaived() throws {
        let catalog = try catalog()
        var facts = FactSet()
        facts.resources = [key("k-fail", .bool(false), tags: ["env=dev"]), key("k-unknown", .unknown(reason: "not collected"), tags: ["env=dev"]),
                           key("k-pass", .bool(true), tags: ["env=dev"])]
        facts.coverage = [SourceCoverage(source: "s", collector: "test", status: .complete, resourceTypes: [.key], inventoryTypes: [.key])]
        let waivers = WaiverSet(source: "waivers.yaml", sha256: String(repeating: "0", count: 64), size: 0, waivers: [
            Waiver(id: "W-1", check: "AG-1", selector: .tag(key: "env", value: "dev"), expires: Self.now.addingTimeInterval(86_400 * 60)),
            Waiver(id: "W-2", check: "AG-1", selector: .resource("nothing-*"), expires: Self.now.addingTimeInterval(86_400 * 60)),
            Waiver(id: "W-3", check: "AG-1", selector: .tenant("t-1"), expires: Self.now.addingTimeInterval(-86_400)),
        ])
        let engine = RulesEngine(catalog: catalog, now: Self.now)
        let report = AssessmentBuilder.build(name: "t", catalog: catalog, facts: facts, engine: engine, toolVersion: "0", waivers: waivers)
        let verdicts = Dictionary(uniqueKeysWithValues: report.results.compactMap { r in r.subject.map { ($0.id, r.verdict) } }
            .filter { $0.0.hasPrefix("k-") })
        #expect(verdicts == ["k-fail": .waived, "k-unknown": .inconclusive, "k-pass": .pass])
        let states = Dictionary(uniqueKeysWithValues: (report.waivers?.waivers ?? []).map { ($0.waiver.id, $0.state) })
        #expect(states == ["W-1": .active, "W-2": .stale, "W-3": .expired])
        #expect(report.results.first { $0.subject?.id == "k-fail" }?.waiver?.id == "W-1")
    }

    @Test func lifetimeCapKeepsALongWaiverFromApplying() throws {
        let long = Waiver(id: "W-L", check: "AG-1", selector: .resource("*"), created: Self.now, expires: Self.now.addingTimeInterval(86_400 * 400))
        #expect(WaiverStage.inForce(long, now: Self.now, cap: 365) == false)
        #expect(WaiverStage.inForce(long, now: Self.now, cap: nil))
    }

    @Test func comparisonClassifiesByFindingID() {
        func snap(_ pairs: [(String, Verdict)]) -> Comparison.Snapshot {
            Comparison.Snapshot(assessment: "t", generatedAt: Self.now,
                                results: pairs.map { .init(id: $0.0, check: "C", guideline: "AG-1", verdict: $0.1, subject: nil, message: $0.0) })
        }
        let before = snap([("a", .fail), ("b", .pass), ("c", .fail), ("d", .fail), ("e", .pass)])
        let after = snap([("a", .fail), ("b", .fail), ("c", .pass), ("d", .waived), ("f", .fail), ("e", .inconclusive)])
        let c = Comparison.compare(after, with: before, source: "old.json")
        #expect(c.counts == ["new": 2, "fixed": 1, "changed": 2, "unchanged": 1])
        #expect(c.findings(.new).map(\.id) == ["b", "f"])
        #expect(c.findings.first?.status == .new)
    }
}
