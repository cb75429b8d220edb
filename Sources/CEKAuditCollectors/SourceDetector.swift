import CEKAuditCore
import Foundation

/// The kinds of source an assessment can name, and content-based recognition for folders given without an
/// assessment file.
public enum SourceKind: String, Sendable, CaseIterable, Codable {
    case auto
    case cloudformation
    case terraformPlan = "terraform-plan"
    case terraformState = "terraform-state"
    case keyPolicy = "key-policy"
    case cloudtrail
    case k8sEncryptionConfig = "k8s-encryption-config"
    case attestations
    case openbaoAuditLog = "openbao-audit-log"
    case kmsApiExport = "kms-api-export"

    /// The collector for this kind (`auto` has none until the content is recognised).
    public var collector: (any Collector)? {
        switch self {
        case .auto: return nil
        case .openbaoAuditLog: return nil   // a log source: streamed in batches by OpenBaoAuditLogCollector
        case .cloudformation: return CloudFormationCollector()
        case .terraformPlan, .terraformState: return TerraformCollector()
        case .keyPolicy: return KeyPolicyCollector()
        case .cloudtrail: return nil   // a log source: read in batches by CloudTrailCollector
        case .kmsApiExport: return nil  // exported API responses: read together by KMSExportCollector
        case .k8sEncryptionConfig: return EncryptionConfigurationCollector()
        case .attestations: return AttestationCollector()
        }
    }

    /// The collector name shown in coverage, the log collectors' included.
    public var collectorName: String? {
        switch self {
        case .cloudtrail: return CloudTrailCollector.name
        case .openbaoAuditLog: return OpenBaoAuditLogCollector.name
        case .kmsApiExport: return KMSExportCollector.name
        default: return collector?.name
        }
    }

    /// Resource types a source of this kind supplies (or would have supplied, when it fails), the log collectors' included.
    public var suppliedTypes: [ResourceType]? {
        switch self {
        case .cloudtrail: return CloudTrailCollector.suppliedTypes
        case .openbaoAuditLog: return OpenBaoAuditLogCollector.suppliedTypes
        case .kmsApiExport: return KMSExportCollector.suppliedTypes
        default: return collector?.suppliedTypes
        }
    }
}

/// Recognises a file's kind from its content (never from its name alone), and says why a file was skipped.
public enum SourceDetector {
    /// The outcome of looking at one file.
    public enum Recognition {
        case recognized(SourceKind, ParsedDocument)
        /// Not an input this version reads; the reason says what it looks like and what to do.
        case skipped(String)
        /// Looks like an input (by extension) but cannot be parsed.
        case invalid(CEKAuditError)
        /// A log file, read with the other files of its source by a log collector.
        case logFile(SourceKind)
    }

    /// File extensions worth parsing.
    static let candidates: Set<String> = ["json", "yaml", "yml", "template"]

    /// Bytes of a file's head that ``streamingKind(locator:head:)`` needs.
    public static let headLength = 64 * 1024

    /// Recognises a log read line by line from its first bytes: an OpenBao / Vault file audit device log (one JSON
    /// object per line with `time`, `type` = `request` / `response` and `request` or `auth`, optionally after a
    /// per-line prefix). `nil` when the head does not look like one.
    public static func streamingKind(locator: String, head: Data) -> SourceKind? {
        let ext = (locator as NSString).pathExtension.lowercased()
        guard ["", "log", "json", "jsonl", "ndjson", "txt"].contains(ext) || ext.allSatisfy(\.isNumber) else { return nil }
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        if head.count >= headLength, !lines.isEmpty { lines.removeLast() }   // possibly cut short
        var seen = 0
        for raw in lines.prefix(5) {
            guard let text = String(data: Data(raw), encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !text.isEmpty else { continue }
            guard let brace = text.firstIndex(of: "{"), text.last == "}",
                  let data = String(text[brace...]).data(using: .utf8),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let type = object["type"] as? String, ["request", "response"].contains(type), object["time"] is String,
                  object["request"] != nil || object["auth"] != nil else { return nil }
            seen += 1
        }
        return seen > 0 ? .openbaoAuditLog : nil
    }

    /// Whether the first bytes of a JSON document are a CloudTrail log (`Records`), digest or single event.
    static func looksLikeCloudTrail(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        return head.contains("\"Records\"") || head.contains("\"digestStartTime\"")
            || (head.contains("\"eventVersion\"") && head.contains("\"eventSource\""))
    }

    /// Recognises the file at `locator` with bytes `data`.
    public static func recognize(locator: String, data: Data) -> Recognition {
        let ext = (locator as NSString).pathExtension.lowercased()
        let base = (locator as NSString).lastPathComponent
        if ext == "tf" || ext == "hcl" {
            return .skipped("Terraform HCL is not read; run `terraform show -json plan.out > plan.json` and assess the JSON")
        }
        if base == "audit.yaml" || base == "audit.yml" { return .skipped("assessment file") }
        if base.hasSuffix(".json.gz") {
            // The start of the stream says what it is; the collector inflates the whole file once, later.
            guard let head = try? Gzip.head(data, count: 4096) else { return .skipped("a .json.gz file that does not inflate") }
            return looksLikeCloudTrail(head) ? .logFile(.cloudtrail) : .skipped("compressed JSON that is not a CloudTrail log")
        }
        guard candidates.contains(ext) else { return .skipped("not a JSON or YAML file") }
        if ext == "json", looksLikeCloudTrail(data) { return .logFile(.cloudtrail) }
        let document: ParsedDocument
        do { document = try ParsedDocument(data: data, locator: locator) } catch let e as CEKAuditError {
            return .invalid(e)
        } catch {
            return .invalid(.unreadable(file: locator, detail: "\(error)"))
        }
        let v = document.value
        if CloudFormationCollector.recognizes(v) { return .recognized(.cloudformation, document) }
        if let tf = TerraformCollector.kind(of: v) { return .recognized(tf == .plan ? .terraformPlan : .terraformState, document) }
        if KeyPolicyCollector.recognizes(v) { return .recognized(.keyPolicy, document) }
        if KMSExportCollector.recognizes(v) { return .logFile(.kmsApiExport) }
        if EncryptionConfigurationCollector.recognizes(v) { return .recognized(.k8sEncryptionConfig, document) }
        if AttestationCollector.recognizes(v) { return .recognized(.attestations, document) }
        if v["Records"] != nil || v["digestStartTime"] != nil || (v["eventVersion"] != nil && v["eventSource"] != nil) {
            return .logFile(.cloudtrail)
        }
        if case .object(let o) = v, !o.isEmpty, o.values.allSatisfy({ $0["Type"]?.stringValue?.hasPrefix("AWS::") == true }) {
            return .recognized(.cloudformation, document.asTemplateFragment())
        }
        return .skipped("not a recognised input (CloudFormation template, Terraform plan/state JSON, key policy, Kubernetes EncryptionConfiguration, or attestation file)")
    }
}
