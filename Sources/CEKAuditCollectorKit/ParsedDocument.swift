import CEKAuditCore
import Foundation
import Yams

/// A JSON or YAML input file, parsed once: its value, and the composed YAML tree for line numbers.
///
/// JSON files are checked with `JSONSerialization` first, so a file that is YAML-valid but not JSON-valid (a
/// CloudFormation fragment, a missing comma) is reported as invalid JSON with its line and column. YAML goes through
/// ``YAMLDocument/compose(_:file:)`` (size and alias-expansion limits; CloudFormation short-form tags kept).
public struct ParsedDocument: @unchecked Sendable {   // immutable after parsing; the YAML tree is only read
    public enum Syntax: String, Sendable { case json, yaml }

    public let locator: String
    public let syntax: Syntax
    public private(set) var value: JSONValue
    /// The composed YAML tree (also for JSON files YAML can read), for line numbers and strict YAML readers.
    public let root: Node?
    /// Whether this is a CloudFormation fragment (resources without a `Resources` section) read as a template.
    public private(set) var isFragment = false

    /// The same document read as a template whose `Resources` are its top-level members.
    public func asTemplateFragment() -> ParsedDocument {
        var copy = self
        copy.value = .object(["Resources": value])
        copy.isFragment = true
        return copy
    }

    /// Parses `data`. `locator` names the file in errors.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` with the place of the syntax error.
    public init(data: Data, locator: String) throws {
        self.locator = locator
        guard let text = String(data: data, encoding: .utf8) else {
            throw CEKAuditError.invalidInput(file: locator, line: nil, column: nil, message: "the file is not UTF-8 text",
                                             fix: "convert it to UTF-8")
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if trimmed.first == "{" || trimmed.first == "[" {
            syntax = .json
            do {
                let any = try JSONSerialization.jsonObject(with: data, options: [])
                value = JSONValue(foundation: any)
            } catch {
                let debug = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
                let (line, column) = ParsedDocument.position(in: text, debug: debug)
                throw CEKAuditError.invalidInput(
                    file: locator, line: line, column: column,
                    message: "not valid JSON: \(debug)",
                    fix: "check for a missing comma, a trailing comma or an unclosed brace near this place (a template fragment must be wrapped in a whole document)")
            }
            // Line numbers, and duplicate keys: JSON parsers keep the last of two equal keys silently, which would
            // let `"EnableKeyRotation": false, "EnableKeyRotation": true` read as on. A JSON file YAML cannot read
            // for other reasons (tabs) still works, without line numbers.
            do {
                root = try YAMLDocument.compose(text, file: locator)
            } catch let CEKAuditError.invalidInput(file, line, column, message, _) where message.contains("duplicate key") {
                throw CEKAuditError.invalidInput(file: file, line: line, column: column, message: message,
                                                 fix: "keep one of them: JSON parsers disagree on which one wins")
            } catch {
                root = nil
            }
        } else {
            syntax = .yaml
            let node = try YAMLDocument.compose(text, file: locator)
            root = node
            value = node.map(YAMLDocument.jsonValue) ?? .null
        }
    }

    /// A path step into the document.
    public enum Step: Sendable, Hashable, CustomStringConvertible {
        case key(String)
        case index(Int)
        public var description: String {
            switch self {
            case .key(let k): return k
            case .index(let i): return "[\(i)]"
            }
        }
    }

    /// The 1-based line where the value at `path` starts, when known.
    public func line(at path: [Step]) -> Int? {
        guard var node = root else { return nil }
        let steps = isFragment && path.first == .key("Resources") ? Array(path.dropFirst()) : path
        for step in steps {
            switch (step, node) {
            case (.key(let k), .mapping(let m)):
                guard let next = m.first(where: { $0.key.string == k })?.value else { return node.mark?.line }
                node = next
            case (.index(let i), .sequence(let s)):
                guard i < s.count else { return node.mark?.line }
                node = s[i]
            default:
                return node.mark?.line
            }
        }
        return node.mark?.line
    }

    /// The dotted form of a path, for provenance pointers: `Resources.AppKey.Properties`.
    public static func pointer(_ path: [Step]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let k): out += out.isEmpty ? k : ".\(k)"
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }

    /// Turns Foundation's "around character N" into a line and column; an unexpected end of the text is placed at
    /// its last character (where the parser stopped reading).
    static func position(in text: String, debug: String) -> (Int?, Int?) {
        let offset: Int
        if let range = debug.range(of: #"character (\d+)"#, options: .regularExpression),
           let n = Int(debug[range].dropFirst("character ".count)) {
            offset = n
        } else if debug.localizedCaseInsensitiveContains("end of file") || debug.localizedCaseInsensitiveContains("unexpected end") {
            offset = max(0, text.utf8.count - 1)
        } else {
            return (nil, nil)
        }
        var line = 1, column = 1, count = 0
        for scalar in text.utf8 {
            if count >= offset { break }
            if scalar == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
            count += 1
        }
        return (line, column)
    }
}
