import CEKAuditCore
import Foundation

/// Results of one check that share a verdict, a severity and a waiver: shown as one group in `report.html`, so a
/// report over 10,000 keys stays readable and small (DESIGN.md, "Reports": a report stays usable at 10,000 keys).
/// Inside a group, members are split into variants by their reasons and their message (with the subject's name cut
/// out): a variant several members share is shown once above the list of its subjects; members whose variant is their
/// own (a value of the subject in the reason, such as its creation date) are listed together, each with its reasons.
struct ResultGroup: Sendable, Hashable {
    /// What the members share: the key `report.json` groups by too.
    typealias Key = ReportTables.Group.Key

    /// Members with the same reasons and the same message but for their subject's name.
    struct ReasonSet: Sendable, Hashable {
        var reasons: [String]
        /// The message with the name cut out (``MessageTemplate/display``), or the whole message of a member whose
        /// message does not name its subject.
        var message: String
        /// Positions in `report.results`, in report order.
        var members: [Int]
    }

    var key: Key
    /// Positions of the members in `report.results`, in report order.
    var members: [Int]
    /// The members by reasons, in order of first member.
    var reasonSets: [ReasonSet]

    /// Reason sets with more than one member (shown with their reasons once), and the members of the others.
    var sharedReasonSets: [ReasonSet] {
        reasonSets.count == 1 ? reasonSets : reasonSets.filter { $0.members.count > 1 }
    }

    /// Members whose reasons no other member shares, when the group has several reason sets.
    var membersWithOwnReasons: [Int] {
        reasonSets.count == 1 ? [] : reasonSets.filter { $0.members.count == 1 }.flatMap(\.members).sorted()
    }
}

enum ResultGrouping {
    /// Groups the results at `indices` of `results` (each group's members in the order given), groups in order of
    /// their first member.
    static func groups(_ results: [CheckResult], indices: some Sequence<Int>) -> [ResultGroup] {
        var position: [ResultGroup.Key: Int] = [:]
        var reasonPosition: [[Int: Int]] = []
        var reasonIndex: [VariantKey: Int] = [:]
        var out: [ResultGroup] = []
        for i in indices {
            let r = results[i]
            let key = ResultGroup.Key(r)
            let p: Int
            if let existing = position[key] {
                p = existing
                out[p].members.append(i)
            } else {
                p = out.count
                position[key] = p
                out.append(ResultGroup(key: key, members: [i], reasonSets: []))
                reasonPosition.append([:])
            }
            let message = r.messageTemplate?.display ?? r.message
            let variant = VariantKey(reasons: r.reasons, message: message)
            let rk: Int
            if let k = reasonIndex[variant] { rk = k } else {
                rk = reasonIndex.count
                reasonIndex[variant] = rk
            }
            if let s = reasonPosition[p][rk] {
                out[p].reasonSets[s].members.append(i)
            } else {
                reasonPosition[p][rk] = out[p].reasonSets.count
                out[p].reasonSets.append(.init(reasons: r.reasons, message: message, members: [i]))
            }
        }
        return out
    }

    private struct VariantKey: Hashable {
        var reasons: [String]
        var message: String
    }
}
