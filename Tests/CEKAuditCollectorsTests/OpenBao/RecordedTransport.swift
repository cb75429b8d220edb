import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import Foundation

/// A test double for ``OpenBaoTransport``: answers from a handler keyed by the request, records every request.
final class RecordedTransport: OpenBaoTransport, @unchecked Sendable {
    // @unchecked: `log` is guarded by `lock`.
    private let lock = NSLock()
    private var log: [OpenBaoHTTPRequest] = []
    private let handler: @Sendable (OpenBaoHTTPRequest, Int) throws -> OpenBaoHTTPResponse

    /// - Parameter handler: gets the request and how many times the same URL was asked before.
    init(_ handler: @escaping @Sendable (OpenBaoHTTPRequest, Int) throws -> OpenBaoHTTPResponse) {
        self.handler = handler
    }

    var requests: [OpenBaoHTTPRequest] { lock.withLock { log } }

    func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
        let earlier = lock.withLock { () -> Int in
            let n = log.filter { $0.url == request.url }.count
            log.append(request)
            return n
        }
        return try handler(request, earlier)
    }

    func shutdown() async {}

    static func json(_ status: Int, _ text: String) -> OpenBaoHTTPResponse {
        OpenBaoHTTPResponse(status: status, body: Data(text.utf8))
    }
}

extension OpenBaoHTTPRequest {
    /// The path after `/v1/` with the namespace header in front (`tenant-a/transit/keys/orders`), and `?list=true`.
    var route: String {
        var p = url.path
        if let r = p.range(of: "/v1/") { p = String(p[r.upperBound...]) }
        let ns = headers["X-Vault-Namespace"] ?? ""
        let list = url.query?.contains("list=true") == true
        return ns + p + (list ? "?list" : "")
    }
}
