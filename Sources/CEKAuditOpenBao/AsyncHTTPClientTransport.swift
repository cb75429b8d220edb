import CEKAuditCollectorKit
import CEKAuditCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// ``OpenBaoTransport`` over async-http-client, used when a target names a CA file on Linux, where URLSession can only
/// trust the system bundle. The CA file becomes the only trust root (NIOSSL `TLSConfiguration.trustRoots`), with
/// full certificate and host-name verification; redirects are not followed; bodies larger than the limit fail with
/// ``BoundedURLSession/Failure/bodyTooLarge(limit:)``, like ``URLSessionTransport``'s.
public final class AsyncHTTPClientTransport: OpenBaoTransport {
    private let client: HTTPClient
    private let maxBodyBytes: Int

    /// - Parameters:
    ///   - caFile: PEM CA bundle to trust; `nil` uses the system trust store.
    ///   - timeout: connect and read timeout in seconds.
    ///   - maxBodyBytes: largest response body accepted, in bytes.
    public init(caFile: String?, timeout: TimeInterval, maxBodyBytes: Int = URLSessionTransport.maxBody) {
        self.maxBodyBytes = maxBodyBytes
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        let t = TimeAmount.milliseconds(Int64(max(timeout, 0.1) * 1000))
        let configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: t, read: t))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
        var r = HTTPClientRequest(url: request.url.absoluteString)
        r.method = HTTPMethod(rawValue: request.method)
        if let body = request.body { r.body = .bytes(ByteBuffer(bytes: body)) }
        for (k, v) in request.headers { r.headers.add(name: k, value: v) }
        let response = try await client.execute(r, timeout: .milliseconds(Int64(max(request.timeout, 0.1) * 1000)))
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: maxBodyBytes) } catch is NIOTooManyBytesError {
            throw BoundedURLSession.Failure.bodyTooLarge(limit: maxBodyBytes)
        }
        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        return OpenBaoHTTPResponse(status: Int(response.status.code), body: Data(bytes))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
