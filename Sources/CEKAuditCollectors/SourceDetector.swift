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

    /// The collector for this kind (`auto` has none until the content is recognised).
    public var collector: (any Collector)? {
        switch self {
        case .auto: return nil
        case .cloudformation: return CloudFormationCollector()
        case .terraformPlan, .terraformState: return TerraformCollector()
        case .keyPolicy: return KeyPolicyCollector()
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
    }

    /// File extensions worth parsing.
    static let candidates: Set<String> = ["json", "yaml", "yml", "template"]

    /// Recognises the file at `locator` with bytes `data`.
    public static func recognize(locator: String, data: Data) -> Recognition {
        let ext = (locator as NSString).pathExtension.lowercased()
        let base = (locator as NSString).lastPathComponent
        if ext == "tf" || ext == "hcl" {
            return .skipped("Terraform HCL is not read; run `terraform show -json plan.out > plan.json` and assess the JSON")
        }
        if base == "audit.yaml" || base == "audit.yml" { return .skipped("assessment file") }
        if base.hasSuffix(".json.gz") || ext == "gz" { return .skipped("compressed logs (CloudTrail) are not read by this version") }
        guard candidates.contains(ext) else { return .skipped("not a JSON or YAML file") }
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
        if v["Records"] != nil { return .skipped("CloudTrail log file: log evidence is not read by this version") }
        if v["eventVersion"] != nil, v["eventSource"] != nil {
            return .skipped("a single CloudTrail event record: log evidence is not read by this version")
        }
        if v["digestStartTime"] != nil || v["logFiles"] != nil { return .skipped("CloudTrail digest file") }
        if let kind = v["kind"]?.stringValue, kind.hasPrefix("EncryptionConfig") {
            return .skipped("Kubernetes \(kind): not read by this version")
        }
        if case .object(let o) = v, !o.isEmpty, o.values.allSatisfy({ $0["Type"]?.stringValue?.hasPrefix("AWS::") == true }) {
            return .recognized(.cloudformation, document.asTemplateFragment())
        }
        return .skipped("not a recognised input (CloudFormation template, Terraform plan/state JSON, or key policy)")
    }
}
