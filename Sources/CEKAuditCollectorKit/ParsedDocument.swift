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
        try self.init(data: data, locator: locator, lineNumbers: true)
    }

    /// Parses `data`; with `lineNumbers` false, a JSON file that reads without a repeated key gets no YAML tree
    /// (``root`` is `nil`, ``line(at:)`` knows no lines): what content recognition needs, without composing a YAML
    /// tree many times the file's size. Anything else (YAML, invalid JSON, a repeated key) is read as by
    /// ``init(data:locator:)``, with the same errors.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` with the place of the syntax error.
    public init(data: Data, locator: String, lineNumbers: Bool) throws {
        self.locator = locator
        let text = try TextPosition.utf8Text(data, file: locator)
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if trimmed.first == "{" || trimmed.first == "[" {
            syntax = .json
            if !lineNumbers, let plain = JSONValue.parseIfPlain(data) {
                value = plain
                root = nil
                return
            }
            do {
                if let plain = JSONValue.parseIfPlain(data) { value = plain } else {
                    let any = try JSONSerialization.jsonObject(with: data, options: [])
                    value = JSONValue(foundation: any)
                }
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

    /// The line and column a `JSONSerialization` error message points at. Foundation says where in several ways:
    /// "around line L, column C", "around character N", "… at N" (a bad `\u` escape), "Number X is not representable"
    /// (placed at the first occurrence of X), or an unexpected end of the text (placed at its last character, where
    /// the parser stopped reading). `nil` only for a message that names no place at all.
    static func position(in text: String, debug: String) -> (Int?, Int?) {
        func captures(_ pattern: String) -> [Int]? {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let m = regex.firstMatch(in: debug, range: NSRange(debug.startIndex..., in: debug)) else { return nil }
            return (1..<m.numberOfRanges).compactMap { Range(m.range(at: $0), in: debug).flatMap { Int(debug[$0]) } }
        }
        if let lc = captures(#"line (\d+), column (\d+)"#), lc.count == 2 { return (lc[0], lc[1]) }
        let offset: Int
        if let n = captures(#"character (\d+)"#)?.first ?? captures(#" at (\d+)\.?$"#)?.first {
            offset = n
        } else if let range = debug.range(of: #"Number (\S+) is not representable"#, options: .regularExpression),
                  let number = debug[range].split(separator: " ").dropFirst().first,
                  let found = text.utf8.firstRange(of: number.utf8) {
            offset = text.utf8.distance(from: text.utf8.startIndex, to: found.lowerBound)
        } else if debug.localizedCaseInsensitiveContains("end of file") || debug.localizedCaseInsensitiveContains("unexpected end") {
            offset = text.utf8.count   // past the end: the last character
        } else {
            return (nil, nil)
        }
        let place = TextPosition(byteOffset: offset, in: text.utf8)
        return (place.line, place.column)
    }
}
