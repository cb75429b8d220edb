import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// When and how long to wait before retrying an AWS call: exponential backoff with full jitter
/// (AWS Architecture Blog, "Exponential Backoff And Jitter"; AWS SDKs and Tools Reference Guide, "Retry behavior"):
/// the wait before attempt *n + 1* is uniformly random in `0 … min(maximumDelay, baseDelay × 2^(n−1))`.
///
/// Retried: throttling (`ThrottlingException` and its relatives, HTTP 429), server errors (HTTP 5xx), timeouts,
/// dropped connections and cut-short bodies. Not retried: client errors such as `AccessDeniedException`,
/// `NotFoundException` or `UnsupportedOperationException`, which would only fail again.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, including the first (≥ 1).
    public var maxAttempts: Int
    /// Base of the exponential backoff, in seconds.
    public var baseDelay: Double
    /// Cap on one wait, in seconds.
    public var maximumDelay: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.1, maximumDelay: Double = 20) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maximumDelay = max(0, maximumDelay)
    }

    /// Error codes AWS services use for rate limiting.
    public static let throttlingCodes: Set<String> = [
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "SlowDown", "ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
        "PriorRequestNotComplete", "EC2ThrottledException", "TransactionInProgressException",
    ]
    /// Error codes for transient server-side failures.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalError", "ServiceUnavailable",
        "KMSInternalException", "DependencyTimeoutException",
    ]

    /// Whether `error` is worth another attempt.
    public func isRetryable(_ error: AWSCallError) -> Bool {
        switch error {
        case let .service(status, code, _):
            return status == 429 || status >= 500 || Self.throttlingCodes.contains(code) || Self.transientCodes.contains(code)
        case .transport, .timeout, .invalidResponse: return true
        case .cancelled, .tooLarge, .notSent: return false
        }
    }

    /// The upper bound of the wait after failed attempt `attempt` (1-based), in seconds.
    public func ceiling(afterAttempt attempt: Int) -> Double {
        let exp = pow(2.0, Double(max(0, min(attempt - 1, 30))))
        return min(maximumDelay, baseDelay * exp)
    }

    /// The wait after failed attempt `attempt`, given a uniform random number in `0 ..< 1` (full jitter).
    public func delay(afterAttempt attempt: Int, random unit: Double) -> Double {
        ceiling(afterAttempt: attempt) * min(max(unit, 0), 1)
    }
}
