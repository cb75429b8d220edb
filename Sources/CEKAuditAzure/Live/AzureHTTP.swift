import CEKAuditCollectorKit
import Foundation

/// The `azure-keyvault` target's HTTP side is the kit's ``RESTClient`` (one pooled AsyncHTTPClient, retries honouring
/// `Retry-After`, deadlines, budget, scrubbing); ARM error bodies give ``RESTCallFailure/code`` their `error.code`.
public typealias AzureHTTPClient = RESTClient
/// One answer of Azure Resource Manager or the Entra token endpoint, or why there is none (``RESTAnswer``).
public typealias AzureAPIResponse = RESTAnswer
/// Why an ARM call gave no usable answer (``RESTCallFailure``).
public typealias AzureCallFailure = RESTCallFailure

extension RESTClient {
    /// The client of one `azure-keyvault` target: its concurrency, timeout, attempts and backoff.
    public convenience init(options: AzureTargetOptions, scrubber: CredentialScrubber, budget: RequestBudget,
                            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.init(concurrency: options.concurrency, timeoutSeconds: options.timeoutSeconds, maxAttempts: options.maxAttempts,
                  backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs, scrubber: scrubber, budget: budget, random: random)
    }
}
