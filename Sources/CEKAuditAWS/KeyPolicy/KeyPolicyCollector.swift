import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads a standalone AWS KMS key policy document (`{"Version": "2012-10-17", "Statement": [...]}`), as exported
/// with `aws kms get-key-policy --output text` or kept in a repository.
///
/// The owning account comes from the assessment file (`account:` on the source) or is inferred by the analysis
/// when every principal is in one account; template placeholders (`account-id`, `${this.account-id}`) stay
/// unresolved, which makes isolation unknown, never public.
public struct KeyPolicyCollector: DocumentCollector {
    public let name = "key-policy"
    public var kind: String { name }
    public var reads: String { "A standalone AWS KMS key policy document (JSON), as `aws kms get-key-policy --output text` exports it." }
    public var example: String { #"{path: policies/app.json, kind: key-policy, account: "111122223333", key: alias/app, key_manager: customer}"# }
    public func recognizes(document: JSONValue) -> Bool { Self.recognizes(document) }
    public let suppliedTypes: [ResourceType] = [.keyPolicy]

    public init() {}

    /// Whether a parsed document is a policy document.
    public static func recognizes(_ value: JSONValue) -> Bool {
        guard let st = value["Statement"] else { return false }
        switch st {
        case .array, .object: return true
        default: return false
        }
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        let item = evidenceItem(input, kind: "key-policy", context: context)
        // A file named as a key policy that is not one must not read as an empty, harmless policy.
        let statements = (document.value["Statement"] ?? .null).asList
        guard Self.recognizes(document.value), !statements.isEmpty else {
            let problem = document.value["Statement"] == nil ? "has no Statement" : "has no statements"
            return FactSet(evidence: [item], coverage: [SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                                     detail: "not a key policy (\(problem))")],
                           diagnostics: [Diagnostic(.error, source: input.locator, line: 1,
                                                                     message: "not a key policy: the document \(problem)",
                                                                     fix: "export the policy with `aws kms get-key-policy --output text`, or correct the source's kind")])
        }
        var policy = KeyPolicyObservation.resource(id: input.locator, keyID: input.key, keyName: input.key, document: document.value,
                                                   owner: input.account,
                                                   provenance: [Provenance(evidence: item.id, pointer: "Statement", line: document.line(at: [.key("Statement")]))])
        policy.name = input.key ?? input.locator
        policy["key_manager"] = input.keyManager.map(FactValue.string)
            ?? .unknown(reason: "standalone policy: whether its key is customer-managed is not known; set key_manager for this source")
        return FactSet(evidence: [item], resources: [policy], coverage: [coverage(input, resources: [policy], partial: false)])
    }
}
