import Testing
@testable import CEKAuditCollectorKit
@testable import CEKAuditCore
@testable import CEKAuditOpenBao

/// Path matching and priority as OpenBao / Vault document them ("Policies": globs, `+` segments, priority matching).
struct ACLPathPatternTests {
    @Test(arguments: [
        ("transit/keys/orders", "transit/keys/orders", true),
        ("transit/keys/orders", "transit/keys/orders/rotate", false),
        ("transit/keys/*", "transit/keys/orders", true),
        ("transit/keys/*", "transit/keys/orders/rotate", true),
        ("transit/keys/*", "transit/keys", false),
        ("transit/*", "transit/encrypt/orders", true),
        ("tenant-*", "tenant-b/transit/decrypt/orders", true),
        ("tenant-*", "other/transit/decrypt/orders", false),
        ("+/transit/keys/*", "tenant-a/transit/keys/orders", true),
        ("+/transit/keys/*", "tenant-a/team/transit/keys/orders", false),
        ("+/transit/keys/*", "transit/keys/orders", false),
        ("tenant-a/+/keys/orders", "tenant-a/transit/keys/orders", true),
        ("tenant-a/+/keys/orders", "tenant-a/transit/keys/orders/config", false),
        ("a/+/*", "a/b", false),
        ("a/+/*", "a/b/c/d", true),
        ("a/+/c*", "a/b/cd/e", true),
        ("/transit/keys/orders", "transit/keys/orders", true),
        ("*", "anything/at/all", true),
    ])
    func matching(_ pattern: String, _ path: String, _ expected: Bool) {
        #expect(ACLPathPattern(pattern).matches(path) == expected, "\(pattern) vs \(path)")
    }

    @Test func priorityFollowsTheDocumentedOrder() {
        // The first wildcard earlier → lower.
        #expect(ACLPathPattern("transit/*").hasLowerPriority(than: ACLPathPattern("transit/keys/*")))
        // Ends in * versus not → lower.
        #expect(ACLPathPattern("a/+/c/*").hasLowerPriority(than: ACLPathPattern("a/+/c/d")))
        #expect(!ACLPathPattern("a/+/c/d").hasLowerPriority(than: ACLPathPattern("a/+/c/*")))
        // More + segments → lower.
        #expect(ACLPathPattern("a/+/+/d").hasLowerPriority(than: ACLPathPattern("a/+/c/d")))
        #expect(ACLPathPattern("a/+/c/+").hasLowerPriority(than: ACLPathPattern("a/+/c/d")))
        // Same wildcards: shorter → lower.
        #expect(ACLPathPattern("transit/keys/+").hasLowerPriority(than: ACLPathPattern("transit/keys/+/config")))
        // Shorter → lower; exact paths have their wildcard "at the end".
        #expect(ACLPathPattern("transit/keys/a*").hasLowerPriority(than: ACLPathPattern("transit/keys/orders")))
    }

    @Test func theMostSpecificRuleDecidesSoADenyCanWin() {
        let rules = [
            ACLPolicy.Rule(path: "transit/*", capabilities: ["update"]),
            ACLPolicy.Rule(path: "transit/decrypt/payroll", capabilities: ["deny"]),
        ]
        #expect(ACLPathPattern.decidingRule(for: "transit/decrypt/payroll", in: rules)?.grants == false)
        #expect(ACLPathPattern.decidingRule(for: "transit/decrypt/orders", in: rules)?.grants == true)
        #expect(ACLPathPattern.decidingRule(for: "kv/data/x", in: rules) == nil)
    }

    @Test func repeatedStanzasForOnePathMerge() {
        let rules = [
            ACLPolicy.Rule(path: "transit/keys/orders", capabilities: ["read"]),
            ACLPolicy.Rule(path: "transit/keys/orders", capabilities: ["update"]),
        ]
        #expect(ACLPathPattern.decidingRule(for: "transit/keys/orders", in: rules)?.capabilities == ["read", "update"])
    }

    /// The server compares paths as Go strings, byte by byte: a glob's prefix may end inside a character (`e` before a
    /// combining accent), and a precomposed `é` is not the same path as `e` + U+0301.
    @Test func pathsCompareByteByByteAsTheServerDoes() {
        #expect(ACLPathPattern("transit/keys/e*").matches("transit/keys/e\u{0301}clair"))
        #expect(!ACLPathPattern("transit/keys/\u{00E9}clair").matches("transit/keys/e\u{0301}clair"))
        #expect(ACLPathPattern("+/transit/keys/e*").matches("tenant-\u{00E9}/transit/keys/e\u{0301}"))
        #expect(!ACLPathPattern("+/transit/keys/e").matches("tenant/transit/keys/e\u{0301}"))
        #expect(ACLPathPattern("+/transit/keys/*").matches("t/transit/keys/"))
        #expect(!ACLPathPattern("+/transit/keys/*").matches("t/transit/keys"))
        #expect(!ACLPathPattern("+/transit").matches("t/transit/"))
        #expect(ACLPathPattern("/+/transit").matches("t/transit"), "leading slashes of a pattern are ignored")
    }

    /// A rule deciding many paths with its patterns parsed once decides as one that parses them per path.
    @Test func parsedOnceDecidesAsParsedPerPath() {
        let rules = [
            ACLPolicy.Rule(path: "transit/*", capabilities: ["read"], line: 1),
            ACLPolicy.Rule(path: "+/transit/keys/*", capabilities: ["update"], line: 4),
            ACLPolicy.Rule(path: "tenant-a/transit/decrypt/+", capabilities: ["deny"], line: 7),
            ACLPolicy.Rule(path: "+/transit/keys/*", capabilities: ["delete"], line: 9),
            ACLPolicy.Rule(path: "tenant-*", capabilities: ["list"], line: 12),
        ]
        let patterns = rules.map { ACLPathPattern($0.path) }
        for path in ["transit/keys/k", "tenant-a/transit/keys/k", "tenant-a/transit/decrypt/k", "tenant-b/transit/decrypt/k",
                     "tenant-b/transit/keys/k/rotate", "kv/data/x", "tenant-", "tenant-a/transit/decrypt/k/extra"] {
            #expect(ACLPathPattern.decidingRule(for: path, in: rules, patterns: patterns) == ACLPathPattern.decidingRule(for: path, in: rules), "\(path)")
        }
        #expect(ACLPathPattern.decidingRule(for: "ops/transit/keys/k", in: rules, patterns: patterns)
            == ACLPolicy.Rule(path: "+/transit/keys/*", capabilities: ["update", "delete"], line: 4))
    }
}
