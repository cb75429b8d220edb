import AsyncHTTPClient
import CEKAuditCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The one HTTP client of every live collector: async-http-client on SwiftNIO with a keep-alive connection pool of
/// `concurrency` connections per host, redirects never followed (a signed or bearer `Authorization` header must not
/// follow a 3xx to another host; the 3xx answer is returned as it is), TLS verified against the system trust store or
/// the PEM bundle given, and response bodies capped.
///
/// Foundation's URLSession is not used: on Linux it is libcurl, which cost about 950 context switches per request here
/// against about 2 for a pooled NIO client (issue "Speed …", `Benchmarks/aws-kms-collection.sh`).
///
/// Call ``shutdown()`` once the run is over; the client's connections and event-loop resources are released then.
public final class PooledHTTPClient: Sendable {
    private let client: HTTPClient
    /// Largest response body read, in bytes.
    public let maxBodyBytes: Int

    /// A response whose body is larger than ``PooledHTTPClient/maxBodyBytes``.
    public struct BodyTooLarge: Error, LocalizedError, Sendable {
        /// The limit, in bytes.
        public var limit: Int
        public var errorDescription: String? { "the answer is larger than \(limit) bytes" }
    }

    /// One complete answer.
    public struct Response: Sendable {
        /// HTTP status code.
        public var status: Int
        /// Header fields, names lowercased (a repeated field keeps its last value).
        public var headers: [String: String]
        /// The whole body.
        public var body: Data
    }

    /// - Parameters:
    ///   - concurrency: connections kept per host (the pool's soft limit); set it to the collector's concurrency.
    ///   - connectTimeoutSeconds: how long a connection may take to open.
    ///   - readTimeoutSeconds: how long the server may stay silent while answering.
    ///   - trustRootsPEMFile: a PEM CA bundle that becomes the only trust root; nil trusts the system store.
    ///   - maxBodyBytes: largest response body accepted (16 MiB by default).
    public init(concurrency: Int, connectTimeoutSeconds: Double, readTimeoutSeconds: Double, trustRootsPEMFile: String? = nil,
                maxBodyBytes: Int = 16 << 20) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustRootsPEMFile { tls.trustRoots = .file(trustRootsPEMFile) }
        func amount(_ s: Double) -> TimeAmount { .milliseconds(Int64(max(s, 0.1) * 1000)) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: amount(connectTimeoutSeconds), read: amount(readTimeoutSeconds)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, concurrency))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.maxBodyBytes = maxBodyBytes
    }

    /// Sends one request and reads the whole answer.
    /// - Parameters:
    ///   - method: the HTTP method (`GET`, `POST` …).
    ///   - url: the absolute URL.
    ///   - headers: header fields in order (a `Host` field is left to the client, which derives it from `url`).
    ///   - body: the request body, if any.
    ///   - timeoutSeconds: the deadline for the whole exchange: connecting, the request, the head and every byte of
    ///     the body (async-http-client cancels the request at the deadline; a server that drips its answer is cut
    ///     off then). Cancelling the calling task cancels the request too.
    ///   - onTimeout: the error to throw when the deadline or a timeout of the pool (connect, read) ends the exchange:
    ///     each collector's own "no complete answer within N s".
    /// - Throws: `onTimeout()`, ``BodyTooLarge``, `CancellationError`, or `HTTPClientError` (connect failure, TLS…).
    public func execute(method: String, url: String, headers: [(name: String, value: String)], body: Data?,
                        timeoutSeconds: Double, onTimeout: () -> any Error) async throws -> Response {
        var request = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: method))
        for h in headers where !FieldName.equal(h.name, "Host") { request.headers.add(name: h.name, value: h.value) }
        if let body { request.body = .byteBuffer(ByteBuffer(bytes: body)) }
        let deadline = NIODeadline.now() + .milliseconds(Int64(max(timeoutSeconds, 0.1) * 1000))
        // The event-loop API with an accumulating delegate: its deadline is scheduled on the connection's event loop
        // and ends the request at any point, the body included (the async API's deadline let a server that drips
        // its body byte by byte hold the caller), and the whole answer is handed over once.
        let task = client.execute(request: request, delegate: ResponseAccumulator(request: request, maxBodySize: maxBodyBytes), deadline: deadline)
        let response: HTTPClient.Response
        do {
            response = try await withTaskCancellationHandler { try await task.futureResult.get() } onCancel: { task.cancel() }
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw BodyTooLarge(limit: maxBodyBytes)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if Self.isTimeout(error) { throw onTimeout() }
            throw error
        }
        var fields: [String: String] = [:]
        for (name, value) in response.headers { fields[name.lowercased()] = value }
        return Response(status: Int(response.status.code), headers: fields,
                        body: response.body.map { Data($0.readableBytesView) } ?? Data())
    }

    /// Closes the pool's connections. Safe to call more than once, and from a cancelled task (a run cut short by a
    /// deadline or a signal): the shutdown runs in a task of its own, so cancellation cannot leave the pool open.
    public func shutdown() async {
        let client = self.client
        await Task { try? await client.shutdown() }.value
    }

    /// Whether `error` is the end of an exchange at its deadline or a timeout of the pool (connect, read).
    static func isTimeout(_ error: any Error) -> Bool {
        guard let e = error as? HTTPClientError else { return false }
        switch e {
        case .deadlineExceeded, .readTimeout, .connectTimeout: return true
        default: return false
        }
    }

    /// A transport failure in words, with no credential (the caller scrubs anyway): a timeout, a refused connection,
    /// a TLS failure, an oversized body.
    public static func describe(_ error: any Error) -> String {
        if let e = error as? BodyTooLarge { return e.errorDescription ?? "the answer is too large" }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "no complete answer in time (timeout)"
            case .remoteConnectionClosed: return "connection closed before the response was complete"
            case .cancelled: return "cancelled"
            default: return "HTTP client error: \(e)".replacingOccurrences(of: "\n", with: " ")
            }
        }
        if error is NIOConnectionError { return "cannot connect to host" }
        if error is IOError { return "connection lost before the response was complete" }
        if let e = error as? NIOSSLError { return "TLS failure: \(e)".replacingOccurrences(of: "\n", with: " ") }
        if let e = error as? any LocalizedError, let text = e.errorDescription { return text.replacingOccurrences(of: "\n", with: " ") }
        let text = String(describing: error)
        return (text.isEmpty ? "transport failure" : text).replacingOccurrences(of: "\n", with: " ")
    }
}
