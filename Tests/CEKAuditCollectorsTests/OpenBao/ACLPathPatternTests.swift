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
}
