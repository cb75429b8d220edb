import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads the path rules of an ACL policy document, in HCL or in its JSON form (OpenBao documentation, "Policies";
/// HCL syntax per the HashiCorp Configuration Language specification, native syntax).
///
/// Only what the isolation analysis needs is kept: every `path "<pattern>" { capabilities = [...] }` stanza, with
/// the deprecated `policy = "read" | "write" | "deny" | "sudo"` form translated to capabilities. Other attributes
/// (`allowed_parameters`, `min_wrapping_ttl` …) are parsed and ignored. Comments (`#`, `//`, `/* */`) are allowed.
public enum ACLPolicyParser {
    /// A syntax error with its line.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses policy text.
    /// - Throws: ``SyntaxError`` when the text is neither valid HCL nor JSON of the policy shape.
    public static func parse(_ text: String) throws -> [ACLPolicy.Rule] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        if trimmed.first == "{" {
            if let data = trimmed.data(using: .utf8), let any = try? JSONSerialization.jsonObject(with: data) {
                return rules(fromJSON: JSONValue(foundation: any))
            }
        }
        var parser = Parser(tokens: try tokenize(text))
        return try parser.document()
    }

    // MARK: JSON form: {"path": {"pattern": {"capabilities": [...]}}}

    static func rules(fromJSON v: JSONValue) -> [ACLPolicy.Rule] {
        var out: [ACLPolicy.Rule] = []
        func add(_ pattern: String, _ body: JSONValue) {
            out.append(ACLPolicy.Rule(path: pattern, capabilities: capabilities(from: body)))
        }
        for p in v["path"]?.asList ?? [] {
            guard let members = p.objectValue else { continue }
            for key in members.keys.sorted() { add(key, members[key] ?? .null) }
        }
        return out
    }

    static func capabilities(from body: JSONValue) -> [String] {
        var caps = (body["capabilities"]?.asList ?? []).compactMap(\.stringValue).map { $0.lowercased() }
        if caps.isEmpty, let legacy = body["policy"]?.stringValue { caps = legacyCapabilities(legacy) }
        return caps
    }

    /// The capabilities the deprecated `policy = "…"` shorthand stands for.
    static func legacyCapabilities(_ policy: String) -> [String] {
        switch policy.lowercased() {
        case "deny": return ["deny"]
        case "read": return ["read", "list"]
        case "write": return ["create", "read", "update", "delete", "list"]
        case "sudo": return ["create", "read", "update", "delete", "list", "sudo"]
        default: return []
        }
    }

    // MARK: HCL tokens

    enum Token: Equatable {
        case string(String)
        case ident(String)
        case number(String)
        case punct(Character)
        case heredoc(String)
    }

    struct Located {
        var token: Token
        var line: Int
    }

    static func tokenize(_ text: String) throws -> [Located] {
        var out: [Located] = []
        let chars = Array(text)
        var i = 0, line = 1
        func peek(_ k: Int = 0) -> Character? { i + k < chars.count ? chars[i + k] : nil }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c.isWhitespace { i += 1; continue }
            if c == "#" || (c == "/" && peek(1) == "/") {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && peek(1) == "*" {
                let start = line
                i += 2
                while i < chars.count, !(chars[i] == "*" && peek(1) == "/") {
                    if chars[i] == "\n" { line += 1 }
                    i += 1
                }
                guard i < chars.count else { throw SyntaxError(line: start, message: "unterminated /* comment") }
                i += 2
                continue
            }
            if c == "\"" {
                let start = line
                var s = ""
                i += 1
                while true {
                    guard let d = peek() else { throw SyntaxError(line: start, message: "unterminated string") }
                    if d == "\n" { throw SyntaxError(line: start, message: "newline inside a quoted string") }
                    if d == "\"" { i += 1; break }
                    if d == "\\", let e = peek(1) {
                        switch e {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "\"": s.append("\"")
                        case "\\": s.append("\\")
                        default: s.append(e)
                        }
                        i += 2
                        continue
                    }
                    s.append(d)
                    i += 1
                }
                out.append(Located(token: .string(s), line: start))
                continue
            }
            if c == "<" && peek(1) == "<" {
                // Heredoc: <<EOT … EOT (or <<-EOT); kept as one string value.
                let start = line
                i += 2
                if peek() == "-" { i += 1 }
                var marker = ""
                while let d = peek(), d != "\n" { marker.append(d); i += 1 }
                marker = marker.trimmingCharacters(in: .whitespaces)
                guard !marker.isEmpty else { throw SyntaxError(line: start, message: "heredoc without a marker") }
                var body: [String] = []
                var closed = false
                while i < chars.count {
                    i += 1
                    line += 1
                    var l = ""
                    while let d = peek(), d != "\n" { l.append(d); i += 1 }
                    if l.trimmingCharacters(in: .whitespaces) == marker { closed = true; break }
                    body.append(l)
                }
                guard closed else { throw SyntaxError(line: start, message: "heredoc \(marker) is not closed") }
                out.append(Located(token: .heredoc(body.joined(separator: "\n")), line: start))
                continue
            }
            if "{}[]=:,".contains(c) { out.append(Located(token: .punct(c), line: line)); i += 1; continue }
            if c.isLetter || c == "_" {
                var s = ""
                while let d = peek(), d.isLetter || d.isNumber || d == "_" || d == "-" || d == "." { s.append(d); i += 1 }
                out.append(Located(token: .ident(s), line: line))
                continue
            }
            if c.isNumber || c == "-" {
                var s = ""
                while let d = peek(), d.isNumber || d == "." || d == "-" || d == "e" || d == "E" || d == "+" { s.append(d); i += 1 }
                out.append(Located(token: .number(s), line: line))
                continue
            }
            throw SyntaxError(line: line, message: "unexpected character '\(c)'")
        }
        return out
    }

    // MARK: HCL structure

    struct Parser {
        var tokens: [Located]
        var i = 0

        var atEnd: Bool { i >= tokens.count }
        var line: Int { i < tokens.count ? tokens[i].line : (tokens.last?.line ?? 1) }

        mutating func next() -> Located? {
            defer { i += 1 }
            return i < tokens.count ? tokens[i] : nil
        }

        func peek() -> Token? { i < tokens.count ? tokens[i].token : nil }

        mutating func expect(_ c: Character) throws {
            guard let t = next(), t.token == .punct(c) else { throw SyntaxError(line: line, message: "expected '\(c)'") }
        }

        /// A body: attributes (`name = value`) and blocks (`type "label"… { body }`), until `}` or the end.
        mutating func document() throws -> [ACLPolicy.Rule] {
            var rules: [ACLPolicy.Rule] = []
            while !atEnd {
                try item(into: &rules, topLevel: true)
            }
            return rules
        }

        mutating func item(into rules: inout [ACLPolicy.Rule], topLevel: Bool) throws {
            guard let first = next() else { return }
            let name: String
            switch first.token {
            case .ident(let s), .string(let s): name = s
            case .punct(","): return
            default: throw SyntaxError(line: first.line, message: "expected an attribute or block name")
            }
            if peek() == .punct("=") || peek() == .punct(":") {
                i += 1
                let v = try value()
                // JSON-like top level: path = { "pattern" = { capabilities = [...] } }
                if topLevel, name == "path" { rules += ACLPolicyParser.rules(fromJSON: .object(["path": v])) }
                return
            }
            var labels: [String] = []
            while case .string(let l)? = peek() { labels.append(l); i += 1 }
            while case .ident(let l)? = peek() { labels.append(l); i += 1 }
            guard peek() == .punct("{") else { throw SyntaxError(line: line, message: "expected '{' or '=' after \(name)") }
            i += 1
            let body = try objectBody()
            if topLevel, name == "path", let pattern = labels.first {
                rules.append(ACLPolicy.Rule(path: pattern, capabilities: ACLPolicyParser.capabilities(from: body), line: first.line))
            }
        }

        /// The members of `{ … }` after the opening brace, as a JSON-like object.
        mutating func objectBody() throws -> JSONValue {
            var members: [String: JSONValue] = [:]
            while true {
                guard let t = peek() else { throw SyntaxError(line: line, message: "missing '}'") }
                if t == .punct("}") { i += 1; return .object(members) }
                if t == .punct(",") { i += 1; continue }
                guard let keyTok = next() else { continue }
                let key: String
                switch keyTok.token {
                case .ident(let s), .string(let s): key = s
                default: throw SyntaxError(line: keyTok.line, message: "expected a name")
                }
                if peek() == .punct("=") || peek() == .punct(":") {
                    i += 1
                    members[key] = try value()
                } else {
                    // A nested block: skip labels, keep the body under the block name.
                    while case .string? = peek() { i += 1 }
                    try expect("{")
                    members[key] = try objectBody()
                }
            }
        }

        mutating func value() throws -> JSONValue {
            guard let t = next() else { throw SyntaxError(line: line, message: "expected a value") }
            switch t.token {
            case .string(let s), .heredoc(let s): return .string(s)
            case .number(let n): return .number(Double(n) ?? 0)
            case .ident("true"): return .bool(true)
            case .ident("false"): return .bool(false)
            case .ident("null"): return .null
            case .ident(let s): return .string(s)
            case .punct("["):
                var items: [JSONValue] = []
                while true {
                    guard let p = peek() else { throw SyntaxError(line: line, message: "missing ']'") }
                    if p == .punct("]") { i += 1; return .array(items) }
                    if p == .punct(",") { i += 1; continue }
                    items.append(try value())
                }
            case .punct("{"): return try objectBody()
            default: throw SyntaxError(line: t.line, message: "unexpected token in a value")
            }
        }
    }
}
