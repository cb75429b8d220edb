import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditTestSupport
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

    /// The server reflects the token in every encoding (JSON `\u` escapes, `\/`, percent, base64, HTML references):
    /// what the client hands on holds none of them.
    @Test func escapedAndEncodedEchoesAreRemovedToo() async throws {
        let token = "s.Planted/Token+7f3a=="
        struct Mirror: OpenBaoTransport {
            var body: String
            func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
                OpenBaoHTTPResponse(status: 403, body: Data(body.utf8))
            }
            func shutdown() async {}
        }
        let texts = CredentialForms.all(token).map(\.text).map { $0.replacingOccurrences(of: "\"", with: "\\\"") }
        let body = #"{"errors":["# + texts.map { #""denied \#($0)""# }.joined(separator: ",") + "]}"
        let address = try #require(URL(string: "http://127.0.0.1:1"))
        let r = await OpenBaoClient(address: address, transport: Mirror(body: body), token: token).get("sys/mounts")
        #expect(CredentialForms.leaks(in: r.body, secrets: [token]).isEmpty, "\(String(decoding: r.body, as: UTF8.self))")
        #expect(CredentialForms.leaks(in: r.reason, secrets: [token]).isEmpty)
        #expect(r.json != nil, "the scrubbed body is still JSON")
    }

    /// A token that occurs inside the marker (`e`, `a`, `t` in `[redacted]`), the marker itself, or an empty token:
    /// the call returns, and a short token does not blank the answer.
    @Test(.timeLimit(.minutes(1)), arguments: ["e", "a", "t", "", "[redacted]", "redacted", "eeeeeeeeeeee"])
    func aTokenInsideTheMarkerCannotMakeTheClientSpin(_ token: String) async throws {
        struct Echo: OpenBaoTransport {
            var token: String
            func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse {
                OpenBaoHTTPResponse(status: 403, body: Data(#"{"errors":["permission denied for token \#(token) [redacted]"]}"#.utf8))
            }
            func shutdown() async {}
        }
        let address = try #require(URL(string: "http://127.0.0.1:1"))
        let r = await OpenBaoClient(address: address, transport: Echo(token: token), token: token).get("sys/mounts")
        #expect(r.status == 403)
        #expect(r.errorMessage?.hasPrefix(token.count >= CredentialScrubber.minimumLength ? "permission denied for token [redacted]" : "permission denied for token") == true)
    }
}
