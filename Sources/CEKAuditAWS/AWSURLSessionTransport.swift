import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// ``AWSTransport`` over Foundation's `URLSession` (FoundationNetworking / libcurl on Linux): an ephemeral session
/// with no cookies, no cache and no credential storage, so nothing about a request outlives it. Redirects are refused
/// (the signed `Authorization` header would follow them); a 3xx answer is returned as it is.
public final class AWSURLSessionTransport: AWSTransport, @unchecked Sendable {
    // @unchecked: URLSession is thread-safe; the class only holds it.
    private let session: URLSession

    /// - Parameter maxConnectionsPerHost: connection pool size; set it to the collector's concurrency.
    public init(maxConnectionsPerHost: Int = 8) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maxConnectionsPerHost)
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // The session keeps its delegate until it is invalidated (in deinit), so the delegate is not this object.
        session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    /// Refuses every redirect.
    private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: AWSHTTPRequest, timeout: Double) async throws -> AWSHTTPResponse {
        var r = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        r.httpMethod = request.method
        for h in request.headers where h.name.caseInsensitiveCompare("Host") != .orderedSame {
            r.addValue(h.value, forHTTPHeaderField: h.name)
        }
        r.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: r)
            guard let http = response as? HTTPURLResponse else { throw AWSCallError.transport("not an HTTP response") }
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields {
                if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
            }
            return AWSHTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let e as AWSCallError {
            throw e
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
