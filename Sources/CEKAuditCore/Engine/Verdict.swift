/// The verdict of a check on one subject, and the roll-up of a guideline (DESIGN.md, "Verdicts").
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    case pass
    case fail
    case notApplicable = "not_applicable"
    case inconclusive
    case manual
    case waived

    /// Roll-up precedence: fail > inconclusive > manual > pass/waived > not_applicable.
    public var severityRank: Int {
        switch self {
        case .fail: return 5
        case .inconclusive: return 4
        case .manual: return 3
        case .pass: return 2
        case .waived: return 2
        case .notApplicable: return 1
        }
    }

    /// The worst of `verdicts` by ``severityRank``; among pass and waived, waived wins (it hides a failure).
    /// An empty list rolls up to `not_applicable`.
    public static func rollUp(_ verdicts: [Verdict]) -> Verdict {
        var worst = Verdict.notApplicable
        for v in verdicts {
            if v.severityRank > worst.severityRank || (v == .waived && worst == .pass) { worst = v }
        }
        return worst
    }
}

/// How much a failed check matters, for CI thresholds and SARIF levels.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case info, low, medium, high, critical

    private var rank: Int { Severity.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}
