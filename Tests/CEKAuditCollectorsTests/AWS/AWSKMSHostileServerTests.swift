import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// The live AWS KMS collector against a hostile server of the tests' own (``HostileServer``), over real HTTP: odd key
/// ids and names, the access key id, session token and secret key reflected in every encoding, endless pagination,
/// huge bodies, slow drips and malformed answers (XML with entity declarations among them). No crash, no hang (each
/// test is time-limited), no credential in any output, and whatever was cut short is inconclusive.
@Suite(.serialized) struct AWSKMSHostileServerTests {
    static let accessKey = "ASIAHOSTILEEXAMPLE7Q"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILEKEY"
    static let sessionToken = "IQoJb3JpZ2luX2VjEHostile/Session+Token//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="
    static let secrets = [accessKey, secretKey, sessionToken]

    /// Starts a server with `behaviours` and collects it with quick timeouts and no retries; `options` override.
    static func collect(_ behaviours: Set<HostileServer.Behaviour>, extraSecrets: [String] = [], fanout: Int = 2,
                        hugeBytes: Int = 3 << 20, dripInterval: Double = 0.2,
                        _ options: [String: FactValue] = [:]) async throws -> HostileServerRun {
        let server = try HostileServer(behaviours, extraSecrets: extraSecrets, fanout: fanout, hugeBytes: hugeBytes, dripInterval: dripInterval)
        var o: [String: FactValue] = ["regions": .strings(["us-east-1"]), "endpoint": .string(server.address), "max_attempts": .number(1),
                                      "timeout_seconds": .number(2), "max_requests": .number(2000)]
        for (k, v) in options { o[k] = v }
        let environment = ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_SESSION_TOKEN": sessionToken,
                           "HOME": "/nonexistent"]
        // A 1 MiB body limit, so `huge` needs only a few MiB to pass it.
        let collector = AWSKMSCollector(environment: environment,
                                        makeTransport: { AWSHTTPClientTransport(maxConnectionsPerHost: $0, maxBodyBytes: 1 << 20) })
        return try await HostileServerRun.run(server, collector, AWSTest.target("hostile", o))
    }

    @Test(.timeLimit(.minutes(3))) func oddNamesAndEchoedCredentialsNeitherCrashNorLeak() async throws {
        // The secret key never travels with SigV4; the server is told it, as a proxy that saw it elsewhere would be.
        let run = try await Self.collect([.oddNames, .echo], extraSecrets: [Self.secretKey])
        defer { run.cleanUp() }
        try run.expectNoCredential(Self.secrets)
        #expect(run.server.requests().contains { $0["header_names"]?.asList.contains(.string("x-amz-security-token")) == true })
        #expect(run.facts.resources(of: .key).contains { $0.name.contains("q?mark") })
        guard case .string(let caller)? = run.facts.resources(of: .target).first?["caller"] else { Issue.record("no caller"); return }
        #expect(caller.contains(CredentialScrubber.marker), "the caller ARN echoed the access key id")
        // Rotation status was refused for every key: inconclusive, never pass.
        #expect(run.results.filter { $0.check == "CEK08-AG3-ROTATION-PERIOD" }.allSatisfy { $0.verdict != .pass })
    }

    @Test(.timeLimit(.minutes(1))) func endlessPaginationIsCutOffAsInconclusive() async throws {
        let run = try await Self.collect([.endless], ["max_requests": .number(60)])
        defer { run.cleanUp() }
        #expect(run.server.requests().count <= 60)
        #expect(run.facts.coverage.contains { ($0.detail ?? "").contains("the limit of 60 requests (max_requests) was reached") })
        run.expectCutShortIsInconclusive()
        try run.expectNoCredential(Self.secrets)
    }

    @Test(.timeLimit(.minutes(1))) func hugeBodiesAreRefusedAtTheLimit() async throws {
        let run = try await Self.collect([.huge])
        defer { run.cleanUp() }
        run.expectBodyRefused(over: 1 << 20)
        #expect(run.server.requests().filter { $0["op"] == .string("ListKeys") }.count == 1, "a body over the limit is not fetched again")
    }

    @Test(.timeLimit(.minutes(1))) func aDrippingServerIsCutOffByTheTimeout() async throws {
        let started = Date()
        let run = try await Self.collect([.drip], dripInterval: 0.3, ["timeout_seconds": .number(1)])
        defer { run.cleanUp() }
        #expect(Date().timeIntervalSince(started) < 45)
        let key = try #require(run.facts.resources(of: .key).first)
        #expect(key["manager"]?.unknownReason?.contains("(timeout)") == true)
        // AWS KMS never exports key material, whatever DescribeKey would have said; every other check is not a pass.
        let passing = run.results.filter { $0.subject?.id == key.id && $0.verdict == .pass && $0.check != "CEK08-AG3-KEY-MATERIAL-CONTAINED" }
        #expect(passing.isEmpty, "\(passing.map(\.check))")
    }

    @Test(.timeLimit(.minutes(1))) func malformedAnswersBecomeUnknownFacts() async throws {
        let run = try await Self.collect([.malformed, .echo, .oddNames], extraSecrets: [Self.secretKey])
        defer { run.cleanUp() }
        try run.expectNoCredential(Self.secrets)
        // An identity answer declaring entities is refused, not expanded (nor a local file read into the report).
        #expect(run.facts.resources(of: .target).first?["caller"]?.isKnown == false)
        run.expectCutShortIsInconclusive()
    }
}
