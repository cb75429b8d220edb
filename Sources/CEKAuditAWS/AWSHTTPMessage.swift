import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// One HTTP header field as sent on the wire. A list of these keeps order and repeated names, which SigV4
/// canonicalization needs (AWS General Reference, "Create a canonical request": repeated headers are joined by commas).
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request to an AWS service endpoint, before or after signing.
///
/// Built by ``AWSServiceClient``; signed by ``SigV4Signer``; sent by an ``AWSTransport``. Its headers carry the
/// `Authorization` and `X-Amz-Security-Token` values after signing, so it must never be logged or stored as evidence.
public struct AWSHTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [HTTPHeaderField]
    public var body: Data

    public init(method: String, url: URL, headers: [HTTPHeaderField] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { FieldName.equal($0.name, name) }?.value
    }

    /// Sets header `name`, replacing every existing field of that name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { FieldName.equal($0.name, name) }
        headers.append(HTTPHeaderField(name, value))
    }

    /// The `Host` value for the URL: host, plus `:port` when the URL names a non-default port (RFC 9110 §7.2).
    public var hostHeader: String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        let scheme = url.scheme?.lowercased()
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) { return host }
        return "\(host):\(port)"
    }
}

/// An HTTP response from an AWS service endpoint: status, headers (names lower-cased) and body bytes.
public struct AWSHTTPResponse: Sendable {
    public var status: Int
    /// Header fields with lower-case names.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }
}
