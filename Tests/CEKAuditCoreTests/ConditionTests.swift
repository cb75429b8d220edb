import Foundation
import Testing
@testable import CEKAuditCore

struct ConditionTests {
    let now = Date(timeIntervalSince1970: 1_793_491_200)   // 2026-11-01T00:00:00Z
    func ctx(_ p: [String: FactValue] = [:]) -> EvaluationContext { EvaluationContext(parameters: p, now: now) }
    func key(_ f: [String: FactValue]) -> Resource { Resource(type: .key, id: "k", fields: f) }

    @Test func kleeneTables() {
        #expect(Truth.all([.true, .unknown]) == .unknown)
        #expect(Truth.all([.false, .unknown]) == .false)
        #expect(Truth.any([.true, .unknown]) == .true)
        #expect(Truth.any([.false, .unknown]) == .unknown)
        #expect(!Truth.unknown == .unknown)
        #expect(Truth.all([]) == .true)
        #expect(Truth.any([]) == .false)
    }

    @Test func missingFieldIsUnknownAndNotFlipsNothing() {
        let c = Condition.not(.compare(field: "rotation.enabled", op: .eq, operand: .literal(.bool(false))))
        #expect(c.evaluate(on: key([:]), context: ctx()).truth == .unknown)
        #expect(c.evaluate(on: key(["rotation.enabled": .bool(true)]), context: ctx()).truth == .true)
    }

    @Test func parametersAndNumbers() {
        let c = Condition.compare(field: "rotation.period_days", op: .lte, operand: .param("max"))
        #expect(c.evaluate(on: key(["rotation.period_days": .number(730)]), context: ctx(["max": .number(365)])).truth == .false)
        #expect(c.evaluate(on: key(["rotation.period_days": .number(90)]), context: ctx(["max": .number(365)])).truth == .true)
        #expect(c.evaluate(on: key(["rotation.period_days": .null]), context: ctx(["max": .number(365)])).truth == .false)
        #expect(c.evaluate(on: key(["rotation.period_days": .number(90)]), context: ctx()).truth == .unknown)
        let s = Condition.compare(field: "rotation.period_days", op: .lte, operand: .literal(.number(365)))
        #expect(s.evaluate(on: key(["rotation.period_days": .string("abc")]), context: ctx()).truth == .unknown)
    }

    @Test func dates() {
        let expiring = Condition.compare(field: "material.valid_to", op: .onOrAfter, operand: .daysAhead(.literal(.number(30))))
        #expect(expiring.evaluate(on: key(["material.valid_to": .string("2026-11-20T00:00:00Z")]), context: ctx()).truth == .false)
        #expect(expiring.evaluate(on: key(["material.valid_to": .string("2027-06-01")]), context: ctx()).truth == .true)
        #expect(expiring.evaluate(on: key(["material.valid_to": .string("soon")]), context: ctx()).truth == .unknown)
        let recent = Condition.compare(field: "rotation.last_rotated", op: .onOrAfter, operand: .daysAgo(.literal(.number(365))))
        #expect(recent.evaluate(on: key(["rotation.last_rotated": .string("1790000000")]), context: ctx()).truth == .true)
    }

    @Test func listsAndMembership() {
        let c = Condition.compare(field: "state", op: .in, operand: .literal(.strings(["Disabled", "PendingDeletion"])))
        #expect(c.evaluate(on: key(["state": .string("Disabled")]), context: ctx()).truth == .true)
        let e = Condition.compare(field: "aliases", op: .empty, operand: .literal(.bool(true)))
        #expect(e.evaluate(on: key(["aliases": .list([])]), context: ctx()).truth == .true)
        #expect(e.evaluate(on: key(["aliases": .strings(["alias/a"])]), context: ctx()).truth == .false)
        let has = Condition.compare(field: "aliases", op: .contains, operand: .literal(.string("alias/a")))
        #expect(has.evaluate(on: key(["aliases": .strings(["alias/a"])]), context: ctx()).truth == .true)
    }

    @Test func decisiveLeavesExplain() {
        let c = Condition.all([.compare(field: "rotation.enabled", op: .eq, operand: .literal(.bool(true))),
                               .compare(field: "rotation.period_days", op: .lte, operand: .literal(.number(365)))])
        let o = c.evaluate(on: key(["rotation.enabled": .bool(true), "rotation.period_days": .number(730)]), context: ctx())
        #expect(o.truth == .false)
        #expect(o.decisive.map(\.field) == ["rotation.period_days"])
        #expect(o.decisive.first?.explanation.contains("730") == true)
    }

    @Test func rollUpOrder() {
        #expect(Verdict.rollUp([.pass, .notApplicable]) == .pass)
        #expect(Verdict.rollUp([.pass, .manual]) == .manual)
        #expect(Verdict.rollUp([.manual, .inconclusive]) == .inconclusive)
        #expect(Verdict.rollUp([.inconclusive, .fail, .pass]) == .fail)
        #expect(Verdict.rollUp([.pass, .waived]) == .waived)
        #expect(Verdict.rollUp([]) == .notApplicable)
    }
}
