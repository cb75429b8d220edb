import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation
import Testing

/// Every fact field a collector or an analysis writes is declared in ``FactSchema``: a field name with a typo
/// would otherwise sit in the facts while the check that should read it stays inconclusive forever.
struct FactSchemaCoverageTests {
    static func undeclared(_ facts: FactSet) -> [String] {
        var out = Set<String>()
        for r in facts.resources {
            for f in r.fields.keys where !FactSchema.knows(f, for: r.type) { out.insert("\(r.type.rawValue).\(f) (from \(r.id))") }
        }
        return out.sorted()
    }

    @Test func everyFileCollectorWritesOnlyDeclaredFields() async throws {
        // Every fixture the project writes (documents, logs, exports, attestations, hostile and malformed inputs)
        // and the bundled example, collected and normalized as `assess` does.
        let fixtures = try await Fixtures.collect("")
        #expect(fixtures.resources.count > 50)
        #expect(Self.undeclared(fixtures) == [])
        let example = await Fixtures.runPlan(try AssessmentPlan.make(path: Fixtures.packageRoot.appendingPathComponent("examples/acme-ai-platform").path)).0
        #expect(Self.undeclared(example) == [])
        let types = Set((fixtures.resources + example.resources).map(\.type))
        #expect(types.isSuperset(of: [.key, .keyPolicy, .grant, .auditTrail, .logSource, .keyUsage, .dataStore, .attestation, .keyStore]))
    }

    @Test func theLiveOpenBaoCollectorWritesOnlyDeclaredFields() async throws {
        let facts = await OpenBaoTargetCollectorTests.collect(OpenBaoTargetCollectorTests.server())
        #expect(facts.resources.contains { $0.type == .key })
        #expect(Self.undeclared(facts) == [])
    }

    @Test func theLiveAWSCollectorWritesOnlyDeclaredFields() async throws {
        let (facts, _, server) = try await AWSKMSCorpusCaseTests.assess(AWSKMSCollectorFaultTests.scenario())
        defer { server.stop() }
        #expect(facts.resources.contains { $0.type == .key } && facts.resources.contains { $0.type == .keyPolicy })
        #expect(Self.undeclared(facts) == [])
    }
}
