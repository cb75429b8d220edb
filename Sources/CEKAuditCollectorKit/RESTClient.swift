import AsyncHTTPClient
import CEKAuditCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One answer of a JSON REST API (Google Cloud, Azure Resource Manager, their token endpoints), or why there is none. `body` has already passed the run's ``CredentialScrubber``.
public struct RESTAnswer: Sendable {
    /// `GET v1/projects/example-project/locations` — method and path, for messages (never a query or a header).
    public var call: String
    /// HTTP status; `nil` when no complete answer arrived (transport failure, timeout, budget spent).
    public var status: Int?
    /// The scrubbed body (empty without an answer).
    public var body: Data
    /// Why there is no answer, scrubbed.
    public var failure: String?

    /// The body as a JSON object when the call succeeded (HTTP 2xx and a JSON object), else the reason it did not, as
    /// a sentence fragment: `HTTP 403 PERMISSION_DENIED: Permission 'cloudkms.cryptoKeys.getIamPolicy' denied …`, `the
    /// answer is not a JSON object (cut short or malformed)`, or the transport failure. Error bodies are read in both
    /// common forms: Google's `google.rpc.Status` mapping (`{"error": {"code": 403, "message", "status"}}`, Google
    /// Cloud APIs, "Errors") and Azure Resource Manager's (`{"error": {"code": "AuthorizationFailed", "message"}}`,
    /// "Common error response").
    public var outcome: Result<JSONValue, RESTCallFailure> {
        guard let status else { return .failure(RESTCallFailure(status: nil, reason: failure ?? "no answer")) }
        let json = try? JSONValue.parse(body, source: call)
        guard (200..<300).contains(status) else {
            var reason = "HTTP \(status)"
            let e = json?["error"]
            let code = e?["status"]?.stringValue ?? e?["code"]?.stringValue
            if let code { reason += " \(code.prefix(64))" }
            if let m = e?["message"]?.stringValue { reason += ": \(m.prefix(300))" }
            return .failure(RESTCallFailure(status: status, reason: reason.replacingOccurrences(of: "\n", with: " "), code: code.map { String($0.prefix(64)) }))
        }
        guard let json, case .object = json else {
            return .failure(RESTCallFailure(status: status, reason: "the answer to \(call) is not a JSON object (cut short or malformed)"))
        }
        return .success(json)
    }
}

/// Why a call gave no usable answer.
public struct RESTCallFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// HTTP status, when an answer arrived.
    public var status: Int?
    /// A sentence fragment, credentials already scrubbed.
    public var reason: String
    /// The error code from the body: Google's `google.rpc.Code` name (`PERMISSION_DENIED`, `FAILED_PRECONDITION`) or
    /// ARM's code (`AuthorizationFailed`, `MissingSubscriptionRegistration`), when given.
    public var code: String?

    public init(status: Int?, reason: String, code: String? = nil) {
        self.status = status
        self.reason = reason
        self.code = code
    }

    public var description: String { reason }
}

/// The HTTP side of one live target's run (`gcp-kms`, `azure-keyvault`): one ``PooledHTTPClient`` (async-http-client) for every call of
/// the target, bounded concurrency (``RequestLimiter``), a deadline per attempt for the whole answer (``Deadline``), a
/// ``RequestBudget``, a body size limit, and retries with exponential backoff and full jitter on HTTP 429, 5xx, timeouts
/// and broken connections, honouring `Retry-After` (RFC 9110 §10.2.3, seconds form) up to the backoff cap (Google Cloud
/// APIs, "Retry strategy"; Azure Resource Manager, "Throttling Resource Manager requests"). Redirects are not followed. Every body and failure text passes the run's scrubber before it
/// is returned, so no answer that echoes a token can carry it further.
public final class RESTClient: Sendable {
    let client: PooledHTTPClient
    let limiter: RequestLimiter
    let budget: RequestBudget
    let scrubber: CredentialScrubber
    let timeout: Double
    let maxAttempts: Int
    let backoffBase: Double
    let backoffMax: Double
    let random: @Sendable () -> Double
    /// Largest body accepted, in bytes (16 MiB).
    public static let maxBodyBytes = 16 << 20

    struct Timeout: LocalizedError {
        var seconds: Double
        var errorDescription: String? { "no complete answer within \(FactValue.number(seconds).displayText) s (timeout)" }
    }

    /// - Parameters:
    ///   - concurrency: requests in flight at most.
    ///   - timeoutSeconds: the deadline of one attempt, for the whole answer.
    ///   - maxAttempts: attempts per call, the first included.
    ///   - backoffBaseMs, backoffMaxMs: the exponential backoff's first ceiling and cap, in milliseconds.
    ///   - scrubber: the run's credentials.
    ///   - budget: requests the target may send in all.
    ///   - random: uniform numbers in `0 ..< 1` for the jitter.
    public init(concurrency: Int, timeoutSeconds: Double, maxAttempts: Int, backoffBaseMs: Double, backoffMaxMs: Double,
                scrubber: CredentialScrubber, budget: RequestBudget,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        // The client's own timeouts are a second longer than the per-attempt ``Deadline``, which decides (and names
        // the timeout in its reason); they only release the connection.
        client = PooledHTTPClient(concurrency: concurrency, connectTimeoutSeconds: timeoutSeconds, readTimeoutSeconds: timeoutSeconds + 1,
                                  maxBodyBytes: RESTClient.maxBodyBytes)
        limiter = RequestLimiter(limit: concurrency)
        self.budget = budget
        self.scrubber = scrubber
        timeout = timeoutSeconds
        self.maxAttempts = max(1, maxAttempts)
        backoffBase = backoffBaseMs / 1000
        backoffMax = backoffMaxMs / 1000
        self.random = random
    }

    /// Sends one request (with retries) and returns its scrubbed answer; never throws.
    /// - Parameters:
    ///   - method: `GET` or `POST`.
    ///   - url: the full URL, every segment and query value already percent-encoded.
    ///   - call: method and path for messages (no query: page tokens stay out of messages).
    ///   - body: a POST body; `contentType` its media type.
    ///   - token: the bearer token, or `nil` (the OAuth token endpoint).
    public func send(_ method: HTTPMethod, url: String, call: String, body: Data? = nil, contentType: String = "application/json",
                     token: String?) async -> RESTAnswer {
        var lastFailure = "no attempt was made"
        var made = 0
        for attempt in 1...maxAttempts {
            guard budget.take() else {
                return RESTAnswer(call: call, status: nil, body: Data(), failure: budget.exhaustedReason + (made > 0 ? " after \(made) attempt(s): \(lastFailure)" : ""))
            }
            made += 1
            var retryAfter: Double?
            do {
                let (status, headers, bytes) = try await attemptOnce(method, url: url, body: body, contentType: contentType, token: token)
                if (status == 429 || status >= 500) && attempt < maxAttempts {
                    lastFailure = "HTTP \(status)"
                    retryAfter = headers["retry-after"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                } else {
                    return RESTAnswer(call: call, status: status, body: scrubber.scrub(bytes), failure: nil)
                }
            } catch {
                lastFailure = scrubber.scrub(Self.describe(error))
                if error is PooledHTTPClient.BodyTooLarge || error is CancellationError || Task.isCancelled { break }
                if attempt == maxAttempts { break }
            }
            let ceiling = min(backoffMax, backoffBase * pow(2, Double(attempt - 1)))
            var wait = ceiling * min(max(random(), 0), 1)
            if let retryAfter, retryAfter.isFinite, retryAfter > 0 { wait = min(max(wait, retryAfter), max(backoffMax, 0)) }
            if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000)) }
        }
        return RESTAnswer(call: call, status: nil, body: Data(), failure: "\(lastFailure) after \(made) attempt(s)")
    }

    private func attemptOnce(_ method: HTTPMethod, url: String, body: Data?, contentType: String,
                             token: String?) async throws -> (Int, [String: String], Data) {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", "cek-audit")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", contentType)) }
        let client = self.client, timeout = self.timeout, prepared = headers
        return try await limiter.withPermit {
            // The pool ends the exchange at the deadline and with the task (no timer of ``Deadline`` raced beside it).
            let r = try await client.execute(method: method.rawValue, url: url, headers: prepared, body: body, timeoutSeconds: timeout,
                                             onTimeout: { Timeout(seconds: timeout) })
            return (r.status, r.headers, r.body)
        }
    }

    /// Releases connections. Called once, after the last request.
    public func shutdown() async {
        await client.shutdown()
    }

    /// A transport error in one line, without request headers.
    static func describe(_ error: any Error) -> String {
        PooledHTTPClient.describe(error)
    }
}
