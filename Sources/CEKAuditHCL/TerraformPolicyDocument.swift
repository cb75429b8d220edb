import Foundation

/// Renders `data "aws_iam_policy_document"` to the policy JSON the AWS provider produces for it (its `json`
/// attribute), from the block's evaluated values.
///
/// Follows the AWS provider's data source documentation (registry.terraform.io/providers/hashicorp/aws, data source
/// `aws_iam_policy_document`): `version` (default `2012-10-17`), `policy_id`, `statement` blocks with `sid`,
/// `effect` (default `Allow`), `actions` / `not_actions`, `resources` / `not_resources`, `principals` /
/// `not_principals` (`type`, `identifiers`; type `*` with identifier `*` is `"Principal": "*"`) and `condition`
/// (`test`, `variable`, `values`); a set of one element is written as a string, as the provider does.
/// `source_policy_documents` contribute their statements first; a current statement with the same `Sid` replaces
/// one of them; `override_policy_documents` then replace statements with the same `Sid` or are appended.
/// Anything unknown makes the whole document unknown: a policy is never half-guessed.
public enum TerraformPolicyDocument {
    /// The `json` value for the block's values: a JSON string, or `.unknown` naming why.
    public static func render(_ values: [String: HCLValue]) -> HCLValue {
        let v = HCLValue.object(values)
        if let r = v.unknownReason { return .unknown("the policy document depends on a value not known offline: \(r)") }
        var statements: [(sid: String?, value: HCLValue)] = []
        func merge(_ docs: HCLValue?) -> String? {
            guard case .list(let list)? = docs else { return nil }
            for d in list {
                guard let text = d.stringValue, let parsed = try? HCLValue.fromJSON(text) else {
                    return "a source or override policy document is not a JSON policy"
                }
                var items: [HCLValue] = []
                switch parsed["Statement"] {
                case .list(let l)?: items = l
                case .object?: items = [parsed["Statement"] ?? .null]
                default: break
                }
                for s in items {
                    let sid = s["Sid"]?.stringValue
                    if let sid, !sid.isEmpty, let i = statements.firstIndex(where: { $0.sid == sid }) { statements[i].value = s } else { statements.append((sid, s)) }
                }
            }
            return nil
        }
        if let problem = merge(values["source_policy_documents"]) { return .unknown(problem) }
        for case .object(let s) in values["statement"]?.listValue ?? [] {
            var out: [String: HCLValue] = [:]
            let sid = s["sid"]?.stringValue
            if let sid, !sid.isEmpty { out["Sid"] = .string(sid) }
            out["Effect"] = .string(s["effect"]?.stringValue ?? "Allow")
            for (attr, key) in [("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")] {
                if let set = stringSet(s[attr]) { out[key] = set }
            }
            for (attr, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
                guard case .list(let blocks)? = s[attr], !blocks.isEmpty else { continue }
                var byType: [String: [String]] = [:]
                for b in blocks {
                    guard let type = b["type"]?.stringValue else { continue }
                    byType[type, default: []] += (b["identifiers"]?.listValue ?? []).compactMap(\.asString)
                }
                if byType.count == 1, byType["*"].map({ Set($0) == ["*"] }) == true { out[key] = .string("*"); continue }
                out[key] = .object(byType.mapValues { single(Array(Set($0)).sorted()) })
            }
            if case .list(let conditions)? = s["condition"], !conditions.isEmpty {
                var c: [String: [String: [String]]] = [:]
                for cond in conditions {
                    guard let test = cond["test"]?.stringValue, let variable = cond["variable"]?.stringValue else { continue }
                    c[test, default: [:]][variable, default: []] += (cond["values"]?.listValue ?? []).compactMap(\.asString)
                }
                out["Condition"] = .object(c.mapValues { .object($0.mapValues { single($0) }) })
            }
            if let sid, !sid.isEmpty, let i = statements.firstIndex(where: { $0.sid == sid }) { statements[i].value = .object(out) }
            else { statements.append((sid, .object(out))) }
        }
        if let problem = merge(values["override_policy_documents"]) { return .unknown(problem) }
        var doc: [String: HCLValue] = ["Version": .string(values["version"]?.stringValue ?? "2012-10-17"), "Statement": .list(statements.map(\.value))]
        if let id = values["policy_id"]?.stringValue { doc["Id"] = .string(id) }
        return .string(HCLValue.object(doc).jsonText() ?? "")
    }

    static func stringSet(_ v: HCLValue?) -> HCLValue? {
        guard case .list(let l)? = v else { return nil }
        return single(Array(Set(l.compactMap(\.asString))).sorted())
    }

    static func single(_ l: [String]) -> HCLValue { l.count == 1 ? .string(l[0]) : .list(l.map(HCLValue.string)) }
}
