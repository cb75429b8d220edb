import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `URLSession` for talking to a server that is untrusted input: an ephemeral session (no cookies, cache or credential
/// store), redirects refused (a redirect would carry the token or signature elsewhere; the 3xx answer is returned as
/// it is), and the body capped at ``maxBodyBytes``: a body announced or found larger fails with
/// ``Failure/bodyTooLarge(limit:)`` as soon as the limit is passed, instead of growing without bound. Cancelling the
/// calling task cancels the request. Shared by the live collectors' transports.
public final class BoundedURLSession: @unchecked Sendable {
    // @unchecked: `session` and `delegate` are set once; the delegate guards its own state.

    /// Why no response is returned, besides the session's own `URLError`s.
    public enum Failure: Error, LocalizedError, Equatable {
        /// The body is (or announced to be) larger than the limit, in bytes.
        case bodyTooLarge(limit: Int)
        /// The answer was not HTTP.
        case notHTTP

        public var errorDescription: String? {
            switch self {
            case .bodyTooLarge(let limit): return "the response body is larger than \(limit) bytes"
            case .notHTTP: return "the answer is not an HTTP response"
            }
        }
    }

    /// Decides a server-trust challenge (a private CA on Apple platforms); `nil` keeps the system's default handling.
    public typealias TrustEvaluation = @Sendable (URLAuthenticationChallenge) -> (URLSession.AuthChallengeDisposition, URLCredential?)

    /// Largest body accepted, in bytes.
    public let maxBodyBytes: Int
    private let session: URLSession
    private let delegate: Delegate

    /// - Parameters:
    ///   - maxBodyBytes: largest body accepted, in bytes.
    ///   - maxConnectionsPerHost: connection pool size.
    ///   - trust: evaluates server-trust challenges; `nil` uses the system trust store.
    public init(maxBodyBytes: Int, maxConnectionsPerHost: Int = 8, trust: TrustEvaluation? = nil) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maxConnectionsPerHost)
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.maxBodyBytes = max(0, maxBodyBytes)
        // The session keeps its delegate until it is invalidated (in deinit), so the delegate is not this object.
        delegate = Delegate(limit: self.maxBodyBytes, trust: trust)
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// Sends `request` and waits for the whole body.
    /// - Throws: ``Failure``, the session's `URLError` (timeouts, refused connections, TLS), or `URLError(.cancelled)`
    ///   when the calling task is cancelled.
    public func data(for request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let task = session.dataTask(with: request)
        let delegate = self.delegate
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Data, HTTPURLResponse), any Error>) in
                delegate.begin(task.taskIdentifier, c)
                task.resume()
            }
        } onCancel: {
            // Off the cancelling thread: URLSessionTask.cancel() waits for the session's queue, and the canceller is
            // usually a deadline's timer on the shared cooperative pool.
            DispatchQueue.global().async { task.cancel() }
        }
    }

    /// Collects each task's body under the limit and answers the session's questions.
    final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        // @unchecked: `loads` is only read or changed under `lock`.
        struct Load {
            var continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>
            var data = Data()
            var tooLarge = false
        }

        let limit: Int
        let trust: TrustEvaluation?
        private let lock = NSLock()
        private var loads: [Int: Load] = [:]

        init(limit: Int, trust: TrustEvaluation?) {
            self.limit = limit
            self.trust = trust
        }

        func begin(_ id: Int, _ c: CheckedContinuation<(Data, HTTPURLResponse), any Error>) {
            lock.withLock { loads[id] = Load(continuation: c) }
        }

        /// Collects the body; a body announced (Content-Length) or found larger than the limit cancels the task.
        /// The announced length is read from the task's response with the first bytes, not in a delegate call of its
        /// own: every delegate call is one more hop through the session's queue.
        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let announced = dataTask.response?.expectedContentLength ?? -1
            let over = lock.withLock { () -> Bool in
                guard var load = loads[dataTask.taskIdentifier], !load.tooLarge else { return false }
                if announced > Int64(limit) || load.data.count + data.count > limit {
                    load.tooLarge = true
                    load.data = Data()
                } else {
                    load.data.append(data)
                }
                loads[dataTask.taskIdentifier] = load
                return load.tooLarge
            }
            if over { dataTask.cancel() }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            guard let load = lock.withLock({ loads.removeValue(forKey: task.taskIdentifier) }) else { return }
            if load.tooLarge {
                load.continuation.resume(throwing: Failure.bodyTooLarge(limit: limit))
            } else if let error {
                load.continuation.resume(throwing: error)
            } else if let response = task.response as? HTTPURLResponse {
                load.continuation.resume(returning: (load.data, response))
            } else {
                load.continuation.resume(throwing: Failure.notHTTP)
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }

        func urlSession(_ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
                        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
            guard let trust else { completionHandler(.performDefaultHandling, nil); return }
            let (disposition, credential) = trust(challenge)
            completionHandler(disposition, credential)
        }
    }
}
