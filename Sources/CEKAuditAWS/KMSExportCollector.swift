import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads AWS KMS API responses saved as files — `aws kms describe-key`, `get-key-rotation-status`,
/// `list-key-rotations`, `get-key-policy` output, and error responses — so that evidence exported by a provider (or a
/// bug report) can be assessed offline with the same mapping the live collector uses (``KMSKeyFacts``).
///
/// Shapes read (AWS KMS API Reference, response syntax): `{"KeyMetadata": …}` or a list of them;
/// `{"KeyRotationEnabled": …, "KeyId": …}`, or an object of such answers by key id; `{"Rotations": […]}`;
/// `{"Policy": "…"}` with a `KeyId` or a single key in the export; `{"Error": {"Code", "Message"}}` or
/// `{"__type", "message"}`, whose operation is read from the file name (`…rotation…`, `…policy…`) and whose key from
/// the ARN in the message. Files of one source form one export; a key's facts combine its files. An export is not
/// an inventory: it says nothing about keys it does not list.
public struct KMSExportCollector: EvidenceCollector {
    public static let name = "kms-api-export"
    public static let suppliedTypes: [ResourceType] = [.key]
    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "AWS KMS API responses saved as JSON (`aws kms describe-key`, `get-key-rotation-status`, `list-key-rotations`, `get-key-policy`, error answers); the files of one source form one export." }
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

    /// Whether a JSON document is one of the response shapes above.
    public static func recognizes(_ v: JSONValue) -> Bool {
        if v["KeyMetadata"] != nil || v["KeyRotationEnabled"] != nil || v["Rotations"] != nil { return true }
        if case .array(let a) = v, let first = a.first, first["KeyMetadata"] != nil { return true }
        if case .object(let o) = v, !o.isEmpty, o.values.allSatisfy({ $0["KeyRotationEnabled"] != nil }) { return true }
        if let message = v["Error"]?["Message"]?.stringValue ?? v["message"]?.stringValue, message.contains(":kms:") { return true }
        return false
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
        var pending: [(File, JSONValue, EvidenceItem)] = []

        func arn(for ref: String) -> String? { ref.hasPrefix("arn:") ? ref : aliasOf[ref] }

        // Pass 1: metadata, which gives every key its ARN.
        for f in files.sorted(by: { $0.locator < $1.locator }) {
            let item = EvidenceItem(collector: Self.name, locator: f.locator, kind: "kms-api-response", bytes: f.data, collectedAt: context.now)
            out.addEvidence(item, bytes: f.data)
            guard let v = try? JSONValue.parse(f.data, source: f.locator) else {
                out.diagnostics.append(Diagnostic(.error, source: f.locator, message: "not valid JSON", fix: "export the response again"))
                continue
            }
            let entries: [(JSONValue, String)]
            switch v {
            case .array(let a): entries = a.enumerated().compactMap { i, e in e["KeyMetadata"].map { ($0, "[\(i)].KeyMetadata") } }
            default: entries = v["KeyMetadata"].map { [($0, "KeyMetadata")] } ?? []
            }
            if entries.isEmpty { pending.append((f, v, item)); continue }
            for (md, pointer) in entries {
                guard let keyArn = md["Arn"]?.stringValue, let keyId = md["KeyId"]?.stringValue else {
                    out.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "\(pointer) has no Arn or KeyId; left out"))
                    continue
                }
                aliasOf[keyId] = keyArn
                var o = observations[keyArn] ?? KMSKeyObservation(keyId: keyId, arn: keyArn, region: ARN(parsing: keyArn)?.region ?? "")
                o.metadata = .observed(md, evidence: [AWSEvidence(item: item, bytes: f.data, pointer: pointer)])
                observations[keyArn] = o
            }
        }
        // Pass 2: the answers that refer to a key.
        for (f, v, item) in pending {
            let evidence = [AWSEvidence(item: item, bytes: f.data, pointer: nil)]
            let lowerName = (f.locator as NSString).lastPathComponent.lowercased()
            if let message = v["Error"]?["Message"]?.stringValue ?? v["message"]?.stringValue {
                let code = v["Error"]?["Code"]?.stringValue ?? v["__type"]?.stringValue ?? "Error"
                guard let keyArn = ARN.firstKMSKey(in: message), var o = observations[keyArn] else {
                    out.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "error response for a key the export does not describe; left out"))
                    continue
                }
                let reason = "the exported call answered \(code): \(message)"
                if lowerName.contains("rotation") { o.rotationStatus = .notRequested(reason) }
                else if lowerName.contains("policy") { o.policy = .notRequested(reason) }
                out.diagnostics.append(Diagnostic(.info, source: f.locator, message: "\(code) for \(o.arn): recorded as unknown facts, not as a failure"))
                observations[o.arn] = o
                continue
            }
            if v["KeyRotationEnabled"] != nil {
                if let ref = v["KeyId"]?.stringValue.flatMap(arn(for:)) ?? (observations.count == 1 ? observations.keys.first : nil), var o = observations[ref] {
                    o.rotationStatus = .observed(v, evidence: evidence)
                    observations[ref] = o
                }
                continue
            }
            if case .object(let byKey) = v, byKey.values.allSatisfy({ $0["KeyRotationEnabled"] != nil }) {
                for (k, answer) in byKey {
                    guard let ref = answer["KeyId"]?.stringValue.flatMap(arn(for:)) ?? arn(for: k), var o = observations[ref] else { continue }
                    o.rotationStatus = .observed(answer, evidence: [AWSEvidence(item: item, bytes: f.data, pointer: k)])
                    observations[ref] = o
                }
                continue
            }
            if let rotations = v["Rotations"] {
                let ref = rotations.asList.first?["KeyId"]?.stringValue.flatMap(arn(for:)) ?? (observations.count == 1 ? observations.keys.first : nil)
                if let ref, var o = observations[ref] {
                    o.rotations = .observed(rotations.asList, evidence: evidence)
                    observations[ref] = o
                }
                continue
            }
            if let policy = v["Policy"]?.stringValue {
                let ref = v["KeyId"]?.stringValue.flatMap(arn(for:)) ?? (observations.count == 1 ? observations.keys.first : nil)
                if let ref, var o = observations[ref] {
                    o.policy = .observed(policy, evidence: evidence)
                    observations[ref] = o
                }
                continue
            }
            out.diagnostics.append(Diagnostic(.warning, source: f.locator, message: "not a KMS API response this collector reads; left out"))
        }
        for arn in observations.keys.sorted() {
            guard var o = observations[arn] else { continue }
            if o.rotationStatus.skipped == "not collected" { o.rotationStatus = .notRequested("GetKeyRotationStatus is not in the export") }
            if o.rotations.skipped == "not collected" { o.rotations = .notRequested("ListKeyRotations is not in the export") }
            let key = KMSKeyFacts.key(o, tenant: tenant)
            out.resources.append(key)
            if o.policy.value != nil { out.resources.append(KMSKeyFacts.policy(o, key: key)) }
        }
        var found: [String: Int] = [:]
        for r in out.resources { found[r.type.rawValue, default: 0] += 1 }
        out.coverage.append(SourceCoverage(source: label, collector: Self.name, status: .complete,
                                           resourceTypes: Self.suppliedTypes + (found["key_policy"] != nil ? [.keyPolicy] : []),
                                           found: found))
        return out
    }
}
