import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// A successful AWS API response: the operation, the body bytes (already scrubbed by the run's
/// ``CredentialScrubber``), and the body parsed — JSON for the JSON 1.1 protocol (AWS KMS, AWS CloudTrail), `nil` for
/// XML (STS, EC2), which the caller reads with FoundationXML.
public struct AWSResponse: Sendable {
    public var operation: String
    public var region: String
    public var status: Int
    public var body: Data
    public var json: JSONValue?
    /// Attempts it took (1 when the first succeeded).
    public var attempts: Int
}

/// A failed AWS API call: which operation, in which region, what went wrong, after how many attempts.
public struct AWSCallFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var region: String
    public var error: AWSCallError
    public var attempts: Int

    /// `DescribeKey failed: AccessDeniedException (HTTP 400): …` (with the attempt count when retried).
    public var description: String {
        "\(operation) failed" + (attempts > 1 ? " after \(attempts) attempts" : "") + ": \(error)"
    }
}
