import CEKAuditCollectorKit
import CEKAuditCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// Whether the pattern ends in the glob `*`.
    let isGlob: Bool
    /// The pattern's UTF-8 bytes without the trailing glob.
    let body: [UInt8]
    /// The body's `/`-separated segments (empty ones kept) when it has a `+`; `nil` when it has none.
    let segments: [[UInt8]]?
    /// Position (in characters) of the first `+` or `*`, or the length when there is none.
    let firstWildcard: Int
    /// How many segments are exactly `+`.
    let plusCount: Int
    /// Length in characters.
    let length: Int

    /// A pattern from a policy's `path "…"` label. Parsed once: ``matches(_:)`` compares UTF-8 bytes, as the
    /// server (Go strings) does.
    public init(_ text: String) {
        // Leading slashes are ignored by the server.
        var t = Substring(text)
        while t.first == "/" { t = t.dropFirst() }
        self.text = String(t)
        let bytes = Array(self.text.utf8)
        isGlob = bytes.last == UInt8(ascii: "*")
        body = isGlob ? Array(bytes.dropLast()) : bytes
        segments = body.contains(UInt8(ascii: "+"))
            ? body.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init) : nil
        if let i = self.text.firstIndex(where: { $0 == "+" || $0 == "*" }) {
            firstWildcard = self.text.distance(from: self.text.startIndex, to: i)
        } else {
            firstWildcard = self.text.count
        }
        plusCount = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).filter { $0.elementsEqual([UInt8(ascii: "+")]) }.count
        length = self.text.count
    }

    public static func == (a: ACLPathPattern, b: ACLPathPattern) -> Bool { a.text == b.text }
    public func hash(into h: inout Hasher) { h.combine(text) }

    /// Whether `path` (no leading slash, relative to the policy's namespace) matches.
    public func matches(_ path: String) -> Bool {
        if let done = path.utf8.withContiguousStorageIfAvailable({ matches(bytes: UnsafeRawBufferPointer($0)) }) { return done }
        return Array(path.utf8).withUnsafeBytes { matches(bytes: $0) }
    }

    /// ``matches(_:)`` on the path's UTF-8 bytes.
    func matches(bytes path: UnsafeRawBufferPointer) -> Bool {
        guard let segments else {
            if isGlob { return path.count >= body.count && body.withUnsafeBytes { memcmpEqual($0, path, body.count) } }
            return path.count == body.count && body.withUnsafeBytes { memcmpEqual($0, path, body.count) }
        }
        // Segment-wise: every `+` segment matches one non-empty segment without a slash.
        var pos = 0                // start of the path's next segment
        var exhausted = false      // the path's last segment has been taken
        for (i, seg) in segments.enumerated() {
            let isLast = i == segments.count - 1
            // The path is shorter than the pattern: `a/+/*` needs `a/b/…`, so `a/b` does not match.
            guard !exhausted else { return false }
            var end = pos
            while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
            let actual = UnsafeRawBufferPointer(rebasing: path[pos..<end])
            if end == path.count { exhausted = true } else { pos = end + 1 }
            if seg.count == 1 && seg[0] == UInt8(ascii: "+") {
                if actual.isEmpty { return false }
                continue
            }
            if isLast && isGlob {
                // The last segment before the glob is a prefix of the path's segment; the rest of the path is free.
                return actual.count >= seg.count && seg.withUnsafeBytes { memcmpEqual($0, actual, seg.count) }
            }
            if actual.count != seg.count || !seg.withUnsafeBytes({ memcmpEqual($0, actual, seg.count) }) { return false }
        }
        return isGlob || exhausted
    }

    /// Whether the first `n` bytes of `a` and `b` are equal.
    @inline(__always)
    private func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ n: Int) -> Bool {
        n == 0 || memcmp(a.baseAddress!, b.baseAddress!, n) == 0
    }

    /// Whether `self` has lower priority than `other` (the documented priority rules).
    public func hasLowerPriority(than other: ACLPathPattern) -> Bool {
        if firstWildcard != other.firstWildcard { return firstWildcard < other.firstWildcard }
        if isGlob != other.isGlob { return isGlob }
        if plusCount != other.plusCount { return plusCount > other.plusCount }
        if length != other.length { return length < other.length }
        return text < other.text
    }

    /// The rule of `rules` that decides `path`: the highest-priority matching one, with the capabilities of every
    /// stanza written for that same pattern merged (a policy may repeat a path). `nil` when none matches.
    public static func decidingRule(for path: String, in rules: [ACLPolicy.Rule]) -> ACLPolicy.Rule? {
        decidingRule(for: path, in: rules, patterns: rules.map { ACLPathPattern($0.path) })
    }

    /// ``decidingRule(for:in:)`` with the rules' patterns parsed beforehand (`patterns[i]` is `rules[i].path`'s), for
    /// deciding many paths against one policy.
    static func decidingRule(for path: String, in rules: [ACLPolicy.Rule], patterns: [ACLPathPattern]) -> ACLPolicy.Rule? {
        var path = path
        return path.withUTF8 { bytes -> ACLPolicy.Rule? in
            let raw = UnsafeRawBufferPointer(bytes)
            var best: Int?
            for (i, p) in patterns.enumerated() {
                guard p.matches(bytes: raw) else { continue }
                if let b = best, !patterns[b].hasLowerPriority(than: p) { continue }
                best = i
            }
            guard let best else { return nil }
            let winner = patterns[best]
            var caps: [String] = []
            var line: Int??
            for (i, r) in rules.enumerated() where patterns[i].text == winner.text {
                if line == nil { line = .some(r.line) }
                for c in r.capabilities where !caps.contains(c) { caps.append(c) }
            }
            return ACLPolicy.Rule(path: winner.text, capabilities: caps, line: line ?? nil)
        }
    }
}
