import Foundation
import Testing
@testable import CEKAuditCore

/// The proposed CAIQ answer rests on passing results: waivers and "not applicable" alone never make it YES.
struct CAIQAnswerTests {
    static func result(_ check: String, _ verdict: Verdict) -> CheckResult {
        CheckResult(id: "\(check):0", check: check, guideline: "AG-1", verdict: verdict, severity: .medium, subject: nil,
                    message: "", reasons: [], evidence: [])
    }

    static func answer(_ verdicts: [(String, Verdict)]) -> CAIQAnswer.Answer {
        let q = CAIQQuestion(id: "CEK-08.1", question: "q", requires: verdicts.map(\.0), supports: [], ownership: "CSP-Owned", line: nil)
        return AssessmentBuilder.answer(q, guidelines: [], results: verdicts.map { result($0.0, $0.1) }, facts: FactSet(),
                                        catalogVersion: "test").answer
    }

    @Test func waiversAloneAreNoYes() {
        #expect(Self.answer([("A", .waived)]) == .undetermined)
        #expect(Self.answer([("A", .waived), ("B", .notApplicable)]) == .undetermined)
        #expect(Self.answer([("A", .waived), ("B", .pass)]) == .yes)
        #expect(Self.answer([("A", .notApplicable)]) == .notApplicable)
        #expect(Self.answer([("A", .pass), ("B", .inconclusive)]) == .undetermined)
        #expect(Self.answer([("A", .pass), ("B", .fail)]) == .no)
    }
}
