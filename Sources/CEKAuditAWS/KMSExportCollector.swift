import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads AWS KMS API responses saved as files — `aws kms describe-key`, `get-key-rotation-status`,
/// `list-key-rotations`, `get-key-policy` output, and error responses — so that evidence exported by a provider (or a
/// bug report) can be assessed offline with the same mapping the live collector uses (``KMSKeyFacts``).
///
/// Shapes read (AWS KMS API Reference, response syntax): `{"KeyMetadata": …}` or a list of them;
/// `{"KeyRotationEnabled": …, "KeyId": …}`; `{"Rotations": […]}`; `{"Policy": "…"}` with a `KeyId` or a single key
/// in the export; `{"Error": {"Code", "Message"}}` or `{"__type", "message"}`, whose key is read from the ARN in the
/// message. An object of such answers by key id or ARN is read entry by entry, and any entry may be an error
/// (`{"<key-id-1>": {"KeyRotationEnabled": true}, "<key-id-2>": {"Error": {…}}}`): the error leaves the facts of its
/// call unknown for its key, with the operation and error code as the reason. An error's operation is the one the
/// other answers in its file come from, else the one the file name says (`…rotations…`, `…rotation…`, `…policy…`,
/// `…describe…`). Files of one source form one export; a key's facts combine its files. An export is not an
/// inventory: it says nothing about keys it does not list.
public struct KMSExportCollector: EvidenceCollector {
    public static let name = "kms-api-export"
    public static let suppliedTypes: [ResourceType] = [.key]
    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "AWS KMS API responses saved as JSON (`aws kms describe-key`, `get-key-rotation-status`, `list-key-rotations`, `get-key-policy`, error answers), alone or as an object of answers by key id in which some entries are errors; the files of one source form one export." }
    public var example: String { "{path: exports/, kind: kms-api-export, tenant: tenant-a}" }

    public func recognizes(_ probe: ContentProbe) -> Bool {
        guard let d = probe.document else { return false }
        return Self.recognizes(d.value)
    }

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var out = FactSet()
        var files: [File] = []
        for f in job.files {
            if let data = f.data { files.append(File(locator: f.locator, data: data)); continue }
            do { files.append(File(locator: f.locator, data: try Data(contentsOf: URL(fileURLWithPath: f.path)))) } catch {
                let problem = FileProblem.reading(f.path, error: error)
                out.diagnostics.append(CEKAuditError.cannotRead(f.locator, problem).diagnostic)
                out.coverage.append(failedCoverage(f.locator, detail: problem.what))
            }
        }
        out.merge(collect(files: files, label: job.label, tenant: job.files.compactMap(\.tenant).first, context: context))
        return out
    }

    public init() {}

    /// Whether a JSON document is one of the response shapes above, or an object of them by key.
    public static func recognizes(_ v: JSONValue) -> Bool {
        if v["KeyMetadata"] != nil || v["KeyRotationEnabled"] != nil || v["Rotations"] != nil { return true }
        if case .array(let a) = v, let first = a.first, first["KeyMetadata"] != nil { return true }
        if let error = ExportedError(v), error.message?.contains(":kms:") == true { return true }
        return perKey(v) != nil
    }

    /// The entries of an object of answers by key (`{"<key-id>": {"KeyRotationEnabled": true}, "<key-id-2>":
    /// {"Error": {…}}}`), or `nil` for anything else. Every member must be an answer or an error, and the object
    /// must be recognisably about KMS keys: a KMS-only answer, or key ids and ARNs as its member names (a bare
    /// `{"Policy": …}` is also what S3 GetBucketPolicy answers).
    static func perKey(_ v: JSONValue) -> [(key: String, value: JSONValue)]? {
        guard case .object(let members) = v, !members.isEmpty,
              members.values.allSatisfy({ ExportedOperation(answer: $0) != nil || ExportedError($0) != nil }) else { return nil }
        let kmsOnly = members.values.contains { ExportedOperation(answer: $0).map { $0 != .keyPolicy } ?? false }
        guard kmsOnly || members.keys.allSatisfy(isKeyReference) else { return nil }
        return members.keys.sorted().compactMap { k in members[k].map { (k, $0) } }
    }

    /// Whether `text` is a KMS key id (UUID or `mrk-` id) or key ARN (AWS KMS Developer Guide, "Key identifiers").
    static func isKeyReference(_ text: String) -> Bool {
        if ARN(parsing: text)?.service == "kms" { return true }
        let id = text.hasPrefix("mrk-") ? String(text.dropFirst(4)) : text
        return UUID(uuidString: id) != nil || (text.hasPrefix("mrk-") && id.count == 32 && id.allSatisfy(\.isHexDigit))
    }

    /// One exported file.
    public struct File: Sendable {
        public var locator: String
        public var data: Data
        public init(locator: String, data: Data) {
            self.locator = locator
            self.data = data
        }
    }

    /// Collects an export made of `files`; `label` names it in coverage.
    public func collect(files: [File], label: String, tenant: String?, context: CollectionContext) -> FactSet {
        var out = FactSet()
        var observations: [String: KMSKeyObservation] = [:]   // by ARN
        var aliasOf: [String: String] = [:]                    // key id → ARN
        var pending: [(file: File, entries: [Entry], operation: ExportedOperation?)] = []

        func arn(for ref: String) -> String? { ref.hasPrefix("arn:") ? ref : aliasOf[ref] }

        // Pass 1: metadata, which gives every key its ARN.
        for f in files.sorted(by: { $0.locator < $1.locator }) {
            let item = EvidenceItem(collector: Self.name, locator: f.locator, kind: "kms-api-response", bytes: f.data, collectedAt: context.now)
            out.addEvidence(item, bytes: f.data)
            guard let v = try? JSONValue.parse(f.data, source: f.locator) else {
                out.diagnostics.append(Diagnostic(.error, source: f.locator, message: "not valid JSON", fix: "export the response again"))
                continue
            }
            let entries = Entry.all(in: v, item: item)
            var rest: [Entry] = []
            for e in entries {
                guard ExportedError(e.value) == nil, let md = e.value["KeyMetadata"] else { rest.append(e); continue }
                let pointer = (e.pointer.map { $0 + "." } ?? "") + "KeyMetadata"
                guard let keyArn = md["Arn"]?.stringValue, let keyId = md["KeyId"]?.stringValue else {
                    out.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "\(pointer) has no Arn or KeyId; left out"))
                    continue
                }
                aliasOf[keyId] = keyArn
                var o = observations[keyArn] ?? KMSKeyObservation(keyId: keyId, arn: keyArn, region: ARN(parsing: keyArn)?.region ?? "")
                o.metadata = .observed(md, evidence: [AWSEvidence(item: item, bytes: f.data, pointer: pointer)])
                observations[keyArn] = o
            }
            // An error's operation is the one the file's answers come from, else the one its name says.
            let answered = Set(entries.compactMap { ExportedOperation(answer: $0.value) })
            let operation = answered.count == 1 ? answered.first : ExportedOperation(fileName: (f.locator as NSString).lastPathComponent)
            if !rest.isEmpty { pending.append((f, rest, operation)) }
        }
        // Pass 2: the answers and errors that refer to a key, entry by entry.
        for (f, entries, operation) in pending {
            for e in entries {
                // A single answer without a key id belongs to the export's only key.
                let only = e.key == nil && entries.count == 1 && observations.count == 1 ? observations.keys.first : nil
                if let error = ExportedError(e.value) {
                    let keyArn = e.key.flatMap(arn(for:)) ?? error.message.flatMap(ARN.firstKMSKey(in:))
                    record(error, operation: operation, keyArn: keyArn, entry: e, file: f, into: &observations, out: &out)
                    continue
                }
                guard let op = ExportedOperation(answer: e.value) else {
                    out.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "not a KMS API response this collector reads; left out"))
                    continue
                }
                let named = (op == .listKeyRotations ? e.value["Rotations"]?.asList.first : e.value)?["KeyId"]?.stringValue
                guard let ref = named.flatMap(arn(for:)) ?? e.key.flatMap(arn(for:)) ?? only, var o = observations[ref] else {
                    out.diagnostics.append(Diagnostic(.warning, source: f.locator,
                                                      message: "\(op.rawValue) answer\(e.key.map { " for \($0)" } ?? "") names no key the export describes; left out",
                                                      fix: "add the key's DescribeKey answer to the export"))
                    continue
                }
                let evidence = [AWSEvidence(item: e.item, bytes: f.data, pointer: e.pointer)]
                switch op {
                case .describeKey: continue   // read in pass 1
                case .keyRotationStatus: o.rotationStatus = .observed(e.value, evidence: evidence)
                case .listKeyRotations: o.rotations = .observed((e.value["Rotations"] ?? .null).asList, evidence: evidence)
                case .keyPolicy:
                    guard let policy = e.value["Policy"]?.stringValue else { continue }
                    o.policy = .observed(policy, evidence: evidence)
                }
                observations[ref] = o
            }
        }
        for arn in observations.keys.sorted() {
            guard var o = observations[arn] else { continue }
            if o.rotationStatus.skipped == "not collected" { o.rotationStatus = .notRequested("GetKeyRotationStatus is not in the export") }
            if o.rotations.skipped == "not collected" { o.rotations = .notRequested("ListKeyRotations is not in the export") }
            let key = KMSKeyFacts.key(o, tenant: tenant)
            out.resources.append(key)
            // A policy answer, or an error answer in its place (its facts are then unknown, with the error).
            if o.policy.value != nil || !o.policy.evidence.isEmpty { out.resources.append(KMSKeyFacts.policy(o, key: key)) }
        }
        var found: [String: Int] = [:]
        for r in out.resources { found[r.type.rawValue, default: 0] += 1 }
        out.coverage.append(SourceCoverage(source: label, collector: Self.name, status: .complete,
                                           resourceTypes: Self.suppliedTypes + (found["key_policy"] != nil ? [.keyPolicy] : []),
                                           found: found))
        return out
    }

    /// Records an error answer as what its call should have supplied: those facts of the key become unknown, with
    /// the operation and the error code in the reason. A DescribeKey error on a key the export names by ARN keeps the
    /// key, with its metadata unknown, unless the key does not exist (`NotFoundException`).
    private func record(_ error: ExportedError, operation: ExportedOperation?, keyArn: String?, entry e: Entry, file f: File,
                        into observations: inout [String: KMSKeyObservation], out: inout FactSet) {
        guard let operation else {
            out.diagnostics.append(Diagnostic(.warning, source: f.locator,
                                              message: "\(error.code)\(e.key.map { " for \($0)" } ?? ""): the call that failed cannot be told from the file; left out",
                                              fix: "name the file after the call (describe-key, get-key-rotation-status, list-key-rotations, get-key-policy)"))
            return
        }
        let reason = "the exported \(operation.rawValue) call answered \(error.code)" + (error.message.map { ": \($0)" } ?? "")
        let evidence = [AWSEvidence(item: e.item, bytes: f.data, pointer: e.pointer)]
        func unanswered<V>(_ current: AWSObservation<V>) -> AWSObservation<V>? {
            current.value == nil ? AWSObservation(value: nil, evidence: evidence, skipped: reason) : nil
        }
        var o: KMSKeyObservation
        if let keyArn, let known = observations[keyArn] {
            o = known
        } else if let keyArn, operation == .describeKey, error.code != "NotFoundException", let parsed = ARN(parsing: keyArn) {
            o = KMSKeyObservation(keyId: String(parsed.resource.dropFirst("key/".count)), arn: keyArn, region: parsed.region)
        } else {
            let why = operation == .describeKey && error.code == "NotFoundException" ? "the key does not exist" : "the export does not describe the key"
            out.diagnostics.append(Diagnostic(.warning, source: f.locator,
                                              message: "\(error.code) from \(operation.rawValue)\((keyArn ?? e.key).map { " for \($0)" } ?? ""): \(why); left out"))
            return
        }
        // An answer for the same call elsewhere in the export wins over the error.
        var recorded = true
        switch operation {
        case .describeKey: if let u = unanswered(o.metadata) { o.metadata = u } else { recorded = false }
        case .keyRotationStatus: if let u = unanswered(o.rotationStatus) { o.rotationStatus = u } else { recorded = false }
        case .listKeyRotations: if let u = unanswered(o.rotations) { o.rotations = u } else { recorded = false }
        case .keyPolicy: if let u = unanswered(o.policy) { o.policy = u } else { recorded = false }
        }
        guard recorded else {
            out.diagnostics.append(Diagnostic(.info, source: f.locator, message: "\(error.code) from \(operation.rawValue) for \(o.arn) ignored: the export also holds its answer"))
            return
        }
        out.diagnostics.append(Diagnostic(.info, source: f.locator, message: "\(error.code) from \(operation.rawValue) for \(o.arn): recorded as unknown facts, not as a failure"))
        observations[o.arn] = o
    }

    /// One answer in an exported file: the whole document, an element of a DescribeKey list, or a member of an
    /// object of answers by key.
    struct Entry {
        /// The member name (a key id or ARN) in an object of answers by key.
        var key: String?
        var value: JSONValue
        var pointer: String?
        var item: EvidenceItem

        static func all(in v: JSONValue, item: EvidenceItem) -> [Entry] {
            if case .array(let a) = v {
                return a.enumerated().map { i, e in Entry(key: nil, value: e, pointer: "[\(i)]", item: item) }
            }
            if let members = KMSExportCollector.perKey(v) {
                return members.map { Entry(key: $0.key, value: $0.value, pointer: $0.key, item: item) }
            }
            return [Entry(key: nil, value: v, pointer: nil, item: item)]
        }
    }
}

/// The AWS KMS operation an exported answer comes from, told by the answer's shape (AWS KMS API Reference, the
/// response syntax of DescribeKey, GetKeyRotationStatus, ListKeyRotations and GetKeyPolicy).
enum ExportedOperation: String, Sendable {
    case describeKey = "DescribeKey"
    case keyRotationStatus = "GetKeyRotationStatus"
    case listKeyRotations = "ListKeyRotations"
    case keyPolicy = "GetKeyPolicy"

    init?(answer v: JSONValue) {
        if v["KeyMetadata"] != nil { self = .describeKey }
        else if v["KeyRotationEnabled"] != nil { self = .keyRotationStatus }
        else if case .array? = v["Rotations"] { self = .listKeyRotations }
        else if v["Policy"]?.stringValue != nil { self = .keyPolicy }
        else { return nil }
    }

    /// The operation a file's name says (`get-key-rotation-status.error.json`, `list-key-rotations.json` …).
    init?(fileName: String) {
        let name = fileName.lowercased()
        if name.contains("rotations") { self = .listKeyRotations }
        else if name.contains("rotation") { self = .keyRotationStatus }
        else if name.contains("policy") { self = .keyPolicy }
        else if name.contains("describe") { self = .describeKey }
        else { return nil }
    }
}

/// An error answer as the AWS CLI and SDKs save it: `{"Error": {"Code", "Message"}}` (botocore), or the JSON 1.1
/// wire form `{"__type", "message"}` (AWS KMS API Reference, "Common Errors").
struct ExportedError: Sendable {
    var code: String
    var message: String?

    init?(_ v: JSONValue) {
        if case .object? = v["Error"] {
            let code = v["Error"]?["Code"]?.stringValue
            message = v["Error"]?["Message"]?.stringValue
            guard code != nil || message != nil else { return nil }
            self.code = code ?? "Error"
        } else if v["__type"]?.stringValue != nil || v["message"]?.stringValue != nil {
            code = v["__type"]?.stringValue ?? "Error"
            message = (v["message"] ?? v["Message"])?.stringValue
        } else {
            return nil
        }
    }
}
