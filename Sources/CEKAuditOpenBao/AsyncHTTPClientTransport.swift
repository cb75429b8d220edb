import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// ``OpenBaoTransport`` over the kit's ``PooledHTTPClient`` (async-http-client), the one HTTP client of every live
/// collector: a keep-alive pool per target, the system trust store or the target's CA file (`ca_file`) as the only
/// trust root (NIOSSL `TLSConfiguration.trustRoots`, full certificate and host-name verification), redirects not
/// followed, bodies larger than the limit refused with ``PooledHTTPClient/BodyTooLarge``.
public final class AsyncHTTPClientTransport: OpenBaoTransport {
    private let client: PooledHTTPClient
    /// Largest response body read by default (64 MiB): a key listing of hundreds of thousands of names fits.
    public static let maxBody = 64 * 1024 * 1024

    /// - Parameters:
    ///   - caFile: PEM CA bundle to trust; `nil` uses the system trust store.
    ///   - timeout: connect and read timeout in seconds (each request also has its own deadline).
    ///   - maxBodyBytes: largest response body accepted, in bytes.
    ///   - concurrency: connections kept per host.
    public init(caFile: String?, timeout: TimeInterval, maxBodyBytes: Int = AsyncHTTPClientTransport.maxBody, concurrency: Int = 8) {
        client = PooledHTTPClient(concurrency: concurrency, connectTimeoutSeconds: timeout, readTimeoutSeconds: timeout,
                                  trustRootsPEMFile: caFile, maxBodyBytes: maxBodyBytes)
    }

    /// async-http-client ends each exchange at `request.timeout` (head and body) and cancels it with the task.
    public var enforcesDeadline: Bool { true }

    /// - Throws: ``OpenBaoClient``'s timeout error at the deadline, `CancellationError` when the task is cancelled,
    ///   ``PooledHTTPClient/BodyTooLarge``, or the transport's error.
    public func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
        let r = try await client.execute(method: request.method, url: request.url.absoluteString,
                                         headers: request.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                         body: request.body, timeoutSeconds: request.timeout,
                                         onTimeout: { OpenBaoClient.Timeout(seconds: request.timeout) })
        return OpenBaoHTTPResponse(status: r.status, body: r.body)
    }

    public func shutdown() async {
        await client.shutdown()
    }
}
