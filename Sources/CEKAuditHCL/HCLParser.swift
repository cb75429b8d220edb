import Foundation

/// Parses HCL native syntax (`.tf`, `.tfvars`, `.hcl`) into an ``HCLBody``.
///
/// Follows HashiCorp's "HCL Native Syntax Specification" (hclsyntax `spec.md`, github.com/hashicorp/hcl, v2):
/// structural elements (attributes, blocks with identifier or quoted labels, one-line blocks), the three comment
/// forms, number / bool / null literals, quoted templates with escapes, heredoc templates (`<<EOT`, flush `<<-EOT`),
/// interpolation `${}` and directives `%{if}` / `%{else}` / `%{endif}` / `%{for}` / `%{endfor}` with strip markers
/// `~`, tuples, objects (`=` and `:`), attribute / index / legacy numeric index access, attribute-only (`.*`) and full
/// (`[*]`) splats, function calls with `...` expansion, `for` expressions (tuple and object, `if` filters, grouping
/// `...`), the operators with the specification's precedence, and conditionals.
///
/// Newlines end attributes and object items; inside parentheses, brackets, `for` headers and interpolations they
/// are ignored, as in the specification. Nesting deeper than ``maximumDepth`` is a syntax error (so hostile input
/// cannot exhaust the stack), and every construct is scanned once, so time is linear in the input.
public enum HCLParser {
    /// How deeply bodies, expressions and templates may nest before the input is rejected.
    public static let maximumDepth = 64

    /// Parses a whole file.
    ///
    /// - Parameters:
    ///   - data: the file's bytes, UTF-8 (a leading byte-order mark is skipped).
    ///   - filename: the name used in ranges and error messages.
    /// - Throws: ``HCLSyntaxError`` naming `filename:line:column` of the first error.
    public static func parse(_ data: Data, filename: String) throws(HCLSyntaxError) -> HCLBody {
        var p = Parser(bytes: [UInt8](data), filename: filename)
        return try p.parseFile()
    }

    /// Parses a whole file as a template (`templatefile`): literal text with interpolations and directives.
    /// - Throws: ``HCLSyntaxError``.
    public static func parseTemplate(_ data: Data, filename: String) throws(HCLSyntaxError) -> [HCLTemplatePart] {
        var p = Parser(bytes: [UInt8](data), filename: filename)
        var tokens: [Parser.TemplateToken] = []
        var lit: [UInt8] = []
        while !p.atEnd {
            if try p.scanTemplateSpecial(&lit, &tokens) { continue }
            lit.append(p.peek())
            p.advance()
        }
        if !lit.isEmpty { tokens.append(.literal(lit, startOfLine: false)) }
        return try p.buildTemplate(tokens)
    }

    /// Parses one expression (for example a `-var` value or a test input), which must be the whole text.
    /// - Throws: ``HCLSyntaxError``.
    public static func parseExpression(_ text: String, filename: String = "<expression>") throws(HCLSyntaxError) -> HCLExpression {
        var p = Parser(bytes: Array(text.utf8), filename: filename)
        p.newlines = [false]
        let e = try p.parseExpression()
        p.skip()
        guard p.atEnd else { throw p.error("unexpected \(p.describeCurrent()) after the expression") }
        return e
    }
}

/// The recursive-descent parser over the file's bytes.
struct Parser {
    let bytes: [UInt8]
    let filename: String
    var pos = 0
    var line = 1
    var column = 1
    var depth = 0
    /// Whether newlines are significant in the current context (top of stack).
    var newlines: [Bool] = [true]

    init(bytes: [UInt8], filename: String) {
        self.bytes = bytes
        self.filename = filename
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    // MARK: Positions and errors

    var atEnd: Bool { pos >= bytes.count }
    var here: HCLPosition { HCLPosition(line: line, column: column, offset: pos) }
    func peek(_ k: Int = 0) -> UInt8 { pos + k < bytes.count ? bytes[pos + k] : 0 }
    func range(from start: HCLPosition) -> HCLRange { HCLRange(filename: filename, start: start, end: here) }

    func error(_ message: String, at p: HCLPosition? = nil) -> HCLSyntaxError {
        let at = p ?? here
        return HCLSyntaxError(range: HCLRange(filename: filename, start: at, end: at), message: message)
    }

    func describeCurrent() -> String {
        if atEnd { return "end of file" }
        let b = peek()
        if b == 0x0A { return "newline" }
        if b < 0x80, b >= 0x20 { return "'\(Character(Unicode.Scalar(b)))'" }
        return "character"
    }

    mutating func advance() {
        guard pos < bytes.count else { return }
        let b = bytes[pos]
        pos += 1
        if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
    }

    mutating func advance(_ n: Int) { for _ in 0..<n { advance() } }

    mutating func enter() throws(HCLSyntaxError) {
        depth += 1
        if depth > HCLParser.maximumDepth { throw error("nesting deeper than \(HCLParser.maximumDepth) levels") }
    }

    mutating func leave() { depth -= 1 }

    // MARK: Whitespace and comments

    /// Skips spaces, tabs, carriage returns and comments; newlines too when they are not significant here.
    mutating func skip() {
        skip(newlines: !(newlines.last ?? true))
    }

    mutating func skip(newlines skipNewlines: Bool) {
        while !atEnd {
            let b = peek()
            if b == 0x20 || b == 0x09 || b == 0x0D { advance(); continue }
            if b == 0x0A { if skipNewlines { advance(); continue } else { return } }
            if b == UInt8(ascii: "#") || (b == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/")) {
                while !atEnd && peek() != 0x0A { advance() }
                continue
            }
            if b == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                advance(2)
                while !atEnd && !(peek() == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) { advance() }
                advance(2)
                continue
            }
            return
        }
    }

    /// True at a newline, end of file, or (skipping nothing) a closing brace.
    mutating func atItemEnd() -> Bool {
        skip(newlines: false)
        return atEnd || peek() == 0x0A || peek() == UInt8(ascii: "}")
    }

    // MARK: Identifiers

    /// The Unicode scalar at the current position and its length in bytes.
    func scalar(at offset: Int) -> (Unicode.Scalar, Int)? {
        guard offset < bytes.count else { return nil }
        let b0 = bytes[offset]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        var n = 0
        var v: UInt32 = 0
        if b0 & 0xE0 == 0xC0 { n = 2; v = UInt32(b0 & 0x1F) } else if b0 & 0xF0 == 0xE0 { n = 3; v = UInt32(b0 & 0x0F) } else if b0 & 0xF8 == 0xF0 { n = 4; v = UInt32(b0 & 0x07) } else { return nil }
        guard offset + n <= bytes.count else { return nil }
        for i in 1..<n {
            let c = bytes[offset + i]
            guard c & 0xC0 == 0x80 else { return nil }
            v = v << 6 | UInt32(c & 0x3F)
        }
        return Unicode.Scalar(v).map { ($0, n) }
    }

    func isIdentifierStart(at offset: Int) -> Bool {
        guard let (s, _) = scalar(at: offset) else { return false }
        return s == "_" || s.properties.isIDStart
    }

    var atIdentifier: Bool { isIdentifierStart(at: pos) }

    /// Reads an identifier (ID_Start, then ID_Continue or `-`), or throws naming `what`.
    mutating func identifier(_ what: String) throws(HCLSyntaxError) -> String {
        guard atIdentifier else { throw error("expected \(what), found \(describeCurrent())") }
        let start = pos
        while let (s, n) = scalar(at: pos), s == "_" || s == "-" || s.properties.isIDContinue {
            _ = n
            advance()
            while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { advance() }
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// Whether the identifier `word` is next (whole word).
    func atKeyword(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { return false }
        if let (s, _) = scalar(at: pos + w.count), s == "_" || s == "-" || s.properties.isIDContinue { return false }
        return true
    }

    mutating func expect(_ c: Character, _ context: String) throws(HCLSyntaxError) {
        skip()
        guard let a = c.asciiValue, peek() == a else { throw error("expected '\(c)' \(context), found \(describeCurrent())") }
        advance()
    }

    // MARK: Bodies

    mutating func parseFile() throws(HCLSyntaxError) -> HCLBody {
        let start = here
        let items = try parseBodyItems(inBlock: false)
        return HCLBody(items: items, range: range(from: start))
    }

    /// Attributes and blocks up to end of file (top level) or the closing brace (left unconsumed).
    mutating func parseBodyItems(inBlock: Bool) throws(HCLSyntaxError) -> [HCLBody.Item] {
        try enter()
        defer { leave() }
        newlines.append(true)
        defer { newlines.removeLast() }
        var items: [HCLBody.Item] = []
        while true {
            skip(newlines: true)
            if atEnd {
                if inBlock { throw error("unclosed block: expected '}' before end of file") }
                return items
            }
            if peek() == UInt8(ascii: "}") {
                if inBlock { return items }
                throw error("unexpected '}' with no block open")
            }
            let start = here
            let name = try identifier("an attribute name or block type")
            let nameRange = range(from: start)
            skip(newlines: false)
            if peek() == UInt8(ascii: "=") && peek(1) != UInt8(ascii: "=") {
                advance()
                let value = try parseExpression()
                let r = range(from: start)
                guard atItemEnd() else { throw error("expected a newline after the value of '\(name)', found \(describeCurrent())") }
                items.append(.attribute(HCLAttribute(name: name, expression: value, range: r, nameRange: nameRange)))
                continue
            }
            var labels: [String] = []
            while true {
                skip(newlines: false)
                if peek() == UInt8(ascii: "\"") {
                    let lstart = here
                    let parts = try parseQuotedTemplate()
                    guard parts.allSatisfy({ if case .literal = $0 { true } else { false } }) else {
                        throw error("a block label cannot contain interpolation or directives", at: lstart)
                    }
                    labels.append(parts.map { if case .literal(let s) = $0 { s } else { "" } }.joined())
                } else if atIdentifier {
                    labels.append(try identifier("a block label"))
                } else { break }
            }
            guard peek() == UInt8(ascii: "{") else {
                throw error(labels.isEmpty ? "expected '=' or a block after '\(name)', found \(describeCurrent())"
                                           : "expected '{' to open the '\(name)' block, found \(describeCurrent())")
            }
            let bodyStart = here
            advance()
            let inner = try parseBodyItems(inBlock: true)
            advance() // the closing brace
            let block = HCLBlock(type: name, labels: labels, body: HCLBody(items: inner, range: range(from: bodyStart)),
                                 range: range(from: start), typeRange: nameRange)
            guard atItemEnd() else { throw error("expected a newline after the closing brace of the '\(name)' block, found \(describeCurrent())") }
            items.append(.block(block))
        }
    }

    // MARK: Expressions

    mutating func parseExpression() throws(HCLSyntaxError) -> HCLExpression {
        try enter()
        defer { leave() }
        let start = here
        let condition = try parseBinary(minimum: 1)
        skip()
        guard peek() == UInt8(ascii: "?") else { return condition }
        advance()
        let yes = try parseExpression()
        try expect(":", "in the conditional expression")
        let no = try parseExpression()
        return HCLExpression(.conditional(condition, yes, no), range: range(from: start))
    }

    /// The binary operator at the current position, without consuming it.
    func peekOperator() -> (HCLBinaryOperator, Int)? {
        let a = peek(), b = peek(1)
        switch a {
        case UInt8(ascii: "*"): return (.multiply, 1)
        case UInt8(ascii: "/"): return (.divide, 1)
        case UInt8(ascii: "%"): return b == UInt8(ascii: "{") ? nil : (.modulo, 1)
        case UInt8(ascii: "+"): return (.add, 1)
        case UInt8(ascii: "-"): return (.subtract, 1)
        case UInt8(ascii: ">"): return b == UInt8(ascii: "=") ? (.greaterOrEqual, 2) : (.greater, 1)
        case UInt8(ascii: "<"): return b == UInt8(ascii: "=") ? (.lessOrEqual, 2) : b == UInt8(ascii: "<") ? nil : (.less, 1)
        case UInt8(ascii: "="): return b == UInt8(ascii: "=") ? (.equal, 2) : nil
        case UInt8(ascii: "!"): return b == UInt8(ascii: "=") ? (.notEqual, 2) : nil
        case UInt8(ascii: "&"): return b == UInt8(ascii: "&") ? (.and, 2) : nil
        case UInt8(ascii: "|"): return b == UInt8(ascii: "|") ? (.or, 2) : nil
        default: return nil
        }
    }

    mutating func parseBinary(minimum: Int) throws(HCLSyntaxError) -> HCLExpression {
        let start = here
        var left = try parseUnary()
        while true {
            skip()
            guard let (op, length) = peekOperator(), op.precedence >= minimum else { return left }
            advance(length)
            let right = try parseBinary(minimum: op.precedence + 1)
            left = HCLExpression(.binary(op, left, right), range: range(from: start))
        }
    }

    mutating func parseUnary() throws(HCLSyntaxError) -> HCLExpression {
        skip()
        let start = here
        if peek() == UInt8(ascii: "-") || (peek() == UInt8(ascii: "!") && peek(1) != UInt8(ascii: "=")) {
            let op: HCLUnaryOperator = peek() == UInt8(ascii: "-") ? .negate : .not
            advance()
            try enter()
            defer { leave() }
            let operand = try parseUnary()
            return HCLExpression(.unary(op, operand), range: range(from: start))
        }
        return try parsePostfix(try parsePrimary())
    }

    /// Attribute access, indexing and splats after a primary expression.
    mutating func parsePostfix(_ base: HCLExpression) throws(HCLSyntaxError) -> HCLExpression {
        var e = base
        let start = base.range.start
        while true {
            skip()
            if peek() == UInt8(ascii: "."), peek(1) != UInt8(ascii: ".") {
                advance()
                if peek() == UInt8(ascii: "*") {
                    advance()
                    let each = try parseSplatSteps(full: false)
                    e = HCLExpression(.splat(source: e, each: each, full: false), range: range(from: start))
                    continue
                }
                if let d = numberIndex() {
                    e = HCLExpression(.index(e, d), range: range(from: start))
                    continue
                }
                let name = try identifier("an attribute name after '.'")
                e = HCLExpression(.getAttribute(e, name), range: range(from: start))
                continue
            }
            if peek() == UInt8(ascii: "[") {
                advance()
                newlines.append(false)
                skip()
                if peek() == UInt8(ascii: "*") {
                    advance()
                    try expect("]", "to close the splat '[*'")
                    newlines.removeLast()
                    let each = try parseSplatSteps(full: true)
                    e = HCLExpression(.splat(source: e, each: each, full: true), range: range(from: start))
                    continue
                }
                let key = try parseExpression()
                try expect("]", "to close the index")
                newlines.removeLast()
                e = HCLExpression(.index(e, key), range: range(from: start))
                continue
            }
            return e
        }
    }

    /// A legacy numeric index after `.` (`list.0`).
    mutating func numberIndex() -> HCLExpression? {
        let start = here
        guard peek() >= UInt8(ascii: "0") && peek() <= UInt8(ascii: "9") else { return nil }
        let s = pos
        while peek() >= UInt8(ascii: "0") && peek() <= UInt8(ascii: "9") { advance() }
        let text = String(decoding: bytes[s..<pos], as: UTF8.self)
        return HCLExpression(.number(Double(text) ?? 0, text), range: range(from: start))
    }

    /// The traversal applied to each element after a splat: attribute steps (and, for a full splat, index steps).
    mutating func parseSplatSteps(full: Bool) throws(HCLSyntaxError) -> HCLExpression {
        let start = here
        var e = HCLExpression(.variable(HCLExpression.splatItem), range: range(from: start))
        while true {
            let save = (pos, line, column)
            skip()
            if peek() == UInt8(ascii: "."), peek(1) != UInt8(ascii: "."), peek(1) != UInt8(ascii: "*") {
                advance()
                if let d = numberIndex() { e = HCLExpression(.index(e, d), range: range(from: start)); continue }
                let name = try identifier("an attribute name after '.'")
                e = HCLExpression(.getAttribute(e, name), range: range(from: start))
                continue
            }
            if full, peek() == UInt8(ascii: "["), peek(1) != UInt8(ascii: "*") {
                advance()
                newlines.append(false)
                let key = try parseExpression()
                try expect("]", "to close the index")
                newlines.removeLast()
                e = HCLExpression(.index(e, key), range: range(from: start))
                continue
            }
            (pos, line, column) = save
            return e
        }
    }

    mutating func parsePrimary() throws(HCLSyntaxError) -> HCLExpression {
        skip()
        let start = here
        let b = peek()
        if atEnd { throw error("expected an expression, found end of file") }
        if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { return parseNumber() }
        if b == UInt8(ascii: "\"") {
            let parts = try parseQuotedTemplate()
            return HCLExpression(.template(parts), range: range(from: start))
        }
        if b == UInt8(ascii: "<") && peek(1) == UInt8(ascii: "<") {
            let parts = try parseHeredoc()
            return HCLExpression(.template(parts), range: range(from: start))
        }
        if b == UInt8(ascii: "(") {
            advance()
            newlines.append(false)
            let inner = try parseExpression()
            try expect(")", "to close the parenthesis")
            newlines.removeLast()
            return HCLExpression(.parenthesized(inner), range: range(from: start))
        }
        if b == UInt8(ascii: "[") { return try parseTuple() }
        if b == UInt8(ascii: "{") { return try parseObject() }
        if atIdentifier {
            var name = try identifier("an expression")
            switch name {
            case "true": return HCLExpression(.bool(true), range: range(from: start))
            case "false": return HCLExpression(.bool(false), range: range(from: start))
            case "null": return HCLExpression(.null, range: range(from: start))
            default: break
            }
            // Provider-defined functions: provider::name::function.
            while peek() == UInt8(ascii: ":") && peek(1) == UInt8(ascii: ":") && isIdentifierStart(at: pos + 2) {
                advance(2)
                name += "::" + (try identifier("a function name"))
            }
            let save = (pos, line, column)
            skip(newlines: false)
            if peek() == UInt8(ascii: "(") {
                advance()
                return try parseCall(name, start: start)
            }
            (pos, line, column) = save
            return HCLExpression(.variable(name), range: range(from: start))
        }
        throw error("expected an expression, found \(describeCurrent())")
    }

    mutating func parseNumber() -> HCLExpression {
        let start = here
        let s = pos
        func digits(_ p: inout Parser) { while p.peek() >= UInt8(ascii: "0") && p.peek() <= UInt8(ascii: "9") { p.advance() } }
        digits(&self)
        if peek() == UInt8(ascii: "."), peek(1) >= UInt8(ascii: "0"), peek(1) <= UInt8(ascii: "9") { advance(); digits(&self) }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") ? 1 : 0
            let d = peek(1 + sign)
            if d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { advance(1 + sign); digits(&self) }
        }
        let text = String(decoding: bytes[s..<pos], as: UTF8.self)
        return HCLExpression(.number(Double(text) ?? .infinity, text), range: range(from: start))
    }

    mutating func parseCall(_ name: String, start: HCLPosition) throws(HCLSyntaxError) -> HCLExpression {
        newlines.append(false)
        defer { newlines.removeLast() }
        var args: [HCLExpression] = []
        var expand = false
        while true {
            skip()
            if peek() == UInt8(ascii: ")") { advance(); break }
            if expand { throw error("'...' may only follow the last argument of \(name)()") }
            args.append(try parseExpression())
            skip()
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") { advance(3); expand = true; skip() }
            if peek() == UInt8(ascii: ",") { advance(); continue }
            if peek() == UInt8(ascii: ")") { advance(); break }
            throw error("expected ',' or ')' in the arguments of \(name)(), found \(describeCurrent())")
        }
        return HCLExpression(.call(name, args, expandFinal: expand), range: range(from: start))
    }

    /// Whether `for` starts a `for` expression here (`for` then an identifier).
    mutating func atForKeyword() -> Bool {
        guard atKeyword("for") else { return false }
        var probe = self
        probe.advance(3)
        probe.skip(newlines: true)
        return probe.atIdentifier
    }

    mutating func parseTuple() throws(HCLSyntaxError) -> HCLExpression {
        let start = here
        advance()
        newlines.append(false)
        defer { newlines.removeLast() }
        skip()
        if atForKeyword() { return try parseFor(start: start, object: false) }
        var items: [HCLExpression] = []
        while true {
            skip()
            if peek() == UInt8(ascii: "]") { advance(); break }
            items.append(try parseExpression())
            skip()
            if peek() == UInt8(ascii: ",") { advance(); continue }
            if peek() == UInt8(ascii: "]") { advance(); break }
            throw error("expected ',' or ']' in the tuple, found \(describeCurrent())")
        }
        return HCLExpression(.tuple(items), range: range(from: start))
    }

    mutating func parseObject() throws(HCLSyntaxError) -> HCLExpression {
        let start = here
        advance()
        skip(newlines: true)
        if atForKeyword() {
            newlines.append(false)
            defer { newlines.removeLast() }
            return try parseFor(start: start, object: true)
        }
        newlines.append(true)
        defer { newlines.removeLast() }
        var items: [HCLObjectItem] = []
        while true {
            skip(newlines: true)
            if peek() == UInt8(ascii: "}") { advance(); break }
            if atEnd { throw error("unclosed object: expected '}' before end of file") }
            let key = try parseExpression()
            skip()
            guard (peek() == UInt8(ascii: "=") && peek(1) != UInt8(ascii: "=") && peek(1) != UInt8(ascii: ">")) || peek() == UInt8(ascii: ":") else {
                throw error("expected '=' or ':' after the object key, found \(describeCurrent())")
            }
            advance()
            let value = try parseExpression()
            items.append(HCLObjectItem(key: key, value: value))
            skip()
            if peek() == UInt8(ascii: ",") { advance(); continue }
            if peek() == 0x0A { continue }
            if peek() == UInt8(ascii: "}") { advance(); break }
            throw error("expected ',', a newline or '}' after the object item, found \(describeCurrent())")
        }
        return HCLExpression(.object(items), range: range(from: start))
    }

    /// `for k, v in coll : result if cond` up to and including the closing bracket or brace.
    mutating func parseFor(start: HCLPosition, object: Bool) throws(HCLSyntaxError) -> HCLExpression {
        advance(3)
        skip()
        let firstName = try identifier("a variable name after 'for'")
        var first: String? = firstName
        var second = firstName
        skip()
        if peek() == UInt8(ascii: ",") {
            advance()
            skip()
            second = try identifier("a value variable name after ','")
            skip()
        } else { first = nil }
        guard atKeyword("in") else { throw error("expected 'in' in the for expression, found \(describeCurrent())") }
        advance(2)
        let collection = try parseExpression()
        try expect(":", "after the collection of the for expression")
        var keyResult: HCLExpression?
        let valueResult: HCLExpression
        var grouping = false
        if object {
            keyResult = try parseExpression()
            skip()
            guard peek() == UInt8(ascii: "="), peek(1) == UInt8(ascii: ">") else { throw error("expected '=>' in the object for expression, found \(describeCurrent())") }
            advance(2)
            valueResult = try parseExpression()
            skip()
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") { advance(3); grouping = true }
        } else {
            valueResult = try parseExpression()
        }
        skip()
        var condition: HCLExpression?
        if atKeyword("if") {
            advance(2)
            condition = try parseExpression()
        }
        try expect(object ? "}" : "]", "to close the for expression")
        let f = HCLForExpression(keyVariable: first, valueVariable: second, collection: collection, keyResult: keyResult,
                                 valueResult: valueResult, condition: condition, grouping: grouping)
        return HCLExpression(.forExpression(f), range: range(from: start))
    }

    // MARK: Templates

    /// A flat template token, before directives are nested and strip markers applied.
    enum TemplateToken {
        case literal([UInt8], startOfLine: Bool)
        case interpolation(HCLExpression, stripLeft: Bool, stripRight: Bool)
        case directive(Directive, stripLeft: Bool, stripRight: Bool, at: HCLPosition)
        /// The start of a heredoc line that begins with an interpolation or directive (indent 0).
        case lineStart
    }

    enum Directive {
        case ifStart(HCLExpression), elseBranch, endIf
        case forStart(String?, String, HCLExpression), endFor
    }

    /// `"..."` with escapes, interpolations and directives.
    mutating func parseQuotedTemplate() throws(HCLSyntaxError) -> [HCLTemplatePart] {
        let open = here
        advance()
        try enter()
        defer { leave() }
        var tokens: [TemplateToken] = []
        var lit: [UInt8] = []
        func flush() { if !lit.isEmpty { tokens.append(.literal(lit, startOfLine: false)); lit = [] } }
        while true {
            if atEnd || peek() == 0x0A { throw error("unterminated string: the quote opened at \(open) is not closed on its line") }
            let b = peek()
            if b == UInt8(ascii: "\"") { advance(); break }
            if b == UInt8(ascii: "\\") {
                let at = here
                advance()
                let e = peek()
                advance()
                switch e {
                case UInt8(ascii: "n"): lit.append(0x0A)
                case UInt8(ascii: "r"): lit.append(0x0D)
                case UInt8(ascii: "t"): lit.append(0x09)
                case UInt8(ascii: "\""): lit.append(0x22)
                case UInt8(ascii: "\\"): lit.append(0x5C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    var v: UInt32 = 0
                    for _ in 0..<n {
                        guard let d = hexValue(peek()) else { throw error("invalid \\\(Character(Unicode.Scalar(e))) escape: expected \(n) hexadecimal digits", at: at) }
                        v = v * 16 + d
                        advance()
                    }
                    guard let s = Unicode.Scalar(v) else { throw error("the escape names no Unicode scalar value", at: at) }
                    lit.append(contentsOf: Array(String(Character(s)).utf8))
                default: throw error("invalid escape sequence in a quoted string", at: at)
                }
                continue
            }
            if try scanTemplateSpecial(&lit, &tokens) { continue }
            lit.append(b)
            advance()
        }
        flush()
        return try buildTemplate(tokens)
    }

    func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Handles `$${`, `%%{`, `${...}` and `%{...}` at the current position; false when none is here.
    mutating func scanTemplateSpecial(_ lit: inout [UInt8], _ tokens: inout [TemplateToken]) throws(HCLSyntaxError) -> Bool {
        let b = peek()
        guard b == UInt8(ascii: "$") || b == UInt8(ascii: "%") else { return false }
        if peek(1) == b && peek(2) == UInt8(ascii: "{") {
            lit.append(b); lit.append(UInt8(ascii: "{"))
            advance(3)
            return true
        }
        guard peek(1) == UInt8(ascii: "{") else { return false }
        let at = here
        if !lit.isEmpty { tokens.append(.literal(lit, startOfLine: false)); lit = [] }
        advance(2)
        var stripLeft = false
        if peek() == UInt8(ascii: "~") { advance(); stripLeft = true }
        newlines.append(false)
        defer { newlines.removeLast() }
        if b == UInt8(ascii: "$") {
            let e = try parseExpression()
            let stripRight = try closeTemplateSequence("interpolation")
            tokens.append(.interpolation(e, stripLeft: stripLeft, stripRight: stripRight))
            return true
        }
        skip()
        let word = try identifier("a template directive (if, else, endif, for, endfor)")
        let d: Directive
        switch word {
        case "if": d = .ifStart(try parseExpression())
        case "else": d = .elseBranch
        case "endif": d = .endIf
        case "endfor": d = .endFor
        case "for":
            skip()
            let firstName = try identifier("a variable name after 'for'")
            var k: String? = firstName
            var v = firstName
            skip()
            if peek() == UInt8(ascii: ",") { advance(); skip(); v = try identifier("a value variable name"); skip() } else { k = nil }
            guard atKeyword("in") else { throw error("expected 'in' in the for directive, found \(describeCurrent())") }
            advance(2)
            d = .forStart(k, v, try parseExpression())
        default: throw error("unknown template directive '\(word)'; expected if, else, endif, for or endfor", at: at)
        }
        let stripRight = try closeTemplateSequence("directive")
        tokens.append(.directive(d, stripLeft: stripLeft, stripRight: stripRight, at: at))
        return true
    }

    /// `~}` or `}` after an interpolation or directive; returns whether the strip marker was given.
    mutating func closeTemplateSequence(_ what: String) throws(HCLSyntaxError) -> Bool {
        skip()
        var strip = false
        if peek() == UInt8(ascii: "~") { advance(); strip = true }
        guard peek() == UInt8(ascii: "}") else { throw error("expected '}' to close the template \(what), found \(describeCurrent())") }
        advance()
        return strip
    }

    /// `<<EOT` / `<<-EOT` heredoc up to its closing marker line.
    mutating func parseHeredoc() throws(HCLSyntaxError) -> [HCLTemplatePart] {
        let open = here
        advance(2)
        let flushIndent = peek() == UInt8(ascii: "-")
        if flushIndent { advance() }
        let marker = Array(try identifier("a heredoc marker after '<<'").utf8)
        skip(newlines: false)
        guard peek() == 0x0A else { throw error("expected a newline after the heredoc marker, found \(describeCurrent())") }
        advance()
        try enter()
        defer { leave() }
        var tokens: [TemplateToken] = []
        var lit: [UInt8] = []
        var closed = false
        lines: while !atEnd {
            // Is this line the closing marker (leading spaces allowed)?
            var i = pos
            while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            if i + marker.count <= bytes.count, Array(bytes[i..<i + marker.count]) == marker {
                var j = i + marker.count
                while j < bytes.count && (bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0D) { j += 1 }
                if j >= bytes.count || bytes[j] == 0x0A {
                    while pos < i + marker.count { advance() }
                    closed = true
                    break lines
                }
            }
            var startOfLine = true
            while !atEnd {
                let b = peek()
                if b == 0x0A {
                    lit.append(b)
                    advance()
                    tokens.append(.literal(lit, startOfLine: startOfLine))
                    lit = []
                    continue lines
                }
                let before = tokens.count
                let litWasEmpty = lit.isEmpty
                if try scanTemplateSpecial(&lit, &tokens) {
                    if tokens.count > before {
                        if startOfLine {
                            // The literal flushed before the sequence (if any) started the line.
                            if !litWasEmpty, case .literal(let l, _) = tokens[before] { tokens[before] = .literal(l, startOfLine: true) }
                            else { tokens.insert(.lineStart, at: before) }
                        }
                        startOfLine = false
                    }
                    continue
                }
                lit.append(b)
                advance()
            }
            if !lit.isEmpty { tokens.append(.literal(lit, startOfLine: startOfLine)); lit = [] }
        }
        guard closed else { throw error("unterminated heredoc: no line holding only '\(String(decoding: marker, as: UTF8.self))' closes the heredoc opened at \(open)") }
        if flushIndent { tokens = flushed(tokens) }
        return try buildTemplate(tokens)
    }

    /// Removes the smallest indentation of the heredoc's non-blank lines from every line (`<<-`).
    func flushed(_ tokens: [TemplateToken]) -> [TemplateToken] {
        func indent(_ l: [UInt8]) -> Int { l.prefix { $0 == 0x20 || $0 == 0x09 }.count }
        var minimum = Int.max
        for (i, t) in tokens.enumerated() {
            switch t {
            case .lineStart: minimum = 0
            case .literal(let l, true):
                let n = indent(l)
                let blank = n == l.count || l[n] == 0x0A || l[n] == 0x0D
                let continues = i + 1 < tokens.count && { if case .literal(_, true) = tokens[i + 1] { false } else { true } }()
                if !blank || (n == l.count && continues) { minimum = min(minimum, n) }
            default: break
            }
        }
        if minimum == Int.max || minimum == 0 { return tokens }
        return tokens.map { t in
            guard case .literal(let l, true) = t else { return t }
            return .literal(Array(l.dropFirst(min(minimum, indent(l)))), startOfLine: true)
        }
    }

    /// Applies strip markers to neighbouring literals and nests directives.
    mutating func buildTemplate(_ raw: [TemplateToken]) throws(HCLSyntaxError) -> [HCLTemplatePart] {
        var tokens = raw.filter { if case .lineStart = $0 { false } else { true } }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        for i in tokens.indices {
            let (left, right): (Bool, Bool)
            switch tokens[i] {
            case .interpolation(_, let l, let r): (left, right) = (l, r)
            case .directive(_, let l, let r, _): (left, right) = (l, r)
            default: continue
            }
            if left, i > 0, case .literal(let l, let s) = tokens[i - 1] {
                var l = l
                while let last = l.last, isSpace(last) { l.removeLast() }
                tokens[i - 1] = .literal(l, startOfLine: s)
            }
            if right, i + 1 < tokens.count, case .literal(let l, let s) = tokens[i + 1] {
                tokens[i + 1] = .literal(Array(l.drop(while: isSpace)), startOfLine: s)
            }
        }
        var index = 0
        let (parts, end) = try nest(tokens, &index, level: depth)
        if let (d, at) = end {
            switch d {
            case .elseBranch: throw error("'%{else}' without a matching '%{if}'", at: at)
            case .endIf: throw error("'%{endif}' without a matching '%{if}'", at: at)
            case .endFor: throw error("'%{endfor}' without a matching '%{for}'", at: at)
            default: break
            }
        }
        return parts
    }

    /// Nests tokens from `index` until an `else` / `endif` / `endfor` (returned) or the end.
    func nest(_ tokens: [TemplateToken], _ index: inout Int, level: Int) throws(HCLSyntaxError) -> ([HCLTemplatePart], (Directive, HCLPosition)?) {
        if level > HCLParser.maximumDepth { throw error("template directives nested deeper than \(HCLParser.maximumDepth) levels") }
        var parts: [HCLTemplatePart] = []
        var text: [UInt8] = []
        func flushText() { if !text.isEmpty { parts.append(.literal(String(decoding: text, as: UTF8.self))); text = [] } }
        while index < tokens.count {
            let t = tokens[index]
            index += 1
            switch t {
            case .lineStart: break
            case .literal(let l, _): text += l
            case .interpolation(let e, _, _): flushText(); parts.append(.interpolation(e))
            case .directive(let d, _, _, let at):
                flushText()
                switch d {
                case .ifStart(let c):
                    let (yes, end1) = try nest(tokens, &index, level: level + 1)
                    var no: [HCLTemplatePart] = []
                    var end = end1
                    if case .elseBranch? = end?.0 {
                        let (n, end2) = try nest(tokens, &index, level: level + 1)
                        no = n
                        end = end2
                    }
                    guard case .endIf? = end?.0 else { throw error("'%{if}' is not closed by '%{endif}'", at: at) }
                    parts.append(.conditional(c, yes, no))
                case .forStart(let k, let v, let coll):
                    let (body, end) = try nest(tokens, &index, level: level + 1)
                    guard case .endFor? = end?.0 else { throw error("'%{for}' is not closed by '%{endfor}'", at: at) }
                    parts.append(.loop(key: k, value: v, collection: coll, body: body))
                case .elseBranch, .endIf, .endFor:
                    return (parts, (d, at))
                }
            }
        }
        flushText()
        return (parts, nil)
    }
}
