import Foundation

/// A declarative condition over one resource's fact fields, as written in `Controls/*.yaml`:
///
/// ```yaml
/// all:
///   - {field: manager, eq: customer}
///   - {field: rotation.period_days, lte: {param: max_rotation_days}}
///   - not: {field: state, in: [Disabled, PendingDeletion]}
/// ```
///
/// Evaluated with strong Kleene logic (``Truth``): a comparison whose field is unknown is unknown.
public indirect enum Condition: Sendable, Hashable {
    case all([Condition])
    case any([Condition])
    case not(Condition)
    case compare(field: String, op: ComparisonOperator, operand: Operand)

    /// Every field the condition reads, in first-use order.
    public var fields: [String] {
        var seen: [String] = []
        func walk(_ c: Condition) {
            switch c {
            case .all(let cs), .any(let cs): cs.forEach(walk)
            case .not(let inner): walk(inner)
            case .compare(let f, _, _): if !seen.contains(f) { seen.append(f) }
            }
        }
        walk(self)
        return seen
    }

    /// Every operand the condition compares with, in order.
    var operands: [Operand] {
        switch self {
        case .all(let cs), .any(let cs): return cs.flatMap(\.operands)
        case .not(let inner): return inner.operands
        case .compare(_, _, let o): return [o]
        }
    }

    /// Every parameter the condition reads.
    public var parameters: [String] { operands.flatMap(\.parameters) }

    /// Every parameter the condition reads as a number of days (inside `{days_ago: …}` or `{days_ahead: …}`).
    public var dayCountParameters: [String] { operands.flatMap(\.dayCountParameters) }
}

/// Comparison operators of a condition leaf. Names are the YAML keys.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    /// Equal (strings case-sensitive; numbers numerically; `null` matches a known absence).
    case eq
    case ne
    /// The value is one of a list.
    case `in`
    case notIn = "not_in"
    case lt, lte, gt, gte
    /// A list field contains the operand.
    case contains
    /// A list field is empty, or the field is `null` (operand `true`), or the opposite (operand `false`).
    case empty
    /// A date-time field is before / on or after a point in time (`{days_ago: N}`, `{days_ahead: N}`, `now`).
    case before
    case onOrAfter = "on_or_after"
}

/// The right-hand side of a comparison.
public indirect enum Operand: Sendable, Hashable {
    case literal(FactValue)
    /// A check parameter, overridable in the assessment file.
    case param(String)
    /// The assessment time minus N days.
    case daysAgo(Operand)
    /// The assessment time plus N days.
    case daysAhead(Operand)
    /// The assessment time.
    case now

    var parameters: [String] {
        switch self {
        case .param(let p): return [p]
        case .daysAgo(let o), .daysAhead(let o): return o.parameters
        default: return []
        }
    }

    /// The parameters read as a number of days.
    var dayCountParameters: [String] {
        switch self {
        case .daysAgo(let o), .daysAhead(let o): return o.parameters
        default: return []
        }
    }
}

/// One leaf that decided a condition's outcome, kept for explanations ("rotation.enabled is false").
public struct ConditionLeaf: Sendable, Hashable, Codable {
    public var field: String
    public var op: String
    public var expected: FactValue
    public var actual: FactValue
    public var truth: Truth

    /// One clause in plain words: `rotation.enabled = false (expected eq true)`; unknown values give their reason.
    /// Values are shortened by ``Excerpt/clip(_:limit:)``.
    public var explanation: String {
        if let reason = actual.unknownReason { return "\(field) is unknown (\(Excerpt.clip(reason)))" }
        return "\(field) = \(Excerpt.clip(actual.displayText)) (required \(op) \(Excerpt.clip(expected.displayText)))"
    }
}

/// The outcome of evaluating a condition: the truth value and the leaves that decided it.
public struct ConditionOutcome: Sendable, Hashable {
    public var truth: Truth
    public var decisive: [ConditionLeaf]
}

/// Inputs a condition needs besides the resource: parameter values and the assessment clock.
public struct EvaluationContext: Sendable {
    public var parameters: [String: FactValue]
    public var now: Date

    public init(parameters: [String: FactValue], now: Date) {
        self.parameters = parameters
        self.now = now
    }
}

extension Condition {
    /// Evaluates the condition on `resource`.
    public func evaluate(on resource: Resource, context: EvaluationContext) -> ConditionOutcome {
        switch self {
        case .all(let parts):
            let outcomes = parts.map { $0.evaluate(on: resource, context: context) }
            let truth = Truth.all(outcomes.map(\.truth))
            return ConditionOutcome(truth: truth, decisive: Condition.decisive(outcomes, for: truth))
        case .any(let parts):
            let outcomes = parts.map { $0.evaluate(on: resource, context: context) }
            let truth = Truth.any(outcomes.map(\.truth))
            return ConditionOutcome(truth: truth, decisive: Condition.decisive(outcomes, for: truth))
        case .not(let inner):
            let o = inner.evaluate(on: resource, context: context)
            return ConditionOutcome(truth: !o.truth, decisive: o.decisive)
        case .compare(let field, let op, let operand):
            let actual = resource.value(field)
            let expected = operand.resolve(context)
            let truth = Condition.compare(actual, op, expected, now: context.now)
            return ConditionOutcome(truth: truth, decisive: [ConditionLeaf(field: field, op: op.rawValue, expected: expected,
                                                                           actual: actual, truth: truth)])
        }
    }

    private static func decisive(_ outcomes: [ConditionOutcome], for truth: Truth) -> [ConditionLeaf] {
        outcomes.filter { $0.truth == truth }.flatMap(\.decisive)
    }

    /// Compares a fact with an expected value. Unknown on either side gives unknown.
    static func compare(_ actual: FactValue, _ op: ComparisonOperator, _ expected: FactValue, now: Date) -> Truth {
        if !actual.isKnown || !expected.isKnown { return .unknown }
        switch op {
        case .eq: return Truth(equal(actual, expected))
        case .ne: return Truth(!equal(actual, expected))
        case .in, .notIn:
            guard case .list(let options) = expected else { return .unknown }
            let found = options.contains { equal(actual, $0) }
            return Truth(op == .in ? found : !found)
        case .lt, .lte, .gt, .gte:
            if actual == .null { return .false }
            guard let a = number(actual), let e = number(expected) else { return .unknown }
            switch op {
            case .lt: return Truth(a < e)
            case .lte: return Truth(a <= e)
            case .gt: return Truth(a > e)
            default: return Truth(a >= e)
            }
        case .contains:
            switch actual {
            case .list(let items):
                if items.contains(where: { !$0.isKnown }) && !items.contains(where: { equal($0, expected) }) { return .unknown }
                return Truth(items.contains { equal($0, expected) })
            case .string(let s):
                if case .string(let e) = expected { return Truth(s.contains(e)) }
                return .unknown
            case .null: return .false
            default: return .unknown
            }
        case .empty:
            let wanted = (expected == .bool(false)) ? false : true
            switch actual {
            case .list(let items): return Truth(items.isEmpty == wanted)
            case .null: return Truth(wanted)
            case .string(let s): return Truth(s.isEmpty == wanted)
            default: return .unknown
            }
        case .before, .onOrAfter:
            if actual == .null { return .false }
            guard case .string(let a) = actual, let date = DateParsing.parse(a),
                  case .string(let e) = expected, let bound = DateParsing.parse(e) else { return .unknown }
            return Truth(op == .before ? date < bound : date >= bound)
        }
    }

    static func equal(_ a: FactValue, _ b: FactValue) -> Bool {
        if let x = number(a), let y = number(b), case .number = a { return x == y }
        if let x = number(a), let y = number(b), case .number = b { return x == y }
        return a == b
    }

    static func number(_ v: FactValue) -> Double? {
        switch v {
        case .number(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }
}

extension Operand {
    /// The concrete value; date offsets become ISO 8601 timestamps relative to `context.now`.
    public func resolve(_ context: EvaluationContext) -> FactValue {
        switch self {
        case .literal(let v): return v
        case .param(let name): return context.parameters[name] ?? .unknown(reason: "parameter \(name) has no value")
        case .now: return .string(DateParsing.iso(context.now))
        case .daysAgo(let n), .daysAhead(let n):
            guard let days = Condition.number(n.resolve(context)) else { return .unknown(reason: "day count is not a number") }
            let sign: Double
            if case .daysAgo = self { sign = -1 } else { sign = 1 }
            return .string(DateParsing.iso(context.now.addingTimeInterval(sign * days * 86_400)))
        }
    }
}
