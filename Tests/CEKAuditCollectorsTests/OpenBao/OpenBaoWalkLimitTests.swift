import CEKAuditCollectorKit
import CEKAuditOpenBao
import CEKAuditKit
import CEKAuditCore
import Foundation
import Logging
import Testing

/// A server decides how far the namespace walk goes only up to the target's limits (`max_namespace_depth`,
/// `max_namespaces`, `max_requests`); names that cannot be sent as they are are refused with a diagnostic; what was
/// cut off is failed coverage, so checks over it are inconclusive and the keys are never a complete inventory.
struct OpenBaoWalkLimitTests {
    typealias Collector = OpenBaoTargetCollectorTests

    /// Every namespace lists `fanout` children; everything else answers as the small two-tenant server does, and any
    /// namespace's mounts and keys as tenant-b's.
    static func endless(fanout: Int) -> RecordedTransport {
        let routes = Collector.routes()
        return RecordedTransport { request, _ in
            let route = request.route
            if route.hasSuffix("sys/namespaces?list") {
                return RecordedTransport.json(200, #"{"data":{"keys":["#
                                              + (0..<fanout).map { #""c\#($0)/""# }.joined(separator: ",") + "]}}")
            }
            if let r = routes[route] { return r }
            if route.hasSuffix("sys/mounts") { return RecordedTransport.json(200, #"{"data":{"transit/":{"type":"transit"}}}"#) }
            if route.hasSuffix("transit/keys?list") { return RecordedTransport.json(200, #"{"data":{"keys":["ledger"]}}"#) }
            if route.hasSuffix("sys/policies/acl?list") { return RecordedTransport.json(200, #"{"data":{"keys":[]}}"#) }
            return routes["tenant-b/transit/keys/ledger"] ?? RecordedTransport.json(404, "{}")
        }
    }

    static func inconclusiveOverKeys(_ facts: FactSet, source: String) throws -> Bool {
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Collector.now).evaluate(facts)
        return results.contains { $0.check == "CEK08-AG3-ROTATION-PERIOD" && $0.verdict == .inconclusive && $0.subject?.id == source }
    }

    @Test(.timeLimit(.minutes(1))) func aNamespaceChainThatNeverEndsStopsAtTheDepthLimit() async throws {
        let server = Self.endless(fanout: 1)
        let facts = await Collector.collect(server, options: ["max_namespace_depth": .number(3)])
        let listed = server.requests.filter { $0.route.hasSuffix("sys/namespaces?list") }.map(\.route)
        #expect(listed == ["sys/namespaces?list", "c0/sys/namespaces?list", "c0/c0/sys/namespaces?list", "c0/c0/c0/sys/namespaces?list"])
        #expect(facts.resources(of: .target).first?["namespaces"] == .strings(["root", "c0", "c0/c0", "c0/c0/c0"]))
        #expect(!facts.hasInventory(of: .key), "what lies below the limit is unknown")
        let cut = try #require(facts.coverage.first { $0.status == .failed && $0.source.contains("c0/c0/c0/sys/namespaces") })
        #expect(cut.detail == "1 child namespace(s) deeper than max_namespace_depth (3) were not read")
        #expect(try Self.inconclusiveOverKeys(facts, source: cut.source))
        #expect(facts.diagnostics.contains { $0.message.contains("were cut off") && $0.fix?.contains("max_namespace_depth") == true })
    }

    @Test(.timeLimit(.minutes(1))) func aNamespaceTreeThatNeverEndsStopsAtTheCountLimit() async throws {
        let server = Self.endless(fanout: 4)
        let facts = await Collector.collect(server, options: ["max_namespaces": .number(6), "max_namespace_depth": .number(64)])
        guard case .list(let namespaces)? = facts.resources(of: .target).first?["namespaces"] else {
            Issue.record("no namespaces")
            return
        }
        #expect(namespaces.count == 6)
        #expect(server.requests.filter { $0.route.hasSuffix("sys/namespaces?list") }.count == 6)
        #expect(!facts.hasInventory(of: .key))
        let cut = facts.coverage.filter { $0.status == .failed && ($0.detail ?? "").contains("beyond max_namespaces (6)") }
        #expect(!cut.isEmpty)
        for row in cut { #expect(try Self.inconclusiveOverKeys(facts, source: row.source)) }
    }

    /// The request budget ends any walk, whatever the other limits say: nothing past it is sent, and nothing read
    /// before it is lost.
    @Test(.timeLimit(.minutes(1))) func theRequestLimitEndsAnyWalk() async throws {
        let server = Self.endless(fanout: 3)
        let facts = await Collector.collect(server, options: ["max_requests": .number(25), "max_namespaces": .number(100_000),
                                                              "max_namespace_depth": .number(64)])
        #expect(server.requests.count == 25)
        #expect(!facts.hasInventory(of: .key))
        #expect(facts.coverage.contains { $0.status == .failed && ($0.detail ?? "").contains("the limit of 25 requests (max_requests) was reached") })
        #expect(facts.resources(of: .auditTrail).isEmpty)
        #expect(facts.coverage.contains { $0.status == .failed && $0.resourceTypes == [.auditTrail] })
    }

    /// A child whose name holds CR/LF would lose its header (and the root would be read under its name) or split a
    /// request: it is refused with a diagnostic, nothing is requested for it, and the listing that named it is failed
    /// coverage. Other odd names are read, each segment percent-encoded.
    @Test(.timeLimit(.minutes(1))) func namesWithControlCharactersAreRefusedAndOddNamesEncoded() async throws {
        let ledger = try #require(Collector.routes()["tenant-b/transit/keys/ledger"])
        let routes = Collector.routes([
            "sys/namespaces?list": RecordedTransport.json(200, #"{"data":{"keys":["tenant-a/","tenant-b/","evil\r\nX-Injected: 1/","../","sp ace%?#\"ü/"]}}"#),
            "sp ace%?#\"ü/sys/namespaces?list": RecordedTransport.json(404, "{}"),
            "sp ace%?#\"ü/sys/mounts": RecordedTransport.json(200, #"{"data":{"odd %?# mount/":{"type":"transit"}}}"#),
            "sp ace%?#\"ü/odd %?# mount/keys?list": RecordedTransport.json(200, #"{"data":{"keys":["k ey%?#\"\u00e9","nul\u0000","..",""]}}"#),
            "sp ace%?#\"ü/odd %?# mount/keys/k ey%?#\"é": ledger,
            "sp ace%?#\"ü/sys/policies/acl?list": RecordedTransport.json(200, #"{"data":{"keys":["p ol%?#"]}}"#),
            "sp ace%?#\"ü/sys/policies/acl/p ol%?#": RecordedTransport.json(200, #"{"data":{"policy":"path \"transit/*\" { capabilities = [\"read\"] }"}}"#),
        ])
        let server = RecordedTransport { request, _ in Collector.answer(request, routes) }
        let facts = await Collector.collect(server)
        let urls = server.requests.map(\.url.absoluteString)
        #expect(!urls.contains { $0.contains("evil") || $0.contains("%0D") || $0.contains("%0A") || $0.contains("/../") || $0.contains("%00") })
        #expect(server.requests.filter { $0.route == "sys/mounts" }.count == 1, "the root is read once, under its own name")
        #expect(urls.contains("https://bao.example.com:8200/v1/sp%20ace%25%3F%23%22%C3%BC/odd%20%25%3F%23%20mount/keys/k%20ey%25%3F%23%22%C3%A9"))
        #expect(urls.contains("https://bao.example.com:8200/v1/sp%20ace%25%3F%23%22%C3%BC/sys/policies/acl/p%20ol%25%3F%23"))
        #expect(facts.diagnostics.contains { $0.message == #"child namespace "evil\r\nX-Injected: 1/" of root was not read: the name holds control characters"# })
        let odd = try #require(facts.resource(.key, named: "sp ace%?#\"ü/odd %?# mount/keys/k ey%?#\"é"))
        #expect(odd["spec"] == .string("ed25519"))
        // Listed keys whose names cannot be requested are kept, with unknown facts.
        let nul = try #require(facts.resources(of: .key).first { $0.name.hasSuffix("keys/nul\u{0}") })
        #expect(nul["rotation.enabled"]?.unknownReason == #"key "nul\u0000" was not read: the name holds control characters"#)
        #expect(!facts.hasInventory(of: .key))
        let rootListing = try #require(facts.coverage.first { $0.source == "openbao://bao-test/v1/sys/namespaces?list=true" })
        #expect(rootListing.status == .failed)
        #expect(rootListing.detail == "2 child namespace(s) with unusable names were not read")
    }
}
