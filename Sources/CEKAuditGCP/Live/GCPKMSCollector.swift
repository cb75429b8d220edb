import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// The live Google Cloud KMS collector (`kind: gcp-kms` under `targets:`): for every configured project it reads the
/// locations (`projects.locations.list`, unless `locations:` names them), per location the key rings, EKM connections
/// and Autokey key handles, per key ring its crypto keys, import jobs and IAM policy, per key its IAM policy; per
/// project its ancestry and IAM policy (Resource Manager v1 `getAncestry`, `getIamPolicy`: audit configuration), the
/// effective CMEK organization policies (Organization Policy v2 `getEffectivePolicy`), and with `data_stores: true` the
/// data stores of ``GCPFacts/dataStoreKinds`` through Cloud Asset Inventory (`assets.list`, `contentType=RESOURCE`).
/// Sources: Cloud KMS REST v1, Resource Manager REST v1, Organization Policy REST v2, Cloud Asset Inventory REST v1
/// references.
///
/// Read-only (GET, and the read-only POST methods `getAncestry` / `getIamPolicy`); options in ``GCPTargetOptions``,
/// credentials in ``GCPCredentialSource``; HTTP in ``GCPHTTPClient``. What it read is a ``GCPInventory`` mapped by
/// ``GCPFacts``; every answer is an evidence item; a failed call is a ``GCPInventory/Failure`` whose facts are unknown.
public struct GCPKMSCollector: LiveCollector {
    public let kind = "gcp-kms"
    public var reads: String { "A live Google Cloud project through the Cloud KMS, Resource Manager, Organization Policy and Cloud Asset APIs (read-only): key rings, keys, IAM policies, import jobs, EKM connections, Autokey, audit configuration, CMEK organization policies and data stores." }
    public var example: String { "{kind: gcp-kms, name: prod, projects: [example-project], credentials_file: sa.json}" }
    public let suppliedTypes: [ResourceType] = [.target, .key, .keyPolicy, .keyStore, .auditTrail, .orgPolicy, .dataStore]

    /// Environment for credentials (the process's by default; tests inject their own).
    public var environment: [String: String]
    /// Wall clock for token assertions (`iat`).
    public var clock: @Sendable () -> Date
    /// Uniform random numbers in `0 ..< 1` for backoff jitter.
    public var random: @Sendable () -> Double

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.environment = environment
        self.clock = clock
        self.random = random
    }

    /// A target with `parents:` divides its work among shards by project.
    public func divides(_ target: AssessmentFile.Target) -> Bool { target.options["parents"] != nil }

    public func validate(_ target: AssessmentFile.Target) throws {
        _ = try GCPTargetOptions(target)
    }

    public func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet {
        let options: GCPTargetOptions
        do { options = try GCPTargetOptions(target) } catch let e as CEKAuditError {
            return GCPKMSCollection.unusable(target, suppliedTypes: suppliedTypes, diagnostic: e.diagnostic)
        } catch {
            return GCPKMSCollection.unusable(target, suppliedTypes: suppliedTypes,
                                             diagnostic: Diagnostic(.error, source: target.file, line: target.line, message: "\(error)"))
        }
        let source: GCPCredentialSource
        do { source = try GCPCredentialSource.resolve(options, environment: environment) } catch {
            let e = error as? GCPCredentialError ?? GCPCredentialError("\(error)")
            return GCPKMSCollection.unusable(target, suppliedTypes: suppliedTypes,
                                             diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                                    message: "target \(target.name) (gcp-kms): \(context.credentials.scrub(e.message))", fix: e.fix))
        }
        // Every secret is registered before the first request, so no answer, message or report can carry it.
        for s in source.secrets { context.credentials.register(s) }
        let http = GCPHTTPClient(options: options, scrubber: context.credentials, budget: RequestBudget(limit: options.maxRequests), random: random)
        let run = GCPKMSCollection(target: target, options: options, source: source, http: http, context: context, logger: logger,
                                   clock: clock, suppliedTypes: suppliedTypes)
        let facts = await run.run()
        await http.shutdown()
        return facts
    }
}
