import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What a sharded collection records in its bundle: its shard, every unit of the assessment with the shard it
/// belongs to, and a digest of what the shards must share, so that a merge can say what a missing shard would have
/// covered and refuse to combine shards collected from different settings.
public struct ShardRecord: Sendable, Hashable, Codable {
    /// One unit of work.
    public struct Unit: Sendable, Hashable, Codable {
        /// `document:<locator>`, `batch:<kind>:<source entry>` or `target:<name>`.
        public var id: String
        /// The collector kind that reads it (`terraform-plan`, `cloudtrail`, `aws-kms` …).
        public var kind: String
        /// The source locator or target name the unit's coverage row names.
        public var source: String
        /// The shard it belongs to; 0 for a target every shard runs because it divides its work by member
        /// (``EvidenceCollector/divides(_:)``): its members are units of their own (`target:<name>/<member>`), listed
        /// as the shards found them.
        public var shard: Int
        /// What it would supply: checks over these types are inconclusive when the unit is missing.
        public var resourceTypes: [ResourceType]
        /// A member of a divided target that its owner could not reach at all; nil otherwise (and for other units).
        public var unreachable: Bool? = nil

        enum CodingKeys: String, CodingKey {
            case id, kind, source, shard, unreachable
            case resourceTypes = "resource_types"
        }
    }

    /// This bundle's shard.
    public var shard: Shard
    /// Every unit of the assessment (all shards), in id order.
    public var units: [Unit]
    /// SHA-256 over the assessment file's bytes, the unit ids and the tool version: shards to be merged must agree.
    public var configuration: String

    /// The units this bundle's shard collected.
    public var ownUnits: [Unit] { units.filter { $0.shard == shard.index } }
}

extension ShardRecord {
    /// The configuration digest of an assessment: its file's bytes (none for a bare folder), the unit ids and the tool
    /// version, each length-prefixed.
    static func configurationDigest(assessmentFile: Data?, unitIDs: [String], toolVersion: String) -> String {
        var bytes = Data()
        func add(_ d: Data) { bytes.append(Data("\(d.count):".utf8)); bytes.append(d) }
        add(assessmentFile ?? Data())
        add(Data(toolVersion.utf8))
        for id in unitIDs.sorted() { add(Data(id.utf8)) }
        return SHA256Hex.digest(bytes)
    }
}

/// Merges bundles collected as shards of one assessment (or any bundles of one assessment) into one set of facts.
///
/// Evidence is deduplicated by id and SHA-256, resources, coverage rows and diagnostics by value. A shard that is
/// missing, or that was collected with another configuration (assessment file, inputs or tool version) than the
/// majority, is reported as an error diagnostic, and every unit it should have covered gets a failed coverage row
/// naming the shard, so checks over what it would have supplied are inconclusive — never silently ignored.
public enum BundleMerge {
    /// One bundle as read.
    public struct Input: Sendable {
        /// The bundle folder (for messages).
        public var path: String
        public var facts: FactSet
        public var settings: EvidenceBundle.Settings

        public init(path: String, facts: FactSet, settings: EvidenceBundle.Settings) {
            self.path = path
            self.facts = facts
            self.settings = settings
        }
    }

    /// The merged facts and settings, and a line for the report saying which shards it holds.
    public struct Output: Sendable {
        public var facts: FactSet
        public var settings: EvidenceBundle.Settings
        /// `shards 1/3, 2/3, 3/3 of 3` or `shards 1/3, 3/3 of 3; missing 2/3`; nil for unsharded input.
        public var shards: String?
        /// Problems found (also in ``facts``' diagnostics), for the terminal.
        public var problems: [String]
    }

    /// Merges `inputs` (at least one).
    public static func merge(_ inputs: [Input]) -> Output {
        precondition(!inputs.isEmpty)
        var problems: [String] = []
        var diagnostics: [Diagnostic] = []
        func problem(_ source: String, _ message: String, fix: String) {
            problems.append("\(source): \(message)")
            diagnostics.append(Diagnostic(.error, source: source, message: message, fix: fix))
        }
        // A shard record that is not i/N (1 ≤ i ≤ N ≤ 10,000) cannot have been written by `collect --shard`: that bundle
        // is left out (and reported).
        let all = inputs
        let inputs = inputs.filter { i in
            guard let r = i.settings.shard else { return true }
            let valid = r.shard.count >= 1 && r.shard.count <= 10_000 && r.shard.index >= 1 && r.shard.index <= r.shard.count
            if !valid {
                problem(i.path, "the bundle's shard record (\(r.shard.index)/\(r.shard.count)) is not valid; the bundle is left out",
                        fix: "collect the shard again with collect --shard i/N")
            }
            return valid
        }
        guard !inputs.isEmpty else {
            var settings = all[0].settings
            settings.shard = nil
            return Output(facts: FactSet(diagnostics: diagnostics), settings: settings, shards: nil, problems: problems)
        }
        let sharded = inputs.filter { $0.settings.shard != nil }
        var accepted = inputs
        var shardLine: String?
        var uncovered: [ShardRecord.Unit] = []
        var unreachableDivided = Set<String>()
        var reason: [String: String] = [:]   // unit id → why it is uncovered
        if !sharded.isEmpty {
            for i in inputs where i.settings.shard == nil {
                problem(i.path, "this bundle was collected without --shard while others were sharded; it is merged as it is",
                        fix: "merge the bundles of one sharded collection (collect --shard i/N)")
            }
            // The configuration most shards share (ties: the one of the lowest shard index) is the reference.
            var votes: [String: (count: Int, lowest: Int)] = [:]
            for i in sharded {
                let r = i.settings.shard!
                let v = votes[r.configuration] ?? (0, Int.max)
                votes[r.configuration] = (v.count + 1, min(v.lowest, r.shard.index))
            }
            let reference = votes.max { a, b in (a.value.count, -a.value.lowest) < (b.value.count, -b.value.lowest) }!.key
            let referenceRecord = sharded.first { $0.settings.shard!.configuration == reference }!.settings.shard!
            let count = referenceRecord.shard.count
            var held: [Int: String] = [:]
            accepted = inputs.filter { $0.settings.shard == nil }
            for i in sharded.sorted(by: { $0.settings.shard!.shard.index < $1.settings.shard!.shard.index }) {
                let r = i.settings.shard!
                if r.configuration != reference || r.shard.count != count {
                    problem(i.path, "shard \(r.shard) was collected with another configuration (assessment file, inputs, shard count or tool version) than the other shards; its evidence is left out and what it should cover is inconclusive",
                            fix: "collect every shard from the same audit.yaml, inputs and cek-audit version")
                    continue
                }
                if let other = held[r.shard.index] {
                    problem(i.path, "shard \(r.shard) is given twice (also \(other)); the second copy is left out",
                            fix: "pass each shard's bundle once")
                    continue
                }
                held[r.shard.index] = i.path
                accepted.append(i)
            }
            let missing = (1...count).filter { held[$0] == nil }
            // The units: the reference's, plus the members of divided targets every accepted shard found (a member
            // only one shard listed still belongs to its owner).
            var allUnits: [String: ShardRecord.Unit] = [:]
            for u in referenceRecord.units { allUnits[u.id] = u }
            for i in accepted { for u in i.settings.shard?.units ?? [] where allUnits[u.id] == nil { allUnits[u.id] = u } }
            for m in missing {
                let own = allUnits.values.filter { $0.shard == m }.sorted { $0.id < $1.id }
                problem("shard \(m)/\(count)", "shard \(m)/\(count) is not among the merged bundles: its \(own.count) unit(s) of work were not collected",
                        fix: "collect it (collect --shard \(m)/\(count)) and merge again")
                for u in own { uncovered.append(u); reason[u.id] = "shard \(m)/\(count) was not merged" }
            }
            // A member of a divided target that some shard found but its (present) owner did not — the member lists
            // changed between the shards' runs — was collected by nobody: it is uncovered, never silently absent.
            let unitsInOrder = allUnits.values.sorted { $0.id < $1.id }
            for i in accepted {
                guard let r = i.settings.shard else { continue }
                let listed = Set(r.units.map(\.id))
                for u in unitsInOrder where u.shard == r.shard.index && !listed.contains(u.id) {
                    problem(i.path, "shard \(r.shard) did not find \(u.source.dropFirst("target ".count)), which another shard listed and which belongs to shard \(r.shard): it was collected by no shard",
                            fix: "collect the shards again close together: the member list changed between them, or this shard's listing failed (see its diagnostics)")
                    uncovered.append(u)
                    reason[u.id] = "listed by another shard but not by its owner, shard \(r.shard)"
                }
            }
            // A divided target none of whose members could be reached is unreachable, as in an unsharded run (exit 69
            // for a required target): each member's reachability as its owner recorded it.
            var ownerView: [String: ShardRecord.Unit] = [:]
            for i in accepted {
                guard let r = i.settings.shard else { continue }
                for u in r.units where u.shard == r.shard.index { ownerView[u.id] = u }
            }
            for divided in referenceRecord.units where divided.shard == 0 {
                let name = String(divided.id.dropFirst("target:".count))
                let members = unitsInOrder.filter { $0.id.hasPrefix(divided.id + "/") }
                if !members.isEmpty, members.allSatisfy({ ownerView[$0.id]?.unreachable == true }) { unreachableDivided.insert(name) }
            }
            shardLine = "shards " + held.keys.sorted().map { "\($0)/\(count)" }.joined(separator: ", ") + " of \(count)"
                + (missing.isEmpty ? "" : "; missing " + missing.map { "\($0)/\(count)" }.joined(separator: ", "))
        }

        var facts = FactSet()
        var seenEvidence: [String: String] = [:]   // id → SHA-256
        var seenResources = Set<Resource>()
        var seenCoverage = Set<SourceCoverage>()
        var seenDiagnostics = Set<Diagnostic>()
        var unreachable = unreachableDivided
        for i in accepted {
            for e in i.facts.evidence {
                if let known = seenEvidence[e.id] {
                    if known != e.sha256 {
                        problem(i.path, "evidence item \(e.id) (\(e.locator)) differs from the item of the same id in another bundle; the first is kept",
                                fix: "the shards read different versions of one input: collect them from the same inputs")
                    }
                    continue
                }
                seenEvidence[e.id] = e.sha256
                facts.evidence.append(e)
            }
            for r in i.facts.resources where seenResources.insert(r).inserted {
                // A target divided among shards is described by each of them with its own members' regions and
                // tenants: one target, its lists joined.
                if r.type == .target, let at = facts.resources.firstIndex(where: { $0.type == .target && $0.id == r.id }) {
                    let (joined, differences) = Self.joined(facts.resources[at], r)
                    facts.resources[at] = joined
                    if !differences.isEmpty {
                        problem(i.path, "target \(r.name) is described differently by the merged bundles (\(differences.joined(separator: ", "))); those facts are unknown",
                                fix: "collect every shard with the same credentials and endpoints")
                    }
                    continue
                }
                facts.resources.append(r)
            }
            for c in i.facts.coverage where seenCoverage.insert(c).inserted { facts.coverage.append(c) }
            for d in i.facts.diagnostics where seenDiagnostics.insert(d).inserted { facts.diagnostics.append(d) }
            unreachable.formUnion(i.settings.unreachableTargets ?? [])
        }
        for u in uncovered.sorted(by: { $0.id < $1.id }) {
            facts.coverage.append(SourceCoverage(source: u.source, collector: u.kind, status: .failed, resourceTypes: u.resourceTypes,
                                                 detail: reason[u.id] ?? "not collected"))
        }
        facts.diagnostics += diagnostics
        let base = accepted.first ?? inputs[0]
        var settings = base.settings
        settings.collectedAt = accepted.map(\.settings.collectedAt).max() ?? base.settings.collectedAt
        settings.unreachableTargets = unreachable.isEmpty ? nil : unreachable.sorted()
        settings.shard = nil
        return Output(facts: facts, settings: settings, shards: shardLine, problems: problems)
    }

    /// Fields of a divided target that each shard describes from its own members: joined across shards.
    static let memberFields: Set<String> = ["region", "tenant"]

    /// Two descriptions of one target from different shards: fields both give alike are kept; ``memberFields`` that
    /// differ are the sorted union of both when both are known strings or lists of strings; any other difference
    /// (a caller, an endpoint, a field one side lacks) becomes unknown and is returned as a problem — never one
    /// shard's value passed off as the whole target's. Provenance is the union.
    static func joined(_ a: Resource, _ b: Resource) -> (Resource, [String]) {
        var out = a
        var differences: [String] = []
        func strings(_ v: FactValue?) -> [String]? {
            switch v {
            case .string(let s)?: return [s]
            case .list(let items)?:
                var all: [String] = []
                for item in items { guard case .string(let s) = item else { return nil }; all.append(s) }
                return all
            default: return nil
            }
        }
        for key in Set(a.fields.keys).union(b.fields.keys).sorted() where a.fields[key] != b.fields[key] {
            if memberFields.contains(key), let x = strings(a.fields[key]), let y = strings(b.fields[key]) {
                out.fields[key] = .list(Array(Set(x + y)).sorted().map { .string($0) })
            } else {
                out.fields[key] = .unknown(reason: "the shards describe \(a.name)'s \(key) differently")
                differences.append(key)
            }
        }
        for p in b.provenance where !out.provenance.contains(p) { out.provenance.append(p) }
        return (out, differences)
    }
}
