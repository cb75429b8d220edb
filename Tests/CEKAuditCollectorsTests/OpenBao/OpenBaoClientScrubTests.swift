import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import Foundation
import Testing

/// A server that echoes the token (in an error text) or a transport error that names it never hands the token on.
struct OpenBaoClientScrubTests {
    static let token = "s.planted-token-4711"

    struct Echo: OpenBaoTransport {
        var fail: Bool
        func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
            if fail { throw NSError(domain: "test", code: 1, userInfo: [NSLocalizedDescriptionKey: "refused for \(OpenBaoClientScrubTests.token)"]) }
            return OpenBaoHTTPResponse(status: 403, body: Data(#"{"errors":["permission denied for token \#(OpenBaoClientScrubTests.token)"]}"#.utf8))
        }
        func shutdown() async {}
    }

    @Test func responsesAndFailuresCarryNoToken() async throws {
        let address = try #require(URL(string: "http://127.0.0.1:1"))
        let echoed = await OpenBaoClient(address: address, transport: Echo(fail: false), token: Self.token).get("sys/mounts")
        #expect(!String(decoding: echoed.body, as: UTF8.self).contains(Self.token))
        #expect(!echoed.reason.contains(Self.token))
        let failed = await OpenBaoClient(address: address, transport: Echo(fail: true), token: Self.token, retries: 0).get("sys/mounts")
        #expect(!(failed.failure ?? "").contains(Self.token))
        #expect(failed.failure?.contains("[redacted]") == true)
    }
}
