import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The outcome of a paginated list call: every page that arrived, the items gathered from them, and the failure
/// that stopped the listing early, if any. Items from pages before a failure are kept (never dropped); the listing
/// is complete only when ``failure`` is `nil`.
public struct AWSPages: Sendable {
    public var operation: String
    public var pages: [AWSResponse] = []
    public var items: [JSONValue] = []
    public var failure: AWSCallFailure?

    public init(operation: String) {
        self.operation = operation
    }

    /// Whether every page was read.
    public var isComplete: Bool { failure == nil }

    /// How a list operation pages.
    public enum Style: Sendable {
        /// AWS KMS: request `Marker`, response `NextMarker` and `Truncated` (AWS KMS API Reference, "ListKeys").
        case marker
        /// AWS CloudTrail and most others: request and response `NextToken`.
        case nextToken
    }

    /// Pages through `operation` with `call`, collecting the array at `itemsKey` from every page.
    /// Stops on the first failure, when the service says there is no more, or when a marker repeats (a server bug that
    /// would otherwise loop forever, reported as an invalid response).
    public static func collect(operation: String, itemsKey: String, style: Style, parameters: [String: JSONValue], maxPages: Int = 10_000,
                               call: ([String: JSONValue]) async -> Result<AWSResponse, AWSCallFailure>) async -> AWSPages {
        var out = AWSPages(operation: operation)
        var params = parameters
        var seen = Set<String>()
        for _ in 0..<maxPages {
            switch await call(params) {
            case .failure(let f):
                out.failure = f
                return out
            case .success(let page):
                out.pages.append(page)
                let body = page.json ?? .null
                // A page without its list is not an empty page: an empty listing would read as "nothing there".
                guard case .array(let items)? = body[itemsKey] else {
                    out.failure = AWSCallFailure(operation: operation, region: page.region,
                                                 error: .invalidResponse("the answer has no \(itemsKey) list"), attempts: page.attempts)
                    return out
                }
                out.items += items
                let next: String?
                switch style {
                case .marker:
                    let truncated = body["Truncated"]?.boolValue ?? false
                    next = truncated ? body["NextMarker"]?.stringValue : nil
                    if truncated && (next ?? "").isEmpty {
                        out.failure = AWSCallFailure(operation: operation, region: page.region,
                                                     error: .invalidResponse("Truncated is true but NextMarker is missing"), attempts: page.attempts)
                        return out
                    }
                case .nextToken:
                    next = body["NextToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                }
                guard let marker = next else { return out }
                guard seen.insert(marker).inserted else {
                    out.failure = AWSCallFailure(operation: operation, region: page.region,
                                                 error: .invalidResponse("the pagination marker repeated"), attempts: page.attempts)
                    return out
                }
                params[style == .marker ? "Marker" : "NextToken"] = .string(marker)
            }
        }
        out.failure = AWSCallFailure(operation: operation, region: "", error: .invalidResponse("more than \(maxPages) pages"), attempts: 1)
        return out
    }
}

extension AWSPages.Style: Equatable {}
