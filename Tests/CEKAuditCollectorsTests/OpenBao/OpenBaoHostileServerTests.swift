import CEKAuditCollectorKit
import CEKAuditOpenBao
import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// The live OpenBao collector against a hostile server of the tests' own (``HostileServer``), over real HTTP: odd
/// names, echoed tokens in every encoding, endless walks, huge bodies, slow drips and malformed answers. No crash, no
/// hang (each test is time-limited), no token in any output, and whatever was cut short is inconclusive.
@Suite(.serialized) struct OpenBaoHostileServerTests {
    static let token = "s.Hostile/Token+6b1d=" + "Q7xLm2Vp9Zr4"
    static let probeToken = "s.Probe-Token/for+tenant-a=9c"
    static let secrets = [token, probeToken]

    /// Starts a server with `behaviours` and collects it with quick timeouts and no retries; `options` override.
    static func collect(_ behaviours: Set<HostileServer.Behaviour>, extraSecrets: [String] = [], fanout: Int = 2,
                        hugeBytes: Int = 3 << 20, dripInterval: Double = 0.2,
                        _ options: [String: FactValue] = [:]) async throws -> HostileServerRun {
        let server = try HostileServer(behaviours, extraSecrets: extraSecrets, fanout: fanout, hugeBytes: hugeBytes, dripInterval: dripInterval)
        var o: [String: FactValue] = ["address": .string(server.address), "token_env": .string("BAO_TEST_TOKEN"), "timeout_seconds": .number(2),
                                      "retries": .number(0), "probe_token_env": .string("BAO_TEST_PROBE"), "probe_namespace": .string("tenant-a"),
                                      "max_requests": .number(2000)]
        for (k, v) in options { o[k] = v }
        // A 1 MiB body limit, so `huge` needs only a few MiB to pass it.
        let collector = OpenBaoTargetCollector(environment: ["BAO_TEST_TOKEN": token, "BAO_TEST_PROBE": probeToken],
                                               transport: { _ in AsyncHTTPClientTransport(caFile: nil, timeout: 10, maxBodyBytes: 1 << 20) }, pause: { _ in })
        return try await HostileServerRun.run(server, collector, AssessmentFile.Target(kind: "openbao", name: "hostile", options: o, line: 3))
    }

    @Test(.timeLimit(.minutes(3))) func oddNamesAndEchoedTokensNeitherCrashNorLeak() async throws {
        let run = try await Self.collect([.oddNames, .echo])
        defer { run.cleanUp() }
        try run.expectNoCredential(Self.secrets)
        // Odd names are read, each segment encoded; names that cannot be sent are refused and kept as unknown keys.
        #expect(run.facts.resources(of: .key).contains { $0.name == "sp ace/keys/orders" || $0.name.hasPrefix("sp ace/transit/keys/") })
        #expect(run.facts.resources(of: .key).contains { $0.name == "transit/keys/q?mark" && $0["spec"] == .string("aes256-gcm96") })
        #expect(run.facts.diagnostics.contains { $0.message.contains(#"child namespace "crlf\r\nX-Injected: 1/" of root was not read"#) })
        let paths = run.server.requests().compactMap { $0["path"]?.stringValue }
        #expect(!paths.contains { $0.contains("\r") || $0.contains("\n") || $0.contains("/../") || $0.hasSuffix("/..") })
        #expect(!run.server.requests().contains { $0["namespace_header"] == .bool(true) }, "names never travel in a header")
        run.expectCutShortIsInconclusive()
    }

    @Test(.timeLimit(.minutes(1))) func endlessNamespacesAndKeyListingsAreCutOffAsInconclusive() async throws {
        let run = try await Self.collect([.endless], fanout: 3, ["max_namespace_depth": .number(3), "max_namespaces": .number(12), "max_requests": .number(300)])
        defer { run.cleanUp() }
        #expect(run.server.requests().count <= 300)
        #expect(run.facts.coverage.contains { ($0.detail ?? "").contains("max_namespaces (12)") || ($0.detail ?? "").contains("max_namespace_depth (3)") })
        #expect(run.facts.coverage.contains { ($0.detail ?? "").contains("max_requests") })
        run.expectCutShortIsInconclusive()
        try run.expectNoCredential(Self.secrets)
    }

    /// A mount of exactly one full page (1,000 names) ends with OpenBao's empty 404: complete, every key read. A 404
    /// that says "no handler for route" (a mount removed mid-run, a wrong proxy prefix) is a failed listing, never
    /// "no keys".
    @Test(.timeLimit(.minutes(2))) func aFullPageThenAnEmpty404IsCompleteAndAMissingRouteIsNot() async throws {
        let run = try await Self.collect([.paging], ["max_requests": .number(3000)])
        defer { run.cleanUp() }
        let keys = run.facts.resources(of: .key)
        #expect(keys.filter { $0.name.hasPrefix("transit/keys/p") }.count == 1000, "\(keys.count)")
        #expect(!run.facts.diagnostics.contains { $0.message.contains("did not end") }, "\(run.facts.diagnostics.map(\.message))")
        #expect(!run.facts.coverage.contains { $0.source.contains("/transit/keys?list=true") && $0.status != .complete })
        let gone = try #require(run.facts.coverage.first { $0.source.contains("/gone/keys?list=true") }, "\(run.facts.coverage.map(\.source))")
        #expect(gone.status == .failed && gone.detail?.contains("404") == true, "\(gone)")
        #expect(run.facts.coverage.first { $0.source.hasSuffix("(transit keys)") }?.status == .partial)
        #expect(!run.facts.hasInventory(of: .key), "a mount whose keys are unknown leaves the inventory incomplete")
    }

    @Test(.timeLimit(.minutes(1))) func hugeBodiesAreRefusedAtTheLimit() async throws {
        let run = try await Self.collect([.huge])
        defer { run.cleanUp() }
        run.expectBodyRefused(over: 1 << 20)
    }

    @Test(.timeLimit(.minutes(1))) func aDrippingServerIsCutOffByTheTimeout() async throws {
        let started = Date()
        let run = try await Self.collect([.drip], dripInterval: 0.3, ["timeout_seconds": .number(1)])
        defer { run.cleanUp() }
        #expect(Date().timeIntervalSince(started) < 45)
        // The mount table and the key read never arrived whole: a failed source and a key with unknown facts.
        #expect(run.facts.coverage.contains { $0.status == .failed && ($0.detail ?? "").contains("GET /v1/sys/mounts failed: no complete answer within 1 s (timeout)") })
        let key = try #require(run.facts.resources(of: .key).first)
        #expect(key["rotation.enabled"]?.unknownReason?.contains("(timeout)") == true)
        // Isolation comes from the ACL policies, which were read whole; everything the key read should have said is not.
        let passing = run.results.filter { $0.subject?.id == key.id && $0.verdict == .pass && $0.check != "CEK08-AG2-NAMESPACE-ISOLATION" }.map(\.check)
        #expect(passing.isEmpty, "\(passing)")
        run.expectCutShortIsInconclusive()
    }

    @Test(.timeLimit(.minutes(1))) func malformedAnswersBecomeUnknownFacts() async throws {
        let run = try await Self.collect([.malformed, .echo, .oddNames])
        defer { run.cleanUp() }
        try run.expectNoCredential(Self.secrets)
        #expect(run.facts.coverage.contains { $0.status == .failed && ($0.detail ?? "").contains("no keys list") })
        run.expectCutShortIsInconclusive()
    }
}
