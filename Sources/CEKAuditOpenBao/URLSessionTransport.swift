import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Security)
import Security
#endif

/// ``OpenBaoTransport`` over Foundation's `URLSession` through ``BoundedURLSession``: an ephemeral session (no cookies,
/// no cache, no credential store), redirects refused, bodies capped at ``maxBody``. The server certificate is checked
/// against the system trust store; on Apple platforms a CA file (`ca_file`) can be given and becomes the only trust
/// anchor. On Linux, swift-corelibs-foundation's URLSession only trusts the system bundle, so a CA file there goes
/// through ``AsyncHTTPClientTransport``.
public final class URLSessionTransport: OpenBaoTransport, @unchecked Sendable {
    // @unchecked: `session` is set once in `init` and is thread-safe.
    private let session: BoundedURLSession
    /// Largest response body read (64 MiB): a key listing of hundreds of thousands of names fits.
    public static let maxBody = 64 * 1024 * 1024

    /// - Parameters:
    ///   - caFile: PEM CA bundle to trust instead of the system store (Apple platforms only).
    ///   - maxBodyBytes: largest response body accepted, in bytes.
    /// - Throws: when `caFile` is given on a platform that cannot use it, or cannot be read.
    public init(caFile: String? = nil, maxBodyBytes: Int = URLSessionTransport.maxBody) throws {
        #if canImport(FoundationNetworking)
        if let caFile {
            throw URLError(.unsupportedURL, userInfo: [NSLocalizedDescriptionKey: "URLSession on Linux cannot trust the CA file \(caFile); use AsyncHTTPClientTransport"])
        }
        session = BoundedURLSession(maxBodyBytes: maxBodyBytes)
        #else
        let anchorPEM = try caFile.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        session = BoundedURLSession(maxBodyBytes: maxBodyBytes, trust: anchorPEM.map { pem in { URLSessionTransport.evaluate($0, anchors: pem) } })
        #endif
    }

    public func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
        var r = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: request.timeout)
        r.httpMethod = request.method
        r.httpBody = request.body
        for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
        let (data, http) = try await session.data(for: r)
        return OpenBaoHTTPResponse(status: http.statusCode, body: data)
    }

    public func shutdown() async {}

    #if !canImport(FoundationNetworking) && canImport(Security)
    /// Evaluates the server's chain against the CA file only (Apple "Performing manual server trust
    /// authentication": `SecTrustSetAnchorCertificates`, `SecTrustSetAnchorCertificatesOnly`, `SecTrustEvaluateWithError`).
    static func evaluate(_ challenge: URLAuthenticationChallenge, anchors pem: Data) -> (URLSession.AuthChallengeDisposition, URLCredential?) {
        guard challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
              let trust = challenge.protectionSpace.serverTrust else {
            return (.performDefaultHandling, nil)
        }
        let anchors = URLSessionTransport.certificates(fromPEM: pem)
        guard !anchors.isEmpty else { return (.cancelAuthenticationChallenge, nil) }
        SecTrustSetAnchorCertificates(trust, anchors as CFArray)
        SecTrustSetAnchorCertificatesOnly(trust, true)
        var error: CFError?
        return SecTrustEvaluateWithError(trust, &error) ? (.useCredential, URLCredential(trust: trust)) : (.cancelAuthenticationChallenge, nil)
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
