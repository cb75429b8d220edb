import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Why an AWS API call failed, in the words the report uses: the API, the error code or transport failure, and the
/// HTTP status. Messages are already scrubbed by the run's ``CredentialScrubber`` when the client builds them.
public enum AWSCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The service answered with an error (AWS KMS API Reference, "Common Errors"; JSON `__type` or
    /// `X-Amzn-ErrorType`, XML `<Code>`).
    case service(status: Int, code: String, message: String?)
    /// The connection failed, was refused or dropped (including a body cut short).
    case transport(String)
    /// No complete answer within the per-call timeout.
    case timeout(seconds: Double)
    /// A 2xx answer whose body is not what the protocol promises (not JSON, truncated, wrong shape).
    case invalidResponse(String)
    /// The collection was cancelled.
    case cancelled
    /// The body was larger than the transport accepts, in bytes; not retried (a server that sent it once will again).
    case tooLarge(limit: Int)
    /// Not sent: the target's request limit was reached (``RequestBudget``); the reason names the option.
    case notSent(String)

    /// The error code for messages: `AccessDeniedException`, `ThrottlingException`, `timeout` …
    public var code: String {
        switch self {
        case .service(_, let code, _): return code
        case .transport: return "connection error"
        case .timeout: return "timeout"
        case .invalidResponse: return "invalid response"
        case .cancelled: return "cancelled"
        case .tooLarge: return "response too large"
        case .notSent: return "not sent"
        }
    }

    /// One phrase: `AccessDeniedException (HTTP 400): User … is not authorized`.
    public var description: String {
        switch self {
        case let .service(status, code, message):
            let m = message.map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }.map { ": \($0)" } ?? ""
            return "\(code) (HTTP \(status))\(m)"
        case .transport(let detail): return "connection error: \(detail)"
        case .timeout(let s): return "no answer within \(FactValue.number(s).displayText) s (timeout)"
        case .invalidResponse(let detail): return "invalid response: \(detail)"
        case .cancelled: return "the collection was cancelled"
        case .tooLarge(let limit): return "invalid response: the body is larger than \(limit) bytes"
        case .notSent(let reason): return reason
        }
    }

    /// Whether the failure means the endpoint could not be reached at all (versus the service refusing the call).
    public var isReachability: Bool {
        switch self {
        case .transport, .timeout: return true
        default: return false
        }
    }
}
