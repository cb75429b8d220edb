import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// The live AWS KMS collector (`kind: aws-kms` under `targets:`): for every configured region it lists the keys
/// (ListKeys), aliases (ListAliases) and custom key stores (DescribeCustomKeyStores), describes each key
/// (DescribeKey, GetKeyRotationStatus and ListKeyRotations where rotation is supported, GetKeyPolicy, ListGrants,
/// ListResourceTags), reads the CloudTrail trails (DescribeTrails, GetTrailStatus, GetEventSelectors), and records
/// who collected the evidence with STS GetCallerIdentity (AWS KMS API Reference; AWS CloudTrail API Reference;
/// AWS STS API Reference).
///
/// Read-only by construction (``KMSClient/Operation`` and ``CloudTrailClient/Operation`` hold only `List*`,
/// `Describe*` and `Get*`); signed with SigV4 (``SigV4Signer``); bounded concurrency, per-call timeouts and retries
/// with exponential backoff and full jitter (``AWSServiceClient``). Every response is one evidence item; a failed call
/// makes exactly its facts unknown; successful ListKeys / DescribeTrails / DescribeCustomKeyStores listings are
/// inventories, so aggregate checks may conclude absence from them.
public struct AWSKMSCollector: LiveCollector {
    public let kind = "aws-kms"
    public var reads: String { "A live AWS KMS account through its API (read-only, SigV4): keys, aliases, policies, grants, rotation, key stores and CloudTrail trails, per region; with member_role_name, every active member account of an AWS organization." }
    public var example: String { "{kind: aws-kms, name: production, regions: [eu-west-1], profile: audit}" }
    public let suppliedTypes: [ResourceType] = [.target, .key, .keyPolicy, .grant, .keyStore, .auditTrail]

    /// Environment for credentials, regions and endpoints (the process's by default; tests inject their own).
    public var environment: [String: String]
    /// Makes the HTTP transport for a run, given the target's concurrency.
    public var makeTransport: @Sendable (Int) -> any AWSTransport
    /// Wall clock for request signatures.
    public var clock: @Sendable () -> Date
    /// Uniform random numbers in `0 ..< 1` for backoff jitter.
    public var random: @Sendable () -> Double

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                makeTransport: @escaping @Sendable (Int) -> any AWSTransport = { AWSHTTPClientTransport(maxConnectionsPerHost: $0) },
                clock: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.environment = environment
        self.makeTransport = makeTransport
        self.clock = clock
        self.random = random
    }

    /// An organization target (`member_role_name:`) divides its work among shards by member account.
    public func divides(_ target: AssessmentFile.Target) -> Bool { target.options["member_role_name"] != nil }

    public func validate(_ target: AssessmentFile.Target) throws {
        _ = try AWSTargetOptions(target)
    }

    public func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet {
        let options: AWSTargetOptions
        do { options = try AWSTargetOptions(target) } catch let e as CEKAuditError {
            return AWSKMSCollection.unusable(target, suppliedTypes: suppliedTypes, diagnostic: e.diagnostic)
        } catch {
            return AWSKMSCollection.unusable(target, suppliedTypes: suppliedTypes,
                                             diagnostic: Diagnostic(.error, source: target.file, line: target.line, message: "\(error)"))
        }
        let transport = makeTransport(options.concurrency)
        if let role = options.memberRoleName {
            let org = AWSOrganizationCollection(target: target, options: options, memberRoleName: role, context: context, logger: logger,
                                                environment: environment, transport: transport, clock: clock, random: random,
                                                suppliedTypes: suppliedTypes, budget: RequestBudget(limit: options.maxRequests))
            let out = await org.run()
            await transport.shutdown()
            return out
        }
        let run = AWSKMSCollection(target: target, options: options, context: context, logger: logger, environment: environment,
                                   transport: transport, clock: clock, random: random,
                                   suppliedTypes: suppliedTypes, budget: RequestBudget(limit: options.maxRequests))
        let out = await run.run()
        await transport.shutdown()
        return out
    }
}
