import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// A read-only client for the OpenBao / Vault HTTP API (OpenBao documentation, "HTTP API": requests under `/v1/`,
/// the token in `X-Vault-Token`, the namespace as a path prefix (`/v1/tenant-a/transit/keys`), errors as
/// `{"errors": [...]}`).
///
/// A server's answers are untrusted input. Paths are ``OpenBaoPath`` segments and query values, each percent-encoded
/// (RFC 3986), so no name can break a URL or a header; each attempt is raced against the timeout (``Deadline``: a
/// server that drips its answer cannot hold the run); each attempt takes one request from the target's
/// ``RequestBudget``; and every body and error text passes the run's ``CredentialScrubber`` before anyone reads it.
///
/// Server errors (5xx, and 429), transport failures and timeouts are retried with exponential backoff and jitter;
/// other statuses are answers, and a body over the transport's size limit is not retried. Every call returns a
/// ``OpenBaoAPIResponse``, never throws: a failed call becomes unknown facts naming the endpoint and status, decided
/// by the caller.
public struct OpenBaoClient: Sendable {
    /// Server address, without `/v1`.
    public let address: URL
    let transport: any OpenBaoTransport
    let token: String?
    let timeout: TimeInterval
    let retries: Int
    /// Waits before retry `n` (0-based). Injected so tests do not sleep.
    let pause: @Sendable (Int) async -> Void
    /// The run's credentials; the token (and a probe token) are registered with it.
    public let scrubber: CredentialScrubber
    /// Requests the target may still send; `nil` for no limit.
    public let budget: RequestBudget?

    /// Why an attempt gave no response within the timeout.
    struct Timeout: LocalizedError {
        var seconds: TimeInterval
        var errorDescription: String? { "no complete answer within \(FactValue.number(seconds).displayText) s (timeout)" }
    }

    /// - Parameters:
    ///   - address: server address (`https://bao.example.com:8200`), without `/v1`.
    ///   - token: the token sent with authenticated calls; never logged or stored, and registered with `scrubber`.
    ///   - timeout: seconds per attempt, for the whole answer (head and body).
    ///   - retries: extra attempts after a 5xx, 429, timeout or transport failure.
    ///   - scrubber: the run's credentials (a new one holding only `token` when `nil`).
    ///   - budget: requests the target may send in all; `nil` for no limit.
    public init(address: URL, transport: any OpenBaoTransport, token: String?, timeout: TimeInterval = 10, retries: Int = 2,
                pause: (@Sendable (Int) async -> Void)? = nil, scrubber: CredentialScrubber? = nil, budget: RequestBudget? = nil) {
        self.address = address
        self.transport = transport
        self.token = token
        self.timeout = timeout
        self.retries = max(0, retries)
        self.pause = pause ?? { attempt in
            let base = 0.25 * pow(2, Double(attempt))
            let jitter = Double.random(in: 0...0.1)
            try? await Task.sleep(nanoseconds: UInt64((base + jitter) * 1_000_000_000))
        }
        self.scrubber = scrubber ?? CredentialScrubber()
        self.scrubber.register(token)
        self.budget = budget
    }

    /// A copy that sends `token` instead (the isolation probe's tenant token), registered with the same scrubber.
    public func with(token: String?) -> OpenBaoClient {
        OpenBaoClient(address: address, transport: transport, token: token, timeout: timeout, retries: retries, pause: pause,
                      scrubber: scrubber, budget: budget)
    }

    /// `GET /v1/<namespace>/<path>` (or a listing: `?list=true`).
    /// - Parameters:
    ///   - path: API path after `/v1/` and the namespace, as segments (encoded here).
    ///   - namespace: namespace path (`tenant-a/`), empty or `nil` for the root namespace; sent as a path prefix.
    ///   - list: adds `list=true` (the `LIST` verb as a query parameter, which the API accepts).
    ///   - query: extra query items; names and values are encoded here.
    ///   - authenticated: whether to send the token.
    public func get(_ path: OpenBaoPath, namespace: String? = nil, list: Bool = false, query: [URLQueryItem] = [],
                    authenticated: Bool = true) async -> OpenBaoAPIResponse {
        let ns = namespace == "root" || namespace == "root/" ? "" : namespace ?? ""
        let prefix = OpenBaoPath.namespace(ns)
        let endpoint = "\(list ? "LIST" : "GET") /v1/\(path.encoded)" + (prefix.segments.isEmpty ? "" : " in namespace \(ACLPolicy.displayName(namespace: ns))")
        var items = query.map { (name: $0.name, value: $0.value ?? "") }
        if list { items.append((name: "list", value: "true")) }
        var base = address.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let text = base + "/v1/" + (prefix + path).encoded + (items.isEmpty ? "" : "?" + PercentEncoding.query(items))
        guard let url = URL(string: text) else {
            return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(), failure: "the request URL could not be formed")
        }
        var headers = ["Accept": "application/json"]
        if authenticated, let token { headers["X-Vault-Token"] = token }
        let request = OpenBaoHTTPRequest(url: url, headers: headers, timeout: timeout)
        return await perform(request, endpoint: endpoint, retries: retries)
    }

    /// A write for an active probe of a sandbox target: `POST` (with a JSON body) or `DELETE` on
    /// `/v1/<namespace>/<path>` (OpenBao HTTP API). Never retried — a repeated rotation or creation would change
    /// what the probe records — except for a transport failure before any answer, which is not retried either.
    /// - Parameters:
    ///   - method: `POST` or `DELETE`.
    ///   - path: API path after `/v1/` and the namespace, as segments (encoded here).
    ///   - namespace: namespace path (`tenant-a/`), empty or `nil` for the root namespace.
    ///   - body: the JSON object sent with a `POST` (may hold plaintext or wrapped material: it is never logged or
    ///     stored by the client).
    /// - Returns: the answer, scrubbed of the run's credentials, or the failure; never throws.
    public func write(_ method: String, _ path: OpenBaoPath, namespace: String? = nil, body: [String: JSONValue]? = nil) async -> OpenBaoAPIResponse {
        let ns = namespace == "root" || namespace == "root/" ? "" : namespace ?? ""
        let prefix = OpenBaoPath.namespace(ns)
        let endpoint = "\(method) /v1/\(path.encoded)" + (prefix.segments.isEmpty ? "" : " in namespace \(ACLPolicy.displayName(namespace: ns))")
        var base = address.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/v1/" + (prefix + path).encoded) else {
            return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(), failure: "the request URL could not be formed")
        }
        var headers = ["Accept": "application/json"]
        if let token { headers["X-Vault-Token"] = token }
        var data: Data?
        if let body {
            headers["Content-Type"] = "application/json"
            data = Data(JSONValue.object(body).compactText.utf8)
        }
        let request = OpenBaoHTTPRequest(url: url, headers: headers, timeout: timeout, method: method, body: data)
        return await perform(request, endpoint: endpoint, retries: 0)
    }

    /// Sends `request` with up to `retries` extra attempts after a 5xx, 429, timeout or transport failure.
    private func perform(_ request: OpenBaoHTTPRequest, endpoint: String, retries: Int) async -> OpenBaoAPIResponse {
        var lastFailure = "no attempt was made"
        var made = 0
        let transport = self.transport, timeout = self.timeout
        for attempt in 0...retries {
            if attempt > 0 { await pause(attempt - 1) }
            if let budget, !budget.take() {
                return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(), failure: budget.exhaustedReason)
            }
            made += 1
            do {
                // A transport that ends the exchange at the deadline itself is not raced against a timer (``Deadline``).
                let r = transport.enforcesDeadline
                    ? try await transport.send(request)
                    : try await Deadline.run(seconds: timeout, onTimeout: { Timeout(seconds: timeout) }) { try await transport.send(request) }
                if (r.status >= 500 || r.status == 429) && attempt < retries {
                    lastFailure = "HTTP \(r.status)"
                    continue
                }
                // A server may echo the token (in an error text, a wrapped response, escaped or encoded); it is removed
                // here, once, so no diagnostic, reason or evidence built from the response can carry it.
                return OpenBaoAPIResponse(endpoint: endpoint, status: r.status, body: scrubber.scrub(r.body), failure: nil)
            } catch {
                lastFailure = scrubber.scrub(OpenBaoClient.describe(error))
                if error is PooledHTTPClient.BodyTooLarge || error is CancellationError { break }
            }
        }
        return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(), failure: "\(lastFailure) after \(made) attempt(s)")
    }

    /// A transport error in one line, without request headers.
    static func describe(_ error: any Error) -> String {
        PooledHTTPClient.describe(error)
    }
}
