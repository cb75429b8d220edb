@testable import CEKAuditKit
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Testing

/// How a merge treats a target divided among shards by member, from the shard records alone: a target none of whose
/// members could be reached is unreachable (exit 69 when required), as in one unsharded run; one reachable member
/// is enough to keep it reachable; descriptions that differ beyond regions and tenants are reported, not joined.
struct BundleMergeDividedTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func input(_ index: Int, members: [(id: String, owner: Int, unreachable: Bool)], target: Resource? = nil) -> BundleMerge.Input {
        var units = [ShardRecord.Unit(id: "target:org", kind: "aws-kms", source: "target org", shard: 0, resourceTypes: [.key])]
        units += members.map { m in
            ShardRecord.Unit(id: "target:org/\(m.id)", kind: "aws-kms", source: "target org/\(m.id)", shard: m.owner, resourceTypes: [.key],
                             unreachable: m.owner == index && m.unreachable ? true : nil)
        }
        var settings = EvidenceBundle.Settings(name: "org", collectedAt: now, parameters: [:], checks: [:], controls: nil)
        settings.shard = ShardRecord(shard: Shard(index: index, count: 2), units: units, configuration: "same")
        var facts = FactSet()
        if let target { facts.resources.append(target) }
        return BundleMerge.Input(path: "b-\(index)", facts: facts, settings: settings)
    }

    @Test func aDividedTargetIsUnreachableOnlyWhenEveryMemberIs() {
        let none = [(id: "111122223333", owner: 1, unreachable: true), (id: "444455556666", owner: 2, unreachable: true)]
        let merged = BundleMerge.merge([Self.input(1, members: none), Self.input(2, members: none)])
        #expect(merged.settings.unreachableTargets == ["org"])
        #expect(merged.problems.isEmpty, "\(merged.problems)")

        let one = [(id: "111122223333", owner: 1, unreachable: true), (id: "444455556666", owner: 2, unreachable: false)]
        #expect(BundleMerge.merge([Self.input(1, members: one), Self.input(2, members: one)]).settings.unreachableTargets == nil)

        // Without the owner of the second member its reachability is unknown: not declared unreachable, but the
        // missing shard is a problem and the member is uncovered.
        let partial = BundleMerge.merge([Self.input(1, members: none)])
        #expect(partial.settings.unreachableTargets == nil)
        #expect(partial.facts.coverage.contains { $0.source == "target org/444455556666" && $0.status == .failed })
        #expect(partial.problems.contains { $0.contains("shard 2/2 is not among the merged bundles") })
    }

    @Test func targetDescriptionsJoinRegionsAndTenantsAndReportAnyOtherDifference() {
        func target(_ region: String, caller: String) -> Resource {
            Resource(type: .target, id: "gcp-kms:prod", name: "prod", fields: ["kind": .string("gcp-kms"), "region": .strings([region]),
                                                                             "tenant": .strings(["p-1", "p-2"]), "caller": .string(caller)])
        }
        let members = [(id: "p-1", owner: 1, unreachable: false), (id: "p-2", owner: 2, unreachable: false)]
        let same = BundleMerge.merge([Self.input(1, members: members, target: target("europe-west1", caller: "sa@example.com")),
                                      Self.input(2, members: members, target: target("us-central1", caller: "sa@example.com"))])
        let joined = same.facts.resources.filter { $0.type == .target }
        #expect(joined.count == 1 && joined.first?["region"] == .strings(["europe-west1", "us-central1"]), "\(joined)")
        #expect(joined.first?["caller"] == .string("sa@example.com"))
        #expect(same.problems.isEmpty)

        let other = BundleMerge.merge([Self.input(1, members: members, target: target("europe-west1", caller: "sa@example.com")),
                                       Self.input(2, members: members, target: target("europe-west1", caller: "other@example.com"))])
        let differing = other.facts.resources.first { $0.type == .target }
        #expect(differing?["caller"]?.isKnown == false)
        #expect(other.problems.contains { $0.contains("target prod is described differently by the merged bundles (caller)") }, "\(other.problems)")
    }
}
