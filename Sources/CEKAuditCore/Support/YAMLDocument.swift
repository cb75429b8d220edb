import Foundation
import Yams

/// Safe YAML loading for untrusted input (control catalogs, assessment files, CloudFormation templates).
///
/// Yams has no limit on alias expansion ("billion laughs"): `Yams.load` and `YAMLDecoder` grow tenfold per level.
/// `Yams.compose` is cheap even for such a file because aliases share storage, so we compose, then walk the tree
/// as a consumer would and refuse the document once either budget is spent (measured in
/// `shared/reference/swift-stack.md` §3): a number of nodes, and the size of the text in its scalars. The second
/// matters as much as the first: a 1 MB template that names one long string through a few thousand aliases stays
/// far under the node budget yet expands to gigabytes, in memory and in every report that repeats the value.
public enum YAMLDocument {
    /// Largest input accepted, in bytes.
    public static let maxBytes = 32 * 1024 * 1024
    /// Largest number of nodes after alias expansion.
    public static let maxNodes = 1_000_000
    /// Largest total size of the scalars (keys and values, in UTF-8 bytes) after alias expansion: the size of the
    /// largest file accepted. A document without aliases never comes near it (its scalars are no larger than the
    /// file); aliases may reuse a value, but not to make the document larger than any file could be.
    public static let maxExpandedBytes = maxBytes

    /// The tag resolver of every document: YAML 1.1's rules as Yams' `Resolver.default` applies them, behind one rule
    /// that settles the commonest case at once. A plain scalar that begins with an ASCII letter and is not one of the
    /// words the `bool` and `null` rules know can match no default rule (`int`, `float` and `timestamp` begin with a
    /// digit, a sign or a dot; `merge`, `value` and `null`'s `~` and empty text with neither), so it is a string: one
    /// regular-expression match instead of seven. Yams resolves the tag of every mapping key while composing (its
    /// duplicate-key check hashes them), which was half the time of loading the control catalog.
    /// `YAMLResolverTests` pins that it resolves every scalar as `Resolver.default` does.
    public static let resolver: Resolver = {
        // `$` as the default rules use it: the end of the text, or before a line break that ends it.
        let words = "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL"
        // swiftlint:disable:next force_try
        let plainString = try! Resolver.Rule(.str, "^(?!(?:\(words))$)[A-Za-z]")
        return [Resolver.Rule.bool, .int, .float, .merge, .null, .timestamp, .value]
            .reduce(Resolver.basic.appending(plainString)) { $0.appending($1) }
    }()

    /// Composes `text` into a node tree, with CloudFormation short-form tags kept on the nodes.
    /// - Returns: `nil` for an empty document.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` with the line and column of a
    ///   syntax error, or when the document is too large or expands past ``maxNodes``.
    public static func compose(_ text: String, file: String) throws -> Node? {
        if text.utf8.count > maxBytes {
            throw CEKAuditError.invalidInput(file: file, line: nil, column: nil,
                                             message: "the file is larger than \(maxBytes / 1_048_576) MiB",
                                             fix: "split it, or pass a smaller file")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, resolver)
        } catch let error as YamlError {
            throw invalid(error, file: file, text: text)
        } catch {
            // Not a YamlError: nothing tells where; the parser read up to the end at most.
            let end = TextPosition(byteOffset: text.utf8.count, in: text.utf8)
            throw CEKAuditError.invalidInput(file: file, line: end.line, column: end.column, message: "\(error)", fix: nil)
        }
        if let node { try checkExpansion(node, file: file) }
        return node
    }

    /// Walks `node` as a consumer would (aliases expanded) and throws once more than ``maxNodes`` nodes or more than
    /// ``maxExpandedBytes`` bytes of scalar text are seen, at the place of the node that crossed the limit (for an
    /// alias, the anchor it repeats).
    static func checkExpansion(_ root: Node, file: String) throws {
        try checkExpansion(root, file: file, maxNodes: maxNodes, maxBytes: maxExpandedBytes)
    }

    /// ``checkExpansion(_:file:)`` with explicit limits, for tests.
    static func checkExpansion(_ root: Node, file: String, maxNodes: Int, maxBytes: Int) throws {
        var nodes = 0, bytes = 0
        var stack: [Node] = [root]
        while let node = stack.popLast() {
            nodes += 1
            if nodes > maxNodes {
                throw CEKAuditError.invalidInput(
                    file: file, line: node.mark?.line ?? root.mark?.line, column: node.mark?.column ?? root.mark?.column,
                    message: "the document expands to more than \(maxNodes) nodes (YAML aliases nested like a \"billion laughs\" file)",
                    fix: "remove the nested anchors and aliases; write the values out")
            }
            switch node {
            case .scalar(let s):
                bytes += s.string.utf8.count
                if bytes > maxBytes {
                    throw CEKAuditError.invalidInput(
                        file: file, line: node.mark?.line, column: node.mark?.column,
                        message: "the document expands to more than \(describe(bytes: maxBytes)) of text once its YAML aliases are "
                            + "replaced by what they repeat (the limit is the size of the largest file read)",
                        fix: "write the values out instead of repeating a long value through anchors and aliases, or split the file")
                }
            case .mapping(let m):
                for (k, v) in m { stack.append(k); stack.append(v) }
            case .sequence(let s):
                stack.append(contentsOf: s)
            case .alias:
                break
            }
        }
    }

    /// `33554432` → `32 MiB`; smaller sizes in bytes.
    static func describe(bytes: Int) -> String {
        bytes >= 1_048_576 && bytes % 1_048_576 == 0 ? "\(bytes / 1_048_576) MiB" : "\(bytes) bytes"
    }

    static func invalid(_ error: YamlError, file: String, text: String) -> CEKAuditError {
        switch error {
        case let .scanner(context, problem, mark, _):
            return .invalidInput(file: file, line: mark.line, column: mark.column,
                                 message: "YAML syntax: \(context?.text ?? "") \(problem)".replacingOccurrences(of: "  ", with: " "),
                                 fix: "check quoting and indentation (spaces, not tabs) near this place")
        case let .parser(context, problem, mark, _):
            return .invalidInput(file: file, line: mark.line, column: mark.column,
                                 message: "YAML structure: \(context?.text ?? "") \(problem)".replacingOccurrences(of: "  ", with: " "),
                                 fix: "check indentation and that every list item starts with '-'")
        case let .composer(context, problem, mark, _):
            return .invalidInput(file: file, line: mark.line, column: mark.column,
                                 message: "YAML: \(context?.text ?? "") \(problem)".replacingOccurrences(of: "  ", with: " "),
                                 fix: "define each anchor before the alias that uses it")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.sorted().joined(separator: ", ")
            return .invalidInput(file: file, line: context.mark.line, column: context.mark.column,
                                 message: "duplicate key(s) \(names) in one mapping", fix: "keep one of them")
        case let .reader(problem, offset, value, yaml):
            // The reader stopped at `offset` (characters); control characters and bad encodings end up here.
            let place = TextPosition(characterOffset: offset ?? yaml.count, in: yaml)
            let what = value >= 0 ? " (character U+\(String(format: "%04X", value)))" : ""
            return .invalidInput(file: file, line: place.line, column: place.column, message: "YAML: \(problem)\(what)",
                                 fix: "remove the character or write it as an escape inside a double-quoted string (\"\\u0001\")")
        default:
            // Not tied to a place: at the end of the text, the furthest the reader can have gone.
            let end = TextPosition(byteOffset: text.utf8.count, in: text.utf8)
            return .invalidInput(file: file, line: end.line, column: end.column, message: "YAML: \(error)", fix: nil)
        }
    }

    /// Converts a composed node to a ``JSONValue``. CloudFormation short-form tags become their long form
    /// (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub …` → `{"Fn::Sub": …}`).
    /// Plain scalars are resolved with the YAML 1.1 core rules Yams applies (`true`, numbers, `null`).
    public static func jsonValue(_ node: Node) -> JSONValue {
        let tag = node.tag.description
        if tag.hasPrefix("!"), !tag.hasPrefix("!!") {
            let name = String(tag.dropFirst())
            let inner = untagged(node)
            if name == "Ref" || name == "Condition" { return .object([name: inner]) }
            if name == "GetAtt", case .string(let s) = inner {
                let parts = s.split(separator: ".", maxSplits: 1).map(String.init)
                return .object(["Fn::GetAtt": .array(parts.map(JSONValue.string))])
            }
            return .object(["Fn::" + name: inner])
        }
        return untagged(node)
    }

    private static func untagged(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain || node.tag.description.hasPrefix("tag:yaml.org") && s.style == .plain {
                if s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL" || s.string.isEmpty { return .null }
                if let b = node.bool, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(s.string) { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                if let d = node.float, d.isFinite, s.string.contains("."), Double(s.string) != nil { return .number(d) }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(seq.map(jsonValue))
        case .mapping(let m):
            var out: [String: JSONValue] = [:]
            for (k, v) in m { out[k.string ?? "\(k)"] = jsonValue(v) }
            return .object(out)
        case .alias:
            return .null
        }
    }
}
