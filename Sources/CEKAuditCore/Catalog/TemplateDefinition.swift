import Foundation
import Yams

/// A check template as written in the catalog (``CheckTemplate`` describes it for readers of the catalog): its
/// variables and the `check:` mapping that each derived check expands.
///
/// ```yaml
/// templates:
///   attestation_check:
///     variables:                      # name: what a derived check gives under `with:`
///       topic: what the attestation covers, as a noun phrase
///     defaults: {}                    # values for variables a check may leave out
///     check:                          # any check key but id and title; ${topic}, ${Topic}, ${guideline}
///       subject: attestation
///       messages: {manual: "${Topic} needs an auditor's review or an attestation."}
/// ```
struct TemplateDefinition {
    /// The variable every template has: the id of the guideline the derived check is listed under.
    static let guidelineVariable = "guideline"
    /// Keys a template's `check:` may hold: those of a check, except what each derived check must name itself.
    static let checkKeys = CatalogLoader.checkKeys.filter { $0 != "id" && $0 != "title" }

    var info: CheckTemplate
    /// The `check:` mapping, unexpanded.
    let check: YAMLCursor
    /// First and last line of the template in its file, to tell a mistake in the template from one in a check.
    let lines: ClosedRange<Int>

    /// Whether a place (from an error) lies inside the template's text.
    func contains(file: String, line: Int?) -> Bool {
        guard file == info.source, let line else { return false }
        return lines.contains(line)
    }

    /// Reads every template of a `templates:` mapping, in the order written.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` for a malformed name, variable or
    ///   `check:` key, a `${…}` that names no variable, or a variable the template never uses.
    static func readAll(_ c: YAMLCursor) throws -> [TemplateDefinition] {
        guard case .mapping(let m) = c.node else { throw c.error("templates must be a mapping of name: template") }
        return try m.map { key, value in
            let name = try YAMLCursor(node: key, file: c.file, path: c.path).string()
            let cursor = YAMLCursor(node: value, file: c.file, path: c.path.isEmpty ? name : "\(c.path).\(name)")
            guard isName(name) else {
                throw YAMLCursor(node: key, file: c.file, path: c.path)
                    .error("'\(name)' is not a template name", fix: "use lowercase letters, digits and '_', starting with a letter")
            }
            return try read(name: name, cursor, line: key.mark?.line)
        }
    }

    /// Reads the template `name`, whose value is `c`; `line` is that of its name.
    static func read(name: String, _ c: YAMLCursor, line: Int?) throws -> TemplateDefinition {
        let m = try c.mapping(allowed: ["variables", "defaults", "check"], required: ["variables", "check"])
        var variables: [String: String] = [:]
        var declaredAt: [String: YAMLCursor] = [:]
        guard case .mapping(let vm) = m["variables"]!.node else {
            throw m["variables"]!.error("variables must be a mapping of name: what a derived check gives")
        }
        for (k, v) in vm {
            let key = YAMLCursor(node: k, file: c.file, path: m["variables"]!.path)
            let variable = try key.string()
            guard isName(variable), variable != guidelineVariable else {
                throw key.error("'\(variable)' cannot name a variable",
                                fix: variable == guidelineVariable ? "${guideline} is always set; remove it here"
                                    : "use lowercase letters, digits and '_', starting with a letter")
            }
            variables[variable] = try YAMLCursor(node: v, file: c.file, path: "\(key.path).\(variable)").nonEmptyString()
            declaredAt[variable] = key
        }
        var defaults: [String: String] = [:]
        for (variable, value) in try m["defaults"]?.mapping(allowed: variables.keys.sorted()) ?? [:] {
            defaults[variable] = try value.string()
        }
        let check = m["check"]!
        _ = try check.mapping(allowed: checkKeys)
        var used: Set<String> = []
        for scalar in scalars(check) {
            for reference in try references(in: scalar) {
                guard let variable = resolve(reference, among: variables) else {
                    throw scalar.error("${\(reference)} is not a variable of template \(name)",
                                       fix: "declare it under 'variables:', or use one of \(([guidelineVariable] + variables.keys.sorted()).map { "${\($0)}" }.joined(separator: ", "))")
                }
                used.insert(variable)
            }
        }
        for variable in variables.keys.sorted() where !used.contains(variable) {
            throw (declaredAt[variable] ?? m["variables"]!).error("template \(name) declares variable '\(variable)' but never uses ${\(variable)}",
                                                             fix: "use it in the template's check, or remove it")
        }
        let marks = scalars(c).compactMap(\.line)
        let first = line ?? c.line ?? marks.min() ?? 0
        return TemplateDefinition(
            info: CheckTemplate(name: name, variables: variables, defaults: defaults, checks: [], source: c.file, line: line ?? c.line),
            check: check, lines: first...max(first, marks.max() ?? first))
    }

    /// The template's members with the variables of one derived check substituted.
    /// - Parameters:
    ///   - own: the derived check's own members (its `with:` is read here).
    ///   - entry: the derived check's mapping, for errors about it.
    ///   - guideline: the guideline the check is listed under.
    /// - Throws: for a `with:` value the template does not declare, or a declared variable without a value.
    func expand(for own: [String: YAMLCursor], entry: YAMLCursor, guideline: String) throws -> [String: YAMLCursor] {
        var values = info.defaults
        let declared = info.variables.keys.sorted()
        for (variable, value) in try own["with"]?.mapping(allowed: declared) ?? [:] {
            values[variable] = try value.string()
        }
        for variable in declared where values[variable] == nil {
            throw (own["with"] ?? entry).error("template \(info.name) needs a value for '\(variable)' (\(info.variables[variable] ?? ""))",
                                               fix: "add '\(variable): …' under 'with:'")
        }
        values[Self.guidelineVariable] = guideline
        let node = Self.substitute(check.node, values: values, variables: info.variables)
        return try YAMLCursor(node: node, file: check.file, path: check.path).mapping(allowed: Self.checkKeys)
    }

    // MARK: variables

    static func isName(_ s: String) -> Bool {
        s.range(of: #"^[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil
    }

    /// The variable a `${reference}` stands for: itself, or for `${Name}` the variable `name` (capitalised).
    static func resolve(_ reference: String, among variables: [String: String]) -> String? {
        if reference == guidelineVariable || variables[reference] != nil { return reference }
        let lowered = reference.prefix(1).lowercased() + reference.dropFirst()
        if lowered != reference, lowered == guidelineVariable || variables[lowered] != nil { return lowered }
        return nil
    }

    /// The names inside `${…}` in a scalar, in order.
    /// - Throws: for a `${` without its closing brace.
    static func references(in scalar: YAMLCursor) throws -> [String] {
        guard case .scalar(let s) = scalar.node else { return [] }
        var out: [String] = []
        guard replacing(in: s.string, { out.append($0); return "" }) != nil else {
            throw scalar.error("'${' without a closing '}'", fix: "write a variable as ${name}")
        }
        return out
    }

    /// `text` with each `${reference}` replaced by `transform(reference)` in one pass (a replacement is not
    /// scanned again); `nil` when a `${` is not closed.
    static func replacing(in text: String, _ transform: (String) -> String) -> String? {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { return nil }
            out += rest[..<open.lowerBound]
            out += transform(String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Every scalar value (not key) under `c`, with its place.
    static func scalars(_ c: YAMLCursor) -> [YAMLCursor] {
        switch c.node {
        case .scalar: return [c]
        case .mapping(let m):
            return m.flatMap { k, v in scalars(YAMLCursor(node: v, file: c.file, path: c.path.isEmpty ? (k.string ?? "") : "\(c.path).\(k.string ?? "")")) }
        case .sequence(let s):
            return s.enumerated().flatMap { scalars(YAMLCursor(node: $1, file: c.file, path: "\(c.path)[\($0)]")) }
        case .alias: return []
        }
    }

    /// `node` with every `${reference}` in its scalar values replaced; places (marks) and styles are kept, so the
    /// expanded check reads, and reports its mistakes, as if it were written in the template.
    static func substitute(_ node: Node, values: [String: String], variables: [String: String]) -> Node {
        switch node {
        case .scalar(let s):
            // Every reference was resolved when the template was read, so none is left as written.
            let text = replacing(in: s.string) { reference in
                guard let variable = resolve(reference, among: variables), let value = values[variable] else { return "${\(reference)}" }
                return reference == variable ? value : value.prefix(1).uppercased() + value.dropFirst()
            } ?? s.string
            return .scalar(Node.Scalar(text, s.tag, s.style, s.mark))
        case .mapping(let m):
            return .mapping(Node.Mapping(m.map { ($0.key, substitute($0.value, values: values, variables: variables)) }, m.tag, m.style, m.mark))
        case .sequence(let s):
            return .sequence(Node.Sequence(s.map { substitute($0, values: values, variables: variables) }, s.tag, s.style, s.mark))
        case .alias:
            return node
        }
    }
}
