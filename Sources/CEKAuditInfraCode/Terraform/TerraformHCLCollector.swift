import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditHCL
import Foundation
import Logging

/// Reads Terraform configurations directly from `.tf` / `.tf.json` files (with `terraform.tfvars`, `*.auto.tfvars`),
/// without a plan: what an auditor handed a repository can assess.
///
/// The files of one source entry are read together: each folder holding `.tf` files is a module; a folder another
/// one calls as a local module (`source = "./modules/kms"`) is read through that call, with its inputs, and not as a
/// root of its own. The configuration is evaluated offline by ``TerraformConfiguration`` (CEKAuditHCL): anything that
/// cannot be known without applying (a variable without a value, a provider-computed attribute, a remote module)
/// is an unknown fact, never a guess. The resources it declares go through the same resource-type mapping as a plan
/// (``TerraformCollector``), with references between resources taken from the expressions, so a bucket's
/// `kms_master_key_id = aws_kms_key.data.arn` links that bucket to that key. Every fact names the `.tf` file and the
/// line of its block. A file with a syntax error is skipped alone, with a diagnostic naming file:line:column.
public struct TerraformHCLCollector: EvidenceCollector {
    public let kind = "terraform-hcl"
    public let input = CollectorInput.batch
    public var reads: String {
        "Terraform configurations as written (`*.tf`, `*.tf.json`, `terraform.tfvars`, `*.auto.tfvars`), evaluated offline: the same AWS, Google Cloud and Azure resources as a plan, with local modules, count / for_each and aws_iam_policy_document followed; unknowable values stay unknown."
    }
    public let example = "{path: infra/terraform, kind: terraform-hcl, account: \"111122223333\"}"
    public let suppliedTypes: [ResourceType] = TerraformCollector().suppliedTypes

    public init() {}

    /// Whether a file name is part of a Terraform configuration (`.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`).
    public static func isConfigurationFile(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.hasSuffix(".tf") || n.hasSuffix(".tf.json") || n.hasSuffix(".tfvars") || n.hasSuffix(".tfvars.json")
    }

    public func recognizes(_ probe: ContentProbe) -> Bool { Self.isConfigurationFile(probe.locator) }

    /// Resource types whose `policy` is computed by the provider when not configured (the default key policy).
    static let defaultPolicyTypes: Set<String> = ["aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key", "aws_kms_replica_external_key"]

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var out = FactSet()
        guard let first = job.files.first else { return out }
        // The assessment folder: the files' paths without their locators. Nothing is read outside it.
        let base: String = first.path.hasSuffix("/" + first.locator) ? String(first.path.dropLast(first.locator.count + 1))
            : (first.path as NSString).deletingLastPathComponent
        let baseURL = URL(fileURLWithPath: base).standardizedFileURL
        var evidence: [String: String] = [:]   // locator → evidence id
        func addEvidence(_ locator: String) -> String? {
            if let id = evidence[locator] { return id }
            guard let data = FileManager.default.contents(atPath: baseURL.appendingPathComponent(locator).path) else { return nil }
            let item = EvidenceItem(collector: kind, locator: locator, kind: kind, bytes: data, collectedAt: context.now)
            out.addEvidence(item, bytes: data)
            evidence[locator] = item.id
            return item.id
        }
        for f in job.files { _ = addEvidence(f.locator) }
        let moduleFolders = Set(job.files.filter { !$0.locator.lowercased().contains(".tfvars") }.map { ($0.path as NSString).deletingLastPathComponent })
            .sorted { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }
        var readAsModule: Set<String> = []
        for folder in moduleFolders where !readAsModule.contains(URL(fileURLWithPath: folder).standardizedFileURL.path) {
            let config = TerraformConfiguration(folder: URL(fileURLWithPath: folder), boundary: baseURL, varFiles: first.varFiles)
            readAsModule.formUnion(config.moduleFolders)
            let folderLocator = config.relative(URL(fileURLWithPath: folder))
            // Resource ids are `<module folder>#<address>`; the assessed folder itself is named by its last component.
            let label = folderLocator.isEmpty || folderLocator == baseURL.path ? baseURL.lastPathComponent : folderLocator
            var partial = false
            for file in config.files { _ = addEvidence(file) }
            for note in config.notes {
                let where_ = "\(note.range.filename):\(note.range.start.line):\(note.range.start.column)"
                out.diagnostics.append(Diagnostic(note.fileSkipped ? .error : .warning, source: note.range.filename, line: note.range.start.line,
                                                  column: note.range.start.column, message: note.message,
                                                  fix: note.fix))
                if note.fileSkipped {
                    out.coverage.append(SourceCoverage(source: note.range.filename, collector: kind, status: .failed, resourceTypes: suppliedTypes,
                                                       detail: "syntax error at \(where_): \(note.message)"))
                }
                partial = true
            }
            var resources: [TerraformCollector.TFResource] = []
            var references: [String: [String: [String]]] = [:]
            var changes: [JSONValue] = []
            for r in config.resources {
                guard let ev = evidence[r.range.filename] ?? addEvidence(r.range.filename) else { continue }
                var unknown = Set<String>()
                var reasons: [String: String] = [:]
                for (k, v) in r.values where v.containsUnknown {
                    unknown.insert(k)
                    reasons[k] = v.unknownReason
                }
                if r.mode == "managed", Self.defaultPolicyTypes.contains(r.type), r.values["policy"] == nil {
                    unknown.insert("policy")
                    reasons["policy"] = "no policy is configured, so AWS applies the default key policy, which the provider reads back only after apply"
                }
                var tf = TerraformCollector.TFResource(address: r.address, type: r.type, mode: r.mode, values: Self.json(.object(r.values)),
                                                       unknown: unknown, path: [])
                tf.complete = false
                tf.site = .init(locator: r.range.filename, line: r.range.start.line, evidence: ev,
                                attributes: r.attributeRanges.mapValues(\.start.line))
                tf.unknownReasons = reasons
                resources.append(tf)
                for (attr, refs) in r.references {
                    let merged = (references[tf.baseAddress]?[attr] ?? []) + refs
                    var seen = Set<String>()
                    references[tf.baseAddress, default: [:]][attr] = merged.filter { seen.insert($0).inserted }
                }
                if references[tf.baseAddress] == nil { references[tf.baseAddress] = [:] }
                changes.append(.object(["address": .string(r.address), "change": .object(["after_unknown": Self.afterUnknown(.object(r.values))])]))
                if r.multiplicityUnknown {
                    out.diagnostics.append(Diagnostic(.warning, source: r.range.filename, line: r.range.start.line, column: r.range.start.column,
                                                      message: "\(r.address): count / for_each is not known offline, so this entry stands for an unknown number of instances",
                                                      fix: "give the variables it depends on a value (terraform.tfvars), or assess a plan"))
                    partial = true
                }
            }
            // A synthetic plan root: the mapping reads `after_unknown` from it, as it does from a real plan.
            let root = JSONValue.object(["format_version": .string("1.2"), "planned_values": .object([:]), "resource_changes": .array(changes)])
            let mapped = TerraformCollector.facts(.init(resources: resources, references: references, root: root, locator: label,
                                                        account: first.account, tenant: first.tenant, evidence: evidence.values.sorted().first ?? "",
                                                        line: { _ in nil }))
            out.resources += mapped.resources
            out.diagnostics += mapped.diagnostics
            if mapped.partial { partial = true }
            let notRead = config.modulesNotRead.map { "module \($0.address) (\($0.source)) not read" }
            var detail: [String] = []
            if !notRead.isEmpty { detail.append(notRead.joined(separator: "; ")) }
            if mapped.partial { detail.append("some values are not known offline") }
            let mine = mapped.resources
            out.coverage.append(coverage(label, resources: mine, partial: partial || !notRead.isEmpty,
                                         detail: detail.isEmpty ? nil : detail.joined(separator: "; ")))
        }
        return out
    }

    /// An evaluated value as JSON; unknowns become null (the `unknown` set and `after_unknown` say which).
    static func json(_ v: HCLValue) -> JSONValue {
        switch v {
        case .null, .unknown: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .list(let l): return .array(l.map(json))
        case .object(let o): return .object(o.filter { $0.key != HCLEvaluator.computedMarker }.mapValues(json))
        }
    }

    /// The shape of a plan's `after_unknown`: `true` where the value is unknown.
    static func afterUnknown(_ v: HCLValue) -> JSONValue {
        switch v {
        case .unknown: return .bool(true)
        case .list(let l): return .array(l.map(afterUnknown))
        case .object(let o): return .object(o.filter { $0.value.containsUnknown }.mapValues(afterUnknown))
        default: return .bool(false)
        }
    }
}
