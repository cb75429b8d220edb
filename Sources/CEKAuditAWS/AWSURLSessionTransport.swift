import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// ``AWSTransport`` over Foundation's `URLSession` (FoundationNetworking / libcurl on Linux) through
/// ``BoundedURLSession``: an ephemeral session with no cookies, no cache and no credential storage, so nothing about a
/// request outlives it; redirects refused (the signed `Authorization` header would follow them; a 3xx answer is
/// returned as it is); bodies larger than ``maxBodyBytes`` refused with ``AWSCallError/tooLarge(limit:)``.
public final class AWSURLSessionTransport: AWSTransport, @unchecked Sendable {
    // @unchecked: the class only holds the session, which is thread-safe.
    private let session: BoundedURLSession
    /// Largest response body read by default (16 MiB): an AWS page holds at most 1,000 items.
    public static let defaultMaxBodyBytes = 16 * 1024 * 1024

    /// - Parameters:
    ///   - maxConnectionsPerHost: connection pool size; set it to the collector's concurrency.
    ///   - maxBodyBytes: largest response body accepted, in bytes.
    public init(maxConnectionsPerHost: Int = 8, maxBodyBytes: Int = AWSURLSessionTransport.defaultMaxBodyBytes) {
        session = BoundedURLSession(maxBodyBytes: maxBodyBytes, maxConnectionsPerHost: maxConnectionsPerHost)
    }

    public func send(_ request: AWSHTTPRequest, timeout: Double) async throws -> AWSHTTPResponse {
        var r = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        r.httpMethod = request.method
        for h in request.headers where h.name.caseInsensitiveCompare("Host") != .orderedSame {
            r.addValue(h.value, forHTTPHeaderField: h.name)
        }
        r.httpBody = request.body
        do {
            let (data, http) = try await session.data(for: r)
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields {
                if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
            }
            return AWSHTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let e as AWSCallError {
            throw e
        } catch BoundedURLSession.Failure.bodyTooLarge(let limit) {
            throw AWSCallError.tooLarge(limit: limit)
        } catch BoundedURLSession.Failure.notHTTP {
            throw AWSCallError.transport("not an HTTP response")
        } catch let e as URLError {
            if e.code == .timedOut { throw AWSCallError.timeout(seconds: timeout) }
            if e.code == .cancelled { throw AWSCallError.cancelled }
            throw AWSCallError.transport("\(Self.name(e.code)) (URLError \(e.code.rawValue))")
        } catch is CancellationError {
            throw AWSCallError.cancelled
        } catch {
            throw AWSCallError.transport((error as NSError).localizedDescription)
        }
    }

    static func name(_ code: URLError.Code) -> String {
        switch code {
        case .cannotConnectToHost: return "cannot connect to host"
        case .cannotFindHost: return "cannot find host"
        case .networkConnectionLost: return "connection lost before the response was complete"
        case .notConnectedToInternet: return "not connected"
        case .badServerResponse: return "bad server response"
        case .secureConnectionFailed: return "TLS handshake failed"
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid:
            return "server certificate not trusted"
        case .dnsLookupFailed: return "DNS lookup failed"
        default: return "network error"
        }
    }
}
