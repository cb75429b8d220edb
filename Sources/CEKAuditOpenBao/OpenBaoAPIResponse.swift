import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What one API call gave: the status and body, or why there is none. The endpoint text
/// (`LIST /v1/transit/keys in namespace tenant-a`) names the call in unknown-fact reasons and diagnostics.
public struct OpenBaoAPIResponse: Sendable {
    /// Method, path and namespace of the call, for messages.
    public var endpoint: String
    /// HTTP status, `nil` when no response arrived.
    public var status: Int?
    public var body: Data
    /// Transport failure, when no response arrived.
    public var failure: String?

    /// Whether the call answered 2xx.
    public var ok: Bool { status.map { (200..<300).contains($0) } ?? false }

    /// The body as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONValue.parse(body, source: endpoint) }

    /// The response's `data` member (OpenBao wraps results in `data`), else the whole body.
    public var data: JSONValue? {
        guard let j = json else { return nil }
        return j["data"] ?? j
    }

    /// The first message of an `{"errors": [...]}` body, flattened to one line (`permission denied`).
    public var errorMessage: String? {
        guard let first = json?["errors"]?.asList.compactMap(\.stringValue).first else { return nil }
        let lines = first.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let bullets = lines.filter { $0.hasPrefix("* ") }.map { String($0.dropFirst(2)) }
        return (bullets.isEmpty ? lines : bullets).joined(separator: "; ")
    }

    /// Why the call gave no usable answer, in one clause naming the endpoint and status:
    /// `GET /v1/transit/keys/k returned HTTP 403 (permission denied)`.
    public var reason: String {
        if let failure { return "\(endpoint) failed: \(failure)" }
        let status = status.map { "HTTP \($0)" } ?? "no status"
        if let m = errorMessage, !m.isEmpty { return "\(endpoint) returned \(status) (\(m))" }
        return "\(endpoint) returned \(status)"
    }
}
