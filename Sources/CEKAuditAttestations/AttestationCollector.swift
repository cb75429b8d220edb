import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads an attestation file (``AttestationFile``) and the documents it names, and supplies one `attestation`
/// resource per entry: which guideline it answers, whether the document is there, whether its bytes still match the
/// recorded SHA-256, who owns and approved it, and when it was reviewed and lapses. The catalog's checks turn these
/// into pass / fail on presence, hash and freshness; a guideline nobody attested stays `manual`.
///
/// The attestation files given are the complete list of attestations of the assessment (an inventory): a guideline
/// they do not attest has no attestation. A file that breaks the schema is reported with `file:line:column` and fails
/// as a whole, so checks over attestations become inconclusive rather than quietly manual. Each document read is an
/// evidence item of its own (kind `attested-document`).
public struct AttestationCollector: DocumentCollector {
    public let name = "attestations"
    public var kind: String { name }
    public var reads: String { "An attestation file (YAML): documents answering manual guidelines, each with its SHA-256, owner, approver and review date." }
    public var example: String { "{path: attestations/, kind: attestations}" }
    public func recognizes(document: JSONValue) -> Bool { Self.recognizes(document) }
    public let suppliedTypes: [ResourceType] = [.attestation]

    public init() {}

    /// Whether a parsed document is an attestation file: a top-level `attestations` with a `schema_version`.
    public static func recognizes(_ value: JSONValue) -> Bool {
        value["attestations"] != nil && value["schema_version"] != nil
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        let item = evidenceItem(input, kind: "attestations", context: context)
        var out = FactSet(evidence: [item])
        let file: AttestationFile
        do {
            guard let root = document.root else {
                throw CEKAuditError.invalidInput(file: input.locator, line: nil, column: nil,
                                                 message: "the attestation file could not be read as YAML", fix: "write it as YAML (spaces, not tabs)")
            }
            file = try AttestationFile.read(YAMLCursor(node: root, file: input.locator))
        } catch let e as CEKAuditError {
            out.diagnostics.append(e.diagnostic)
            out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                               detail: e.diagnostic.message))
            return out
        } catch {
            out.diagnostics.append(Diagnostic(.error, source: input.locator, message: "\(error)"))
            out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                               detail: "\(error)"))
            return out
        }

        let baseFolder = input.path.map { ($0 as NSString).deletingLastPathComponent }
        let locatorFolder = (input.locator as NSString).deletingLastPathComponent
        var unreadable = 0
        for (i, entry) in file.entries.enumerated() {
            let docLocator = Self.normalize(locatorFolder.isEmpty ? entry.document : locatorFolder + "/" + entry.document)
            var f: [String: FactValue] = [
                "guideline": .string(entry.guideline), "document": .string(entry.document),
                "sha256_expected": .string(entry.sha256), "owner_role": .string(entry.ownerRole),
                "approved_by": .string(entry.approvedBy), "reviewed_on": .string(DateParsing.iso(entry.reviewedOn)),
                "expires": entry.expires.map { .string(DateParsing.iso($0)) } ?? .null,
            ]
            var provenance = [Provenance(evidence: item.id, pointer: "attestations[\(i)]", line: entry.line)]
            switch Self.read(entry.document, in: baseFolder) {
            case .missing(let why):
                f["present"] = .bool(false)
                f["sha256_actual"] = .unknown(reason: "\(docLocator) \(why)")
                f["hash_matches"] = .unknown(reason: "\(docLocator) \(why), so its hash cannot be compared")
                out.diagnostics.append(Diagnostic(.warning, source: input.locator, line: entry.line,
                                                  message: "attestations[\(i)] (\(entry.guideline)): document \(docLocator) \(why)",
                                                  fix: "put the document at that path relative to the attestation file, or correct the path"))
            case .unreadable(let why):
                unreadable += 1
                f["present"] = .unknown(reason: "\(docLocator) could not be read: \(why)")
                f["sha256_actual"] = .unknown(reason: "\(docLocator) could not be read: \(why)")
                f["hash_matches"] = .unknown(reason: "\(docLocator) could not be read: \(why)")
                out.diagnostics.append(Diagnostic(.error, source: input.locator, line: entry.line,
                                                  message: "attestations[\(i)] (\(entry.guideline)): cannot read \(docLocator) (\(why))"))
            case .read(let bytes):
                let doc = EvidenceItem(collector: name, locator: docLocator, kind: "attested-document", bytes: bytes, collectedAt: context.now)
                if !out.evidence.contains(where: { $0.id == doc.id }) { out.addEvidence(doc, bytes: bytes) }
                provenance.append(Provenance(evidence: doc.id))
                f["present"] = .bool(true)
                f["sha256_actual"] = .string(doc.sha256)
                f["hash_matches"] = .bool(doc.sha256 == entry.sha256)
            }
            out.resources.append(Resource(type: .attestation, id: "\(input.locator)#attestations[\(i)]", name: docLocator,
                                          fields: f, provenance: provenance))
        }
        var found: [String: Int] = [:]
        if !out.resources.isEmpty { found[ResourceType.attestation.rawValue] = out.resources.count }
        // Complete even when a document is unreadable: the list of attestations is whole; the unreadable document
        // only leaves that attestation's facts unknown.
        out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .complete, resourceTypes: suppliedTypes,
                                           inventoryTypes: suppliedTypes, found: found,
                                           detail: unreadable > 0 ? "\(unreadable) attested document(s) could not be read" : nil))
        return out
    }

    enum DocumentRead {
        case read(Data)
        case missing(String)
        case unreadable(String)
    }

    /// Reads a document named relative to `folder` (the attestation file's folder on disk).
    static func read(_ document: String, in folder: String?) -> DocumentRead {
        guard let folder else { return .unreadable("the attestation file was not read from disk, so relative paths cannot be resolved") }
        let path = normalize(folder + "/" + document)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            let problem = FileProblem.reading(path)
            return problem.pathMissing ? .missing("does not exist") : .unreadable(problem.what)
        }
        if isDir.boolValue { return .missing("is a folder, not a document") }
        do { return .read(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            return .unreadable(FileProblem.reading(path, error: error).what)
        }
    }

    /// Removes `.` and resolves `..` textually: `a/./b/../c` → `a/c`; leading `..` that cannot be resolved stay.
    static func normalize(_ path: String) -> String {
        var parts: [String] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(String(c))
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
