import Foundation

/// The value of one fact field: known (a typed value, possibly `null` for "known to be absent") or unknown,
/// with the reason it is unknown (evidence missing, collector error, unresolved template expression).
///
/// Unknown is not absence: a key with no deletion scheduled has `deletion.scheduled_for = null` (known);
/// a key whose metadata could not be read has it `unknown`. Rules treat unknown with Kleene logic
/// (see ``Truth``) so that missing evidence never yields a pass.
public enum FactValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([FactValue])
    case null
    case unknown(reason: String)

    /// `true` unless the value is `.unknown`.
    public var isKnown: Bool {
        if case .unknown = self { return false }
        return true
    }

    /// The reason, for unknown values.
    public var unknownReason: String? {
        if case .unknown(let r) = self { return r }
        return nil
    }

    /// Display text used in messages and reports: strings unquoted, lists comma-separated, `null` as "none".
    public var displayText: String {
        switch self {
        case .string(let s): return s
        case .number(let d): return FactValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .list(let l): return l.isEmpty ? "none" : l.map(\.displayText).joined(separator: ", ")
        case .null: return "none"
        case .unknown: return "unknown"
        }
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// Builds a string list fact.
    public static func strings(_ values: [String]) -> FactValue { .list(values.map { .string($0) }) }

    /// Builds an integer fact.
    public static func int(_ value: Int) -> FactValue { .number(Double(value)) }
}

extension FactValue: Codable {
    // JSON shape: strings, numbers, booleans, arrays and null as themselves; unknown as {"unknown": "reason"}.
    private struct UnknownBox: Codable { var unknown: String }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let l = try? c.decode([FactValue].self) { self = .list(l); return }
        if let u = try? c.decode(UnknownBox.self) { self = .unknown(reason: u.unknown); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a fact value")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l)
        case .null: try c.encodeNil()
        case .unknown(let r): try c.encode(UnknownBox(unknown: r))
        }
    }
}
