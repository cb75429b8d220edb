import Foundation

/// A JSON (or JSON-compatible YAML) value as read from an input file: a key policy, a CloudFormation template,
/// a Terraform plan. Object member order is not kept; consumers that need stable output sort keys.
///
/// CloudFormation intrinsic functions appear in their long form (`{"Fn::Sub": …}`, `{"Ref": …}`), whichever
/// form the template used (AWS CloudFormation User Guide, "Intrinsic function reference").
public enum JSONValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or `nil` for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A boolean read leniently, as AWS services do: `true`/`false` or the strings `"true"`/`"false"` (any case).
    public var boolValue: Bool? {
        switch self {
        case .bool(let b): return b
        case .string(let s):
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// A number read leniently: a JSON number or a string holding a decimal number.
    public var numberValue: Double? {
        switch self {
        case .number(let d): return d
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// Array elements; a single non-array value is treated as a one-element array (IAM policy grammar allows
    /// both forms for `Action`, `Principal` members and condition values).
    public var asList: [JSONValue] {
        switch self {
        case .array(let a): return a
        case .null: return []
        default: return [self]
        }
    }

    /// The members of an object, or `nil`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// JSON text (RFC 8259) read without Foundation, when it is read exactly as ``parse(_:source:)`` reads it and no
    /// object in it names a member twice; `nil` otherwise (the caller then takes its own, slower way, which reports
    /// errors and repeated keys with their place).
    public static func parseIfPlain(_ data: Data) -> JSONValue? {
        var repeats = false
        guard let value = withUnsafeMutablePointer(to: &repeats, { FastJSONReader.read(data, repeatsKey: $0) }), !repeats else { return nil }
        return value
    }

    /// Parses JSON text (RFC 8259): straight into the value (``FastJSONReader``), without Foundation's object tree
    /// (which held about ten times the text in memory and took most of the time of reading a large export); a text
    /// that reader does not decide is read with Foundation's `JSONSerialization`, as before, and so is any error.
    /// - Throws: `CEKAuditError.invalidJSON` naming `source` when the bytes are not JSON.
    public static func parse(_ data: Data, source: String) throws -> JSONValue {
        if let value = FastJSONReader.read(data) { return value }
        do {
            let any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONValue(foundation: any)
        } catch {
            throw CEKAuditError.invalidJSON(file: source, detail: (error as NSError).localizedDescription)
        }
    }

    /// Converts a `JSONSerialization` result.
    public init(foundation any: Any) {
        switch any {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            // On Linux, JSON booleans arrive as NSNumber too; CFBoolean identity is not available, so check objCType.
            let type = String(cString: n.objCType)
            if type == "c" || type == "B" { self = .bool(n.boolValue) } else { self = .number(n.doubleValue) }
        case let a as [Any]: self = .array(a.map { JSONValue(foundation: $0) })
        case let d as [String: Any]: self = .object(d.mapValues { JSONValue(foundation: $0) })
        default: self = .null
        }
    }

    /// Compact JSON text with sorted keys, for display and hashing.
    public var compactText: String {
        switch self {
        case .string(let s): return JSONValue.quote(s)
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.compactText).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.quote($0) + ":" + (o[$0] ?? .null).compactText }.joined(separator: ",") + "}"
        }
    }

    /// JSON string literal for `s` (RFC 8259 §7).
    public static func quote(_ s: String) -> String {
        let body = s.replacingScalars { scalar in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default: return scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : nil
            }
        }
        return "\"" + body + "\""
    }
}

extension JSONValue: Codable {
    // JSON shape: the value itself. Numbers that are whole and small are written as integers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
