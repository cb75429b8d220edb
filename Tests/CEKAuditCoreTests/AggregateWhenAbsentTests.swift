import Foundation
import Testing
@testable import CEKAuditCore

/// `aggregate.when_absent: manual`: an aggregate keeps its procedure (verdict manual) while nothing is in its scope,
/// and judges once something is; a source that failed keeps it inconclusive.
struct AggregateWhenAbsentTests {
    static let catalog = """
    \(TestCatalog.header)
      - id: AG-9
        origin: aicm
        number: 9
        title: Reviewed
        text: The capability is reviewed.
        checks:
          - id: T-REVIEW
            title: Reviewed within the period
            severity: medium
            subject: attestation
            aggregate:
              where: {field: guideline, eq: AG-9}
              min: 1
              when_absent: manual
            require: {field: reviewed_on, on_or_after: {days_ago: {param: max_review_age_days}}}
            parameters: {max_review_age_days: 365}
            manual:
              procedure: |
                1. Ask for the review minutes.
                2. Check their date.
            messages:
              manual: "The review needs an auditor or an attestation."
            examples:
              - {name: current, facts: [{guideline: AG-9, reviewed_on: "2025-10-01T00:00:00Z"}], expect: pass}
    caiq:
      - {id: CEK-08.1, question: Can customers manage keys?, requires: [AG-9], ownership: CSP-Owned}
    """

    static let now = DateParsing.parse("2026-01-01T00:00:00Z") ?? Date()

    func load(_ text: String = catalog) throws -> Catalog { try CatalogLoader.load(data: Data(text.utf8), source: "c.yaml") }

    func results(_ resources: [[String: FactValue]], status: SourceCoverage.Status? = .complete) throws -> [CheckResult] {
        let catalog = try load()
        let rs = resources.enumerated().map { Resource(type: .attestation, id: "a-\($0.offset)", name: "doc-\($0.offset).md", fields: $0.element) }
        let coverage = status.map {
            [SourceCoverage(source: "attestations.yaml", collector: "attestations", status: $0, resourceTypes: [.attestation],
                            inventoryTypes: $0 == .complete ? [.attestation] : [])]
        } ?? []
        return RulesEngine(catalog: catalog, now: Self.now).evaluate(FactSet(resources: rs, coverage: coverage))
    }

    @Test func loadsWithProcedure() throws {
        let check = try #require(try load().checks.first)
        #expect(check.whenAbsent == .manual(procedure: "1. Ask for the review minutes.\n2. Check their date.\n"))
        #expect(check.procedure == "1. Ask for the review minutes.\n2. Check their date.\n")
        guard case .aggregate = check.kind else { Issue.record("still an aggregate"); return }
    }

    @Test func noSourceAtAllIsManual() throws {
        let r = try results([], status: nil)
        #expect(r.map(\.verdict) == [.manual])
        #expect(r.first?.message == "The review needs an auditor or an attestation.")
        #expect(r.first?.subject == nil)
        #expect(r.first?.reasons.first == "no source in this assessment supplies attestations")
    }

    @Test func nothingInScopeIsManual() throws {
        let r = try results([["guideline": .string("AG-5"), "reviewed_on": .string("2025-10-01T00:00:00Z")]])
        #expect(r.map(\.verdict) == [.manual])
        #expect(r.first?.reasons.first?.contains("none of the 1 attestation(s) read from attestations.yaml is in the scope of T-REVIEW") == true)
    }

    @Test func inScopeIsJudged() throws {
        #expect(try results([["guideline": .string("AG-9"), "reviewed_on": .string("2025-10-01T00:00:00Z")]]).map(\.verdict) == [.pass])
        let stale = try results([["guideline": .string("AG-9"), "reviewed_on": .string("2024-06-01T00:00:00Z")]])
        #expect(stale.map(\.verdict) == [.fail])
        #expect(stale.first?.reasons.contains("0 of the 1 attestation(s) in scope meet the requirement (1 read)") == true)
        #expect(stale.first?.reasons.contains { $0.hasPrefix("doc-0.md does not qualify: reviewed_on = 2024-06-01T00:00:00Z") } == true)
    }

    @Test func aFailedSourceIsInconclusiveNotManual() throws {
        let r = try results([], status: .failed)
        #expect(r.map(\.verdict) == [.inconclusive])
        // Even beside attestations for other guidelines: the failed file may have held one for AG-9.
        let catalog = try load()
        let facts = FactSet(resources: [Resource(type: .attestation, id: "x", fields: ["guideline": .string("AG-5")])],
                            coverage: [SourceCoverage(source: "ok.yaml", collector: "attestations", status: .complete,
                                                      resourceTypes: [.attestation], inventoryTypes: [.attestation]),
                                       SourceCoverage(source: "broken.yaml", collector: "attestations", status: .failed,
                                                      resourceTypes: [.attestation])])
        #expect(RulesEngine(catalog: catalog, now: Self.now).evaluate(facts).map(\.verdict) == [.inconclusive])
    }

    @Test func anUnknownScopeIsNotAbsence() throws {
        let r = try results([["guideline": .unknown(reason: "unreadable entry"), "reviewed_on": .string("2025-10-01T00:00:00Z")]])
        #expect(r.map(\.verdict) == [.inconclusive])
    }

    @Test func withoutWhenAbsentNoSourceStaysInconclusive() throws {
        let plain = Self.catalog.replacingOccurrences(of: "          when_absent: manual\n", with: "")
            .replacingOccurrences(of: "        manual:\n          procedure: |\n            1. Ask for the review minutes.\n            2. Check their date.\n", with: "")
        let catalog = try load(plain)
        #expect(catalog.checks.first?.whenAbsent == nil)
        #expect(RulesEngine(catalog: catalog, now: Self.now).evaluate(FactSet()).map(\.verdict) == [.inconclusive])
    }

    // MARK: loader strictness

    func error(_ text: String) -> String? {
        do { _ = try load(text); return nil } catch let e as CEKAuditError { return e.errorDescription } catch { return "\(error)" }
    }

    @Test func whenAbsentNeedsAProcedure() throws {
        let text = Self.catalog.replacingOccurrences(of: "        manual:\n          procedure: |\n            1. Ask for the review minutes.\n            2. Check their date.\n", with: "")
        let e = try #require(error(text))
        #expect(e.contains("c.yaml:22:24:"))
        #expect(e.contains("aggregate.when_absent: manual needs the procedure"))
    }

    @Test func whenAbsentTakesOnlyManual() throws {
        let e = try #require(error(Self.catalog.replacingOccurrences(of: "when_absent: manual", with: "when_absent: pass")))
        #expect(e.contains("unknown when_absent value 'pass'"))
    }

    @Test func aProcedureBesideAnAggregateNeedsWhenAbsent() throws {
        let e = try #require(error(Self.catalog.replacingOccurrences(of: "          when_absent: manual\n", with: "")))
        #expect(e.contains("a manual check cannot have 'aggregate'"))
        #expect(e.contains("when_absent: manual"))
    }

    @Test func theManualMessageCannotUseAggregateCounts() throws {
        let e = try #require(error(Self.catalog.replacingOccurrences(of: "manual: \"The review needs", with: "manual: \"{count} reviews need")))
        #expect(e.contains("uses {count}"))
    }
}
