import Foundation

/// The JSON form of a Terraform configuration (`*.tf.json`) read into the same ``HCLBody`` model as native syntax.
///
/// Follows the HCL JSON syntax specification (hcl `json/spec.md`) with Terraform's schema for the top level:
/// `resource` / `data` (type → name → body), `module` / `variable` / `output` / `provider` (name → body), `locals`
/// and `terraform` (body). Inside a body, a JSON string is a template (`"${aws_kms_key.main.arn}"`), and an object
/// or an array of objects is a nested block unless its name is a map attribute (`tags`, `labels`, …); other values
/// are attributes.
public enum TerraformJSONForm {
    /// Attribute names whose object values are maps, not nested blocks.
    static let mapAttributes: Set<String> = ["tags", "tags_all", "labels", "variables", "environment", "triggers", "default", "value",
                                             "policy", "inputs", "settings", "metadata", "annotations", "context", "parameters"]

    /// The body of a whole `.tf.json` document.
    /// - Throws: ``HCLSyntaxError`` when the document is not an object or a string is not a valid template.
    public static func body(_ doc: HCLJSON) throws(HCLSyntaxError) -> HCLBody {
        guard case .object(let members) = doc.kind else { throw HCLSyntaxError(range: doc.range, message: "a .tf.json file must hold a JSON object") }
        var items: [HCLBody.Item] = []
        for m in members {
            switch m.key {
            case "resource", "data":
                for (type, typeRange, byName) in objectMembers(m.value) {
                    for (name, _, value) in objectMembers(byName) {
                        for b in bodies(value) {
                            items.append(.block(HCLBlock(type: m.key, labels: [type, name], body: try body(b, top: false), range: b.range, typeRange: typeRange)))
                        }
                    }
                }
            case "module", "variable", "output", "provider":
                for (name, nameRange, value) in objectMembers(m.value) {
                    for b in bodies(value) {
                        items.append(.block(HCLBlock(type: m.key, labels: [name], body: try body(b, top: m.key == "variable" || m.key == "output" || m.key == "module"),
                                                     range: b.range, typeRange: nameRange)))
                    }
                }
            case "locals", "terraform":
                for b in bodies(m.value) {
                    items.append(.block(HCLBlock(type: m.key, labels: [], body: try body(b, top: true), range: b.range, typeRange: m.keyRange)))
                }
            default: break
            }
        }
        return HCLBody(items: items, range: doc.range)
    }

    static func objectMembers(_ v: HCLJSON) -> [(String, HCLRange, HCLJSON)] {
        guard case .object(let m) = v.kind else { return [] }
        return m.map { ($0.key, $0.keyRange, $0.value) }
    }

    static func bodies(_ v: HCLJSON) -> [HCLJSON] {
        if case .array(let a) = v.kind { return a }
        return [v]
    }

    /// A JSON object as a body. `top` bodies (locals, variable, output, module) hold attributes only.
    static func body(_ v: HCLJSON, top: Bool) throws(HCLSyntaxError) -> HCLBody {
        var items: [HCLBody.Item] = []
        for (key, keyRange, value) in objectMembers(v) {
            let isObject: Bool = { if case .object = value.kind { true } else { false } }()
            let isObjectArray: Bool = {
                if case .array(let a) = value.kind, !a.isEmpty { return a.allSatisfy { if case .object = $0.kind { true } else { false } } }
                return false
            }()
            if !top, !mapAttributes.contains(key), key != "dynamic", isObject || isObjectArray {
                for b in bodies(value) {
                    items.append(.block(HCLBlock(type: key, labels: [], body: try body(b, top: false), range: b.range, typeRange: keyRange)))
                }
                continue
            }
            if key == "dynamic" {
                for (name, nameRange, d) in objectMembers(value) {
                    for b in bodies(d) {
                        items.append(.block(HCLBlock(type: "dynamic", labels: [name], body: try body(b, top: false), range: b.range, typeRange: nameRange)))
                    }
                }
                continue
            }
            let e = try expression(value)
            items.append(.attribute(HCLAttribute(name: key, expression: e, range: HCLRange(filename: keyRange.filename, start: keyRange.start, end: value.range.end),
                                                 nameRange: keyRange)))
        }
        return HCLBody(items: items, range: v.range)
    }

    /// A JSON value as an expression: strings are templates.
    public static func expression(_ v: HCLJSON) throws(HCLSyntaxError) -> HCLExpression {
        switch v.kind {
        case .null: return HCLExpression(.null, range: v.range)
        case .bool(let b): return HCLExpression(.bool(b), range: v.range)
        case .number(let n, let t): return HCLExpression(.number(n, t), range: v.range)
        case .string(let s):
            var parts: [HCLTemplatePart]
            do { parts = try HCLParser.parseTemplate(Data(s.utf8), filename: v.range.filename) } catch {
                throw HCLSyntaxError(range: v.range, message: "in a string template: \(error.message)")
            }
            if parts.isEmpty { parts = [.literal("")] }
            return HCLExpression(.template(parts), range: v.range)
        case .array(let a):
            var items: [HCLExpression] = []
            for x in a { items.append(try expression(x)) }
            return HCLExpression(.tuple(items), range: v.range)
        case .object(let m):
            var items: [HCLObjectItem] = []
            for x in m {
                items.append(HCLObjectItem(key: HCLExpression(.template([.literal(x.key)]), range: x.keyRange), value: try expression(x.value)))
            }
            return HCLExpression(.object(items), range: v.range)
        }
    }
}
