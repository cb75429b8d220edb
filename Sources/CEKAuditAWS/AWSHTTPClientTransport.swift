import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// ``AWSTransport`` over the kit's ``PooledHTTPClient`` (async-http-client): one keep-alive pool per collection with
/// `concurrency` connections per endpoint, redirects refused (the signed `Authorization` header would follow them; a
/// 3xx answer is returned as it is), bodies larger than the limit refused with ``AWSCallError/tooLarge(limit:)``.
public final class AWSHTTPClientTransport: AWSTransport {
    private let client: PooledHTTPClient
    /// Largest response body read by default (16 MiB): an AWS page holds at most 1,000 items.
    public static let defaultMaxBodyBytes = 16 * 1024 * 1024

    /// - Parameters:
    ///   - maxConnectionsPerHost: connection pool size; set it to the collector's concurrency.
    ///   - maxBodyBytes: largest response body accepted, in bytes.
    ///   - timeoutSeconds: connect and read timeout of a connection (each call also has its own deadline).
    public init(maxConnectionsPerHost: Int = 8, maxBodyBytes: Int = AWSHTTPClientTransport.defaultMaxBodyBytes, timeoutSeconds: Double = 60) {
        client = PooledHTTPClient(concurrency: maxConnectionsPerHost, connectTimeoutSeconds: timeoutSeconds, readTimeoutSeconds: timeoutSeconds,
                                  maxBodyBytes: maxBodyBytes)
    }

    /// async-http-client ends each exchange at `timeout` (head and body) and cancels it with the task.
    public var enforcesDeadline: Bool { true }

    public func send(_ request: AWSHTTPRequest, timeout: Double) async throws -> AWSHTTPResponse {
        do {
            let r = try await client.execute(method: request.method, url: request.url.absoluteString,
                                             headers: request.headers.map { ($0.name, $0.value) }, body: request.body, timeoutSeconds: timeout,
                                             onTimeout: { AWSCallError.timeout(seconds: timeout) })
            return AWSHTTPResponse(status: r.status, headers: r.headers, body: r.body)
        } catch let e as AWSCallError {
            throw e
        } catch let e as PooledHTTPClient.BodyTooLarge {
            throw AWSCallError.tooLarge(limit: e.limit)
        } catch is CancellationError {
            throw AWSCallError.cancelled
        } catch {
            throw AWSCallError.transport(PooledHTTPClient.describe(error))
        }
    }

    public func shutdown() async { await client.shutdown() }
}
