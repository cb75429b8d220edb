import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation
import Testing

/// Checks that a live target divided among shards (``EvidenceCollector/divides(_:)``) is collected by member: run as
/// shards 1/2 and 2/2, every shard records the same members with the same owner, only the owner holds a member's
/// keys, and the two merged hold the unsharded keys under one target resource.
enum ShardDivision {
    /// - Parameters:
    ///   - members: the unit ids every shard must record (`target:<name>/<member>`), in id order.
    ///   - unsharded: the facts of the same target collected without a shard.
    ///   - collect: collects the target with the given context.
    static func expectDivided(members: [String], unsharded: FactSet, now: Date,
                              collect: (CollectionContext) async -> FactSet) async {
        var shardFacts: [FactSet] = []
        var owners: [String: Int] = [:]
        for i in 1...2 {
            var context = CollectionContext(now: now)
            let scope = ShardScope(shard: Shard(index: i, count: 2))
            context.shard = scope
            let facts = await collect(context)
            shardFacts.append(facts)
            #expect(scope.units.map(\.id) == members)
            for u in scope.units {
                if let known = owners[u.id] { #expect(known == u.shard, "both shards agree on \(u.id)'s owner") } else { owners[u.id] = u.shard }
            }
            #expect(facts.resources.contains { $0.type == .key } == scope.units.contains { $0.shard == i })
        }
        let merged = BundleMerge.merge(shardFacts.enumerated().map { n, f in
            BundleMerge.Input(path: "b-\(n + 1)", facts: f, settings: EvidenceBundle.Settings(name: "t", collectedAt: now, parameters: [:],
                                                                                              checks: [:], controls: nil))
        })
        #expect(Set(merged.facts.resources.filter { $0.type == .key }.map(\.id)) == Set(unsharded.resources.filter { $0.type == .key }.map(\.id)))
        #expect(merged.facts.resources.filter { $0.type == .target }.count == 1)
    }
}
