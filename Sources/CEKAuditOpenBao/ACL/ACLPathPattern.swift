import CEKAuditCollectorKit
import CEKAuditCore
/// Matching request paths against ACL policy path patterns, with OpenBao / Vault's priority rules
/// (OpenBao documentation, "Policies", "Policy syntax" and "Priority matching").
///
/// * A pattern without wildcards matches that path exactly.
/// * A trailing `*` is a prefix glob: `transit/keys/*` matches `transit/keys/a` and `transit/keys/a/rotate`.
/// * A `+` segment matches exactly one path segment: `+/transit/keys/*` matches `tenant-a/transit/keys/k`.
///
/// When several rules of one policy match, the highest-priority one alone decides. P1 has lower priority than P2
/// when, in this order: its first `+` or `*` occurs earlier; it ends in `*` and P2 does not; it has more `+`
/// segments; it is shorter; it sorts lower.
public struct ACLPathPattern: Sendable, Hashable {
    /// The pattern as written, without leading slashes.
    public let text: String

    /// A pattern from a policy's `path "…"` label.
    public init(_ text: String) {
        // Leading slashes are ignored by the server.
        var t = Substring(text)
        while t.first == "/" { t = t.dropFirst() }
        self.text = String(t)
    }

    /// Whether `path` (no leading slash, relative to the policy's namespace) matches.
    public func matches(_ path: String) -> Bool {
        let isGlob = text.hasSuffix("*")
        let body = isGlob ? String(text.dropLast()) : text
        if !body.contains("+") {
            return isGlob ? path.hasPrefix(body) : path == body
        }
        // Segment-wise: every `+` segment matches one non-empty segment without a slash.
        let patternSegments = body.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let pathSegments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (i, seg) in patternSegments.enumerated() {
            let isLast = i == patternSegments.count - 1
            // The path is shorter than the pattern: `a/+/*` needs `a/b/…`, so `a/b` does not match.
            guard i < pathSegments.count else { return false }
            let actual = pathSegments[i]
            if seg == "+" {
                if actual.isEmpty { return false }
                continue
            }
            if isLast && isGlob {
                // The last segment before the glob is a prefix of the path's segment; the rest of the path is free.
                return actual.hasPrefix(seg)
            }
            if seg != actual { return false }
        }
        return isGlob || patternSegments.count == pathSegments.count
    }

    /// Position of the first `+` or `*`, or the length when there is none.
    var firstWildcard: Int {
        if let i = text.firstIndex(where: { $0 == "+" || $0 == "*" }) { return text.distance(from: text.startIndex, to: i) }
        return text.count
    }

    var plusCount: Int { text.split(separator: "/", omittingEmptySubsequences: false).filter { $0 == "+" }.count }

    /// Whether `self` has lower priority than `other` (the documented priority rules).
    public func hasLowerPriority(than other: ACLPathPattern) -> Bool {
        if firstWildcard != other.firstWildcard { return firstWildcard < other.firstWildcard }
        let glob = text.hasSuffix("*"), otherGlob = other.text.hasSuffix("*")
        if glob != otherGlob { return glob }
        if plusCount != other.plusCount { return plusCount > other.plusCount }
        if text.count != other.text.count { return text.count < other.text.count }
        return text < other.text
    }

    /// The rule of `rules` that decides `path`: the highest-priority matching one, with the capabilities of every
    /// stanza written for that same pattern merged (a policy may repeat a path). `nil` when none matches.
    public static func decidingRule(for path: String, in rules: [ACLPolicy.Rule]) -> ACLPolicy.Rule? {
        var best: ACLPathPattern?
        for r in rules {
            let p = ACLPathPattern(r.path)
            guard p.matches(path) else { continue }
            if let b = best, !b.hasLowerPriority(than: p) { continue }
            best = p
        }
        guard let best else { return nil }
        let same = rules.filter { ACLPathPattern($0.path) == best }
        var caps: [String] = []
        for r in same { for c in r.capabilities where !caps.contains(c) { caps.append(c) } }
        return ACLPolicy.Rule(path: best.text, capabilities: caps, line: same.first?.line)
    }
}
