import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Collects failed AWS calls and turns them into diagnostics, one per region, operation and error code, naming the
/// subjects (keys, trails) it hit and a fix. Grouping keeps a denied permission from printing a line per key.
public struct AWSFailureDiagnostics: Sendable {
    struct Entry: Sendable {
        var source: String
        var subject: String?
        var failure: AWSCallFailure
    }

    private var entries: [Entry] = []

    public init() {}

    /// Records a failure of a call about `subject` (a key id, a trail); `source` is the operation's locator without the
    /// subject (`aws-kms://111122223333/us-east-1/GetKeyPolicy`).
    public mutating func record(_ failure: AWSCallFailure, source: String, subject: String? = nil) {
        entries.append(Entry(source: source, subject: subject, failure: failure))
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Adds another collection's failures after this one's.
    public mutating func merge(_ other: AWSFailureDiagnostics) {
        entries += other.entries
    }

    /// The first failure recorded, if any.
    public var first: AWSCallFailure? { entries.first?.failure }

    /// One diagnostic per region, operation and error code.
    public func diagnostics(target: String) -> [Diagnostic] {
        var groups: [String: [Entry]] = [:]
        var order: [String] = []
        for e in entries {
            let key = "\(e.failure.region)|\(e.failure.operation)|\(e.failure.error.code)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(e)
        }
        return order.compactMap { key -> Diagnostic? in
            guard let list = groups[key], let head = list.first else { return nil }
            let subjects = list.compactMap(\.subject)
            var message = "target \(target): \(head.failure)"
            if !subjects.isEmpty {
                let shown = subjects.prefix(5).joined(separator: ", ") + (subjects.count > 5 ? ", …" : "")
                message = "target \(target): \(head.failure.operation) failed for \(subjects.count) resource(s) in \(head.failure.region) (\(shown))"
                    + (head.failure.attempts > 1 ? " after \(head.failure.attempts) attempts" : "") + ": \(head.failure.error)"
            }
            message += "; the facts it should have supplied are unknown, so the affected checks are inconclusive."
            return Diagnostic(.error, source: head.source, message: message, fix: Self.fix(for: head.failure))
        }
    }

    /// A fix for the usual causes.
    static func fix(for f: AWSCallFailure) -> String? {
        let service = ["GetCallerIdentity": "sts", "AssumeRole": "sts", "DescribeRegions": "ec2", "DescribeTrails": "cloudtrail",
                       "GetTrailStatus": "cloudtrail", "GetEventSelectors": "cloudtrail"][f.operation] ?? "kms"
        switch f.error {
        case .service(let status, let code, _):
            if code.contains("AccessDenied") || code == "UnauthorizedOperation" || status == 403 {
                return "allow \(service):\(f.operation) for the auditing principal (README, \"Least-privilege IAM policy\")"
            }
            if RetryPolicy.throttlingCodes.contains(code) || status == 429 {
                return "lower `concurrency:` or raise `max_attempts:` on the target"
            }
            if code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "ExpiredTokenException" || code == "ExpiredToken" {
                return "refresh the credentials (they are unknown to AWS or expired)"
            }
            if status >= 500 { return "retry later; the service reported a server error" }
            return nil
        case .transport, .timeout:
            return "check the endpoint and the network, or raise `timeout_seconds:` on the target"
        case .invalidResponse:
            return "retry; if it persists, the endpoint is not speaking the AWS protocol"
        case .tooLarge:
            return "check that the endpoint is an AWS API endpoint; no AWS answer page is that large"
        case .notSent:
            return "raise `max_requests:` on the target if the account really holds that much"
        case .cancelled:
            return nil
        }
    }
}
