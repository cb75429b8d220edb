import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Logging

/// Calls one AWS service in one region: builds the request for the service's wire protocol, signs it with SigV4,
/// sends it through the shared ``RequestLimiter`` (bounded concurrency), enforces the per-call timeout, retries
/// throttling and transient failures with exponential backoff and full jitter (``RetryPolicy``), and classifies
/// errors (AWS KMS API Reference, "Common Errors"; JSON 1.1 `__type` / `X-Amzn-ErrorType`; Query-protocol XML
/// `<Error><Code>`).
///
/// Never logs or returns request headers; every byte and message that came from the server passes the run's
/// ``CredentialScrubber`` first (so a credential the server reflects, in any encoding, goes no further); every attempt
/// takes one request from the target's ``RequestBudget``, and none is sent once it is spent.
public struct AWSServiceClient: Sendable {
    /// How requests are encoded.
    public enum WireProtocol: Sendable, Hashable {
        /// AWS JSON 1.1: `POST /`, `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: <prefix>.<Operation>`.
        case json11(targetPrefix: String)
        /// AWS Query: `POST /`, form-encoded `Action=<Operation>&Version=<version>`, XML answers.
        case query(version: String)
    }

    /// Signing name: `kms`, `cloudtrail`, `sts`, `ec2`.
    public var service: String
    public var region: String
    public var endpoint: URL
    public var wire: WireProtocol
    public var credentials: AWSCredentials
    public var transport: any AWSTransport
    public var retry: RetryPolicy
    /// Per-attempt timeout in seconds.
    public var timeout: Double
    public var limiter: RequestLimiter
    /// The run's credentials, scrubbed from every body and message the server sends.
    public var scrubber: CredentialScrubber
    /// Requests the target may still send; `nil` for no limit.
    public var budget: RequestBudget?
    public var logger: Logger
    /// Wall clock for signatures (never the assessment clock: AWS rejects signatures off by more than five minutes).
    public var clock: @Sendable () -> Date
    /// Uniform random numbers in `0 ..< 1` for jitter.
    public var random: @Sendable () -> Double

    public init(service: String, region: String, endpoint: URL, wire: WireProtocol, credentials: AWSCredentials,
                transport: any AWSTransport, retry: RetryPolicy, timeout: Double, limiter: RequestLimiter, scrubber: CredentialScrubber,
                budget: RequestBudget? = nil, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.wire = wire
        self.credentials = credentials
        self.transport = transport
        self.retry = retry
        self.timeout = timeout
        self.limiter = limiter
        self.scrubber = scrubber
        self.budget = budget
        self.logger = logger
        self.clock = clock
        self.random = random
    }

    /// Calls `operation` with a JSON 1.1 body.
    public func callJSON(_ operation: String, _ parameters: [String: JSONValue]) async -> Result<AWSResponse, AWSCallFailure> {
        await send(operation, body: Data(JSONValue.object(parameters).compactText.utf8))
    }

    /// Calls `operation` with Query-protocol parameters (`Action` and `Version` are added).
    public func callQuery(_ operation: String, _ parameters: [(String, String)] = []) async -> Result<AWSResponse, AWSCallFailure> {
        guard case .query(let version) = wire else { return await send(operation, body: Data()) }
        let all = [("Action", operation), ("Version", version)] + parameters
        let form = PercentEncoding.query(all.map { (name: $0.0, value: $0.1) })
        return await send(operation, body: Data(form.utf8))
    }

    func request(_ operation: String, body: Data) -> AWSHTTPRequest {
        var r = AWSHTTPRequest(method: "POST", url: endpoint, body: body)
        switch wire {
        case .json11(let prefix):
            r.setHeader("Content-Type", "application/x-amz-json-1.1")
            r.setHeader("X-Amz-Target", "\(prefix).\(operation)")
        case .query:
            r.setHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        }
        return r
    }

    func send(_ operation: String, body: Data) async -> Result<AWSResponse, AWSCallFailure> {
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { return .failure(AWSCallFailure(operation: operation, region: region, error: .cancelled, attempts: attempt)) }
            if let budget, !budget.take() {
                return .failure(AWSCallFailure(operation: operation, region: region, error: .notSent(budget.exhaustedReason), attempts: attempt - 1))
            }
            let signed = signer.sign(request(operation, body: body), date: clock())
            let started = Date()
            var failure: AWSCallError
            do {
                let response = try await limiter.withPermit { [self] in try await attemptOnce(signed) }
                logger.debug("aws call", metadata: ["service": .string(service), "operation": .string(operation), "region": .string(region),
                                                     "status": .stringConvertible(response.status), "attempt": .stringConvertible(attempt),
                                                     "ms": .stringConvertible(Int(Date().timeIntervalSince(started) * 1000))])
                if (200..<300).contains(response.status) {
                    let clean = scrubber.scrub(response.body)
                    switch parse(clean) {
                    case .success(let json):
                        return .success(AWSResponse(operation: operation, region: region, status: response.status, body: clean, json: json,
                                                    attempts: attempt))
                    case .failure(let e): failure = e
                    }
                } else {
                    failure = classify(response)
                }
            } catch let e as AWSCallError {
                failure = e
            } catch is CancellationError {
                failure = .cancelled
            } catch {
                failure = .transport(scrubber.scrub("\(error)"))
            }
            if failure == .cancelled || !retry.isRetryable(failure) || attempt >= retry.maxAttempts {
                return .failure(AWSCallFailure(operation: operation, region: region, error: failure, attempts: attempt))
            }
            let wait = retry.delay(afterAttempt: attempt, random: random())
            logger.debug("aws retry", metadata: ["operation": .string(operation), "region": .string(region), "error": .string(failure.code),
                                                  "attempt": .stringConvertible(attempt), "wait_ms": .stringConvertible(Int(wait * 1000))])
            do { try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000)) } catch {
                return .failure(AWSCallFailure(operation: operation, region: region, error: .cancelled, attempts: attempt))
            }
        }
    }

    /// One attempt, ended at the timeout: by the transport itself when it enforces deadlines
    /// (``AWSTransport/enforcesDeadline``), else raced against a timer (``Deadline``), so the call returns at the
    /// deadline even when the transport does not react to cancellation.
    func attemptOnce(_ request: AWSHTTPRequest) async throws -> AWSHTTPResponse {
        let transport = self.transport
        let timeout = self.timeout
        // A transport that ends the exchange at the deadline itself is not raced against a timer.
        if transport.enforcesDeadline { return try await transport.send(request, timeout: timeout) }
        return try await Deadline.run(seconds: timeout, onTimeout: { AWSCallError.timeout(seconds: timeout) }) {
            try await transport.send(request, timeout: timeout)
        }
    }

    /// The parsed body of a 2xx answer, or why it is unusable.
    func parse(_ body: Data) -> Result<JSONValue?, AWSCallError> {
        switch wire {
        case .json11:
            if body.isEmpty { return .success(.object([:])) }
            guard let value = try? JSONValue.parse(body, source: "response"), case .object = value else {
                return .failure(.invalidResponse("the body is not a complete JSON object (\(body.count) bytes; truncated?)"))
            }
            return .success(value)
        case .query:
            guard AWSXML.document(body) != nil else {
                return .failure(.invalidResponse("the body is not complete XML (\(body.count) bytes; truncated?)"))
            }
            return .success(nil)
        }
    }

    /// The error code and message of a non-2xx answer.
    func classify(_ response: AWSHTTPResponse) -> AWSCallError {
        var code: String?
        var message: String?
        let body = scrubber.scrub(response.body)
        if let header = response.headers["x-amzn-errortype"], !header.isEmpty {
            code = String(header.split(separator: ":").first ?? Substring(header))
        }
        if let json = try? JSONValue.parse(body, source: "error"), case .object = json {
            if let t = (json["__type"] ?? json["code"] ?? json["Code"])?.stringValue {
                code = String(t.split(separator: "#").last ?? Substring(t))
            }
            message = (json["message"] ?? json["Message"] ?? json["errorMessage"])?.stringValue
        } else if let doc = AWSXML.document(body) {
            code = code ?? AWSXML.firstText(doc, named: "Code")
            message = AWSXML.firstText(doc, named: "Message")
        }
        let status = response.status
        let fallback = status == 429 ? "TooManyRequests" : status >= 500 ? "ServerError" : "HTTP\(status)"
        return .service(status: status, code: scrubber.scrub(code ?? fallback), message: message.map { scrubber.scrub($0) })
    }
}
