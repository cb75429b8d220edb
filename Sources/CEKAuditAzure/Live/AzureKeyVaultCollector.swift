import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// The live Azure Key Vault collector (`kind: azure-keyvault` under `targets:`): for every configured subscription it
/// reads, through Azure Resource Manager only (the management plane, which answers for vaults behind private endpoints
/// too), the key vaults and Managed HSM pools, per vault and pool its keys (with `properties.rotationPolicy` where the
/// API version returns it) and its diagnostic settings, the subscription's role assignments, and the data stores of
/// ``AzureFacts/dataStoreKinds`` that can name a customer-managed key. Sources: Azure REST API reference — Key Vault
/// management 2023-07-01 (`Vaults - List By Subscription`, `Managed Hsms - List By Subscription`, `Keys - List`,
/// `Managed Hsm Keys - List`), Monitor `Diagnostic Settings - List` 2021-05-01-preview, Authorization `Role Assignments
/// - List For Subscription` 2022-04-01, and each data store's `List` (by subscription) operation.
///
/// Read-only (GET only, plus the token request); options in ``AzureTargetOptions``, credentials in
/// ``AzureCredentialSource``; HTTP in ``AzureHTTPClient``. What it read is an ``AzureInventory`` mapped by
/// ``AzureFacts``; every answer is an evidence item (`azure-keyvault://NAME/<ARM path>`); a failed call is an
/// ``AzureInventory/Failure`` whose facts are unknown.
public struct AzureKeyVaultCollector: LiveCollector {
    public let kind = "azure-keyvault"
    public var reads: String { "A live Azure subscription through Azure Resource Manager (read-only): key vaults, Managed HSM pools, their keys and rotation policies, diagnostic settings, role assignments and the data stores that name a customer-managed key." }
    public var example: String { "{kind: azure-keyvault, name: prod, subscriptions: [00000000-0000-0000-0000-000000000000], access_token_env: AZURE_ACCESS_TOKEN}" }
    public let suppliedTypes: [ResourceType] = [.target, .key, .keyPolicy, .keyStore, .auditTrail, .dataStore]

    /// Environment for credentials (the process's by default; tests inject their own).
    public var environment: [String: String]
    /// Wall clock for an access token file's expiry.
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

    /// A target with `subscriptions: all` divides its work among shards by subscription.
    public func divides(_ target: AssessmentFile.Target) -> Bool {
        (try? AzureTargetOptions(target))?.allSubscriptions ?? false
    }

    public func validate(_ target: AssessmentFile.Target) throws {
        _ = try AzureTargetOptions(target)
    }

    public func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet {
        let options: AzureTargetOptions
        do { options = try AzureTargetOptions(target) } catch let e as CEKAuditError {
            return AzureKeyVaultCollection.unusable(target, suppliedTypes: suppliedTypes, diagnostic: e.diagnostic)
        } catch {
            return AzureKeyVaultCollection.unusable(target, suppliedTypes: suppliedTypes,
                                                    diagnostic: Diagnostic(.error, source: target.file, line: target.line, message: "\(error)"))
        }
        let source: AzureCredentialSource
        do { source = try AzureCredentialSource.resolve(options, environment: environment, now: clock()) } catch {
            let e = error as? AzureCredentialError ?? AzureCredentialError("\(error)")
            return AzureKeyVaultCollection.unusable(target, suppliedTypes: suppliedTypes,
                                                    diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                                           message: "target \(target.name) (azure-keyvault): \(context.credentials.scrub(e.message))", fix: e.fix))
        }
        // Every secret is registered before the first request, so no answer, message or report can carry it.
        for s in source.secrets { context.credentials.register(s) }
        let http = AzureHTTPClient(options: options, scrubber: context.credentials, budget: RequestBudget(limit: options.maxRequests), random: random)
        let run = AzureKeyVaultCollection(target: target, options: options, source: source, http: http, context: context, logger: logger,
                                          suppliedTypes: suppliedTypes)
        let facts = await run.run()
        await http.shutdown()
        return facts
    }
}
