@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// Organization scale against a real moto_server: an organization of four member accounts in two regions, one whose
/// role cannot be assumed (moto's AssumeRole never refuses, so a loopback proxy in front of moto refuses it the way
/// STS does), collected as one organization target, as one target per account, and as three shards merged.
extension AWSKMSMotoTests {
    struct Org4 {
        var manifest: JSONValue
        var members: [String]
        var refused: String
        var environment: [String: String]
        var proxy: LoopbackScriptServer
        var dir: URL

        /// Every seeded key ARN, by account.
        var keys: [String: [String]] {
            var out: [String: [String]] = [:]
            if case .object(let all)? = manifest["keys"] { for (a, list) in all { out[a] = list.asList.compactMap(\.stringValue) } }
            return out
        }

        func options(_ extra: [String: FactValue] = [:]) -> [String: FactValue] {
            var o: [String: FactValue] = ["regions": .strings(["us-east-1", "eu-west-1"]), "endpoint": .string(proxy.endpoint),
                                          "max_attempts": .number(1), "concurrency": .number(4)]
            for (k, v) in extra { o[k] = v }
            return o
        }
    }

    /// Seeds the organization and starts the refusing proxy (refusing tenant-delta's OrganizationAccountAccessRole).
    static func seedOrg4() async throws -> Org4 {
        let endpoint = try #require(Self.endpoint)
        let manifest = try await Self.runSeed("moto_org4_seed.py")
        let members = (manifest["members"]?.asList ?? []).compactMap(\.stringValue)
        try #require(members.count == 4)
        let refused = members[3]
        let proxy = try await offPool {
            try LoopbackScriptServer(script: "refusing_proxy.py",
                                     config: ["upstream": endpoint, "refuse_role_arns": ["arn:aws:iam::\(refused):role/OrganizationAccountAccessRole"]],
                                     maxSeconds: 300)
        }
        let environment = ["AWS_ACCESS_KEY_ID": manifest["access_key_id"]?.stringValue ?? "",
                           "AWS_SECRET_ACCESS_KEY": manifest["secret_access_key"]?.stringValue ?? "", "HOME": "/nonexistent"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-org4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return Org4(manifest: manifest, members: members, refused: refused, environment: environment, proxy: proxy, dir: dir)
    }

    /// (check, subject, verdict) with the account-naming of targets taken out: `aws-kms:org/<id>` and
    /// `aws-kms:acct-<id>` both read `aws-kms:<id>`.
    /// Run-wide results (subject `*` or none) are left out: they judge a run, not an account.
    static func accountVerdicts(_ results: [CheckResult]) -> Set<String> {
        Set(results.filter { !["*", "-", ""].contains($0.subject?.id ?? "-") }.map { r in
            let subject = (r.subject?.id ?? "-").replacingOccurrences(of: "org/", with: "").replacingOccurrences(of: "acct-", with: "")
            return "\(r.check) \(subject) \(r.verdict.rawValue)"
        })
    }

    @Test("An organization of four members in two regions gives the verdicts of assessing each account alone; the member that cannot be assumed is listed and inconclusive")
    func organizationRunEqualsEachAccountAlone() async throws {
        let org = try await Self.seedOrg4()
        defer { org.proxy.stop(); try? FileManager.default.removeItem(at: org.dir) }
        let (facts, _) = await AWSTest.collect(AWSTest.target("org", org.options(["member_role_name": .string("OrganizationAccountAccessRole")])),
                                               environment: org.environment)
        let results = try AWSTest.evaluate(facts)

        // Every key of every reachable account, in both regions; none of the refused member's.
        let keys = Set(facts.resources(of: .key).map(\.id))
        let expected = Set(org.keys.filter { $0.key != org.refused }.values.flatMap { $0 })
        #expect(keys == expected, "\(keys.symmetricDifference(expected))")
        #expect(Set(facts.resources(of: .key).compactMap { $0["region"]?.displayText }) == ["us-east-1", "eu-west-1"])

        // The refused member: listed as unreachable (diagnostic naming it), its coverage failed, its target's facts
        // unknown, and nothing about it passes.
        let refusedTarget = "org/\(org.refused)"
        #expect(facts.diagnostics.contains { $0.severity == .error && $0.message.contains("1 of 5 member account(s) unreachable: \(refusedTarget)") },
                "\(facts.diagnostics.map(\.message))")
        let refusedRows = facts.coverage.filter { $0.source.contains("/\(org.refused)") || $0.source.contains(refusedTarget) }
        #expect(!refusedRows.isEmpty && refusedRows.allSatisfy { $0.status == .failed }, "\(refusedRows)")
        let refusedResults = results.filter { ($0.subject?.id ?? "").contains(org.refused) }
        #expect(refusedResults.allSatisfy { $0.verdict != .pass }, "\(refusedResults.map { "\($0.check) \($0.verdict)" })")
        #expect(facts.unreachableTargets.isEmpty, "one unreachable member does not make the organization unreachable")
        let proxyLog = org.proxy.requests()
        #expect(proxyLog.contains { $0["refused"] == .bool(true) && $0["role_arn"]?.stringValue?.contains(org.refused) == true })
        // The rotation verdicts the seed set up: us-east-1 keys rotate, eu-west-1 keys and the management key do not.
        for r in results where r.check == "CEK08-AG3-ROTATION-PERIOD" && (r.subject?.id ?? "").hasPrefix("arn:aws:kms:") {
            let id = r.subject?.id ?? ""
            #expect(r.verdict == (id.contains(":us-east-1:") && !id.contains(":123456789012:") ? .pass : .fail), "\(id) \(r.verdict)")
        }

        // Each account alone: the management account with its own credentials, each member through its role.
        var alone = Set<String>()
        for account in ["123456789012"] + org.members {
            var extra: [String: FactValue] = [:]
            if account != "123456789012" { extra["role_arn"] = .string("arn:aws:iam::\(account):role/OrganizationAccountAccessRole") }
            let (one, _) = await AWSTest.collect(AWSTest.target("acct-\(account)", org.options(extra)), environment: org.environment)
            alone.formUnion(Self.accountVerdicts(try AWSTest.evaluate(one)))
        }
        let together = Self.accountVerdicts(results)
        #expect(together.count > 50 && together.contains { $0.hasSuffix(" pass") } && together.contains { $0.hasSuffix(" fail") })
        // The refused member is there too, as inconclusive results about its account, alone and in the organization.
        #expect(together.contains { $0.contains("aws-kms://\(org.refused)") && $0.hasSuffix(" inconclusive") })
        #expect(together == alone, "org only: \(together.subtracting(alone).sorted()); alone only: \(alone.subtracting(together).sorted())")
    }

    @Test("An organization target collected as three shards and merged gives the unsharded verdicts; a missing shard's members are named and inconclusive")
    func organizationShardsMergeToOneRun() async throws {
        let org = try await Self.seedOrg4()
        defer { org.proxy.stop(); try? FileManager.default.removeItem(at: org.dir) }
        try """
        schema_version: 1
        name: org4
        targets:
          - {kind: aws-kms, name: org, member_role_name: OrganizationAccountAccessRole, regions: [us-east-1, eu-west-1], endpoint: "\(org.proxy.endpoint)", max_attempts: 1, concurrency: 4}
        """.write(to: org.dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
        let plan = try AssessmentPlan.make(path: org.dir.path)
        let registry = CollectorRegistry.builtIn.replacing([AWSKMSCollector(environment: org.environment)])
        let inputs = Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: Fixtures.now)
        func settings(_ record: ShardRecord?) -> EvidenceBundle.Settings {
            var s = EvidenceBundle.Settings(name: plan.name, collectedAt: Fixtures.now, parameters: [:], checks: [:], controls: nil,
                                            analysis: inputs.settings)
            s.shard = record
            return s
        }
        func verdicts(_ observations: FactSet) throws -> Set<String> {
            Set(try AWSTest.evaluate(NormalizeStage.run(observations, settings: inputs.settings)).map { "\($0.check) \($0.subject?.id ?? "-") \($0.verdict.rawValue)" })
        }
        let runner = CollectionRunner(registry: registry)
        let (whole, _, _) = await runner.collect(plan, context: CollectionContext(now: Fixtures.now), shard: nil, toolVersion: "test")
        var shards: [BundleMerge.Input] = []
        var owners: [String: Int] = [:]
        for i in 1...3 {
            let (facts, notes, record) = await runner.collect(plan, context: CollectionContext(now: Fixtures.now), shard: Shard(index: i, count: 3),
                                                              toolVersion: "test")
            let r = try #require(record)
            #expect(notes.contains { $0.locator == "shard \(i)/3" && $0.text.contains("divided among the shards") }, "\(notes)")
            // The organization target is run by every shard (shard 0); each member is a unit of its own.
            #expect(r.units.first { $0.id == "target:org" }?.shard == 0)
            for u in r.units where u.id.hasPrefix("target:org/") {
                if let known = owners[u.id] { #expect(known == u.shard, "every shard agrees on the owner") } else { owners[u.id] = u.shard }
            }
            // A shard holds only its own members' keys.
            let own = Set(r.units.filter { $0.shard == i }.map { String($0.id.dropFirst("target:org/".count)) })
            for k in facts.resources where k.type == .key {
                let account = k.id.split(separator: ":")[4]
                #expect(own.contains(String(account)), "\(k.id) collected by shard \(i)")
            }
            shards.append(BundleMerge.Input(path: "b-\(i)", facts: facts, settings: settings(r)))
        }
        #expect(Set(owners.keys) == Set((["123456789012"] + org.members).map { "target:org/\($0)" }))

        let merged = BundleMerge.merge(shards)
        #expect(merged.problems.isEmpty, "\(merged.problems)")
        #expect(merged.shards == "shards 1/3, 2/3, 3/3 of 3")
        #expect(merged.facts.resources(of: .target).filter { $0.id.hasPrefix("aws-kms:org/") }.count == 5)
        #expect(try verdicts(merged.facts) == verdicts(whole))

        // The member list changed between the shards' runs: the owner of one member did not list it (another shard
        // did). It was collected by no shard: named, its coverage failed — never silently absent.
        let (changedID, changedOwner) = try #require(owners.sorted { $0.key < $1.key }.first)
        let changedMember = String(changedID.dropFirst("target:org/".count))
        var changed = shards
        changed[changedOwner - 1].settings.shard!.units.removeAll { $0.id == changedID }
        changed[changedOwner - 1].facts.resources.removeAll { $0.id.contains(changedMember) }
        let drifted = BundleMerge.merge(changed)
        #expect(drifted.problems.contains { $0.contains("did not find org/\(changedMember)") && $0.contains("collected by no shard") }, "\(drifted.problems)")
        let driftRow = drifted.facts.coverage.first { $0.source == "target org/\(changedMember)" }
        #expect(driftRow?.status == .failed && driftRow?.detail?.contains("not by its owner, shard \(changedOwner)/3") == true, "\(String(describing: driftRow))")

        // Without the shard that owns the most members: it is named, its members' coverage failed, their keys absent
        // and no verdict over what they would have supplied passes where the whole run's did not exist.
        let counts = Dictionary(grouping: owners.values, by: { $0 }).mapValues(\.count)
        let lost = counts.max { a, b in (a.value, -a.key) < (b.value, -b.key) }!.key
        let partial = BundleMerge.merge(shards.filter { $0.settings.shard?.shard.index != lost })
        #expect(partial.shards == "shards " + [1, 2, 3].filter { $0 != lost }.map { "\($0)/3" }.joined(separator: ", ") + " of 3; missing \(lost)/3")
        let lostMembers = owners.filter { $0.value == lost }.map { String($0.key.dropFirst("target:org/".count)) }
        for m in lostMembers {
            let row = partial.facts.coverage.first { $0.source == "target org/\(m)" }
            #expect(row?.status == .failed && row?.detail?.contains("shard \(lost)/3 was not merged") == true, "\(String(describing: row))")
        }
        #expect(partial.problems.contains { $0.contains("shard \(lost)/3 is not among the merged bundles") })
        let partialResults = try AWSTest.evaluate(NormalizeStage.run(partial.facts, settings: inputs.settings))
        #expect(!partialResults.contains { r in lostMembers.contains { (r.subject?.id ?? "").contains($0) } && r.verdict == .pass })
        // Run-wide checks never gain a pass from the missing shard: each is as in the whole run, or inconclusive.
        let wholeResults = try AWSTest.evaluate(NormalizeStage.run(whole, settings: inputs.settings))
        func runWide(_ results: [CheckResult]) -> [String: Verdict] {
            Dictionary(results.filter { ["*", "-"].contains($0.subject?.id ?? "-") }.map { ($0.check, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        }
        let (before, after) = (runWide(wholeResults), runWide(partialResults))
        for (check, verdict) in after where verdict != before[check] {
            #expect(verdict == .inconclusive, "\(check): \(String(describing: before[check])) in one run, \(verdict) without shard \(lost) (owners: \(owners))")
        }
        // What the lost members held is inconclusive, per member: the rotation of their keys, decided in the whole
        // run, is a question without an answer in the partial one.
        for m in lostMembers where m != org.refused {
            #expect(wholeResults.contains { $0.check == "CEK08-AG3-ROTATION-PERIOD" && ($0.subject?.id ?? "").contains(":\(m):key/") && $0.verdict != .inconclusive },
                    "\(m) (owners: \(owners))")
            let open = partialResults.first { $0.check == "CEK08-AG3-ROTATION-PERIOD" && $0.subject?.id == "target org/\(m)" }
            #expect(open?.verdict == .inconclusive, "\(m): \(String(describing: open?.verdict)) (owners: \(owners))")
        }
    }
}
