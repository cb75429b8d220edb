import Foundation

/// A position in a source file: 1-based line, 1-based column counted in Unicode scalars, 0-based byte offset.
///
/// Follows the HCL syntax specification's "Source positions" (hclsyntax `spec.md`, github.com/hashicorp/hcl).
public struct HCLPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int
    /// 0-based offset in bytes from the start of the file.
    public var offset: Int

    /// A position from its parts.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: HCLPosition, b: HCLPosition) -> Bool { a.offset < b.offset }
    public var description: String { "\(line):\(column)" }
}

/// A span of source text: the file name as given to the parser and the start and end positions (end exclusive).
public struct HCLRange: Sendable, Hashable, CustomStringConvertible {
    /// The file name the parser was given (shown in messages; never opened by the parser).
    public var filename: String
    /// First character of the span.
    public var start: HCLPosition
    /// Just past the last character of the span.
    public var end: HCLPosition

    /// A range from its parts.
    public init(filename: String, start: HCLPosition, end: HCLPosition) {
        self.filename = filename
        self.start = start
        self.end = end
    }

    /// `file:line:column` of the start.
    public var description: String { "\(filename):\(start.line):\(start.column)" }
}

/// A syntax error: where it is, and one sentence on what is wrong.
public struct HCLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Where the error was found.
    public var range: HCLRange
    /// What is wrong, as one sentence.
    public var message: String

    /// An error from its parts.
    public init(range: HCLRange, message: String) {
        self.range = range
        self.message = message
    }

    /// `file:line:column: message`.
    public var description: String { "\(range): \(message)" }
    public var errorDescription: String? { description }
}

/// The contents of a configuration file or of a block: attributes and nested blocks in source order.
///
/// HCL spec "Structural Elements": `Body = (Attribute | Block | OneLineBlock)*`.
public struct HCLBody: Sendable, Equatable {
    /// Attributes and blocks in source order.
    public var items: [Item]
    /// The span of the body (the whole file for a file's body; between the braces for a block).
    public var range: HCLRange

    /// One element of a body.
    public enum Item: Sendable, Equatable {
        case attribute(HCLAttribute)
        case block(HCLBlock)
    }

    /// A body from its parts.
    public init(items: [Item], range: HCLRange) {
        self.items = items
        self.range = range
    }

    /// The attributes, in source order.
    public var attributes: [HCLAttribute] { items.compactMap { if case .attribute(let a) = $0 { a } else { nil } } }
    /// The blocks, in source order.
    public var blocks: [HCLBlock] { items.compactMap { if case .block(let b) = $0 { b } else { nil } } }
    /// The attribute called `name`, if any.
    public func attribute(_ name: String) -> HCLAttribute? { attributes.first { $0.name == name } }
    /// The blocks of type `type`, in source order.
    public func blocks(_ type: String) -> [HCLBlock] { blocks.filter { $0.type == type } }
}

/// `name = expression`.
public struct HCLAttribute: Sendable, Equatable {
    /// The attribute name (an identifier).
    public var name: String
    /// The value expression.
    public var expression: HCLExpression
    /// The span from the name to the end of the expression.
    public var range: HCLRange
    /// The span of the name.
    public var nameRange: HCLRange

    /// An attribute from its parts.
    public init(name: String, expression: HCLExpression, range: HCLRange, nameRange: HCLRange) {
        self.name = name
        self.expression = expression
        self.range = range
        self.nameRange = nameRange
    }
}

/// `type label* { body }`: a block with its labels (identifiers or quoted strings) and body.
public struct HCLBlock: Sendable, Equatable {
    /// The block type (an identifier), e.g. `resource`.
    public var type: String
    /// The labels, unquoted, e.g. `["aws_kms_key", "main"]`.
    public var labels: [String]
    /// The block's body.
    public var body: HCLBody
    /// The span from the type to the closing brace.
    public var range: HCLRange
    /// The span of the type keyword (the block's "line").
    public var typeRange: HCLRange

    /// A block from its parts.
    public init(type: String, labels: [String], body: HCLBody, range: HCLRange, typeRange: HCLRange) {
        self.type = type
        self.labels = labels
        self.body = body
        self.range = range
        self.typeRange = typeRange
    }
}

/// An HCL expression node with its source span.
///
/// HCL spec "Expressions": literals, collections, templates, variables and traversals (attribute, index, splat),
/// function calls, `for` expressions, operators and conditionals.
public struct HCLExpression: Sendable, Equatable {
    /// What the expression is.
    public indirect enum Kind: Sendable, Equatable {
        /// A number literal: its decimal value and source text.
        case number(Double, String)
        /// `true` or `false`.
        case bool(Bool)
        /// `null`.
        case null
        /// A quoted template or heredoc: literal parts, interpolations and directives.
        case template([HCLTemplatePart])
        /// `[a, b]`.
        case tuple([HCLExpression])
        /// `{ k = v, k2: v2 }`. A key that is a bare identifier is a `.variable` here; the evaluator treats it as
        /// a literal name unless it is parenthesised (`.parenthesized`).
        case object([HCLObjectItem])
        /// A root variable name (`var`, `local`, `aws_kms_key`, a `for` variable, …).
        case variable(String)
        /// `expr.name` (also legacy `expr.0`, recorded as `.index` with a number).
        case getAttribute(HCLExpression, String)
        /// `expr[key]`.
        case index(HCLExpression, HCLExpression)
        /// `source.*.rest` (attribute-only splat) or `source[*].rest` (full splat). `each` is evaluated with the
        /// element as the variable `HCLExpression.splatItem`.
        case splat(source: HCLExpression, each: HCLExpression, full: Bool)
        /// `name(args)`; `expandFinal` when the last argument is followed by `...`.
        case call(String, [HCLExpression], expandFinal: Bool)
        /// `condition ? then : else`.
        case conditional(HCLExpression, HCLExpression, HCLExpression)
        /// A binary operation.
        case binary(HCLBinaryOperator, HCLExpression, HCLExpression)
        /// `-x` or `!x`.
        case unary(HCLUnaryOperator, HCLExpression)
        /// A `for` expression.
        case forExpression(HCLForExpression)
        /// `( expr )`, kept so object keys can tell `(a) = 1` from `a = 1`.
        case parenthesized(HCLExpression)
    }

    /// The variable name splat `each` expressions use for the current element.
    public static let splatItem = "%splat"

    /// The node.
    public var kind: Kind
    /// Its source span.
    public var range: HCLRange

    /// An expression from its parts.
    public init(_ kind: Kind, range: HCLRange) {
        self.kind = kind
        self.range = range
    }

    /// The root name and the attribute / literal index steps of a static traversal (`aws_kms_key.main.arn`,
    /// `var.x[0]`), or `nil` when the expression is not a plain traversal. Index steps with a non-literal key
    /// are kept as `nil` entries.
    public var traversal: (root: String, steps: [TraversalStep])? {
        switch kind {
        case .variable(let name): return (name, [])
        case .getAttribute(let base, let name):
            guard let t = base.traversal else { return nil }
            return (t.root, t.steps + [.attribute(name)])
        case .index(let base, let key):
            guard let t = base.traversal else { return nil }
            switch key.kind {
            case .number(let n, _): return (t.root, t.steps + [.index(.number(n))])
            case .template(let parts) where parts.count <= 1:
                if parts.isEmpty { return (t.root, t.steps + [.index(.string(""))]) }
                if case .literal(let s) = parts[0] { return (t.root, t.steps + [.index(.string(s))]) }
                return (t.root, t.steps + [.dynamicIndex])
            default: return (t.root, t.steps + [.dynamicIndex])
            }
        case .splat(let source, _, _):
            guard let t = source.traversal else { return nil }
            return (t.root, t.steps + [.dynamicIndex])
        default: return nil
        }
    }

    /// One step of a static traversal.
    public enum TraversalStep: Sendable, Equatable {
        case attribute(String)
        case index(LiteralKey)
        /// An index whose key is computed (or a splat).
        case dynamicIndex
    }

    /// A literal index key.
    public enum LiteralKey: Sendable, Equatable {
        case number(Double)
        case string(String)
    }

    /// Every static traversal inside this expression (for reference collection), outermost first. A traversal
    /// used as the source of a longer one is reported once, at its longest.
    public var traversals: [(root: String, steps: [TraversalStep], range: HCLRange)] {
        var out: [(String, [TraversalStep], HCLRange)] = []
        func walk(_ e: HCLExpression) {
            if let t = e.traversal, t.root != HCLExpression.splatItem {
                out.append((t.root, t.steps, e.range))
                // Index keys may hold references of their own.
                var cur = e
                while true {
                    switch cur.kind {
                    case .getAttribute(let b, _): cur = b; continue
                    case .index(let b, let k): walk(k); cur = b; continue
                    case .splat(let s, let each, _): walkSplat(each); cur = s; continue
                    default: break
                    }
                    break
                }
                return
            }
            switch e.kind {
            case .number, .bool, .null, .variable: break
            case .template(let parts): parts.forEach(walkPart)
            case .tuple(let items): items.forEach(walk)
            case .object(let items): for i in items { walk(i.key); walk(i.value) }
            case .getAttribute(let b, _): walk(b)
            case .index(let b, let k): walk(b); walk(k)
            case .splat(let s, let each, _): walk(s); walkSplat(each)
            case .call(_, let args, _): args.forEach(walk)
            case .conditional(let c, let t, let f): walk(c); walk(t); walk(f)
            case .binary(_, let l, let r): walk(l); walk(r)
            case .unary(_, let x): walk(x)
            case .parenthesized(let x): walk(x)
            case .forExpression(let f):
                walk(f.collection); f.keyResult.map(walk); walk(f.valueResult); f.condition.map(walk)
            }
        }
        func walkSplat(_ e: HCLExpression) {
            // Only index keys inside the per-element traversal can reference anything.
            switch e.kind {
            case .getAttribute(let b, _): walkSplat(b)
            case .index(let b, let k): walkSplat(b); walk(k)
            case .splat(let s, let each, _): walkSplat(s); walkSplat(each)
            default: break
            }
        }
        func walkPart(_ p: HCLTemplatePart) {
            switch p {
            case .literal: break
            case .interpolation(let e): walk(e)
            case .conditional(let c, let t, let f): walk(c); t.forEach(walkPart); f.forEach(walkPart)
            case .loop(_, _, let coll, let body): walk(coll); body.forEach(walkPart)
            }
        }
        walk(self)
        return out
    }
}

/// One `key = value` (or `key: value`) item of an object constructor.
public struct HCLObjectItem: Sendable, Equatable {
    /// The key expression (a bare identifier parses as `.variable`).
    public var key: HCLExpression
    /// The value expression.
    public var value: HCLExpression

    /// An item from its parts.
    public init(key: HCLExpression, value: HCLExpression) {
        self.key = key
        self.value = value
    }
}

/// A `for` expression: `[for k, v in coll : result if cond]` or `{for k, v in coll : key => value... if cond}`.
public struct HCLForExpression: Sendable, Equatable {
    /// The key (or index) variable, when two variables are named.
    public var keyVariable: String?
    /// The value variable.
    public var valueVariable: String
    /// The collection iterated.
    public var collection: HCLExpression
    /// The key result of an object `for` (`nil` for a tuple `for`).
    public var keyResult: HCLExpression?
    /// The value result.
    public var valueResult: HCLExpression
    /// The `if` filter, if any.
    public var condition: HCLExpression?
    /// `...` after the value of an object `for`: values with the same key are grouped into tuples.
    public var grouping: Bool

    /// A `for` expression from its parts.
    public init(keyVariable: String?, valueVariable: String, collection: HCLExpression, keyResult: HCLExpression?,
                valueResult: HCLExpression, condition: HCLExpression?, grouping: Bool) {
        self.keyVariable = keyVariable
        self.valueVariable = valueVariable
        self.collection = collection
        self.keyResult = keyResult
        self.valueResult = valueResult
        self.condition = condition
        self.grouping = grouping
    }
}

/// One part of a template, after strip markers (`~`) have been applied to the neighbouring literals.
public indirect enum HCLTemplatePart: Sendable, Equatable {
    /// Literal text (escapes already decoded).
    case literal(String)
    /// `${ expr }`.
    case interpolation(HCLExpression)
    /// `%{ if cond }then%{ else }else%{ endif }`.
    case conditional(HCLExpression, [HCLTemplatePart], [HCLTemplatePart])
    /// `%{ for k, v in coll }body%{ endfor }`.
    case loop(key: String?, value: String, collection: HCLExpression, body: [HCLTemplatePart])
}

/// Binary operators, HCL spec "Operations"; `precedence` from 6 (`*`) to 1 (`||`).
public enum HCLBinaryOperator: String, Sendable, Equatable, CaseIterable {
    case multiply = "*", divide = "/", modulo = "%"
    case add = "+", subtract = "-"
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case equal = "==", notEqual = "!="
    case and = "&&"
    case or = "||"

    /// Binding strength: higher binds tighter.
    public var precedence: Int {
        switch self {
        case .multiply, .divide, .modulo: 6
        case .add, .subtract: 5
        case .greater, .greaterOrEqual, .less, .lessOrEqual: 4
        case .equal, .notEqual: 3
        case .and: 2
        case .or: 1
        }
    }
}

/// Unary operators: `-` (negation) and `!` (logical not).
public enum HCLUnaryOperator: String, Sendable, Equatable {
    case negate = "-", not = "!"
}
