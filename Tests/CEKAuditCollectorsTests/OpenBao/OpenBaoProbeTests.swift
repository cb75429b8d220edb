import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditOpenBao
import Crypto
import Foundation
import Testing

/// AES Key Wrap with Padding against the test vectors of RFC 5649 §6.
struct AESKeyWrapPaddedTests {
    static func bytes(_ hex: String) -> Data {
        let clean = hex.filter { !$0.isWhitespace }
        var out = Data()
        var i = clean.startIndex
        while i < clean.endIndex {
            let j = clean.index(i, offsetBy: 2)
            out.append(UInt8(clean[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out
    }

    static let kek = SymmetricKey(data: bytes("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8"))

    @Test func twentyOctetKeyMatchesRFC5649() throws {
        let wrapped = try AESKeyWrapPadded.wrap(Self.bytes("c37b7e6492584340 bed1220780894115 5068f738"), kek: Self.kek)
        #expect(wrapped == Self.bytes("138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a"))
    }

    @Test func sevenOctetKeyMatchesRFC5649() throws {
        let wrapped = try AESKeyWrapPadded.wrap(Self.bytes("466f7250617369"), kek: Self.kek)
        #expect(wrapped == Self.bytes("afbeb0f07dfbf5419200f2ccb50bb24f"))
    }

    @Test func emptyMaterialIsRefused() {
        #expect(throws: AESKeyWrapPadded.Failure.badLength) { try AESKeyWrapPadded.wrap(Data(), kek: Self.kek) }
    }
}

/// The journal's reading into `capability` facts: not-enforced fails, not-supported stays unknown, never a pass.
struct ProbeJournalFactsTests {
    static func journal(_ steps: [(String, String, ProbeOutcome)], completed: Bool = true, created: [ProbeResource] = []) -> ProbeJournal {
        ProbeJournal(target: "sandbox", kind: "openbao", runTag: "cek-audit-probe-t1",
                     steps: steps.map { ProbeStep(step: $0.0, operation: $0.1, request: "POST /v1/x", outcome: $0.2, detail: "d") },
                     created: created, completed: completed)
    }

    static func supported(_ facts: FactSet, _ op: String) -> FactValue? {
        facts.resources(of: .capability).first { $0.fields["operation"] == .string(op) }?.fields["supported"]
    }

    @Test func outcomesBecomeThreeValuedCapabilities() {
        let j = Self.journal([("create-key", "generate", .performed), ("revoke-old-version", "revoke", .notEnforced),
                              ("byok-import", "import", .notSupportedByEndpoint), ("isolation", "isolation", .refusedAsExpected)],
                             created: [ProbeResource(kind: "namespace", name: "ns/", cleanup: "removed")])
        let facts = j.facts(collector: "probe", now: Date(timeIntervalSince1970: 0))
        #expect(Self.supported(facts, "generate") == .bool(true))
        #expect(Self.supported(facts, "revoke") == .bool(false))
        #expect(Self.supported(facts, "isolation") == .bool(true))
        #expect(Self.supported(facts, "import")?.isKnown == false)
        #expect(Self.supported(facts, "probe_run") == .bool(true))
        #expect(facts.evidence.map(\.kind) == ["probe-journal"])
        #expect(facts.hasInventory(of: .capability))
        let run = facts.resources(of: .capability).first { $0.fields["operation"] == .string("probe_run") }
        #expect(run?.fields["created"] == .strings(["namespace ns/"]))
        #expect(run?.fields["cleaned_up"] == .strings(["namespace ns/: removed"]))
        #expect(run?.fields["left_behind"] == .strings([]))
    }

    @Test func anInterruptedRunOrALeftoverIsNoPass() {
        let interrupted = Self.journal([("create-key", "generate", .performed)], completed: false)
        #expect(Self.supported(interrupted.facts(collector: "probe", now: Date()), "probe_run")?.isKnown == false)
        let left = Self.journal([("create-key", "generate", .performed)], created: [ProbeResource(kind: "namespace", name: "ns/", cleanup: "left: HTTP 500")])
        #expect(Self.supported(left.facts(collector: "probe", now: Date()), "probe_run") == .bool(false))
    }
}

/// A full probe run against the real OpenBao 2.7.2 dev server that `scripts/services/openbao-probe.sh` starts (a
/// server of its own, so probe namespaces never show up in the live-collector tests). Skipped without
/// `CEK_AUDIT_PROBE_BAO_PLAIN_ADDR`; `scripts/test.sh` always starts it.
@Suite(.serialized, .enabled(if: ProbeServer.available, "needs the OpenBao dev server of scripts/services/openbao-probe.sh"))
struct OpenBaoProbeLiveTests {
    @Test func aFullRunShowsEveryStepAndLeavesNothingBehind() async throws {
        let target = ProbeServer.target()
        let credentials = CredentialScrubber()
        let before = try #require(await ProbeServer.probeNamespaces())
        let run = ProbeRun()
        let recorder = ProbeRecorder(target: target.name, kind: "openbao", run: run)
        await OpenBaoProber().probe(target, run: run, context: CollectionContext(now: Date(), credentials: credentials), recorder: recorder)
        let j = recorder.snapshot
        let outcomes = Dictionary(uniqueKeysWithValues: j.steps.map { ($0.step, $0.outcome) })
        #expect(outcomes == [
            "create-namespace": .performed, "create-key": .performed, "encrypt-decrypt": .performed, "rotate": .performed,
            "decrypt-old-version": .performed, "revoke-old-version": .refusedAsExpected, "byok-import": .performed,
            "isolation": .refusedAsExpected, "delete-key": .performed, "cleanup": .performed,
        ], "\(j.summary)")
        #expect(j.steps.first { $0.step == "isolation" }?.status == 403)
        #expect(j.completed)
        #expect(j.leftBehind.isEmpty, "\(j.summary)")
        #expect(Set(j.created.map(\.kind)) == ["namespace", "transit-key"])
        #expect(j.created.allSatisfy { $0.name.contains(run.tag) })
        // Nothing of the run is left on the server (namespace removal completes asynchronously).
        let after = await ProbeServer.waitForProbeNamespaces(toBe: before)
        #expect(after == before)
        // The journal names no token, plaintext, ciphertext or wrapped material.
        let text = String(decoding: j.encoded(), as: UTF8.self)
        for canary in [ProbeServer.token, "vault:v1:", "vault:v2:", "\"plaintext\"", "\"ciphertext\"", "client_token", "BEGIN PUBLIC KEY"] {
            #expect(!text.contains(canary), "the journal holds \(canary)")
        }
    }

    @Test func cancellationStopsTheStepsButNotTheCleanup() async throws {
        let target = ProbeServer.target()
        let before = try #require(await ProbeServer.probeNamespaces())
        let run = ProbeRun()
        let recorder = ProbeRecorder(target: target.name, kind: "openbao", run: run)
        let task = Task { await OpenBaoProber().probe(target, run: run, context: CollectionContext(now: Date()), recorder: recorder) }
        // Cancel once the probe namespace exists: the run is then mid-way.
        for _ in 0..<200 where !recorder.snapshot.created.contains(where: { $0.kind == "transit-key" }) {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        task.cancel()
        await task.value
        let j = recorder.snapshot
        #expect(!j.completed)
        #expect(j.steps.contains { $0.outcome == .skipped }, "\(j.summary)")
        #expect(j.steps.last?.step == "cleanup" && j.steps.last?.outcome == .performed, "\(j.summary)")
        #expect(j.leftBehind.isEmpty, "\(j.summary)")
        #expect(await ProbeServer.waitForProbeNamespaces(toBe: before) == before)
    }

    @Test func leftoversOfAKilledRunAreFoundAndRemoved() async throws {
        let client = try ProbeServer.client()
        // What a run killed before its cleanup leaves: a tagged namespace holding a key.
        let tag = ProbeRun().tag
        #expect(await client.write("POST", OpenBaoPath(["sys", "namespaces", tag])).ok)
        #expect(await client.write("POST", "sys/mounts/transit", namespace: tag + "/", body: ["type": .string("transit")]).ok)
        #expect(await client.write("POST", OpenBaoPath(["transit", "keys", tag + "-key"]), namespace: tag + "/").ok)
        #expect(await ProbeServer.probeNamespaces()?.contains(tag + "/") == true)
        let (found, failure) = await OpenBaoProber().removeLeftovers(ProbeServer.target(), context: CollectionContext(now: Date()))
        #expect(failure == nil)
        #expect(found.contains { $0.name == tag + "/" && $0.cleanup == "removed" })
        #expect(await ProbeServer.waitForProbeNamespaces(toBe: []) == [])
    }
}

/// The probe server's coordinates, from the `export` lines of `scripts/services/openbao-probe.sh`.
enum ProbeServer {
    static let env = ProcessInfo.processInfo.environment
    static var available: Bool { env["CEK_AUDIT_PROBE_BAO_PLAIN_ADDR"] != nil && env["CEK_AUDIT_PROBE_BAO_TOKEN"] != nil }
    static var token: String { env["CEK_AUDIT_PROBE_BAO_TOKEN"] ?? "" }

    static func target() -> AssessmentFile.Target {
        var t = AssessmentFile.Target(kind: "openbao", name: "bao-sandbox",
                                      options: ["address_env": .string("CEK_AUDIT_PROBE_BAO_PLAIN_ADDR"), "token_env": .string("CEK_AUDIT_PROBE_BAO_TOKEN"),
                                                "retries": .number(0)], line: 1, file: "/audit.yaml")
        t.sandbox = true
        return t
    }

    /// One transport for the whole test process (a static is never released, so its pool needs no shutdown).
    static let transport = AsyncHTTPClientTransport(caFile: nil, timeout: 10)

    static func client() throws -> OpenBaoClient {
        OpenBaoClient(address: try #require(URL(string: env["CEK_AUDIT_PROBE_BAO_PLAIN_ADDR"] ?? "")),
                      transport: transport, token: token, retries: 0)
    }

    /// Probe namespaces at the root, `nil` when they cannot be listed.
    static func probeNamespaces() async -> [String]? {
        guard let c = try? client() else { return nil }
        return await OpenBaoProbe.leftovers(client: c, parent: "")
    }

    /// Polls (up to 10 s) until the probe namespaces are `expected`; returns the last listing.
    static func waitForProbeNamespaces(toBe expected: [String]) async -> [String]? {
        var last = await probeNamespaces()
        for _ in 0..<100 where last != expected {
            try? await Task.sleep(nanoseconds: 100_000_000)
            last = await probeNamespaces()
        }
        return last
    }
}
