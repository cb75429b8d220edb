import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// One HTTP exchange with an OpenBao / Vault server, as the client needs it: GET for collection (listing is
/// `GET …?list=true`, which the OpenBao HTTP API accepts in place of the `LIST` verb); `POST` and `DELETE` only for
/// active probes of a sandbox target.
public struct OpenBaoHTTPRequest: Sendable, Hashable {
    public var url: URL
    /// Header name → value. Holds the token (`X-Vault-Token`): never log or persist a request.
    public var headers: [String: String]
    /// Seconds before the request is abandoned.
    public var timeout: TimeInterval
    /// HTTP method: `GET` (default), `POST` or `DELETE`.
    public var method: String
    /// JSON request body (`POST`), or `nil`. May hold plaintext or wrapped key material: never log or persist it.
    public var body: Data?

    public init(url: URL, headers: [String: String], timeout: TimeInterval, method: String = "GET", body: Data? = nil) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.method = method
        self.body = body
    }
}

/// The status and body of a response.
public struct OpenBaoHTTPResponse: Sendable, Hashable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Sends requests to an OpenBao / Vault server. The implementation is ``AsyncHTTPClientTransport`` (system trust or a CA
/// file); tests use recorded transports.
///
/// Implementations must not follow redirects: a redirect (a standby node pointing at the active one) would carry
/// the token to another address.
public protocol OpenBaoTransport: Sendable {
    /// Sends `request`.
    /// - Throws: when no HTTP response arrived (connection refused, TLS failure, timeout). HTTP error statuses are
    ///   responses, not throws.
    func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse
    /// Releases connections and threads. Called once, after the last request.
    func shutdown() async
    /// Whether ``send(_:)`` itself ends every exchange by `request.timeout` (the whole answer) and honours the
    /// calling task's cancellation, throwing ``OpenBaoClient``'s timeout error at the deadline. ``OpenBaoClient``
    /// races a transport that does not against a timer of its own (``Deadline``: two more tasks and a timer per
    /// request, a tenth of the client's CPU on a 1,000-key run).
    var enforcesDeadline: Bool { get }
}

extension OpenBaoTransport {
    /// Not unless the transport says so (recorded and test transports).
    public var enforcesDeadline: Bool { false }
}
