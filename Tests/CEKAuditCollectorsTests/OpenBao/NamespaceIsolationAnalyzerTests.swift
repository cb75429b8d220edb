import Testing
@testable import CEKAuditCollectorKit
@testable import CEKAuditCore
@testable import CEKAuditOpenBao

/// The namespace isolation analysis: which policies reach a tenant's key, and which of them from outside it.
struct NamespaceIsolationAnalyzerTests {
    static let tenantPolicy = [ACLPolicy.Rule(path: "transit/keys/*", capabilities: ["read", "update"]),
                               ACLPolicy.Rule(path: "transit/decrypt/*", capabilities: ["update"])]

    static func policies(_ extra: [ACLPolicy] = []) -> [ACLPolicy] {
        [ACLPolicy(name: "tenant-a-kms", namespace: "tenant-a", rules: tenantPolicy),
         ACLPolicy(name: "tenant-b-kms", namespace: "tenant-b/", rules: tenantPolicy),
         ACLPolicy(name: "default", namespace: "", rules: [ACLPolicy.Rule(path: "auth/token/lookup-self", capabilities: ["read"])]),
         ACLPolicy(name: "root", namespace: "root", rules: [ACLPolicy.Rule(path: "*", capabilities: ["sudo"])])] + extra
    }

    @Test func ownPoliciesOnlyIsIsolated() {
        let o = NamespaceIsolationAnalyzer(policies: Self.policies()).analyze(namespace: "tenant-b", mount: "transit/", name: "orders")
        #expect(o.crossTenant == false)
        #expect(o.policies == ["tenant-b:tenant-b-kms"])
        #expect(o.foreignPolicies.isEmpty)
    }

    @Test func siblingNamespacePoliciesCannotReach() {
        // A policy in tenant-a naming "tenant-b/…" only reaches tenant-a/tenant-b/…, never the sibling.
        let sneaky = ACLPolicy(name: "sneaky", namespace: "tenant-a/", rules: [ACLPolicy.Rule(path: "tenant-b/transit/*", capabilities: ["update"])])
        let o = NamespaceIsolationAnalyzer(policies: Self.policies([sneaky])).analyze(namespace: "tenant-b/", mount: "transit", name: "orders")
        #expect(o.crossTenant == false)
    }

    @Test(arguments: ["tenant-b/transit/decrypt/*", "+/transit/decrypt/*", "tenant-*", "*", "+/+/keys/orders"])
    func rootPoliciesReachingIntoATenantAreCrossTenant(_ path: String) {
        let support = ACLPolicy(name: "support", namespace: "", rules: [ACLPolicy.Rule(path: path, capabilities: ["update"])])
        let o = NamespaceIsolationAnalyzer(policies: Self.policies([support])).analyze(namespace: "tenant-b", mount: "transit/", name: "orders")
        #expect(o.crossTenant == true, "\(path)")
        #expect(o.foreignPolicies == ["root:support"])
        #expect(o.findings.count == 1)
        #expect(o.findings.first?.contains("the root namespace") == true)
    }

    @Test func aMoreSpecificDenyInTheSamePolicyKeepsTheKeyIsolated() {
        let support = ACLPolicy(name: "support", namespace: "", rules: [
            ACLPolicy.Rule(path: "tenant-*", capabilities: ["update"]),
            ACLPolicy.Rule(path: "tenant-b/*", capabilities: ["deny"]),
        ])
        let analyzer = NamespaceIsolationAnalyzer(policies: Self.policies([support]))
        #expect(analyzer.analyze(namespace: "tenant-b", mount: "transit/", name: "orders").crossTenant == false)
        #expect(analyzer.analyze(namespace: "tenant-a", mount: "transit/", name: "orders").crossTenant == true)
    }

    @Test func rootPoliciesOnOtherPathsOrTheRootsOwnKeysDoNotCount() {
        let ops = ACLPolicy(name: "ops", namespace: "", rules: [ACLPolicy.Rule(path: "transit/*", capabilities: ["update"]),
                                                                 ACLPolicy.Rule(path: "tenant-b/sys/health", capabilities: ["read"])])
        let analyzer = NamespaceIsolationAnalyzer(policies: Self.policies([ops]))
        #expect(analyzer.analyze(namespace: "tenant-b", mount: "transit/", name: "orders").crossTenant == false)
        // In the root namespace the same policy is the key's own.
        let rootKey = analyzer.analyze(namespace: "", mount: "transit/", name: "platform")
        #expect(rootKey.crossTenant == false)
        #expect(rootKey.policies == ["root:ops"])
    }

    @Test func trustedNamespacesAreNotCrossTenant() {
        let parent = ACLPolicy(name: "platform-admin", namespace: "", rules: [ACLPolicy.Rule(path: "+/transit/keys/*", capabilities: ["update"])])
        let strict = NamespaceIsolationAnalyzer(policies: Self.policies([parent]))
        let trusting = NamespaceIsolationAnalyzer(policies: Self.policies([parent]), trustedNamespaces: ["root"])
        #expect(strict.analyze(namespace: "tenant-a", mount: "transit/", name: "k").crossTenant == true)
        let o = trusting.analyze(namespace: "tenant-a", mount: "transit/", name: "k")
        #expect(o.crossTenant == false)
        #expect(o.policies.contains("root:platform-admin"))
    }

    @Test func unreadablePoliciesAboveTheKeyMakeItUnknownNeverIsolated() {
        let analyzer = NamespaceIsolationAnalyzer(policies: Self.policies(), unreadable: ["root": "LIST /v1/sys/policies/acl returned HTTP 403"])
        let o = analyzer.analyze(namespace: "tenant-a", mount: "transit/", name: "k")
        #expect(o.crossTenant == nil)
        #expect(o.unknownReason?.contains("HTTP 403") == true)
        // A known crossing still decides.
        let support = ACLPolicy(name: "support", namespace: "tenant-a/", rules: [ACLPolicy.Rule(path: "team/transit/*", capabilities: ["update"])])
        let nested = NamespaceIsolationAnalyzer(policies: Self.policies([support]), unreadable: ["root": "denied"])
        #expect(nested.analyze(namespace: "tenant-a/team", mount: "transit/", name: "k").crossTenant == true)
        // Unreadable policies of a sibling say nothing about this key.
        let sibling = NamespaceIsolationAnalyzer(policies: Self.policies(), unreadable: ["tenant-b": "denied"])
        #expect(sibling.analyze(namespace: "tenant-a", mount: "transit/", name: "k").crossTenant == false)
        // Nor do those of the key's own namespace, or of a trusted one: they are inside the tenant, or trusted.
        let own = NamespaceIsolationAnalyzer(policies: Self.policies(), unreadable: ["tenant-a": "denied"])
        #expect(own.analyze(namespace: "tenant-a", mount: "transit/", name: "k").crossTenant == false)
        let trusted = NamespaceIsolationAnalyzer(policies: Self.policies(), unreadable: ["root": "denied"], trustedNamespaces: ["root"])
        #expect(trusted.analyze(namespace: "tenant-a", mount: "transit/", name: "k").crossTenant == false)
    }
}

extension NamespaceIsolationAnalyzerTests {
    @Test func readingMetadataIsNotReachingButReadingMaterialIs() {
        let auditor = ACLPolicy(name: "auditor", namespace: "", rules: [ACLPolicy.Rule(path: "+/transit/keys/*", capabilities: ["read", "list"])])
        let exporter = ACLPolicy(name: "exporter", namespace: "", rules: [ACLPolicy.Rule(path: "+/transit/export/*", capabilities: ["read"])])
        #expect(NamespaceIsolationAnalyzer(policies: Self.policies([auditor])).analyze(namespace: "tenant-a", mount: "transit/", name: "k").crossTenant == false)
        let o = NamespaceIsolationAnalyzer(policies: Self.policies([exporter])).analyze(namespace: "tenant-a", mount: "transit/", name: "k")
        #expect(o.crossTenant == true)
        #expect(o.findings.first?.contains("export encryption-key") == true)
    }
}
