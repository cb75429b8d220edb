import Crypto
import Foundation

/// One piece of raw evidence: a file read, an API response, a log file. Facts point back to it through
/// ``Provenance``; an auditor re-checks a verdict by re-reading the item and comparing its SHA-256.
public struct EvidenceItem: Sendable, Hashable, Codable {
    /// Stable id within an assessment, `ev-` plus the first 12 hex digits of the SHA-256 of the locator.
    public var id: String
    /// Collector that produced the item (`cloudformation`, `terraform`, `key-policy`, …).
    public var collector: String
    /// Where it was read: a path relative to the assessment folder, or an API locator.
    public var locator: String
    /// What kind of input it is (`cloudformation-template`, `terraform-plan`, `terraform-state`, `key-policy`).
    public var kind: String
    /// Size in bytes.
    public var size: Int
    /// SHA-256 of the bytes, lowercase hex (FIPS 180-4). Held as its 32 bytes (``HexDigest``).
    public var sha256: String {
        get { digest.text }
        set { digest = HexDigest(newValue) }
    }
    /// ``sha256`` as it is held.
    public var digest: HexDigest
    /// When it was collected (the assessment clock, UTC).
    public var collectedAt: Date

    public init(collector: String, locator: String, kind: String, bytes: Data, collectedAt: Date) {
        self.id = EvidenceItem.makeID(locator: locator)
        self.collector = collector
        self.locator = locator
        self.kind = kind
        self.size = bytes.count
        self.digest = HexDigest(SHA256.hash(data: bytes))
        self.collectedAt = collectedAt
    }

    /// An item whose bytes were hashed elsewhere (a log file streamed line by line, never held in memory whole).
    /// - Parameters:
    ///   - size: size in bytes.
    ///   - sha256: SHA-256 of the bytes, lowercase hex.
    public init(collector: String, locator: String, kind: String, size: Int, sha256: String, collectedAt: Date) {
        self.id = EvidenceItem.makeID(locator: locator)
        self.collector = collector
        self.locator = locator
        self.kind = kind
        self.size = size
        self.digest = HexDigest(sha256)
        self.collectedAt = collectedAt
    }

    /// The same item for other bytes (what a writer scrubbed): their size and SHA-256, the rest unchanged.
    public func rehashed(_ bytes: Data) -> EvidenceItem {
        var copy = self
        copy.size = bytes.count
        copy.digest = HexDigest(SHA256.hash(data: bytes))
        return copy
    }

    /// The id an item at `locator` gets.
    public static func makeID(locator: String) -> String {
        "ev-" + String(SHA256Hex.digest(Data(locator.utf8)).prefix(12))
    }

    enum CodingKeys: String, CodingKey {
        case id, collector, locator, kind, size, sha256
        case collectedAt = "collected_at"
    }

    /// Reads an item as the synthesized conformance did.
    /// - Throws: `DecodingError` for a missing or mistyped member.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        collector = try c.decode(String.self, forKey: .collector)
        locator = try c.decode(String.self, forKey: .locator)
        kind = try c.decode(String.self, forKey: .kind)
        size = try c.decode(Int.self, forKey: .size)
        digest = HexDigest(try c.decode(String.self, forKey: .sha256))
        collectedAt = try c.decode(Date.self, forKey: .collectedAt)
    }

    /// Writes an item as the synthesized conformance did: members in declaration order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(collector, forKey: .collector)
        try c.encode(locator, forKey: .locator)
        try c.encode(kind, forKey: .kind)
        try c.encode(size, forKey: .size)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(collectedAt, forKey: .collectedAt)
    }
}

/// A SHA-256 digest as lowercase hex text, held as its 32 bytes when the text is 64 lowercase hex digits (any other
/// text is kept as it is, so ``text`` always gives back what was stored). At 10,000 live keys, 60,000 evidence items'
/// digests as 64-character strings took 6.7 MB of heap while the reports were written.
public struct HexDigest: Sendable, Hashable {
    /// The 32 bytes in the tuple's memory, in order (a tuple of words: no allocation of its own).
    private typealias Bytes = (UInt64, UInt64, UInt64, UInt64)

    private enum Storage: Sendable, Hashable {
        case bytes(UInt64, UInt64, UInt64, UInt64)
        case text(String)
    }

    private var storage: Storage


    /// The digest of `hex`: its bytes when it is 64 lowercase hex digits, else the text itself.
    public init(_ hex: String) {
        var b: Bytes = (0, 0, 0, 0)
        let ok = hex.utf8.count == 64 && withUnsafeMutableBytes(of: &b) { out -> Bool in
            for (i, c) in hex.utf8.enumerated() {
                let v: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
                default: return false
                }
                out[i / 2] |= i % 2 == 0 ? v << 4 : v
            }
            return true
        }
        storage = ok ? .bytes(b.0, b.1, b.2, b.3) : .text(hex)
    }

    /// A SHA-256 digest's 32 bytes.
    public init(_ digest: SHA256.Digest) {
        var b: Bytes = (0, 0, 0, 0)
        digest.withUnsafeBytes { src in withUnsafeMutableBytes(of: &b) { $0.copyMemory(from: src) } }
        storage = .bytes(b.0, b.1, b.2, b.3)
    }

    /// The digest as lowercase hex: the text it was made from, or the hex of its bytes (``LowerHex``).
    public var text: String {
        switch storage {
        case .text(let t): return t
        case .bytes(let w0, let w1, let w2, let w3):
            var b: Bytes = (w0, w1, w2, w3)
            return withUnsafeBytes(of: &b) { LowerHex.encode($0) }
        }
    }
}

/// SHA-256 in lowercase hex.
public enum SHA256Hex {
    /// SHA-256 of `data` (swift-crypto), lowercase hex.
    public static func digest(_ data: Data) -> String {
        LowerHex.encode(SHA256.hash(data: data))
    }

    /// SHA-256 of the bytes in `bytes` (swift-crypto), lowercase hex; for buffers that are not a `Data`.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> String {
        LowerHex.encode(SHA256.hash(data: bytes))
    }
}

/// Bytes as lowercase hexadecimal, two digits per byte (RFC 4648 §8 "base16", lower case as SigV4 and SHA-256
/// digests are written). Built straight into a String's UTF-8 storage: `String(format: "%02x")` per byte went
/// through varargs, dynamic casts and CFString, and showed in profiles of every digest and every signed request.
public enum LowerHex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex (`[0xab, 0x01]` → `"ab01"`).
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A problem met while reading inputs, reported with the place and a fix. Never silently dropped.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable, Comparable {
        case info, warning, error
        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    public var severity: Severity
    /// The file or source the problem is in.
    public var source: String
    public var line: Int?
    public var column: Int?
    /// One sentence saying what is wrong.
    public var message: String
    /// One sentence saying how to fix it, if known.
    public var fix: String?

    public init(_ severity: Severity, source: String, line: Int? = nil, column: Int? = nil, message: String, fix: String? = nil) {
        self.severity = severity
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        self.fix = fix
    }

    /// `file:line:column: severity: message (fix)`, the form compilers use.
    public var description: String {
        var place = source
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        var s = "\(place): \(severity.rawValue): \(message)"
        if let fix { s += " Fix: \(fix)" }
        return s
    }
}

/// What one source contributed, so the report can show coverage and the engine can tell "none found" from
/// "could not look".
public struct SourceCoverage: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Read completely.
        case complete
        /// Read, but some facts are unknown (unresolved expressions, partial failures).
        case partial
        /// Could not be read; the resource types it would have supplied are in ``resourceTypes``.
        case failed
        /// Not used (not a recognised input); listed so the user sees every file was considered.
        case skipped
    }
    /// Path or locator of the source.
    public var source: String
    /// Collector that handled it, or `none`.
    public var collector: String
    public var status: Status
    /// Resource types this source supplies (or would have supplied, when failed).
    public var resourceTypes: [ResourceType]
    /// Types this source lists completely for its tenant (a live API listing), so that "none found" is evidence of
    /// absence. Infrastructure code and standalone files are never inventories: a template without a trail says
    /// nothing about the account's trails.
    public var inventoryTypes: [ResourceType]
    /// Resources found, per type.
    public var found: [String: Int]
    /// Why it failed or was skipped.
    public var detail: String?

    public init(source: String, collector: String, status: Status, resourceTypes: [ResourceType],
                inventoryTypes: [ResourceType] = [], found: [String: Int] = [:], detail: String? = nil) {
        self.source = source
        self.collector = collector
        self.status = status
        self.resourceTypes = resourceTypes.sorted()
        self.inventoryTypes = inventoryTypes.sorted()
        self.found = found
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case source, collector, status, found, detail
        case resourceTypes = "resource_types"
        case inventoryTypes = "inventory_types"
    }
}

/// Everything collectors produced for one assessment: the input of the normalizer and the rules engine.
public struct FactSet: Sendable, Hashable {
    public var evidence: [EvidenceItem]
    public var resources: [Resource]
    public var coverage: [SourceCoverage]
    public var diagnostics: [Diagnostic]
    /// The bytes of each evidence item, by ``EvidenceItem/id``, for writing an evidence bundle. Never rendered into
    /// reports. Collectors must redact credentials before they put bytes here.
    public var payloads: [String: Data]
    /// Evidence items whose bytes are a file on disk (large logs), by ``EvidenceItem/id``: copied into a bundle
    /// from there instead of being held in memory.
    public var payloadFiles: [String: String] = [:]
    /// Evidence items whose bytes were appended to a ``PayloadSpillFile`` as they arrived (live API answers), by
    /// ``EvidenceItem/id``: read back one at a time when a bundle is written, so they are never all in memory.
    public var payloadSpills: [String: SpilledPayload] = [:]
    /// Live targets that could not be reached at all (exit status 69 when any is listed).
    public var unreachableTargets: [String]

    public init(evidence: [EvidenceItem] = [], resources: [Resource] = [], coverage: [SourceCoverage] = [],
                diagnostics: [Diagnostic] = [], payloads: [String: Data] = [:], unreachableTargets: [String] = []) {
        self.evidence = evidence
        self.resources = resources
        self.coverage = coverage
        self.diagnostics = diagnostics
        self.payloads = payloads
        self.unreachableTargets = unreachableTargets
    }

    /// Adds an evidence item together with its bytes.
    public mutating func addEvidence(_ item: EvidenceItem, bytes: Data) {
        evidence.append(item)
        payloads[item.id] = bytes
    }

    /// Adds an evidence item and appends its bytes to `spill` (``payloadSpills``), so that memory holds only where
    /// they are. Without a spill file, or when the append fails (a full disk), the bytes are kept in ``payloads``
    /// instead: never lost. The first failed append of a spill file adds a warning diagnostic saying so.
    public mutating func addEvidence(_ item: EvidenceItem, bytes: Data, spillingTo spill: PayloadSpillFile?) {
        guard let spill else { return addEvidence(item, bytes: bytes) }
        do {
            let place = try spill.append(bytes)
            evidence.append(item)
            payloadSpills[item.id] = place
        } catch {
            addEvidence(item, bytes: bytes)
            if spill.noteFailure() {
                let why = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
                diagnostics.append(Diagnostic(.warning, source: item.locator,
                                              message: "\(why); the evidence bytes of this and later API answers are kept in memory instead (every item stays in the bundle, memory grows with the answers)",
                                              fix: "free space in \(spill.directory), or set TMPDIR to a folder with room"))
            }
        }
    }

    /// The bytes of evidence item `id` when they are held here: in memory (``payloads``) or in a spill file
    /// (``payloadSpills``, read back); `nil` otherwise (none kept, or a file of ``payloadFiles``).
    /// - Throws: ``PayloadSpillFile/Failure/cannotRead(offset:length:reason:)`` when spilled bytes cannot be read back.
    public func heldPayload(_ id: String) throws -> Data? {
        if let bytes = payloads[id] { return bytes }
        return try payloadSpills[id]?.read()
    }

    /// Every payload ``heldPayload(_:)`` returns, by ``EvidenceItem/id`` (in memory and spilled alike; read back,
    /// so meant for tests and small sets).
    /// - Throws: as ``heldPayload(_:)``.
    public func heldPayloads() throws -> [String: Data] {
        var out = payloads
        for (id, place) in payloadSpills where out[id] == nil { out[id] = try place.read() }
        return out
    }

    /// Appends another set.
    public mutating func merge(_ other: FactSet) {
        payloads.merge(other.payloads) { a, _ in a }
        payloadFiles.merge(other.payloadFiles) { a, _ in a }
        payloadSpills.merge(other.payloadSpills) { a, _ in a }
        unreachableTargets += other.unreachableTargets
        evidence += other.evidence
        resources += other.resources
        coverage += other.coverage
        diagnostics += other.diagnostics
    }

    /// Resources of one type, in id order.
    public func resources(of type: ResourceType) -> [Resource] {
        resources.filter { $0.type == type }.sorted { $0.id < $1.id }
    }

    /// Sources that supply `type` and were read (complete or partial).
    public func sources(supplying type: ResourceType) -> [SourceCoverage] {
        coverage.filter { ($0.status == .complete || $0.status == .partial) && $0.resourceTypes.contains(type) }
    }

    /// Whether a source read completely lists every resource of `type` (an inventory), so absence is evidence.
    public func hasInventory(of type: ResourceType) -> Bool {
        coverage.contains { $0.status == .complete && $0.inventoryTypes.contains(type) }
    }

    /// Sources that would have supplied `type` but failed.
    public func failedSources(for type: ResourceType) -> [SourceCoverage] {
        coverage.filter { $0.status == .failed && $0.resourceTypes.contains(type) }
    }
}
