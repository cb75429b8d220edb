import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// One run of ``AWSKMSCollector`` against an AWS organization (`member_role_name:` on the target): the member accounts
/// `organizations:ListAccounts` lists (AWS Organizations API Reference, "ListAccounts"; JSON 1.1,
/// `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`, called with the target's credentials from the management or
/// delegated-administrator account), filtered by `member_accounts` / `exclude_member_accounts` and to `ACTIVE` ones,
/// then each member collected as its own account through STS AssumeRole of `arn:<partition>:iam::<id>:role/<name>`
/// (with `member_external_id` when given), at most `member_concurrency` members at once.
///
/// A member that cannot be assumed or read is collected as unreachable: its resources are inconclusive and it is
/// listed, but the run goes on and it never passes. A listing that fails or stops part-way makes the organization's
/// coverage failed or partial: members it did not list are unknown, never "none".
struct AWSOrganizationCollection: Sendable {
    let target: AssessmentFile.Target
    let options: AWSTargetOptions
    let memberRoleName: String
    let context: CollectionContext
    let logger: Logger
    let environment: [String: String]
    let transport: any AWSTransport
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let suppliedTypes: [ResourceType]
    let budget: RequestBudget

    /// Target prefix of the AWS Organizations JSON 1.1 protocol.
    static let targetPrefix = "AWSOrganizationsV20161128"
    /// Organizations is a global service signed in us-east-1 (aws partition).
    static let region = "us-east-1"

    func run() async -> FactSet {
        // The management account's credentials: the target's own (profile, role_arn, environment).
        let management = AWSKMSCollection(target: target, options: options, context: context, logger: logger, environment: environment,
                                          transport: transport, clock: clock, random: random, suppliedTypes: suppliedTypes, budget: budget)
        let resolver = AWSCredentialResolver(environment: environment)
        let plan: AWSCredentialPlan
        do { (plan, _) = try resolver.resolve(profile: options.profile, roleArn: options.roleArn, externalId: options.externalId) } catch {
            return AWSKMSCollection.unusable(target, suppliedTypes: suppliedTypes,
                                             diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                                    message: "target \(target.name) (aws-kms organization): \((error as? any LocalizedError)?.errorDescription ?? "\(error)")"))
        }
        for secret in plan.secrets { context.credentials.register(secret) }
        let endpoints = AWSEndpoints(override: options.endpoint, environment: environment)
        let limiter = RequestLimiter(limit: options.concurrency)
        let credentials: AWSCredentials
        switch await management.materialize(plan, region: Self.region, endpoints: endpoints, limiter: limiter) {
        case .success(let c): credentials = c
        case .failure(let f):
            return AWSKMSCollection.unusable(target, suppliedTypes: suppliedTypes,
                                             diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                                    message: "target \(target.name) (aws-kms organization): could not assume the role: \(f)",
                                                                    fix: AWSFailureDiagnostics.fix(for: f)))
        }
        for secret in credentials.secrets { context.credentials.register(secret) }

        // Who lists: the management (or delegated-administrator) account is collected with these credentials, not
        // through a member role it usually does not have.
        var session = AWSKMSCollection.Session(credentials: credentials, limiter: limiter, endpoints: endpoints, label: options.account ?? target.name)
        let sts = STSClient(client: management.client("sts", Self.region, .query(version: STSClient.version), session))
        var caller: String?
        if case .success(let (identity, _)) = await sts.callerIdentity() {
            caller = identity.account
            session.label = identity.account
        }
        // The member accounts.
        let client = management.client("organizations", Self.region, .json11(targetPrefix: Self.targetPrefix), session)
        let pages = await AWSPages.collect(operation: "ListAccounts", itemsKey: "Accounts", style: .nextToken,
                                           parameters: ["MaxResults": .number(20)]) { p in
            await client.callJSON("ListAccounts", p)
        }
        var out = FactSet()
        let listSource = "aws-kms://\(session.label)/organizations/ListAccounts"
        for (i, page) in pages.pages.enumerated() {
            let ev = management.evidence(page, locator: listSource + (i > 0 ? "?page=\(i + 1)" : ""), pointer: "Accounts")
            out.addEvidence(ev.item, bytes: ev.bytes)
        }
        struct Member: Sendable { var id: String; var name: String? }
        var members: [Member] = []
        var skipped: [String] = []
        for item in pages.items {
            guard let id = item["Id"]?.stringValue, id.utf8.count == 12, id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            let status = item["Status"]?.stringValue ?? item["State"]?.stringValue ?? "UNKNOWN"
            if let only = options.memberAccounts, !only.contains(id) { continue }
            if options.excludeMemberAccounts.contains(id) { continue }
            guard status == "ACTIVE" else { skipped.append("\(id) (\(status))"); continue }
            members.append(Member(id: id, name: item["Name"]?.stringValue))
        }
        members.sort { $0.id < $1.id }
        if let failure = pages.failure {
            // Members after the failure are unknown: every type the target supplies is only partly covered.
            out.coverage.append(SourceCoverage(source: listSource, collector: AWSKMSCollection.collectorName,
                                               status: pages.pages.isEmpty ? .failed : .partial, resourceTypes: suppliedTypes,
                                               detail: "the member accounts could not all be listed, so accounts beyond \(members.count) are not collected: \(failure)"))
            out.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                              message: "target \(target.name) (aws-kms organization): ListAccounts failed: \(failure)",
                                              fix: AWSFailureDiagnostics.fix(for: failure) ?? "grant organizations:ListAccounts to the target's identity in the management or delegated-administrator account"))
            if pages.pages.isEmpty {
                out.unreachableTargets.append(target.name)
                out.resources.append(Resource(type: .target, id: "aws-kms:\(target.name)", name: target.name, fields: [
                    "kind": .string("aws-kms"), "caller": .unknown(reason: failure.description), "tenant": .unknown(reason: failure.description),
                ]))
                return out
            }
        } else {
            out.coverage.append(SourceCoverage(source: listSource, collector: AWSKMSCollection.collectorName, status: .complete,
                                               resourceTypes: [.target], found: ["target": members.count],
                                               detail: skipped.isEmpty ? nil : "not active, not collected: \(skipped.joined(separator: ", "))"))
        }
        if let only = options.memberAccounts {
            for id in only where !members.contains(where: { $0.id == id }) && !skipped.contains(where: { $0.hasPrefix(id) }) {
                out.diagnostics.append(Diagnostic(.warning, source: target.file, line: target.line,
                                                  message: "target \(target.name): member account \(id) of member_accounts is not in the organization's account list",
                                                  fix: "check the id, or list the organization's accounts with `aws organizations list-accounts`"))
            }
        }

        // Sharded (`collect --shard i/N`): every shard listed the same members; it collects those it owns.
        if let scope = context.shard {
            members = members.filter { scope.owns(target: target.name, member: $0.id, kind: AWSKMSCollection.collectorName, resourceTypes: suppliedTypes) }
        }
        let sharded = context.shard.map { " (shard \($0.shard))" } ?? ""

        // Each member as an account of its own, `member_concurrency` at a time.
        let home = options.regions?.first ?? ""
        let partition = home.hasPrefix("cn-") ? "aws-cn" : home.hasPrefix("us-gov-") ? "aws-us-gov" : "aws"
        let base = AWSCredentialPlan.credentials(credentials)
        let callerAccount = caller
        var unreachable: [String] = []
        var index = 0
        while index < members.count {
            let batch = members[index..<min(index + options.memberConcurrency, members.count)]
            index += batch.count
            let results = await withTaskGroup(of: (Int, FactSet).self) { group in
                for (offset, member) in batch.enumerated() {
                    group.addTask {
                        var memberTarget = target
                        memberTarget.name = "\(target.name)/\(member.id)"
                        var memberOptions = options
                        memberOptions.account = member.id
                        memberOptions.profile = nil
                        memberOptions.roleArn = nil
                        memberOptions.tenant = options.tenant ?? member.id
                        let role = "arn:\(partition):iam::\(member.id):role/\(memberRoleName)"
                        var run = AWSKMSCollection(target: memberTarget, options: memberOptions, context: context, logger: logger,
                                                   environment: environment, transport: transport, clock: clock, random: random,
                                                   suppliedTypes: suppliedTypes, budget: budget)
                        run.credentialPlan = member.id == callerAccount ? base
                            : .assumeRole(roleArn: role, externalId: options.memberExternalId, sessionName: "cek-audit", source: base)
                        return (offset, await run.run())
                    }
                }
                var all: [(Int, FactSet)] = []
                for await r in group { all.append(r) }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
            for facts in results {
                unreachable += facts.unreachableTargets
                for name in facts.unreachableTargets where name.hasPrefix(target.name + "/") {
                    context.shard?.markUnreachable(target: target.name, member: String(name.dropFirst(target.name.count + 1)))
                }
                var member = facts
                member.unreachableTargets = []
                out.merge(member)
            }
        }
        if !unreachable.isEmpty {
            out.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                              message: "target \(target.name) (aws-kms organization\(sharded)): \(unreachable.count) of \(members.count) member account(s) unreachable: \(unreachable.sorted().joined(separator: ", ")); what they hold is inconclusive",
                                              fix: "let the target's identity assume \(memberRoleName) in those accounts, or exclude them with exclude_member_accounts"))
        }
        // The organization is unreachable for `required:` only when no member could be read at all. One shard cannot
        // know that of the others' members: it marks its own unreachable members in the shard scope, and the merge
        // decides (BundleMerge).
        if context.shard == nil, !members.isEmpty, unreachable.count == members.count { out.unreachableTargets.append(target.name) }
        logger.debug("aws-kms organization collected", metadata: ["target": .string(target.name), "members": .stringConvertible(members.count),
                                                                  "unreachable": .stringConvertible(unreachable.count)])
        return out
    }
}
