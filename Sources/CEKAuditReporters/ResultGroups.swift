import CEKAuditCore
import Foundation

/// Results that share a check, a verdict, a severity, their reasons and their waiver: shown as one group in
/// `report.html` and stored once in `report.json`'s `groups` table, so a report over 10,000 keys repeats no text per
/// key (DESIGN.md, "Reports": a report stays usable at 10,000 keys).
struct ResultGroup: Sendable, Hashable {
    /// What the members share.
    struct Key: Hashable {
        var check: String
        var guideline: String
        var verdict: Verdict
        var severity: Severity
        var reasons: [String]
        var waiver: WaiverRef?
    }

    var key: Key
    /// Positions of the members in `report.results`, in report order.
    var members: [Int]
    /// The message of the group's members with the subject's name cut out: a member whose message is
    /// `before + subject.name + after` needs no message of its own. `nil` when the first member's message does not
    /// name its subject (an aggregate result); then each member carries its own message.
    var template: MessageTemplate?
}

enum ResultGrouping {
    /// Groups the results at `indices` of `results` (each group's members in the order given), groups in order of
    /// their first member.
    static func groups(_ results: [CheckResult], indices: some Sequence<Int>) -> [ResultGroup] {
        var position: [ResultGroup.Key: Int] = [:]
        var out: [ResultGroup] = []
        for i in indices {
            let r = results[i]
            let key = ResultGroup.Key(check: r.check, guideline: r.guideline, verdict: r.verdict, severity: r.severity,
                                      reasons: r.reasons, waiver: r.waiver)
            if let p = position[key] {
                out[p].members.append(i)
            } else {
                position[key] = out.count
                out.append(ResultGroup(key: key, members: [i], template: MessageTemplate(message: r.message, name: r.subject?.name ?? "")))
            }
        }
        return out
    }

    /// Whether result `r` needs its own message in group `g` (the template does not give it).
    static func ownMessage(_ r: CheckResult, in g: ResultGroup) -> Bool {
        guard let t = g.template, let s = r.subject else { return true }
        return !t.matches(r.message, name: s.name)
    }
}
