import Foundation

/// A JSON value with source positions and object members in document order, for the JSON form of HCL
/// (`*.tf.json`, `*.tfvars.json`) and `jsondecode`.
///
/// Parses RFC 8259 JSON; nesting deeper than ``HCLParser/maximumDepth`` is an error.
public struct HCLJSON: Sendable, Equatable {
    /// The node.
    public indirect enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double, String)
        case string(String)
        case array([HCLJSON])
        /// Members in document order (duplicates kept).
        case object([(key: String, keyRange: HCLRange, value: HCLJSON)])

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.bool(let x), .bool(let y)): x == y
            case (.number(let x, _), .number(let y, _)): x == y
            case (.string(let x), .string(let y)): x == y
            case (.array(let x), .array(let y)): x == y
            case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: false
            }
        }
    }

    /// What the node is.
    public var kind: Kind
    /// Where it is.
    public var range: HCLRange

    /// The node as a plain value (the last of duplicate keys wins, as in Terraform).
    public var value: HCLValue {
        switch kind {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n, _): .number(n)
        case .string(let s): .string(s)
        case .array(let a): .list(a.map(\.value))
        case .object(let m): .object(Dictionary(m.map { ($0.key, $0.value.value) }, uniquingKeysWith: { _, b in b }))
        }
    }

    /// Parses `data` as one JSON document.
    /// - Throws: ``HCLSyntaxError`` naming file:line:column.
    public static func parse(_ data: Data, filename: String) throws(HCLSyntaxError) -> HCLJSON {
        var p = Parser(bytes: [UInt8](data), filename: filename)
        p.skip(newlines: true)
        let v = try p.jsonValue()
        p.skipJSONSpace()
        guard p.atEnd else { throw p.error("unexpected \(p.describeCurrent()) after the JSON value") }
        return v
    }
}

extension Parser {
    mutating func skipJSONSpace() {
        while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(peek()) { advance() }
    }

    mutating func jsonValue() throws(HCLSyntaxError) -> HCLJSON {
        try enter()
        defer { leave() }
        skipJSONSpace()
        let start = here
        let b = peek()
        switch b {
        case UInt8(ascii: "{"):
            advance()
            var members: [(key: String, keyRange: HCLRange, value: HCLJSON)] = []
            skipJSONSpace()
            if peek() == UInt8(ascii: "}") { advance(); return HCLJSON(kind: .object([]), range: range(from: start)) }
            while true {
                skipJSONSpace()
                let keyStart = here
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted object key, found \(describeCurrent())") }
                let key = try jsonString()
                let keyRange = range(from: keyStart)
                skipJSONSpace()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after the object key, found \(describeCurrent())") }
                advance()
                members.append((key, keyRange, try jsonValue()))
                skipJSONSpace()
                if peek() == UInt8(ascii: ",") { advance(); continue }
                if peek() == UInt8(ascii: "}") { advance(); break }
                throw error("expected ',' or '}' in the object, found \(describeCurrent())")
            }
            return HCLJSON(kind: .object(members), range: range(from: start))
        case UInt8(ascii: "["):
            advance()
            var items: [HCLJSON] = []
            skipJSONSpace()
            if peek() == UInt8(ascii: "]") { advance(); return HCLJSON(kind: .array([]), range: range(from: start)) }
            while true {
                items.append(try jsonValue())
                skipJSONSpace()
                if peek() == UInt8(ascii: ",") { advance(); continue }
                if peek() == UInt8(ascii: "]") { advance(); break }
                throw error("expected ',' or ']' in the array, found \(describeCurrent())")
            }
            return HCLJSON(kind: .array(items), range: range(from: start))
        case UInt8(ascii: "\""):
            return HCLJSON(kind: .string(try jsonString()), range: range(from: start))
        case UInt8(ascii: "t") where atKeyword("true"): advance(4); return HCLJSON(kind: .bool(true), range: range(from: start))
        case UInt8(ascii: "f") where atKeyword("false"): advance(5); return HCLJSON(kind: .bool(false), range: range(from: start))
        case UInt8(ascii: "n") where atKeyword("null"): advance(4); return HCLJSON(kind: .null, range: range(from: start))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let s = pos
            if peek() == UInt8(ascii: "-") { advance() }
            guard peek() >= UInt8(ascii: "0") && peek() <= UInt8(ascii: "9") else { throw error("expected a digit in the number") }
            let n = parseNumber()
            guard case .number(let v, let text) = n.kind else { throw error("invalid number") }
            let negative = bytes[s] == UInt8(ascii: "-")
            return HCLJSON(kind: .number(negative ? -v : v, negative ? "-" + text : text), range: range(from: start))
        default:
            throw error("expected a JSON value, found \(describeCurrent())")
        }
    }

    mutating func jsonString() throws(HCLSyntaxError) -> String {
        let open = here
        advance()
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw error("unterminated string opened at \(open)") }
            let b = peek()
            if b == UInt8(ascii: "\"") { advance(); break }
            if b < 0x20 { throw error("a control character inside a JSON string") }
            if b != UInt8(ascii: "\\") { out.append(b); advance(); continue }
            let at = here
            advance()
            let e = peek()
            advance()
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4(at)
                if (0xD800..<0xDC00).contains(v), peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") {
                    advance(2)
                    let low = try hex4(at)
                    if (0xDC00..<0xE000).contains(low) { v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00) }
                }
                let s = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default: throw error("invalid escape in a JSON string", at: at)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func hex4(_ at: HCLPosition) throws(HCLSyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexValue(peek()) else { throw error("invalid \\u escape: expected 4 hexadecimal digits", at: at) }
            v = v * 16 + d
            advance()
        }
        return v
    }
}
