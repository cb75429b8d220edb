import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// A read-only client for the OpenBao / Vault HTTP API (OpenBao documentation, "HTTP API": requests under `/v1/`,
/// the token in `X-Vault-Token`, the namespace in `X-Vault-Namespace`, errors as `{"errors": [...]}`).
///
/// Server errors (5xx, and 429) and transport failures are retried with exponential backoff and jitter; other
/// statuses are answers. Every call returns a ``OpenBaoAPIResponse``, never throws: a failed call becomes unknown facts
/// naming the endpoint and status, decided by the caller.
public struct OpenBaoClient: Sendable {
    /// Server address, without `/v1`.
    public let address: URL
    let transport: any OpenBaoTransport
    let token: String?
    let timeout: TimeInterval
    let retries: Int
    /// Waits before retry `n` (0-based). Injected so tests do not sleep.
    let pause: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - address: server address (`https://bao.example.com:8200`), without `/v1`.
    ///   - token: the token sent with authenticated calls; never logged or stored.
    ///   - timeout: seconds per attempt.
    ///   - retries: extra attempts after a 5xx, 429 or transport failure.
    public init(address: URL, transport: any OpenBaoTransport, token: String?, timeout: TimeInterval = 10, retries: Int = 2,
                pause: (@Sendable (Int) async -> Void)? = nil) {
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
    }

    /// A copy that sends `token` instead (the isolation probe's tenant token).
    public func with(token: String?) -> OpenBaoClient {
        OpenBaoClient(address: address, transport: transport, token: token, timeout: timeout, retries: retries, pause: pause)
    }

    /// `GET /v1/<path>` (or a listing: `?list=true`) in `namespace`.
    /// - Parameters:
    ///   - path: API path after `/v1/`, segments already percent-encoded where needed.
    ///   - namespace: namespace path (`tenant-a/`), empty or `nil` for the root namespace.
    ///   - query: extra query items.
    ///   - authenticated: whether to send the token.
    public func get(_ path: String, namespace: String? = nil, list: Bool = false, query: [URLQueryItem] = [],
                    authenticated: Bool = true) async -> OpenBaoAPIResponse {
        let ns = ACLPolicy.normalize(namespace: namespace ?? "")
        let endpoint = "\(list ? "LIST" : "GET") /v1/\(path)" + (ns.isEmpty ? "" : " in namespace \(ACLPolicy.displayName(namespace: ns))")
        var components = URLComponents(url: address, resolvingAgainstBaseURL: false)
        let basePath = components?.path ?? ""
        components?.percentEncodedPath = (basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath) + "/v1/" + path
        var items = query
        if list { items.append(URLQueryItem(name: "list", value: "true")) }
        components?.queryItems = items.isEmpty ? nil : items
        guard let url = components?.url else {
            return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(), failure: "the request URL could not be formed")
        }
        var headers = ["Accept": "application/json"]
        if authenticated, let token { headers["X-Vault-Token"] = token }
        if !ns.isEmpty { headers["X-Vault-Namespace"] = ns }
        let request = OpenBaoHTTPRequest(url: url, headers: headers, timeout: timeout)
        var lastFailure = "no attempt was made"
        for attempt in 0...retries {
            if attempt > 0 { await pause(attempt - 1) }
            do {
                let r = try await transport.send(request)
                if (r.status >= 500 || r.status == 429) && attempt < retries {
                    lastFailure = "HTTP \(r.status)"
                    continue
                }
                // A server may echo the token (in an error text, a wrapped response); it is removed here, once,
                // so no diagnostic, reason or evidence built from the response can carry it.
                return OpenBaoAPIResponse(endpoint: endpoint, status: r.status, body: scrub(r.body), failure: nil)
            } catch {
                lastFailure = scrub(OpenBaoClient.describe(error))
            }
        }
        return OpenBaoAPIResponse(endpoint: endpoint, status: nil, body: Data(),
                                  failure: "\(lastFailure) after \(retries + 1) attempt(s)")
    }

    /// `data` without the token.
    func scrub(_ data: Data) -> Data {
        guard let token, !token.isEmpty else { return data }
        var out = data
        let secret = Data(token.utf8)
        while let r = out.range(of: secret) { out.replaceSubrange(r, with: Data("[redacted]".utf8)) }
        return out
    }

    /// `text` without the token.
    func scrub(_ text: String) -> String {
        guard let token, !token.isEmpty else { return text }
        return text.replacingOccurrences(of: token, with: "[redacted]")
    }

    /// A transport error in one line, without request headers.
    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        var text = ns.localizedDescription
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.localizedDescription != text, underlying.localizedDescription != "(null)" {
            text += " (\(underlying.localizedDescription))"
        }
        if text.isEmpty || text == "(null)" { text = String(describing: error) }
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
