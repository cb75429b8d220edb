import Foundation

/// A value an HCL expression evaluates to, with an explicit unknown.
///
/// The type system is the one Terraform's configuration language exposes, simplified to JSON's shapes: tuples,
/// lists and sets are `.list` (a set is a sorted, de-duplicated list); objects and maps are `.object`.
/// `.unknown` is a value that cannot be known offline (a variable with no value, a provider-computed attribute, a
/// file outside the assessed folder); every operation on it yields unknown, never a guess.
public indirect enum HCLValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([HCLValue])
    case object([String: HCLValue])
    /// Not knowable offline; the string says why (first cause kept).
    case unknown(String)

    /// Whether the value or anything inside it is unknown.
    public var containsUnknown: Bool {
        switch self {
        case .unknown: true
        case .list(let a): a.contains { $0.containsUnknown }
        case .object(let o): o.values.contains { $0.containsUnknown }
        default: false
        }
    }

    /// The first unknown's reason inside the value, if any.
    public var unknownReason: String? {
        switch self {
        case .unknown(let r): return r
        case .list(let a): return a.lazy.compactMap(\.unknownReason).first
        case .object(let o): return o.keys.sorted().lazy.compactMap { o[$0]?.unknownReason }.first
        default: return nil
        }
    }

    /// Whether the value itself (not its elements) is unknown.
    public var isUnknown: Bool { if case .unknown = self { true } else { false } }

    /// The elements of a list; empty for anything else.
    public var listValue: [HCLValue] { if case .list(let l) = self { l } else { [] } }

    /// The string, when the value is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    /// Element or attribute access: an object's attribute, or a list element by number.
    public subscript(key: String) -> HCLValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The value as JSON text (`jsonencode`): object keys sorted, numbers without a fraction written as integers.
    /// Returns `nil` when the value contains an unknown.
    public func jsonText() -> String? {
        var out = ""
        func write(_ v: HCLValue) -> Bool {
            switch v {
            case .null: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .number(let n): out += HCLValue.format(n)
            case .string(let s): out += HCLValue.jsonQuoted(s)
            case .list(let a):
                out += "["
                for (i, x) in a.enumerated() {
                    if i > 0 { out += "," }
                    if !write(x) { return false }
                }
                out += "]"
            case .object(let o):
                out += "{"
                for (i, k) in o.keys.sorted().enumerated() {
                    if i > 0 { out += "," }
                    out += HCLValue.jsonQuoted(k) + ":"
                    if let x = o[k], !write(x) { return false }
                }
                out += "}"
            case .unknown: return false
            }
            return true
        }
        return write(self) ? out : nil
    }

    /// A number as Terraform prints it: integers without a fraction, others in shortest decimal form.
    public static func format(_ n: Double) -> String {
        if n.isFinite, n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    /// A JSON string literal, escaping as Go's encoding/json does for `<`, `>` and `&` (as Terraform's jsonencode).
    static func jsonQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Reads JSON text (`jsondecode`, `.tfvars.json`) into a value.
    /// - Throws: ``HCLEvaluationError`` when the text is not JSON.
    public static func fromJSON(_ text: String) throws(HCLEvaluationError) -> HCLValue {
        do { return try HCLJSON.parse(Data(text.utf8), filename: "<json>").value } catch {
            throw HCLEvaluationError("the text is not valid JSON: \(error.message)")
        }
    }

    /// The value converted to a string, as template interpolation and string functions do (Terraform's automatic
    /// conversion): strings as is, numbers and bools as text. `nil` for null, collections and unknowns.
    public var asString: String? {
        switch self {
        case .string(let s): s
        case .number(let n): HCLValue.format(n)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    /// A short name of the value's type for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .list: "list"
        case .object: "object"
        case .unknown: "unknown"
        }
    }
}

/// An expression that cannot be evaluated (a type mismatch, an unknown function, a missing attribute); callers turn
/// it into an unknown value with a diagnostic, or `try()` / `can()` catch it.
public struct HCLEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as one sentence.
    public var message: String
    /// Where, when known.
    public var range: HCLRange?

    /// An error from its parts.
    public init(_ message: String, range: HCLRange? = nil) {
        self.message = message
        self.range = range
    }

    public var description: String { range.map { "\($0): \(message)" } ?? message }
}
