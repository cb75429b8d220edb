import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// The API client: headers, retries on 5xx, errors as reasons naming the endpoint and status.
struct OpenBaoClientTests {
    static let address = URL(string: "https://bao.example.com:8200")!

    /// The namespace travels as a path prefix, percent-encoded like every segment, never as a header: a header value
    /// cannot carry every name a server may list (CR/LF would drop it, and the root would be read in its place).
    @Test func sendsTheTokenHeaderTheNamespaceAsAPathPrefixAndListsWithAQuery() async throws {
        let t = RecordedTransport { _, _ in RecordedTransport.json(200, #"{"data":{"keys":["a"]}}"#) }
        let client = OpenBaoClient(address: Self.address, transport: t, token: "s.planted-token", pause: { _ in })
        let r = await client.get("transit/keys", namespace: "tenant-a", list: true)
        #expect(r.ok)
        let sent = try #require(t.requests.first)
        #expect(sent.headers["X-Vault-Token"] == "s.planted-token")
        #expect(sent.headers["X-Vault-Namespace"] == nil)
        #expect(sent.url.absoluteString == "https://bao.example.com:8200/v1/tenant-a/transit/keys?list=true")
        #expect(r.endpoint == "LIST /v1/transit/keys in namespace tenant-a")
        _ = await client.get("sys/health", authenticated: false)
        #expect(t.requests.last?.headers["X-Vault-Token"] == nil)
        #expect(t.requests.last?.headers["X-Vault-Namespace"] == nil)
    }

    @Test func retriesServerErrorsThenSucceeds() async {
        let t = RecordedTransport { _, n in n < 2 ? RecordedTransport.json(503, #"{"errors":["standby"]}"#) : RecordedTransport.json(200, "{}") }
        let client = OpenBaoClient(address: Self.address, transport: t, token: "x", retries: 2, pause: { _ in })
        let r = await client.get("sys/mounts")
        #expect(r.status == 200)
        #expect(t.requests.count == 3)
    }

    @Test func persistentServerErrorsBecomeAReasonNamingEndpointAndStatus() async {
        let t = RecordedTransport { _, _ in RecordedTransport.json(500, #"{"errors":["1 error occurred:\n\t* internal error\n\n"]}"#) }
        let client = OpenBaoClient(address: Self.address, transport: t, token: "x", retries: 1, pause: { _ in })
        let r = await client.get("transit/keys/orders", namespace: "tenant-b")
        #expect(!r.ok)
        #expect(t.requests.count == 2)
        #expect(r.reason == "GET /v1/transit/keys/orders in namespace tenant-b returned HTTP 500 (internal error)")
    }

    @Test func clientErrorsAreAnswersAndNotRetried() async {
        let t = RecordedTransport { _, _ in RecordedTransport.json(403, #"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#) }
        let client = OpenBaoClient(address: Self.address, transport: t, token: "x", retries: 3, pause: { _ in })
        let r = await client.get("sys/audit")
        #expect(r.status == 403)
        #expect(t.requests.count == 1)
        #expect(r.reason.hasSuffix("returned HTTP 403 (permission denied)"))
    }

    @Test func transportFailuresAreRetriedAndReported() async {
        let t = RecordedTransport { _, _ in throw URLError(.cannotConnectToHost) }
        let client = OpenBaoClient(address: Self.address, transport: t, token: "x", retries: 2, pause: { _ in })
        let r = await client.get("sys/health", authenticated: false)
        #expect(r.status == nil)
        #expect(t.requests.count == 3)
        #expect(r.reason.hasPrefix("GET /v1/sys/health failed:"))
        #expect(r.reason.hasSuffix("after 3 attempt(s)"))
    }

    @Test func addressWithAPathPrefixIsKept() async {
        let t = RecordedTransport { _, _ in RecordedTransport.json(200, "{}") }
        let client = OpenBaoClient(address: URL(string: "https://gw.example.com/bao/")!, transport: t, token: nil, pause: { _ in })
        _ = await client.get("sys/health", authenticated: false)
        #expect(t.requests.first?.url.absoluteString == "https://gw.example.com/bao/v1/sys/health")
    }
}
