import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An evidence bundle: everything an assessment collected, on disk, so the rules can be re-run offline later
/// ("collect once, evaluate many", DESIGN.md) and an auditor can re-check every item against its SHA-256.
///
/// Layout (schema version 2):
/// ```
/// BUNDLE/manifest.json   what was collected, when, with which settings; every item with collector, locator,
///                        kind, size, SHA-256 and its path; the SHA-256 of facts.json
/// BUNDLE/facts.json      the observations: resources as collectors observed them (normalized to the fact schema,
///                        with provenance and the raw structures analyses read), per-source coverage, diagnostics
/// BUNDLE/items/<id>      the bytes of each evidence item (files as read; API responses as received)
/// ```
/// Nothing in a bundle depends on an analysis or on the assessment's trust settings: custody, rotation
/// applicability, key-policy and grant tenancy and namespace isolation are derived by ``NormalizeStage`` when the
/// bundle is evaluated, with the settings recorded here or those an `--assessment` file gives. Version 1 bundles held
/// derived facts and are refused with a message. Credentials never enter a bundle: collectors redact before they
/// hand bytes over, request headers are never evidence, and ``write(_:settings:to:toolVersion:credentials:)`` scrubs
/// every file once more with the run's ``CredentialScrubber`` (an item it changes gets the size and SHA-256 of what
/// is written).
public struct EvidenceBundle: Sendable {
    public static let schemaVersion = "2"

    /// What evaluation needs besides the facts: the settings of the assessment file, and the collection time.
    public struct Settings: Sendable, Hashable, Codable {
        public var name: String
        public var collectedAt: Date
        public var parameters: [String: FactValue]
        public var checks: [String: [String: FactValue]]
        /// The catalog the assessment file named, if any (as written).
        public var controls: String?
        /// Required live targets that could not be reached during collection: `evaluate` exits 69 for them too.
        public var unreachableTargets: [String]?
        /// The analysis settings of the assessment file at collection (trusted accounts, organizations, namespaces).
        public var analysis: AnalysisSettings
        /// The waiver file of the assessment at collection, parsed and hashed; `evaluate` applies it unless
        /// `--waivers` or `--assessment` replaces it.
        public var waivers: WaiverSet? = nil
        /// The shard this bundle holds, when it was collected with `collect --shard i/N` (``BundleMerge`` reads it).
        public var shard: ShardRecord? = nil

        public init(name: String, collectedAt: Date, parameters: [String: FactValue], checks: [String: [String: FactValue]], controls: String?,
                    unreachableTargets: [String]? = nil, analysis: AnalysisSettings = AnalysisSettings()) {
            self.analysis = analysis
            self.name = name
            self.collectedAt = collectedAt
            self.parameters = parameters
            self.checks = checks
            self.controls = controls
            self.unreachableTargets = unreachableTargets
        }

        enum CodingKeys: String, CodingKey {
            case name, parameters, checks, controls, analysis, waivers, shard
            case collectedAt = "collected_at"
            case unreachableTargets = "unreachable_targets"
        }
    }

    struct Manifest: Codable {
        struct Item: Codable {
            var item: EvidenceItem
            var path: String
        }
        var schemaVersion: String
        var toolVersion: String
        var settings: Settings
        var items: [Item]
        var factsSHA256: String

        enum CodingKeys: String, CodingKey {
            case settings, items
            case schemaVersion = "schema_version"
            case toolVersion = "tool_version"
            case factsSHA256 = "facts_sha256"
        }
    }

    struct FactsFile: Codable {
        var resources: [Resource]
        var coverage: [SourceCoverage]
        var diagnostics: [Diagnostic]
    }

    /// Problems reading a bundle. Each names the bundle and, for tampering, the item.
    public enum Failure: Error, LocalizedError, Equatable {
        case unreadable(String, String)
        case tampered(bundle: String, item: String, locator: String, expected: String, found: String)
        case missingPayload(String)
        case spillUnreadable(locator: String, detail: String)
        case outdated(bundle: String, found: String)

        public var errorDescription: String? {
            switch self {
            case let .unreadable(path, detail): return "\(path): error: not a readable evidence bundle (\(detail))."
            case let .tampered(bundle, item, locator, expected, found):
                return "\(bundle): error: evidence item \(item) (\(locator)) does not match the manifest: SHA-256 \(expected) expected, \(found) found. Fix: the bundle was modified after collection; collect again or restore the original item."
            case let .outdated(bundle, found):
                return "\(bundle): error: this bundle has format version \(found); this build reads version \(EvidenceBundle.schemaVersion), which keeps observations and derives analyses at evaluation. Fix: collect again with this build (the evidence items of the old bundle stay valid as files), or evaluate it with the release that wrote it."
            case let .spillUnreadable(locator, detail):
                return "error: the bytes of evidence item \(locator) could not be read back (\(detail)); the bundle would be incomplete, so it was not finished. Fix: collect again with room in the temporary folder (TMPDIR)."
            case let .missingPayload(locator):
                return "error: the bytes of evidence item \(locator) were not kept by its collector; the bundle would be incomplete."
            }
        }
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { d, enc in var c = enc.singleValueContainer(); try c.encode(DateParsing.iso(d)) }
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { dec in
            let s = try dec.singleValueContainer().decode(String.self)
            guard let date = DateParsing.parse(s) else { throw DecodingError.dataCorrupted(.init(codingPath: dec.codingPath, debugDescription: "bad date \(s)")) }
            return date
        }
        return d
    }

    /// Writes a bundle for `facts` into `folder` (created; an existing bundle there is replaced). Every item,
    /// `facts.json` and `manifest.json` is scrubbed of the credentials in `credentials` before it is written and
    /// hashed.
    /// - Throws: file-system errors, ``Failure/missingPayload(_:)`` when an item's bytes were not kept, or
    ///   ``Failure/spillUnreadable(locator:detail:)`` when spilled bytes (``FactSet/payloadSpills``) cannot be read back.
    /// - Returns: the SHA-256 of `manifest.json`. The manifest lists the hash of every item and of the facts, so
    ///   this one value, kept apart from the bundle (in a ticket, a signed note), detects any later change —
    ///   including one that rewrites the manifest to match.
    @discardableResult
    public static func write(_ facts: FactSet, settings: Settings, to folder: String, toolVersion: String,
                             credentials: CredentialScrubber) throws -> String {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: folder)
        if fm.fileExists(atPath: root.appendingPathComponent("manifest.json").path) {
            try? fm.removeItem(at: root.appendingPathComponent("items"))
        }
        try CEKAuditError.writing(folder) { try fm.createDirectory(at: root.appendingPathComponent("items"), withIntermediateDirectories: true) }
        // The items and facts.json do not depend on each other: they are written at once, on two threads (a file
        // creation is a system call that waits on the file system; encoding the facts is CPU). The manifest, which
        // lists both, comes after.
        let sorted = facts.evidence.sorted(by: { $0.locator < $1.locator })
        let outcomes = CollectionRunner.parallelMap(2) { part -> Result<Written, any Error> in
            Result(catching: {
                part == 0 ? .items(try writeItems(sorted, of: facts, root: root, credentials: credentials))
                          : .facts(try writeFacts(facts, root: root, credentials: credentials))
            })
        }
        var items: [Manifest.Item] = [], factsData = Data()
        for outcome in outcomes {
            switch try outcome.get() {
            case .items(let written): items = written
            case .facts(let data): factsData = data
            }
        }
        let manifest = Manifest(schemaVersion: schemaVersion, toolVersion: toolVersion, settings: settings, items: items,
                                factsSHA256: SHA256Hex.digest(factsData))
        let manifestData = credentials.scrub(try BundleJSON.manifest(manifest))
        try CEKAuditError.writing(root.appendingPathComponent("manifest.json").path) {
            try manifestData.write(to: root.appendingPathComponent("manifest.json"))
        }
        return SHA256Hex.digest(manifestData)
    }

    /// What one of the two parts of ``write(_:settings:to:toolVersion:credentials:stage:)`` produced.
    private enum Written {
        case items([Manifest.Item])
        case facts(Data)
    }

    /// Writes the bytes of every item of `sorted` (the evidence of `facts` in locator order) into `root/items`,
    /// scrubbed, and returns their manifest entries (an item the scrubber changed gets the size and SHA-256 of what
    /// was written).
    /// - Throws: as ``write(_:settings:to:toolVersion:credentials:)``.
    private static func writeItems(_ sorted: [EvidenceItem], of facts: FactSet, root: URL,
                                   credentials: CredentialScrubber) throws -> [Manifest.Item] {
        var items: [Manifest.Item] = []
        items.reserveCapacity(sorted.count)
        let folder = root.path + "/items/"
        for item in sorted {
            let rel = "items/\(item.id)"
            let dest = folder + item.id
            var written = item
            if let bytes = try facts.payloads[item.id] ?? facts.payloadSpills[item.id].map({ try readSpilled($0, item: item) }) {
                let clean = credentials.scrub(bytes)
                try CEKAuditError.writing(dest) { try writeUnsynced(clean, to: dest) }
                if clean != bytes { written = item.rehashed(clean) }
            } else if let path = facts.payloadFiles[item.id] {
                let url = URL(fileURLWithPath: dest)
                try? FileManager.default.removeItem(at: url)
                // Exactly the bytes that were hashed: a log may grow while it is collected (an OpenBao audit device
                // appends the collector's own API requests to the very file being read).
                if try CEKAuditError.writing(dest, { try credentials.copy(path, bytes: item.size, to: url) }) {
                    written = item.rehashed(try Data(contentsOf: url, options: .alwaysMapped))
                }
            } else {
                throw Failure.missingPayload(item.locator)
            }
            items.append(.init(item: written, path: rel))
        }
        return items
    }

    /// Writes `root/facts.json` (``BundleJSON/facts(_:)``, scrubbed) and returns its bytes.
    /// - Throws: file-system errors, or an encoding error for a number that is not finite.
    private static func writeFacts(_ facts: FactSet, root: URL, credentials: CredentialScrubber) throws -> Data {
        let factsData = credentials.scrub(try BundleJSON.facts(FactsFile(resources: facts.resources.sorted { ($0.type, $0.id) < ($1.type, $1.id) },
                                                                         coverage: facts.coverage.sorted { $0.source < $1.source },
                                                                         diagnostics: facts.diagnostics)))
        try CEKAuditError.writing(root.appendingPathComponent("facts.json").path) { try factsData.write(to: root.appendingPathComponent("facts.json")) }
        return factsData
    }

    /// The bytes of `item` read back from the run's spill file.
    /// - Throws: ``Failure/spillUnreadable(locator:detail:)`` naming the item: the bundle is not written without it.
    static func readSpilled(_ place: SpilledPayload, item: EvidenceItem) throws -> Data {
        do { return try place.read() } catch {
            throw Failure.spillUnreadable(locator: item.locator, detail: (error as? any LocalizedError)?.errorDescription ?? "\(error)")
        }
    }

    /// Writes `data` to a new file at `path` (replacing one that is there) with plain POSIX calls.
    ///
    /// Foundation's `Data.write(to:)` on Linux calls `fsync` for every file: about 3.5 ms each on this machine kind,
    /// which made writing a 1,000-key bundle take seconds of waiting for the disk (issue 16). The items of a bundle
    /// need no durability of their own: the manifest, written last (and synced by `Data.write`), is what says a
    /// bundle is complete, and it holds every item's SHA-256, so an item lost in a crash is detected on reading.
    /// - Throws: `CocoaError(.fileWriteUnknown)` carrying the `errno` text when the file cannot be created or written.
    static func writeUnsynced(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))]) }
        defer { close(fd) }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
                }
                offset += n
            }
        }
    }

    /// What a decoding error says, in words: the JSON path and the problem, instead of "The data isn't in the correct
    /// format".
    static func describe(decoding error: any Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch error as? DecodingError {
        case .dataCorrupted(let c)?: return "not valid\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c)?: return "'\(key.stringValue)' is missing\(path(c))"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "a value has the wrong type\(path(c)): \(c.debugDescription)"
        default: return (error as NSError).localizedDescription
        }
    }

    /// The SHA-256 of a bundle's `manifest.json`.
    public static func manifestDigest(_ folder: String) throws -> String {
        SHA256Hex.digest(try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("manifest.json")))
    }

    /// Reads and verifies a bundle: every item's size and SHA-256, and the facts file's SHA-256.
    /// - Returns: the facts (evidence items included) and the settings.
    /// - Throws: ``Failure/tampered(bundle:item:locator:expected:found:)`` naming the first item that does not
    ///   match, or ``Failure/unreadable(_:_:)``.
    public static func read(_ folder: String) throws -> (FactSet, Settings) {
        let root = URL(fileURLWithPath: folder)
        let manifestData: Data
        do { manifestData = try Data(contentsOf: root.appendingPathComponent("manifest.json")) } catch {
            throw Failure.unreadable(folder, "manifest.json: \(FileProblem.reading(root.appendingPathComponent("manifest.json").path, error: error).what)")
        }
        struct Version: Decodable { var schema_version: String }
        if let v = try? JSONDecoder().decode(Version.self, from: manifestData), v.schema_version != schemaVersion {
            throw Failure.outdated(bundle: folder, found: v.schema_version)
        }
        let manifest: Manifest
        do { manifest = try decoder().decode(Manifest.self, from: manifestData) } catch {
            throw Failure.unreadable(folder, "manifest.json: \(Self.describe(decoding: error))")
        }
        for entry in manifest.items {
            guard !entry.path.contains(".."), entry.path.hasPrefix("items/") else {
                throw Failure.unreadable(folder, "item path \(entry.path) leaves the bundle")
            }
            let data: Data
            do { data = try Data(contentsOf: root.appendingPathComponent(entry.path), options: .alwaysMapped) } catch {
                throw Failure.tampered(bundle: folder, item: entry.item.id, locator: entry.item.locator, expected: entry.item.sha256, found: "missing file")
            }
            let digest = SHA256Hex.digest(data)
            if digest != entry.item.sha256 || data.count != entry.item.size {
                throw Failure.tampered(bundle: folder, item: entry.item.id, locator: entry.item.locator, expected: entry.item.sha256, found: digest)
            }
        }
        let factsData: Data
        do { factsData = try Data(contentsOf: root.appendingPathComponent("facts.json")) } catch {
            throw Failure.unreadable(folder, "facts.json: \(FileProblem.reading(root.appendingPathComponent("facts.json").path, error: error).what)")
        }
        let digest = SHA256Hex.digest(factsData)
        guard digest == manifest.factsSHA256 else {
            throw Failure.tampered(bundle: folder, item: "facts", locator: "facts.json", expected: manifest.factsSHA256, found: digest)
        }
        let file: FactsFile
        do { file = try decoder().decode(FactsFile.self, from: factsData) } catch {
            throw Failure.unreadable(folder, "facts.json: \(Self.describe(decoding: error))")
        }
        let facts = FactSet(evidence: manifest.items.map(\.item), resources: file.resources, coverage: file.coverage,
                            diagnostics: file.diagnostics)
        return (facts, manifest.settings)
    }
}
