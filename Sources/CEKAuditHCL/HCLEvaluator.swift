import Foundation

/// Evaluates HCL expressions offline, with an explicit unknown that propagates: an operation with an unknown
/// operand is unknown, never a guess and never an error.
///
/// Follows the HCL syntax specification's evaluation rules (templates, operators, conditionals, splats, `for`
/// expressions) and Terraform's built-in functions as documented at developer.hashicorp.com/terraform/language/functions
/// for the subset key configurations use (see ``functionNames``). File functions read only inside ``root``: a path that
/// leaves it is unknown, and a note says so.
public final class HCLEvaluator {
    /// Root names in scope: `var`, `local`, `each`, `count`, `path`, resource types, `data`, `module`, … .
    public var variables: [String: HCLValue]
    /// The assessed folder: `file()` / `templatefile()` never read outside it.
    public let root: URL?
    /// The folder relative paths are resolved against (the module's folder).
    public var directory: URL?
    /// Resolves `root.name` for roots not in ``variables`` (`var.x`, `local.y`, `aws_kms_key.main`, `data.t`,
    /// `module.m`), so a configuration can be evaluated lazily in dependency order. `nil` from it means "no such name".
    public var lookup: ((String, String) throws(HCLEvaluationError) -> HCLValue?)?
    /// Problems met while evaluating (files outside the folder, missing files, unknown functions), in order.
    public private(set) var notes: [HCLEvaluationError] = []
    private var depth = 0
    /// Whether this evaluator renders a template file: Terraform forbids `templatefile` there (no recursion), which also
    /// keeps a template that includes itself twice from doubling the work at every level.
    private var inTemplateFile = false

    /// The Terraform functions evaluated; any other function yields an unknown value and a note.
    public static let functionNames: Set<String> = [
        "jsonencode", "jsondecode", "format", "join", "split", "concat", "merge", "lookup", "element", "length", "toset",
        "tolist", "tomap", "keys", "values", "coalesce", "try", "can", "lower", "upper", "replace", "flatten", "distinct",
        "contains", "file", "templatefile", "tostring", "tonumber", "tobool", "trimspace", "compact", "startswith",
        "endswith", "zipmap", "fileexists", "abs", "min", "max", "coalescelist", "one", "sort", "formatlist", "range",
        "substr", "trimprefix", "trimsuffix", "title", "strcontains",
    ]

    /// Marks an object whose attributes not listed are provider-computed: reading one is unknown, not an error.
    public static let computedMarker = "\u{0}computed"

    /// An evaluator with the given names in scope, reading files only under `root` (none when `nil`).
    public init(variables: [String: HCLValue] = [:], root: URL? = nil, directory: URL? = nil) {
        self.variables = variables
        self.root = root?.standardizedFileURL
        self.directory = (directory ?? root)?.standardizedFileURL
    }

    /// Evaluates `e`, turning an evaluation error into an unknown value (the error is kept in ``notes``).
    public func value(_ e: HCLExpression) -> HCLValue {
        do { return try evaluate(e) } catch {
            notes.append(error)
            return .unknown(error.message)
        }
    }

    /// Evaluates `e`.
    /// - Throws: ``HCLEvaluationError`` on a type mismatch, a missing key or attribute of a known value, an
    ///   unknown variable, or a function given the wrong arguments.
    public func evaluate(_ e: HCLExpression) throws(HCLEvaluationError) -> HCLValue {
        depth += 1
        defer { depth -= 1 }
        if depth > 4 * HCLParser.maximumDepth { throw HCLEvaluationError("evaluation nested too deeply", range: e.range) }
        func fail(_ m: String) -> HCLEvaluationError { HCLEvaluationError(m, range: e.range) }
        switch e.kind {
        case .number(let n, _): return .number(n)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .parenthesized(let x): return try evaluate(x)
        case .template(let parts): return try template(parts, range: e.range)
        case .tuple(let items):
            var out: [HCLValue] = []
            for i in items { out.append(try evaluate(i)) }
            return .list(out)
        case .object(let items):
            var out: [String: HCLValue] = [:]
            for item in items {
                let key: HCLValue
                if case .variable(let name) = item.key.kind { key = .string(name) } else { key = try evaluate(item.key) }
                if case .unknown(let r) = key { return .unknown(r) }
                guard let k = key.asString else { throw fail("an object key must be a string, not \(key.typeName)") }
                out[k] = try evaluate(item.value)
            }
            return .object(out)
        case .variable(let name):
            guard let v = variables[name] else { throw fail("unknown name '\(name)'") }
            return v
        case .getAttribute(let base, let name):
            if case .variable(let root) = base.kind, variables[root] == nil, let lookup {
                guard let v = try lookup(root, name) else { throw fail("unknown name '\(root).\(name)'") }
                return v
            }
            return try attribute(try evaluate(base), name, range: e.range)
        case .index(let base, let key):
            return try index(try evaluate(base), try evaluate(key), range: e.range)
        case .splat(let source, let each, _):
            let s = try evaluate(source)
            let items: [HCLValue]
            switch s {
            case .unknown: return s
            case .null: return .list([])
            case .list(let a): items = a
            default: items = [s]   // spec "Splat Operators": any other value is a one-element tuple
            }
            let saved = variables[HCLExpression.splatItem]
            defer { variables[HCLExpression.splatItem] = saved }
            var out: [HCLValue] = []
            for item in items {
                variables[HCLExpression.splatItem] = item
                out.append(try evaluate(each))
            }
            return .list(out)
        case .call(let name, let args, let expand):
            return try call(name, args, expand: expand, range: e.range)
        case .conditional(let c, let yes, let no):
            let cv = try evaluate(c)
            switch cv {
            case .unknown: return cv
            case .bool(let b): return try evaluate(b ? yes : no)
            case .string("true"): return try evaluate(yes)
            case .string("false"): return try evaluate(no)
            default: throw fail("the condition must be a bool, not \(cv.typeName)")
            }
        case .unary(let op, let x):
            let v = try evaluate(x)
            if case .unknown = v { return v }
            switch op {
            case .negate: return .number(-(try number(v, e.range)))
            case .not: return .bool(!(try bool(v, e.range)))
            }
        case .binary(let op, let l, let r):
            let a = try evaluate(l), b = try evaluate(r)
            return try binary(op, a, b, range: e.range)
        case .forExpression(let f):
            return try forExpression(f, range: e.range)
        }
    }

    // MARK: Access

    func attribute(_ v: HCLValue, _ name: String, range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        switch v {
        case .unknown: return v
        case .object(let o):
            if let x = o[name] { return x }
            if o[Self.computedMarker] != nil { return .unknown("'\(name)' is computed by the provider when the resource is created") }
            throw HCLEvaluationError("the object has no attribute '\(name)'", range: range)
        case .null: throw HCLEvaluationError("cannot read attribute '\(name)' of null", range: range)
        case .list(let a):
            if let i = Int(name) { return try index(.list(a), .number(Double(i)), range: range) }
            throw HCLEvaluationError("a list has no attribute '\(name)'; use an index or a splat", range: range)
        default: throw HCLEvaluationError("a \(v.typeName) has no attribute '\(name)'", range: range)
        }
    }

    func index(_ v: HCLValue, _ key: HCLValue, range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        if case .unknown = v { return v }
        if case .unknown = key { return key }
        switch v {
        case .list(let a):
            let n = try number(key, range)
            guard n == n.rounded(), n >= 0, n < Double(a.count) else { throw HCLEvaluationError("index \(HCLValue.format(n)) is out of range for a list of \(a.count)", range: range) }
            return a[Int(n)]
        case .object(let o):
            guard let k = key.asString else { throw HCLEvaluationError("an object key must be a string", range: range) }
            if let x = o[k] { return x }
            if o[Self.computedMarker] != nil { return .unknown("'\(k)' is computed by the provider") }
            throw HCLEvaluationError("the map has no element \"\(k)\"", range: range)
        case .null: throw HCLEvaluationError("cannot index null", range: range)
        default: throw HCLEvaluationError("a \(v.typeName) cannot be indexed", range: range)
        }
    }

    // MARK: Conversions

    func number(_ v: HCLValue, _ range: HCLRange) throws(HCLEvaluationError) -> Double {
        switch v {
        case .number(let n): return n
        case .string(let s): if let n = Double(s.trimmingCharacters(in: .whitespaces)) { return n }
        default: break
        }
        throw HCLEvaluationError("a number is required, not \(v.typeName)", range: range)
    }

    func bool(_ v: HCLValue, _ range: HCLRange) throws(HCLEvaluationError) -> Bool {
        switch v {
        case .bool(let b): return b
        case .string("true"): return true
        case .string("false"): return false
        default: throw HCLEvaluationError("a bool is required, not \(v.typeName)", range: range)
        }
    }

    func string(_ v: HCLValue, _ range: HCLRange) throws(HCLEvaluationError) -> String {
        guard let s = v.asString else { throw HCLEvaluationError("a string is required, not \(v.typeName)", range: range) }
        return s
    }

    /// Elements of a list, or the values of an object in key order.
    func elements(_ v: HCLValue, _ range: HCLRange) throws(HCLEvaluationError) -> [HCLValue] {
        switch v {
        case .list(let a): return a
        case .object(let o): return o.keys.sorted().compactMap { o[$0] }
        default: throw HCLEvaluationError("a collection is required, not \(v.typeName)", range: range)
        }
    }

    static func equal(_ a: HCLValue, _ b: HCLValue) -> HCLValue {
        if a.containsUnknown || b.containsUnknown { return .unknown(a.unknownReason ?? b.unknownReason ?? "unknown") }
        return .bool(a == b)
    }

    // MARK: Operators

    func binary(_ op: HCLBinaryOperator, _ a: HCLValue, _ b: HCLValue, range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        switch op {
        case .equal: return Self.equal(a, b)
        case .notEqual:
            let eq = Self.equal(a, b)
            if case .bool(let x) = eq { return .bool(!x) }
            return eq
        default: break
        }
        if case .unknown = a { return a }
        if case .unknown = b { return b }
        switch op {
        case .and:
            let x = try bool(a, range), y = try bool(b, range)
            return .bool(x && y)
        case .or:
            let x = try bool(a, range), y = try bool(b, range)
            return .bool(x || y)
        default: break
        }
        let x = try number(a, range), y = try number(b, range)
        switch op {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide:
            guard y != 0 else { throw HCLEvaluationError("division by zero", range: range) }
            return .number(x / y)
        case .modulo:
            guard y != 0 else { throw HCLEvaluationError("modulo by zero", range: range) }
            return .number(x.truncatingRemainder(dividingBy: y))
        case .less: return .bool(x < y)
        case .lessOrEqual: return .bool(x <= y)
        case .greater: return .bool(x > y)
        case .greaterOrEqual: return .bool(x >= y)
        default: return .null
        }
    }

    // MARK: Templates

    /// A template's value: a lone interpolation keeps its value's type; otherwise the parts joined as a string.
    public func template(_ parts: [HCLTemplatePart], range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        if parts.count == 1, case .interpolation(let e) = parts[0] { return try evaluate(e) }
        var out = ""
        if let reason = try render(parts, into: &out, range: range) { return .unknown(reason) }
        return .string(out)
    }

    /// Appends the rendering to `out`; returns an unknown's reason when any part is unknown.
    func render(_ parts: [HCLTemplatePart], into out: inout String, range: HCLRange) throws(HCLEvaluationError) -> String? {
        for p in parts {
            switch p {
            case .literal(let s): out += s
            case .interpolation(let e):
                let v = try evaluate(e)
                if case .unknown(let r) = v { return r }
                guard let s = v.asString else { throw HCLEvaluationError("cannot insert a \(v.typeName) into a template", range: e.range) }
                out += s
            case .conditional(let c, let yes, let no):
                let v = try evaluate(c)
                if case .unknown(let r) = v { return r }
                if let r = try render(try bool(v, c.range) ? yes : no, into: &out, range: range) { return r }
            case .loop(let k, let name, let coll, let body):
                let c = try evaluate(coll)
                if case .unknown(let r) = c { return r }
                let saved = (k.flatMap { variables[$0] }, variables[name])
                defer {
                    if let k { variables[k] = saved.0 }
                    variables[name] = saved.1
                }
                for (key, value) in try pairs(c, range) {
                    if let k { variables[k] = key }
                    variables[name] = value
                    if let r = try render(body, into: &out, range: range) { return r }
                }
            }
        }
        return nil
    }

    /// (key, value) pairs of a collection: index and element of a list; key and value of an object in key order.
    func pairs(_ c: HCLValue, _ range: HCLRange) throws(HCLEvaluationError) -> [(HCLValue, HCLValue)] {
        switch c {
        case .list(let a): return a.enumerated().map { (.number(Double($0.offset)), $0.element) }
        case .object(let o): return o.keys.sorted().compactMap { k in o[k].map { (.string(k), $0) } }
        case .null: throw HCLEvaluationError("cannot iterate over null", range: range)
        default: throw HCLEvaluationError("cannot iterate over a \(c.typeName)", range: range)
        }
    }

    func forExpression(_ f: HCLForExpression, range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        let c = try evaluate(f.collection)
        if case .unknown = c { return c }
        let names = [f.keyVariable, f.valueVariable].compactMap { $0 }
        let saved = names.map { variables[$0] }
        defer { for (n, v) in zip(names, saved) { variables[n] = v } }
        var list: [HCLValue] = []
        var object: [String: HCLValue] = [:]
        var groups: [String: [HCLValue]] = [:]
        for (key, value) in try pairs(c, range) {
            if let k = f.keyVariable { variables[k] = key }
            variables[f.valueVariable] = value
            if let cond = f.condition {
                let cv = try evaluate(cond)
                if case .unknown = cv { return cv }
                if !(try bool(cv, cond.range)) { continue }
            }
            if let kr = f.keyResult {
                let kv = try evaluate(kr)
                if case .unknown = kv { return kv }
                let ks = try string(kv, kr.range)
                let v = try evaluate(f.valueResult)
                if f.grouping { groups[ks, default: []].append(v) } else {
                    if object[ks] != nil { throw HCLEvaluationError("duplicate key \"\(ks)\" in the for expression; add '...' to group", range: range) }
                    object[ks] = v
                }
            } else {
                list.append(try evaluate(f.valueResult))
            }
        }
        if f.keyResult == nil { return .list(list) }
        return f.grouping ? .object(groups.mapValues { .list($0) }) : .object(object)
    }

    // MARK: Functions

    func call(_ name: String, _ argExprs: [HCLExpression], expand: Bool, range: HCLRange) throws(HCLEvaluationError) -> HCLValue {
        func fail(_ m: String) -> HCLEvaluationError { HCLEvaluationError("\(name)(): \(m)", range: range) }
        // try() and can() see errors of their arguments.
        if name == "try" {
            for a in argExprs {
                if let v = try? evaluate(a) { return v }
            }
            throw fail("no argument could be evaluated")
        }
        if name == "can" {
            guard argExprs.count == 1 else { throw fail("takes one argument") }
            do {
                let v = try evaluate(argExprs[0])
                return v.containsUnknown ? .unknown(v.unknownReason ?? "unknown") : .bool(true)
            } catch { return .bool(false) }
        }
        guard Self.functionNames.contains(name) else {
            throw HCLEvaluationError("function \(name)() is not evaluated offline by cek-audit", range: range)
        }
        var args: [HCLValue] = []
        for a in argExprs { args.append(try evaluate(a)) }
        if expand, let last = args.popLast() {
            if case .unknown = last { return last }
            args += try elements(last, range)
        }
        func arity(_ n: ClosedRange<Int>) throws(HCLEvaluationError) {
            guard n.contains(args.count) else { throw fail("takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) to \(n.upperBound)") arguments, not \(args.count)") }
        }
        // Functions that inspect only the shape of a collection accept unknown elements.
        switch name {
        case "length":
            try arity(1...1)
            switch args[0] {
            case .unknown: return args[0]
            case .list(let a): return .number(Double(a.count))
            case .object(let o): return .number(Double(o.count))
            case .string(let s): return .number(Double(s.count))
            default: throw fail("needs a collection or string")
            }
        case "concat":
            var out: [HCLValue] = []
            for a in args {
                if case .unknown = a { return a }
                guard case .list(let l) = a else { throw fail("takes lists") }
                out += l
            }
            return .list(out)
        case "tolist":
            try arity(1...1)
            if case .unknown = args[0] { return args[0] }
            guard case .list = args[0] else { throw fail("needs a list or set") }
            return args[0]
        case "tomap":
            try arity(1...1)
            if case .unknown = args[0] { return args[0] }
            guard case .object = args[0] else { throw fail("needs an object or map") }
            return args[0]
        case "element":
            try arity(2...2)
            if case .unknown = args[0] { return args[0] }
            if case .unknown = args[1] { return args[1] }
            guard case .list(let l) = args[0], !l.isEmpty else { throw fail("needs a non-empty list") }
            let i = Int(try number(args[1], range))
            return l[((i % l.count) + l.count) % l.count]
        case "lookup":
            try arity(2...3)
            if case .unknown = args[0] { return args[0] }
            if case .unknown = args[1] { return args[1] }
            guard case .object(let o) = args[0] else { throw fail("needs a map") }
            let k = try string(args[1], range)
            if let v = o[k] { return v }
            if args.count == 3 { return args[2] }
            throw fail("the map has no key \"\(k)\" and no default is given")
        case "merge":
            var out: [String: HCLValue] = [:]
            for a in args {
                switch a {
                case .unknown: return a
                case .null: continue
                case .object(let o): out.merge(o) { _, b in b }
                default: throw fail("takes maps or objects")
                }
            }
            return .object(out)
        case "keys":
            try arity(1...1)
            if case .unknown = args[0] { return args[0] }
            guard case .object(let o) = args[0] else { throw fail("needs a map") }
            return .list(o.keys.sorted().map(HCLValue.string))
        case "values":
            try arity(1...1)
            if case .unknown = args[0] { return args[0] }
            guard case .object(let o) = args[0] else { throw fail("needs a map") }
            return .list(o.keys.sorted().compactMap { o[$0] })
        case "coalesce":
            for a in args {
                if case .unknown = a { return a }
                if a == .null || a == .string("") { continue }
                return a
            }
            throw fail("no non-null, non-empty argument")
        case "coalescelist":
            for a in args {
                if case .unknown = a { return a }
                if case .list(let l) = a, !l.isEmpty { return a }
            }
            return .list([])
        case "one":
            try arity(1...1)
            if case .unknown = args[0] { return args[0] }
            let l = try elements(args[0], range)
            guard l.count <= 1 else { throw fail("needs a collection of at most one element") }
            return l.first ?? .null
        case "zipmap":
            try arity(2...2)
            if case .unknown = args[0] { return args[0] }
            if case .unknown = args[1] { return args[1] }
            guard case .list(let ks) = args[0], case .list(let vs) = args[1], ks.count == vs.count else { throw fail("needs two lists of the same length") }
            var out: [String: HCLValue] = [:]
            for (k, v) in zip(ks, vs) {
                if case .unknown = k { return k }
                out[try string(k, range)] = v
            }
            return .object(out)
        default: break
        }
        // The rest need fully known arguments.
        if let r = args.lazy.compactMap(\.unknownReason).first { return .unknown(r) }
        switch name {
        case "jsonencode":
            try arity(1...1)
            return .string(args[0].jsonText() ?? "")
        case "jsondecode":
            try arity(1...1)
            return try HCLValue.fromJSON(try string(args[0], range))
        case "format":
            guard let f = args.first else { throw fail("needs a format string") }
            return .string(try Self.format(try string(f, range), Array(args.dropFirst()), fail))
        case "formatlist":
            guard let f = args.first else { throw fail("needs a format string") }
            let fmt = try string(f, range)
            let rest = Array(args.dropFirst())
            let n = rest.compactMap { if case .list(let l) = $0 { l.count } else { nil } }.max() ?? 1
            var out: [HCLValue] = []
            for i in 0..<n {
                let row = rest.map { a -> HCLValue in if case .list(let l) = a { i < l.count ? l[i] : .null } else { a } }
                out.append(.string(try Self.format(fmt, row, fail)))
            }
            return .list(out)
        case "join":
            try arity(2...Int.max)
            let sep = try string(args[0], range)
            var parts: [String] = []
            for l in args.dropFirst() { for x in try elements(l, range) { parts.append(try string(x, range)) } }
            return .string(parts.joined(separator: sep))
        case "split":
            try arity(2...2)
            let sep = try string(args[0], range), s = try string(args[1], range)
            if s.isEmpty { return .list([]) }
            return .list((sep.isEmpty ? s.map(String.init) : s.components(separatedBy: sep)).map(HCLValue.string))
        case "toset":
            try arity(1...1)
            var seen = Set<HCLValue>()
            let items = try elements(args[0], range).filter { seen.insert($0).inserted }
            if items.allSatisfy({ $0.stringValue != nil }) { return .list(items.sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") }) }
            return .list(items)
        case "distinct":
            try arity(1...1)
            var seen = Set<HCLValue>()
            return .list(try elements(args[0], range).filter { seen.insert($0).inserted })
        case "flatten":
            try arity(1...1)
            func flat(_ v: HCLValue) -> [HCLValue] { if case .list(let l) = v { l.flatMap(flat) } else { [v] } }
            return .list(flat(args[0]))
        case "contains":
            try arity(2...2)
            return .bool(try elements(args[0], range).contains(args[1]))
        case "sort":
            try arity(1...1)
            return .list(try elements(args[0], range).map { x throws(HCLEvaluationError) in try string(x, range) }.sorted().map(HCLValue.string))
        case "compact":
            try arity(1...1)
            return .list(try elements(args[0], range).filter { $0 != .null && $0 != .string("") })
        case "lower": try arity(1...1); return .string(try string(args[0], range).lowercased())
        case "upper": try arity(1...1); return .string(try string(args[0], range).uppercased())
        case "title": try arity(1...1); return .string(try string(args[0], range).capitalized)
        case "trimspace": try arity(1...1); return .string(try string(args[0], range).trimmingCharacters(in: .whitespacesAndNewlines))
        case "tostring":
            try arity(1...1)
            if args[0] == .null { return .null }
            return .string(try string(args[0], range))
        case "tonumber":
            try arity(1...1)
            if args[0] == .null { return .null }
            return .number(try number(args[0], range))
        case "tobool":
            try arity(1...1)
            if args[0] == .null { return .null }
            return .bool(try bool(args[0], range))
        case "startswith": try arity(2...2); return .bool(try string(args[0], range).hasPrefix(try string(args[1], range)))
        case "endswith": try arity(2...2); return .bool(try string(args[0], range).hasSuffix(try string(args[1], range)))
        case "strcontains": try arity(2...2); return .bool(try string(args[0], range).contains(try string(args[1], range)))
        case "trimprefix":
            try arity(2...2)
            let s = try string(args[0], range), p = try string(args[1], range)
            return .string(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s)
        case "trimsuffix":
            try arity(2...2)
            let s = try string(args[0], range), p = try string(args[1], range)
            return .string(s.hasSuffix(p) ? String(s.dropLast(p.count)) : s)
        case "substr":
            try arity(3...3)
            let s = Array(try string(args[0], range))
            var off = Int(try number(args[1], range)), len = Int(try number(args[2], range))
            if off < 0 { off += s.count }
            guard off >= 0, off <= s.count else { throw fail("offset out of range") }
            if len < 0 || off + len > s.count { len = s.count - off }
            return .string(String(s[off..<off + len]))
        case "replace":
            try arity(3...3)
            let s = try string(args[0], range), pattern = try string(args[1], range), with = try string(args[2], range)
            if pattern.count >= 2, pattern.hasPrefix("/"), pattern.hasSuffix("/") {
                guard let re = try? NSRegularExpression(pattern: String(pattern.dropFirst().dropLast())) else { throw fail("invalid regular expression") }
                let template = with.replacingOccurrences(of: #"\$\{?(\d+)\}?"#, with: "\\$$1", options: .regularExpression)
                return .string(re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template))
            }
            return .string(pattern.isEmpty ? s : s.replacingOccurrences(of: pattern, with: with))
        case "abs": try arity(1...1); return .number(abs(try number(args[0], range)))
        case "min", "max":
            guard !args.isEmpty else { throw fail("needs at least one number") }
            var ns: [Double] = []
            for a in args { ns.append(try number(a, range)) }
            return .number((name == "min" ? ns.min() : ns.max()) ?? 0)
        case "range":
            try arity(1...3)
            var ns: [Double] = []
            for a in args { ns.append(try number(a, range)) }
            let (start, end, step) = ns.count == 1 ? (0, ns[0], 1.0) : (ns[0], ns[1], ns.count == 3 ? ns[2] : (ns[0] <= ns[1] ? 1 : -1))
            guard step != 0, abs((end - start) / step) <= 1024 else { throw fail("the range is empty-stepped or longer than 1024 elements") }
            return .list(Array(stride(from: start, to: end, by: step)).map(HCLValue.number))
        case "file", "fileexists", "templatefile":
            try arity(name == "templatefile" ? 2...2 : 1...1)
            let path = try string(args[0], range)
            guard let url = resolve(path) else {
                let reason = root == nil ? "\(name)(\"\(path)\"): files are not read here"
                    : "\(name)(\"\(path)\"): the path leaves the assessed folder, which is never read outside"
                notes.append(HCLEvaluationError(reason, range: range))
                return .unknown(reason)
            }
            if name == "fileexists" { return .bool(FileManager.default.fileExists(atPath: url.path)) }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                let reason = "\(name)(\"\(path)\"): the file is not in the assessed folder"
                notes.append(HCLEvaluationError(reason, range: range))
                return .unknown(reason)
            }
            let text = String(decoding: data, as: UTF8.self)
            if name == "file" { return .string(text) }
            guard !inTemplateFile else { throw fail("templatefile cannot be called from a template file") }
            guard case .object(let vars) = args[1] else { throw fail("the second argument must be a map of variables") }
            let parts: [HCLTemplatePart]
            do { parts = try HCLParser.parseTemplate(data, filename: url.lastPathComponent) } catch {
                throw HCLEvaluationError("templatefile(\"\(path)\"): \(error.description)", range: range)
            }
            let inner = HCLEvaluator(variables: vars, root: root, directory: url.deletingLastPathComponent())
            inner.depth = depth
            inner.inTemplateFile = true
            let v = try inner.template(parts, range: range)
            notes += inner.notes
            return v
        default:
            throw HCLEvaluationError("function \(name)() is not evaluated offline by cek-audit", range: range)
        }
    }

    /// The file URL of `path` (relative to ``directory``), or `nil` when it leaves ``root`` or no root is set.
    func resolve(_ path: String) -> URL? {
        guard let root, let directory else { return nil }
        let url = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)).standardizedFileURL
        let resolved = url.resolvingSymlinksInPath().path
        let base = root.resolvingSymlinksInPath().path
        guard resolved == base || resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") else { return nil }
        return url
    }

    /// Terraform's `format`: verbs `%s`, `%d`, `%f`, `%v`, `%q`, `%t`, `%%`, with an optional `.precision` for `%f`.
    static func format(_ f: String, _ args: [HCLValue], _ fail: (String) -> HCLEvaluationError) throws(HCLEvaluationError) -> String {
        var out = ""
        var next = 0
        var chars = f.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { out.append(c); continue }
            var spec = ""
            var verb: Character?
            while let d = chars.next() {
                if d.isLetter || d == "%" { verb = d; break }
                spec.append(d)
            }
            guard let verb else { throw fail("the format ends inside a verb") }
            if verb == "%" { out += "%"; continue }
            guard next < args.count else { throw fail("not enough arguments for the format") }
            let a = args[next]
            next += 1
            switch verb {
            case "s", "v", "t":
                guard let s = a.asString ?? (verb == "v" ? a.jsonText() : nil) else { throw fail("%\(verb) needs a primitive value") }
                out += s
            case "q":
                guard let s = a.asString else { throw fail("%q needs a string") }
                out += HCLValue.jsonQuoted(s)
            case "d":
                guard case .number(let n) = a else { throw fail("%d needs a number") }
                out += String(Int64(n.rounded(.towardZero)))
            case "f":
                guard case .number(let n) = a else { throw fail("%f needs a number") }
                let precision = spec.split(separator: ".").last.flatMap { Int($0) } ?? 6
                out += String(format: "%.\(min(precision, 30))f", n)
            default: throw fail("the verb %\(verb) is not supported")
            }
        }
        return out
    }
}
