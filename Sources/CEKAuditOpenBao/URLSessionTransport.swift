import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Security)
import Security
#endif

/// ``OpenBaoTransport`` over Foundation's `URLSession` (an ephemeral session: no cookies, no cache, no credential
/// store). The server certificate is checked against the system trust store; on Apple platforms a CA file
/// (`ca_file`) can be given and becomes the only trust anchor. On Linux, swift-corelibs-foundation's URLSession
/// only trusts the system bundle, so a CA file there goes through ``AsyncHTTPClientTransport``.
public final class URLSessionTransport: NSObject, OpenBaoTransport, URLSessionTaskDelegate, @unchecked Sendable {
    // @unchecked: `session` and `anchors` are set once in `init` and never mutated.
    private var session: URLSession!
    private let anchorPEM: Data?

    /// - Parameter caFile: PEM CA bundle to trust instead of the system store (Apple platforms only).
    /// - Throws: when `caFile` is given on a platform that cannot use it, or cannot be read.
    public init(caFile: String? = nil) throws {
        #if canImport(FoundationNetworking)
        if let caFile {
            throw URLError(.unsupportedURL, userInfo: [NSLocalizedDescriptionKey: "URLSession on Linux cannot trust the CA file \(caFile); use AsyncHTTPClientTransport"])
        }
        anchorPEM = nil
        #else
        anchorPEM = try caFile.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        #endif
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    public func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
        var r = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        r.httpMethod = "GET"
        for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await session.data(for: r)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return OpenBaoHTTPResponse(status: http.statusCode, body: data)
    }

    public func shutdown() async {
        session.finishTasksAndInvalidate()
    }

    /// Refuses redirects (the token header would follow them); the 3xx response is returned as it is.
    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    #if !canImport(FoundationNetworking) && canImport(Security)
    /// Evaluates the server's chain against the CA file only (Apple "Performing manual server trust
    /// authentication": `SecTrustSetAnchorCertificates`, `SecTrustSetAnchorCertificatesOnly`, `SecTrustEvaluateWithError`).
    public func urlSession(_ session: URLSession, didReceive challenge: URLAuthenticationChallenge,
                           completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        guard challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
              let trust = challenge.protectionSpace.serverTrust, let pem = anchorPEM else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        let anchors = URLSessionTransport.certificates(fromPEM: pem)
        guard !anchors.isEmpty else { completionHandler(.cancelAuthenticationChallenge, nil); return }
        SecTrustSetAnchorCertificates(trust, anchors as CFArray)
        SecTrustSetAnchorCertificatesOnly(trust, true)
        var error: CFError?
        if SecTrustEvaluateWithError(trust, &error) {
            completionHandler(.useCredential, URLCredential(trust: trust))
        } else {
            completionHandler(.cancelAuthenticationChallenge, nil)
        }
    }

    /// The certificates of a PEM bundle (RFC 7468 `CERTIFICATE` blocks).
    static func certificates(fromPEM pem: Data) -> [SecCertificate] {
        let text = String(decoding: pem, as: UTF8.self)
        var out: [SecCertificate] = []
        for block in text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst() {
            guard let end = block.range(of: "-----END CERTIFICATE-----") else { continue }
            let base64 = block[..<end.lowerBound].filter { !$0.isWhitespace }
            if let der = Data(base64Encoded: String(base64)), let cert = SecCertificateCreateWithData(nil, der as CFData) {
                out.append(cert)
            }
        }
        return out
    }
    #endif
}
