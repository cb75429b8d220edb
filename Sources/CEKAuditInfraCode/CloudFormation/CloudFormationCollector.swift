import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads AWS CloudFormation templates (JSON, or YAML with short-form tags `!Ref !Sub !GetAtt !If !Join …`).
///
/// Supplies `key` (AWS::KMS::Key, AWS::KMS::ReplicaKey), `key_policy` (their KeyPolicy, or the default policy
/// when none is given), `audit_trail` (AWS::CloudTrail::Trail) and `data_store` (S3, EBS, RDS, DynamoDB, EFS,
/// SageMaker, Bedrock, …). Intrinsic functions that cannot be resolved without deploying become unknown facts with
/// the expression as the reason; `AWS::AccountId` is the account the template is deployed into (`self`, or the
/// source's `account` from the assessment file). Follows the AWS CloudFormation User Guide resource reference.
public struct CloudFormationCollector: DocumentCollector {
    public let name = "cloudformation"
    public var kind: String { name }
    public var reads: String { "A CloudFormation template, JSON or YAML (short-form tags too): KMS keys, aliases, key policies, trails and the data stores they protect." }
    public var example: String { "{path: cloudformation/stack.template, kind: cloudformation, account: \"111122223333\"}" }
    public func recognizes(document: JSONValue) -> Bool { Self.recognizes(document) || Self.isFragment(document) }

    /// A template fragment: a mapping whose every member is a resource with an `AWS::` type (resources without the
    /// `Resources` section around them), read as a template.
    public static func isFragment(_ value: JSONValue) -> Bool {
        guard case .object(let o) = value, !o.isEmpty else { return false }
        return o.values.allSatisfy { $0["Type"]?.stringValue?.hasPrefix("AWS::") == true }
    }
    public let suppliedTypes: [ResourceType] = [.key, .keyPolicy, .auditTrail, .dataStore]

    public init() {}

    /// Whether a parsed document is a CloudFormation template (or a recognisable template fragment).
    public static func recognizes(_ value: JSONValue) -> Bool {
        if value["AWSTemplateFormatVersion"] != nil { return true }
        guard case .object(let resources)? = value["Resources"] else { return false }
        return resources.values.contains { ($0["Type"]?.stringValue ?? "").hasPrefix("AWS::") }
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        let document = !Self.recognizes(document.value) && Self.isFragment(document.value) ? document.asTemplateFragment() : document
        let item = evidenceItem(input, kind: "cloudformation-template", context: context)
        var out = FactSet(evidence: [item])
        guard case .object(let resources)? = document.value["Resources"] else {
            out.diagnostics.append(Diagnostic(.error, source: input.locator, line: 1, message: "the template has no Resources section",
                                              fix: "a CloudFormation template needs a top-level Resources mapping"))
            out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                               detail: "no Resources section"))
            return out
        }
        if document.isFragment {
            out.diagnostics.append(Diagnostic(.warning, source: input.locator, line: 1,
                                              message: "template fragment: resources without a Resources section were read as a template",
                                              fix: "wrap them under `Resources:` in a complete template"))
        }
        let account: FactValue = .string(input.account ?? PolicyDialects.currentAccount)
        var partial = false
        func provenance(_ path: [ParsedDocument.Step]) -> [Provenance] {
            [Provenance(evidence: item.id, pointer: ParsedDocument.pointer(path), line: document.line(at: path))]
        }
        func rid(_ logical: String) -> String { "\(input.locator)#\(logical)" }

        // Aliases first, so keys can carry them.
        var aliases: [String: [String]] = [:]
        for res in resources.values where res["Type"]?.stringValue == "AWS::KMS::Alias" {
            let props = res["Properties"]
            guard let name = DeclaredValue(props?["AliasName"]).text else { continue }
            if let target = Self.referencedLogicalID(props?["TargetKeyId"]) { aliases[target, default: []].append(name) }
        }

        for logical in resources.keys.sorted() {
            guard let res = resources[logical], let type = res["Type"]?.stringValue else {
                out.diagnostics.append(Diagnostic(.warning, source: input.locator, line: document.line(at: [.key("Resources"), .key(logical)]),
                                                  message: "resource \(logical) has no Type", fix: "add its Type"))
                continue
            }
            let props = res["Properties"]
            let path: [ParsedDocument.Step] = [.key("Resources"), .key(logical)]
            switch type {
            case "AWS::KMS::Key", "AWS::KMS::ReplicaKey":
                let replica = type == "AWS::KMS::ReplicaKey"
                var tags: [String] = []
                for t in (props?["Tags"] ?? .null).asList {
                    if let k = DeclaredValue(t["Key"]).text { tags.append("\(k)=\(DeclaredValue(t["Value"]).text ?? "(expression)")") }
                }
                let origin = DeclaredValue(props?["Origin"]).string("origin", default: replica ? nil : "AWS_KMS")
                var decl = KeyDeclaration(id: rid(logical), name: aliases[logical]?.sorted().first ?? logical, keyID: nil,
                                          account: account, provenance: provenance(path))
                decl.description = DeclaredValue(props?["Description"])
                decl.spec = DeclaredValue(props?["KeySpec"])
                decl.usage = DeclaredValue(props?["KeyUsage"])
                decl.enabled = DeclaredValue(props?["Enabled"])
                decl.origin = replica ? .unknown(reason: "a replica takes its origin from the primary key") : origin
                decl.rotationEnabled = DeclaredValue(props?["EnableKeyRotation"])
                decl.rotationPeriod = DeclaredValue(props?["RotationPeriodInDays"])
                decl.multiRegion = DeclaredValue(props?["MultiRegion"])
                decl.replica = replica
                decl.windowDays = DeclaredValue(props?["PendingWindowInDays"])
                decl.tags = tags
                decl.tenant = input.tenant
                out.diagnostics += decl.configurationProblems(source: input.locator, line: document.line(at: path))
                var key = decl.resource()
                key["aliases"] = .strings((aliases[logical] ?? []).sorted())
                if key.fields.values.contains(where: { !$0.isKnown }) { partial = true }
                out.resources.append(key)
                let policyPath = path + [.key("Properties"), .key("KeyPolicy")]
                var policy = props?["KeyPolicy"]
                if case .string(let s)? = policy, let parsed = try? JSONValue.parse(Data(s.utf8), source: input.locator) { policy = parsed }
                out.resources.append(KeyPolicyObservation.resource(
                    id: rid(logical) + "/policy", keyID: key.id, keyName: key.name, document: policy,
                    owner: input.account ?? PolicyDialects.currentAccount, format: CloudFormationPolicyDialect().format,
                    provenance: provenance(policy == nil ? path : policyPath)))
            case "AWS::CloudTrail::Trail":
                out.resources.append(trail(logical, props: props, account: account, provenance: provenance(path), id: rid(logical)))
            case "AWS::S3::Bucket":
                let rule = dig(props, ["BucketEncryption", "ServerSideEncryptionConfiguration", "ServerSideEncryptionByDefault"])
                let algorithm = DeclaredValue(rule?["SSEAlgorithm"])
                let keyRef = DeclaredValue(rule?["KMSMasterKeyID"])
                var f = DataStoreSpecs.fields(kind: "s3-bucket", encrypted: .bool(true), keyRef: keyRef,
                                              linkedKey: Self.referencedLogicalID(rule?["KMSMasterKeyID"]).map(rid))
                if case .literal(let a) = algorithm, a.stringValue == "AES256" { f["key_ref"] = .null; DataStoreSpecs.applyProviderKey(to: &f) }
                if case .absent = algorithm { DataStoreSpecs.applyProviderKey(to: &f) }
                out.resources.append(Resource(type: .dataStore, id: rid(logical), name: logical, fields: f, provenance: provenance(path)))
            default:
                guard let spec = DataStoreSpecs.cloudFormation[type] else { continue }
                out.resources.append(dataStore(spec, logical: logical, props: props, id: rid(logical), provenance: provenance(path), rid: rid))
            }
        }
        out.coverage.append(coverage(input, resources: out.resources, partial: partial,
                                     detail: partial ? "some properties are deployment-time expressions" : nil))
        return out
    }

    func dataStore(_ spec: DataStoreSpec, logical: String, props: JSONValue?, id: String, provenance: [Provenance],
                   rid: (String) -> String) -> Resource {
        var encrypted: FactValue = spec.encryptedDefault.map(FactValue.bool) ?? .unknown(reason: spec.defaultNote ?? "unknown")
        if let p = spec.encryptedPath {
            let d = DeclaredValue(dig(props, p))
            if case .absent = d {} else { encrypted = d.bool("encryption", default: spec.encryptedDefault) }
        }
        let raw = dig(props, spec.keyPath)
        let keyRef = DeclaredValue(raw)
        var f = DataStoreSpecs.fields(kind: spec.kind, encrypted: encrypted, keyRef: keyRef,
                                      linkedKey: Self.referencedLogicalID(raw).map(rid))
        if case .absent = keyRef, encrypted == .bool(true) { spec.applyServiceKey(to: &f) }
        if encrypted == .bool(false) { f["key_manager"] = .null; f["key_custody"] = .null }
        return Resource(type: .dataStore, id: id, name: logical, fields: f, provenance: provenance)
    }

    func trail(_ logical: String, props: JSONValue?, account: FactValue, provenance: [Provenance], id: String) -> Resource {
        var f: [String: FactValue] = ["kind": .string("cloudtrail"), "name": DeclaredValue(props?["TrailName"]).string("trail name", default: logical),
                                      "account": account, "evidence_kind": .string("declared")]
        f["logging"] = DeclaredValue(props?["IsLogging"]).bool("IsLogging", default: nil)
        if f["logging"] == .null { f["logging"] = .unknown(reason: "IsLogging is required and missing") }
        f["multi_region"] = DeclaredValue(props?["IsMultiRegionTrail"]).bool("multi-Region", default: false)
        f["integrity_validation"] = DeclaredValue(props?["EnableLogFileValidation"]).bool("log file validation", default: false)
        f["encrypted_with_cmk"] = .bool(DeclaredValue(props?["KMSKeyId"]) != .absent)
        f["kms_events_included"] = TrailSelectors.kmsManagementEventsIncluded(
            basic: (props?["EventSelectors"] ?? .null).asList.map { sel in
                (DeclaredValue(sel["IncludeManagementEvents"]).bool("", default: true),
                 (sel["ExcludeManagementEventSources"] ?? .null).asList.compactMap { DeclaredValue($0).text })
            },
            advanced: (props?["AdvancedEventSelectors"] ?? .null).asList.map { sel in
                (sel["FieldSelectors"] ?? .null).asList.map { fs in
                    TrailSelectors.Field(field: fs["Field"]?.stringValue ?? "", equals: (fs["Equals"] ?? .null).asList.compactMap(\.stringValue),
                                         notEquals: (fs["NotEquals"] ?? .null).asList.compactMap(\.stringValue))
                }
            })
        return Resource(type: .auditTrail, id: id, name: logical, fields: f, provenance: provenance)
    }

    /// The logical id a `Ref` or `Fn::GetAtt` points to.
    static func referencedLogicalID(_ value: JSONValue?) -> String? {
        guard case .object(let o)? = value, o.count == 1 else { return nil }
        if let r = o["Ref"]?.stringValue, !r.hasPrefix("AWS::") { return r }
        if case .array(let parts)? = o["Fn::GetAtt"], let first = parts.first?.stringValue { return first }
        if let s = o["Fn::GetAtt"]?.stringValue { return String(s.split(separator: ".").first ?? "") }
        return nil
    }
}
