/// A three-valued truth value (strong Kleene logic, Kleene 1938).
///
/// `all` is false if any part is false, unknown if none is false and some is unknown; `any` is its dual;
/// `not unknown` is unknown. This is how missing evidence is kept from turning into a pass.
public enum Truth: String, Sendable, Hashable, Codable {
    case `true`, `false`, unknown

    public init(_ b: Bool) { self = b ? .true : .false }

    public static prefix func ! (t: Truth) -> Truth {
        switch t {
        case .true: return .false
        case .false: return .true
        case .unknown: return .unknown
        }
    }

    /// Kleene conjunction of all parts; `true` for an empty list.
    public static func all(_ parts: [Truth]) -> Truth {
        if parts.contains(.false) { return .false }
        if parts.contains(.unknown) { return .unknown }
        return .true
    }

    /// Kleene disjunction of all parts; `false` for an empty list.
    public static func any(_ parts: [Truth]) -> Truth {
        if parts.contains(.true) { return .true }
        if parts.contains(.unknown) { return .unknown }
        return .false
    }
}
