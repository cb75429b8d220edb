@testable import CEKAuditKit
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Testing

/// The bundle's own JSON writer (``BundleJSON``) writes `facts.json` and `manifest.json` byte for byte as
/// `JSONEncoder` (``EvidenceBundle/encoder()``) writes them: every member shape, the escapes, the key order, empty
/// containers, numbers that are and are not whole, and the facts of real fixture folders.
struct BundleJSONTests {
    static func encoderText<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try EvidenceBundle.encoder().encode(value), as: UTF8.self)
    }

    /// Every C0 control, quotes, backslashes, slashes, DEL, non-ASCII letters, an emoji and line separators.
    static let awkward: String = {
        var s = ""
        for i in 0..<0x20 { s.unicodeScalars.append(Unicode.Scalar(UInt8(i))) }
        return s + "\"quoted\" back\\slash a/b \u{7f} é 😀 \u{2028}\u{2029} <tag> &amp;"
    }()

    static let shapes: EvidenceBundle.FactsFile = {
        let facts: [String: FactValue] = [
            "string": .string(awkward), "empty": .string(""), "int": .number(42), "negative": .number(-7), "zero": .number(-0.0),
            "fraction": .number(1.5), "tiny": .number(1e-7), "big-whole": .number(1e15), "huge": .number(1e20), "third": .number(1.0 / 3),
            "true": .bool(true), "false": .bool(false), "null": .null, "empty-list": .list([]),
            "list": .list([.string("a"), .number(2), .list([]), .list([.null, .unknown(reason: "nested")]), .bool(false)]),
            "unknown": .unknown(reason: "no source said \"why\"\n"), "B": .string("upper case sorts first"), "a_b": .number(3), "ab": .number(4),
            "é": .string("after ASCII"), "a.b.c": .string("dotted"),
        ]
        let observed: [String: JSONValue] = [
            "policies": .array([.object(["name": .string("p"), "rules": .object(["path \"x/*\"": .object(["capabilities": .array([.string("read")])])])]),
                                .object([:]), .array([]), .number(2.25), .number(10), .null, .bool(true)]),
            "Zed": .string(awkward), "é": .object(["b": .number(1), "B": .number(2), "a": .number(1e16)]),
        ]
        let resources = [
            Resource(type: .target, id: "openbao://bench", name: "bench", fields: facts,
                     provenance: [Provenance(evidence: "ev-1"), Provenance(evidence: "ev-2", pointer: "data/keys[3]"), Provenance(evidence: "ev-3", line: 7),
                                  Provenance(evidence: "ev-4", pointer: "a/b \"c\"", line: 12)],
                     observed: observed),
            Resource(type: .key, id: "k-empty", name: "no fields", fields: [:], provenance: [], observed: [:]),
            Resource(type: .keyPolicy, id: awkward, name: awkward, fields: ["x": .string(awkward)], provenance: [Provenance(evidence: awkward)]),
        ]
        let coverage = [
            SourceCoverage(source: "openbao://bench", collector: "openbao", status: .complete, resourceTypes: [.target]),
            SourceCoverage(source: "s/2", collector: "terraform", status: .partial, resourceTypes: [.key, .grant, .keyPolicy], inventoryTypes: [.key],
                           found: ["key": 3, "grant": 0, "key_policy": 1], detail: "1 listing(s) failed: \(awkward)"),
            SourceCoverage(source: "s/3", collector: "none", status: .skipped, resourceTypes: [], detail: "not a recognised input"),
        ]
        let diagnostics = [
            Diagnostic(.warning, source: "a.tf", message: "m"),
            Diagnostic(.error, source: "b.yaml", line: 3, column: 9, message: awkward, fix: "do \"this\""),
            Diagnostic(.info, source: "c", line: 1, message: "only a line"),
            Diagnostic(.info, source: "d", column: 2, message: "only a column"),
            Diagnostic(.warning, source: "e", message: "only a fix", fix: "f"),
        ]
        return EvidenceBundle.FactsFile(resources: resources, coverage: coverage, diagnostics: diagnostics)
    }()

    @Test func factsOfEveryShapeAreWhatJSONEncoderWrites() throws {
        let expected = try Self.encoderText(Self.shapes)
        let written = String(decoding: try BundleJSON.facts(Self.shapes), as: UTF8.self)
        #expect(written == expected)
        // The same with nothing in it: empty lists at the top level.
        let empty = EvidenceBundle.FactsFile(resources: [], coverage: [], diagnostics: [])
        #expect(String(decoding: try BundleJSON.facts(empty), as: UTF8.self) == (try Self.encoderText(empty)))
        // The text reads back as the same facts.
        let back = try EvidenceBundle.decoder().decode(EvidenceBundle.FactsFile.self, from: try BundleJSON.facts(Self.shapes))
        #expect(back.resources.map(\.id) == Self.shapes.resources.map(\.id))
    }

    @Test func keysSortByTheirUTF8Bytes() {
        let keys = ["b", "a", "", "ab", "a", "B", "a_b", "a.b", "é", "e\u{301}", "z", "😀", "\u{7f}", "aa", "a\u{0}"]
        #expect(keys.sorted(by: BundleJSON.precedes) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func aNumberThatIsNotFiniteIsRefusedAsJSONEncoderRefusesIt() throws {
        var file = Self.shapes
        file.resources[0].fields["nan"] = .number(.nan)
        #expect(throws: (any Error).self) { try EvidenceBundle.encoder().encode(file) }
        #expect(throws: (any Error).self) { try BundleJSON.facts(file) }
    }

    @Test func manifestsAreWhatJSONEncoderWrites() throws {
        let settings = EvidenceBundle.Settings(name: "bench \(Self.awkward)", collectedAt: Date(timeIntervalSince1970: 1_793_491_200),
                                               parameters: ["max_rotation_days": .number(365), "note": .string(Self.awkward), "r": .number(0.5)],
                                               checks: ["AG1": ["x": .list([.bool(true)])], "AG2": [:]], controls: "Controls/CEK-08.yaml",
                                               unreachableTargets: ["t1"],
                                               analysis: AnalysisSettings(trustedAccounts: ["111122223333"], trustedNamespaces: ["": ["tenant-a/"]]))
        var items: [EvidenceBundle.Manifest.Item] = []
        for i in 0..<40 {
            let locator = "openbao://bench/v1/k/\(i) " + (i == 7 ? Self.awkward : "")
            let at = Date(timeIntervalSince1970: 1_793_491_200 + Double(i / 10) * 86_400.5)
            let item = EvidenceItem(collector: i % 3 == 0 ? "openbao" : "terraform", locator: locator, kind: "openbao-api-response",
                                    bytes: Data(repeating: UInt8(i), count: i * 13), collectedAt: at)
            items.append(EvidenceBundle.Manifest.Item(item: item, path: "items/" + item.id))
        }
        var bare = settings
        bare.controls = nil
        bare.unreachableTargets = nil
        let cases: [(EvidenceBundle.Settings, [EvidenceBundle.Manifest.Item])] = [(settings, items), (settings, []), (bare, Array(items.prefix(1)))]
        for (settings, items) in cases {
            let manifest = EvidenceBundle.Manifest(schemaVersion: EvidenceBundle.schemaVersion, toolVersion: "1.2.3", settings: settings, items: items,
                                                   factsSHA256: String(repeating: "ab", count: 32))
            #expect(String(decoding: try BundleJSON.manifest(manifest), as: UTF8.self) == (try Self.encoderText(manifest)))
        }
    }

    /// The facts of fixture folders as collected (templates, plans, policies, logs, attestations: the shapes real
    /// collectors produce), and the bundles `write` makes of them, match `JSONEncoder`.
    @Test(arguments: ["cases/rotation-periods", "cases/deny-wildcard", "cases/grant-owner", "cases/deletion-window"])
    func collectedFactsAreWhatJSONEncoderWrites(_ folder: String) async throws {
        let plan = try AssessmentPlan.make(path: Fixtures.path(folder))
        let facts = await CollectionRunner().collect(plan, context: CollectionContext(now: Fixtures.now, window: plan.file?.window)).0
        #expect(!facts.resources.isEmpty)
        let file = EvidenceBundle.FactsFile(resources: facts.resources.sorted { ($0.type, $0.id) < ($1.type, $1.id) },
                                            coverage: facts.coverage.sorted { $0.source < $1.source }, diagnostics: facts.diagnostics)
        #expect(String(decoding: try BundleJSON.facts(file), as: UTF8.self) == (try Self.encoderText(file)))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bundlejson-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = EvidenceBundle.Settings(name: folder, collectedAt: Fixtures.now, parameters: [:], checks: [:], controls: nil)
        let digest = try EvidenceBundle.write(facts, settings: settings, to: dir.path, toolVersion: "test", credentials: CredentialScrubber())
        let manifestData = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
        #expect(SHA256Hex.digest(manifestData) == digest)
        let manifest = try EvidenceBundle.decoder().decode(EvidenceBundle.Manifest.self, from: manifestData)
        #expect(manifestData == (try EvidenceBundle.encoder().encode(manifest)))
        let factsData = try Data(contentsOf: dir.appendingPathComponent("facts.json"))
        #expect(factsData == (try EvidenceBundle.encoder().encode(file)))
        #expect(manifest.factsSHA256 == SHA256Hex.digest(factsData))
        let (read, _) = try EvidenceBundle.read(dir.path)
        #expect(read.evidence.count == facts.evidence.count)
    }
}
