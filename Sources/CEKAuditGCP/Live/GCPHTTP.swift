import CEKAuditCollectorKit
import Foundation

/// The `gcp-kms` target's HTTP side is the kit's ``RESTClient`` (one pooled AsyncHTTPClient, retries, deadlines,
/// budget, scrubbing); Google's error bodies give ``RESTCallFailure/code`` the `google.rpc.Code` name.
public typealias GCPHTTPClient = RESTClient
/// One answer of a Google API, or why there is none (``RESTAnswer``).
public typealias GCPAPIResponse = RESTAnswer
/// Why a Google API call gave no usable answer (``RESTCallFailure``).
public typealias GCPCallFailure = RESTCallFailure

extension RESTClient {
    /// The client of one `gcp-kms` target: its concurrency, timeout, attempts and backoff.
    public convenience init(options: GCPTargetOptions, scrubber: CredentialScrubber, budget: RequestBudget,
                            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.init(concurrency: options.concurrency, timeoutSeconds: options.timeoutSeconds, maxAttempts: options.maxAttempts,
                  backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs, scrubber: scrubber, budget: budget, random: random)
    }
}
