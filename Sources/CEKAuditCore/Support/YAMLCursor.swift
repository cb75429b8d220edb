import Foundation
import Yams

/// A position in a composed YAML document, for strict, typed reading with `file:line:column` errors.
///
/// Used by the catalog and assessment-file loaders: unknown keys, wrong types and missing required keys are
/// errors that name the place and the fix (STYLE.md, habit 6).
public struct YAMLCursor {
    public let node: Node
    public let file: String
    /// Dotted path from the document root, for messages (`guidelines[2].checks[0].require`).
    public let path: String

    public init(node: Node, file: String, path: String = "") {
        self.node = node
        self.file = file
        self.path = path
    }

    public var line: Int? { node.mark?.line }
    public var column: Int? { node.mark?.column }

    /// An error at this cursor.
    public func error(_ message: String, fix: String? = nil) -> CEKAuditError {
        .invalidInput(file: file, line: line, column: column,
                      message: path.isEmpty ? message : "\(path): \(message)", fix: fix)
    }

    private var kindName: String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The members of a mapping, checked against the allowed and required keys.
    /// - Throws: when this is not a mapping, a key is not in `allowed`, or a `required` key is missing.
    public func mapping(allowed: [String], required: [String] = []) throws -> [String: YAMLCursor] {
        guard case .mapping(let m) = node else {
            throw error("expected a mapping with keys \(allowed.joined(separator: ", ")), found \(kindName)")
        }
        var out: [String: YAMLCursor] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw error("mapping keys must be strings") }
            guard allowed.contains(key) else {
                let keyCursor = YAMLCursor(node: k, file: file, path: path)
                let suggestion = YAMLCursor.closest(key, in: allowed).map { "did you mean '\($0)'?" }
                throw keyCursor.error("unknown key '\(key)'",
                                      fix: suggestion ?? "allowed keys here: \(allowed.joined(separator: ", "))")
            }
            out[key] = YAMLCursor(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
        }
        for key in required where out[key] == nil {
            throw error("missing required key '\(key)'", fix: "add '\(key):'")
        }
        return out
    }

    /// The elements of a list.
    public func list() throws -> [YAMLCursor] {
        guard case .sequence(let s) = node else { throw error("expected a list, found \(kindName)") }
        return s.enumerated().map { YAMLCursor(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A string scalar (numbers and booleans are accepted as their text).
    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("expected a string, found \(kindName)") }
        return s.string
    }

    /// A non-empty string.
    public func nonEmptyString() throws -> String {
        let s = try string()
        // A visible ASCII character settles it without a trip through NSString (the catalog asks this thousands of times).
        if !s.utf8.contains(where: { $0 > 0x20 && $0 < 0x7F }), s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw error("must not be empty")
        }
        return s
    }

    /// An integer.
    public func int() throws -> Int {
        guard case .scalar = node, let i = node.int else { throw error("expected a whole number, found '\(node.string ?? kindName)'") }
        return i
    }

    /// A boolean.
    public func bool() throws -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error("expected true or false, found '\(node.string ?? kindName)'") }
        return b
    }

    /// A calendar date (`2026-09-15`, midnight UTC) or an RFC 3339 date-time (`2026-09-15T00:00:00Z`), read by
    /// ``DateParsing/read(_:epochSeconds:)`` without epoch seconds.
    /// - Throws: when the text is not such a date, or names one that does not exist (`2026-02-30`, year `0000`), with
    ///   the reason.
    public func date() throws -> Date {
        let text = try string()
        switch DateParsing.read(text, epochSeconds: false) {
        case .success(let d): return d
        case .failure(let why):
            throw error("'\(text)' is not a date: \(why.reason)",
                        fix: "write a date such as 2026-09-15 or a date-time such as 2026-09-15T00:00:00Z")
        }
    }

    /// A list of strings, or a single string read as a one-element list.
    public func stringList() throws -> [String] {
        if case .scalar = node { return [try string()] }
        return try list().map { try $0.string() }
    }

    /// A fact value: scalars typed by YAML's core schema, lists recursively, `{unknown: reason}` as unknown.
    public func factValue() throws -> FactValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if ["~", "null", "Null", "NULL", ""].contains(s.string) { return .null }
                if ["true", "false", "True", "False", "TRUE", "FALSE"].contains(s.string), let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                // Only finite numbers: `.inf`, `.nan` and `1e400` stay text, for the readers to refuse.
                if Double(s.string) != nil, let d = node.float, d.isFinite { return .number(d) }
            }
            return .string(s.string)
        case .sequence:
            return .list(try list().map { try $0.factValue() })
        case .mapping:
            let m = try mapping(allowed: ["unknown"], required: ["unknown"])
            guard let reason = m["unknown"] else { throw error("expected {unknown: reason}") }
            return .unknown(reason: try reason.string())
        case .alias:
            throw error("aliases are not allowed here")
        }
    }

    /// The allowed key nearest to `key` by edit distance (Levenshtein), if close enough to be a typo.
    public static func closest(_ key: String, in allowed: [String]) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a), b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let cur = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            return row[b.count]
        }
        let best = allowed.map { ($0, distance(key, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }
}
