import Foundation

/// One resource or data source instance declared by a Terraform configuration read from `.tf` / `.tf.json` files,
/// with its values evaluated offline.
public struct TerraformResourceInstance: Sendable, Equatable {
    /// The address as Terraform names it: `aws_kms_key.main`, `aws_kms_key.k["a"]`, `module.kms["t1"].aws_kms_key.this`,
    /// `data.aws_iam_policy_document.key[0]`.
    public var address: String
    /// The resource type, e.g. `aws_kms_key`.
    public var type: String
    /// `managed` or `data`.
    public var mode: String
    /// The configured attributes and nested blocks (blocks as lists of objects), evaluated; values that cannot be
    /// known offline are `.unknown`. Provider-computed attributes (arn, id, …) are absent.
    public var values: [String: HCLValue]
    /// True when `count` / `for_each` could not be evaluated: this one entry stands for an unknown number of instances.
    public var multiplicityUnknown: Bool
    /// The block (file relative to the assessed folder, and the line of the block type).
    public var range: HCLRange
    /// Where each top-level attribute or nested block is set.
    public var attributeRanges: [String: HCLRange]
    /// Attribute path (nested blocks joined with `.`) → the addresses its expression refers to (absolute, with the
    /// module instance prefix), the way a plan's `configuration` lists `references`.
    public var references: [String: [String]]
}

/// A problem met while reading a configuration: a syntax error (the file is skipped), a module not read, a value
/// that cannot be evaluated.
public struct TerraformNote: Sendable, Equatable {
    /// Where (the file relative to the assessed folder, line and column).
    public var range: HCLRange
    /// What, as one sentence.
    public var message: String
    /// How to fix it, when there is something to do.
    public var fix: String?
    /// True for a file that could not be read at all (a syntax error).
    public var fileSkipped: Bool

    /// A note from its parts.
    public init(range: HCLRange, message: String, fix: String? = nil, fileSkipped: Bool = false) {
        self.range = range
        self.message = message
        self.fix = fix
        self.fileSkipped = fileSkipped
    }
}

/// Reads a Terraform root module from a folder and evaluates it offline, following local modules.
///
/// Terraform semantics followed (developer.hashicorp.com/terraform/language): every `*.tf` and `*.tf.json` file of a
/// folder is one module; `variable` defaults, then `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)`
/// in name order and the extra var files given, later files winning; `locals`; `resource` and `data` blocks with
/// `count` / `for_each` expanded when known (addresses `x[0]`, `x["k"]`), otherwise one instance of unknown
/// multiplicity; `dynamic` blocks; `module` blocks whose `source` is a local path (`./`, `../`) inside the assessed
/// folder, with their inputs, `count` / `for_each` and outputs. Registry and remote modules are not read (a note says
/// so and their outputs are unknown). `data "aws_iam_policy_document"` is rendered to the policy JSON the AWS provider
/// produces (``TerraformPolicyDocument``); every other data source's computed attributes are unknown.
public final class TerraformConfiguration {
    /// Resource and data source instances, in module then file then source order.
    public private(set) var resources: [TerraformResourceInstance] = []
    /// Problems, in the order met.
    public private(set) var notes: [TerraformNote] = []
    /// The files read (relative to the assessed folder), in order.
    public private(set) var files: [String] = []
    /// Module calls whose source was not read: (address, source).
    public private(set) var modulesNotRead: [(address: String, source: String)] = []
    /// The folders read as local modules of this root (absolute, standardized paths).
    public private(set) var moduleFolders: Set<String> = []

    /// The assessed folder: files and modules are never read outside it, and file names are relative to it.
    let root: URL
    /// The root module's folder (standardized): `path.root` of every module is the way from its folder to this one.
    private(set) var rootModule: URL
    /// How many module calls deep local modules are followed.
    public static let maximumModuleDepth = 16
    /// How many resource and module instances one configuration may expand to: beyond it (a hostile or runaway
    /// `count` / `for_each` / self-calling module), further instances are not expanded and a note says so.
    public static let maximumInstances = 50_000
    var instancesLeft = TerraformConfiguration.maximumInstances
    /// How deeply lazy evaluation may chain (a local referring to a local …, module in module) before the value is
    /// unknown: keeps the stack bounded whatever the configuration.
    public static let maximumChain = 100
    var chain = 0
    var budgetNoted = false

    /// Takes one instance from the budget; false (with one note) when it is spent.
    fileprivate func spendInstance(_ range: HCLRange) -> Bool {
        if instancesLeft > 0 { instancesLeft -= 1; return true }
        if !budgetNoted {
            budgetNoted = true
            notes.append(TerraformNote(range: range, message: "the configuration expands to more than \(Self.maximumInstances) resource and module instances; the rest are not read",
                                       fix: "assess a smaller folder, or a plan"))
        }
        return false
    }

    /// Reads and evaluates the root module in `folder`.
    ///
    /// - Parameters:
    ///   - folder: the folder of the root module.
    ///   - boundary: the assessed folder (default `folder`): files, modules and var files are never read outside
    ///     it, and file names in ranges are relative to it.
    ///   - varFiles: further `.tfvars` / `.tfvars.json` files (absolute, or relative to `folder`), applied after the
    ///     automatic ones, like `-var-file`.
    public init(folder: URL, boundary: URL? = nil, varFiles: [String] = []) {
        root = (boundary ?? folder).standardizedFileURL
        let moduleFolder = folder.standardizedFileURL
        rootModule = moduleFolder
        var inputs: [String: HCLValue] = [:]
        var inputRanges: [String: HCLRange] = [:]
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: moduleFolder.path)) ?? []).sorted()
        let auto = names.filter { $0.hasSuffix(".auto.tfvars") || $0.hasSuffix(".auto.tfvars.json") }
        var tfvars = ["terraform.tfvars", "terraform.tfvars.json"].filter { names.contains($0) } + auto
        tfvars += varFiles
        for file in tfvars {
            let url = (file.hasPrefix("/") ? URL(fileURLWithPath: file) : moduleFolder.appendingPathComponent(file)).standardizedFileURL
            let name = relative(url)
            guard url.path.hasPrefix(root.path + "/") else {
                notes.append(TerraformNote(range: Self.fileRange(file), message: "var file \(file) is outside the assessed folder and is not read",
                                           fix: "put the var file inside the assessed folder"))
                continue
            }
            guard let data = fm.contents(atPath: url.path) else {
                notes.append(TerraformNote(range: Self.fileRange(name), message: "var file \(name) cannot be read", fix: "check the path in audit.yaml"))
                continue
            }
            files.append(name)
            do {
                if name.hasSuffix(".json") {
                    let json = try HCLJSON.parse(data, filename: name)
                    guard case .object(let members) = json.kind else { continue }
                    for m in members { inputs[m.key] = m.value.value; inputRanges[m.key] = m.keyRange }
                } else {
                    let body = try HCLParser.parse(data, filename: name)
                    let evaluator = HCLEvaluator()
                    for a in body.attributes {
                        inputs[a.name] = evaluator.value(a.expression)
                        inputRanges[a.name] = a.range
                    }
                    for n in evaluator.notes { notes.append(TerraformNote(range: n.range ?? Self.fileRange(name), message: n.message)) }
                }
            } catch {
                notes.append(TerraformNote(range: error.range, message: "syntax error: \(error.message); the var file is skipped",
                                           fix: "correct the syntax at \(error.range)", fileSkipped: true))
            }
        }
        let module = ModuleInstance(owner: self, directory: moduleFolder, prefix: "", inputs: inputs.mapValues { ($0, nil) }, depth: 0)
        module.evaluateAll()
    }

    static func fileRange(_ file: String) -> HCLRange {
        HCLRange(filename: file, start: HCLPosition(line: 1, column: 1, offset: 0), end: HCLPosition(line: 1, column: 1, offset: 0))
    }

    /// `url`'s path relative to the assessed folder (the path itself when outside it).
    public func relative(_ url: URL) -> String {
        let p = url.standardizedFileURL.path
        return p.hasPrefix(root.path + "/") ? String(p.dropFirst(root.path.count + 1)) : p
    }

    fileprivate func add(_ r: TerraformResourceInstance) { resources.append(r) }
    fileprivate func note(_ n: TerraformNote) { notes.append(n) }
    fileprivate func read(_ file: String) { files.append(file) }
    fileprivate func readModule(_ folder: URL) { moduleFolders.insert(folder.standardizedFileURL.path) }
    fileprivate func notRead(_ address: String, _ source: String) { modulesNotRead.append((address, source)) }

    /// The module-relative reference key of a traversal: `var.x`, `local.y`, `aws_kms_key.k`, `data.t.n`, `module.m`.
    static func referenceKey(_ root: String, _ steps: [HCLExpression.TraversalStep]) -> String? {
        guard case .attribute(let first)? = steps.first else { return nil }
        switch root {
        case "each", "count", "path", "terraform", "self", HCLExpression.splatItem: return nil
        case "data":
            guard steps.count >= 2, case .attribute(let name) = steps[1] else { return nil }
            return "data.\(first).\(name)"
        default: return "\(root).\(first)"
        }
    }

    /// A traversal rendered as Terraform writes references: `aws_kms_key.main.arn`, `module.kms["a"].key_arn`.
    static func render(_ root: String, _ steps: [HCLExpression.TraversalStep]) -> String {
        var s = root
        for step in steps {
            switch step {
            case .attribute(let a): s += "." + a
            case .index(.string(let k)): s += "[\"\(k)\"]"
            case .index(.number(let n)): s += "[\(HCLValue.format(n))]"
            case .dynamicIndex: return s
            }
        }
        return s
    }
}

/// One instance of a module (the root, or a call's instance): its declarations, evaluated lazily.
final class ModuleInstance {
    unowned let owner: TerraformConfiguration
    let directory: URL
    /// `""` for the root, else `module.kms["a"].` (nested calls append).
    let prefix: String
    let depth: Int
    /// Whether this instance comes from a module call whose `count` / `for_each` is not known offline (at any level):
    /// every resource inside then stands for an unknown number of instances too.
    var multiplicityUnknown = false

    var variables: [String: (HCLExpression?, HCLRange?)] = [:]
    var inputs: [String: (HCLValue, [String]?)]
    var locals: [String: HCLExpression] = [:]
    var outputs: [String: HCLExpression] = [:]
    var resourceBlocks: [String: (mode: String, block: HCLBlock)] = [:]
    var resourceOrder: [String] = []
    var moduleBlocks: [String: HCLBlock] = [:]
    /// Data source names by type, and the `data.<type>` objects once built (lookups stay linear in the config).
    var dataNames: [String: [String]] = [:]
    var dataObjects: [String: HCLValue] = [:]
    var moduleOrder: [String] = []

    var values: [String: HCLValue] = [:]
    var inProgress: Set<String> = []
    /// Output name → the absolute addresses its expression refers to (for references through module outputs).
    var outputReferences: [String: [String]] = [:]
    /// Module call name → instance key text (or "") → child instance.
    var children: [String: [(String, ModuleInstance)]] = [:]

    init(owner: TerraformConfiguration, directory: URL, prefix: String, inputs: [String: (HCLValue, [String]?)], depth: Int) {
        self.owner = owner
        self.directory = directory
        self.prefix = prefix
        self.inputs = inputs
        self.depth = depth
        load()
    }

    /// Parses every `.tf` / `.tf.json` file of the folder; a file with a syntax error is skipped with a note.
    func load() {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".tf") || $0.hasSuffix(".tf.json") }.sorted()
        for name in names {
            let url = directory.appendingPathComponent(name)
            let rel = owner.relative(url)
            guard let data = fm.contents(atPath: url.path) else { continue }
            if depth == 0 || !owner.files.contains(rel) { owner.read(rel) }
            do {
                let body = name.hasSuffix(".json") ? try TerraformJSONForm.body(try HCLJSON.parse(data, filename: rel))
                                                   : try HCLParser.parse(data, filename: rel)
                declare(body)
            } catch {
                owner.note(TerraformNote(range: error.range, message: "syntax error: \(error.message); \(rel) is skipped",
                                         fix: "correct the syntax at \(error.range) (`terraform validate` shows the same error)", fileSkipped: true))
            }
        }
    }

    func declare(_ body: HCLBody) {
        for block in body.blocks {
            switch (block.type, block.labels.count) {
            case ("variable", 1): variables[block.labels[0]] = (block.body.attribute("default")?.expression, block.typeRange)
            case ("locals", 0): for a in block.body.attributes { locals[a.name] = a.expression }
            case ("output", 1): if let v = block.body.attribute("value") { outputs[block.labels[0]] = v.expression }
            case ("resource", 2), ("data", 2):
                let key = (block.type == "data" ? "data." : "") + block.labels[0] + "." + block.labels[1]
                if let earlier = resourceBlocks[key] {
                    owner.note(TerraformNote(range: block.typeRange,
                                             message: "\(prefix)\(key) is declared again (first at \(earlier.block.typeRange)); Terraform rejects the configuration, and only the first declaration is assessed",
                                             fix: "rename one of the two blocks"))
                    continue
                }
                resourceOrder.append(key)
                resourceBlocks[key] = (block.type == "data" ? "data" : "managed", block)
                if block.type == "data" { dataNames[block.labels[0], default: []].append(block.labels[1]) }
            case ("module", 1):
                if moduleBlocks[block.labels[0]] == nil { moduleOrder.append(block.labels[0]) }
                moduleBlocks[block.labels[0]] = block
            default: break
            }
        }
    }

    /// Evaluates every resource, data source and module call, in source order (dependencies first, lazily).
    func evaluateAll() {
        for key in resourceOrder { _ = value(key) }
        for name in moduleOrder { _ = value("module.\(name)") }
    }

    /// The relative path from folder `from` to folder `to` (`.`, `../..`, `../../envs/prod`).
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let parts = Array(repeating: "..", count: a.count - common) + b[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    func evaluator(extra: [String: HCLValue] = [:]) -> HCLEvaluator {
        let e = HCLEvaluator(variables: extra, root: owner.root, directory: directory)
        // Paths resolve against this module's folder: `path.root` and `path.cwd` (Terraform runs in the root module) are
        // the way from here to the root module. The workspace is chosen when Terraform runs: unknown offline.
        let toRoot = Self.relativePath(from: directory, to: owner.rootModule)
        e.variables["path"] = .object(["module": .string("."), "root": .string(toRoot), "cwd": .string(toRoot)])
        e.variables["terraform"] = .object(["workspace": .unknown("terraform.workspace is chosen when Terraform runs; it is not known offline")])
        e.lookup = { [unowned self] (root: String, name: String) throws(HCLEvaluationError) -> HCLValue? in
            switch root {
            case "var", "local", "module": return self.value("\(root).\(name)")
            case "data":
                if let cached = self.dataObjects[name] { return cached }
                let matching = self.dataNames[name] ?? []
                if matching.isEmpty { return nil }
                var o: [String: HCLValue] = [:]
                for n in matching { o[n] = self.value("data.\(name).\(n)") }
                // Kept once every data source of the type has its value (not while one of them is being evaluated).
                if !matching.contains(where: { self.inProgress.contains("data.\(name).\($0)") }) { self.dataObjects[name] = .object(o) }
                return .object(o)
            default:
                let key = "\(root).\(name)"
                return self.resourceBlocks[key] != nil ? self.value(key) : nil
            }
        }
        return e
    }

    func record(_ e: HCLEvaluator) {
        for n in e.notes where n.message.contains("assessed folder") || n.message.contains("not evaluated offline") {
            owner.note(TerraformNote(range: n.range ?? TerraformConfiguration.fileRange(owner.relative(directory)), message: n.message))
        }
    }

    /// The value of `var.x`, `local.y`, `module.m`, `type.name` or `data.type.name`, evaluating it on first use.
    func value(_ key: String) -> HCLValue? {
        if let v = values[key] { return v }
        if inProgress.contains(key) { return .unknown("\(key) refers to itself through a cycle") }
        guard owner.chain < TerraformConfiguration.maximumChain else {
            return .unknown("\(key) is reached through more than \(TerraformConfiguration.maximumChain) nested references")
        }
        owner.chain += 1
        inProgress.insert(key)
        defer { inProgress.remove(key); owner.chain -= 1 }
        let v: HCLValue?
        if key.hasPrefix("var.") {
            let name = String(key.dropFirst(4))
            if let input = inputs[name] { v = input.0 } else if let decl = variables[name] {
                if let d = decl.0 {
                    let e = evaluator()
                    v = e.value(d)
                    record(e)
                } else {
                    v = .unknown("variable \(name) has no value (no default, no tfvars entry\(depth > 0 ? ", no module input" : ""))")
                }
            } else { v = nil }
        } else if key.hasPrefix("local.") {
            guard let expr = locals[String(key.dropFirst(6))] else { return nil }
            let e = evaluator()
            v = e.value(expr)
            record(e)
        } else if key.hasPrefix("module.") {
            v = moduleValue(String(key.dropFirst(7)))
        } else if resourceBlocks[key] != nil {
            v = resourceValue(key)
        } else { v = nil }
        if let v { values[key] = v }
        return v
    }

    // MARK: Resources

    /// Evaluates `count` / `for_each`: instance keys, or `nil` when unknown.
    enum Expansion { case single, keys([(HCLValue, String, HCLValue)]), unknown(String) }

    func expansion(_ body: HCLBody) -> Expansion {
        if let c = body.attribute("count") {
            let e = evaluator()
            let v = e.value(c.expression)
            record(e)
            switch v {
            case .number(let n) where n >= 0 && n == n.rounded() && n <= 10_000:
                return .keys((0..<Int(n)).map { (.number(Double($0)), "[\($0)]", .null) })
            case .unknown(let r): return .unknown("count is not known offline: \(r)")
            default: return .unknown("count is not a whole number")
            }
        }
        if let f = body.attribute("for_each") {
            let e = evaluator()
            let v = e.value(f.expression)
            record(e)
            switch v {
            case .object(let o):
                return .keys(o.keys.sorted().compactMap { k in o[k].map { (.string(k), "[\"\(k)\"]", $0) } })
            case .list(let l):
                if let r = l.lazy.compactMap({ $0.isUnknown ? $0.unknownReason : nil }).first { return .unknown("for_each is not known offline: \(r)") }
                // Every element must be a string (a set of strings); a null, an object or a list would drop an instance.
                guard l.allSatisfy({ $0.asString != nil }) else { return .unknown("for_each needs a set of strings") }
                var seen = Set<String>()
                let keys = l.compactMap(\.asString).filter { seen.insert($0).inserted }.sorted()
                return .keys(keys.map { (.string($0), "[\"\($0)\"]", .string($0)) })
            case .unknown(let r): return .unknown("for_each is not known offline: \(r)")
            default: return .unknown("for_each needs a map or a set of strings")
            }
        }
        return .single
    }

    func resourceValue(_ key: String) -> HCLValue {
        guard let (mode, block) = resourceBlocks[key] else { return .null }
        let type = block.labels[0]
        let base = prefix + key
        func instance(_ address: String, _ extra: [String: HCLValue], multiplicityUnknown: Bool) -> HCLValue {
            guard owner.spendInstance(block.typeRange) else { return .unknown("not expanded: the configuration is too large") }
            let e = evaluator(extra: extra)
            var ranges: [String: HCLRange] = [:]
            var refs: [String: [String]] = [:]
            var v = blockValues(block.body, e, path: "", ranges: &ranges, refs: &refs, top: true)
            record(e)
            if mode == "data" && type == "aws_iam_policy_document" {
                v["json"] = TerraformPolicyDocument.render(v)
                v["minified_json"] = v["json"]
            }
            owner.add(TerraformResourceInstance(address: address, type: type, mode: mode, values: v,
                                                multiplicityUnknown: multiplicityUnknown || self.multiplicityUnknown,
                                                range: block.typeRange, attributeRanges: ranges, references: refs))
            v[HCLEvaluator.computedMarker] = .bool(true)
            return .object(v)
        }
        return expanded(block.body) { keyText, extra, unknownMultiplicity in
            instance(base + keyText, extra, multiplicityUnknown: unknownMultiplicity)
        }
    }

    /// Expands a resource or module block by its `count` / `for_each`: `make(keyText, names, multiplicityUnknown)`
    /// for each instance (`[0]` / `["k"]`, with `count.index` / `each.key` and `each.value` in scope), or once with
    /// unknown names when the collection is unknown. Returns the block's value: an instance, a list (count), an
    /// object (for_each), or unknown.
    func expanded(_ body: HCLBody, _ make: (String, [String: HCLValue], Bool) -> HCLValue) -> HCLValue {
        switch expansion(body) {
        case .single: return make("", [:], false)
        case .unknown(let reason):
            _ = make("", ["each": .object(["key": .unknown(reason), "value": .unknown(reason)]), "count": .object(["index": .unknown(reason)])], true)
            return .unknown(reason)
        case .keys(let keys):
            let counted = body.attribute("count") != nil
            var list: [HCLValue] = []
            var object: [String: HCLValue] = [:]
            for (k, text, value) in keys {
                let v = make(text, counted ? ["count": .object(["index": k])] : ["each": .object(["key": k, "value": value])], false)
                if case .string(let s) = k { object[s] = v } else { list.append(v) }
            }
            return counted ? .list(list) : .object(object)
        }
    }

    /// A block body's attributes and nested blocks (as lists of objects), with `dynamic` blocks expanded.
    func blockValues(_ body: HCLBody, _ e: HCLEvaluator, path: String, ranges: inout [String: HCLRange], refs: inout [String: [String]],
                     top: Bool) -> [String: HCLValue] {
        let meta: Set<String> = top ? ["count", "for_each", "provider", "depends_on"] : []
        var out: [String: HCLValue] = [:]
        for item in body.items {
            switch item {
            case .attribute(let a):
                guard !meta.contains(a.name) else { continue }
                out[a.name] = e.value(a.expression)
                let p = path + a.name
                if top { ranges[a.name] = a.range }
                refs[p] = references(a.expression)
            case .block(let b):
                if top && (b.type == "lifecycle" || b.type == "provisioner" || b.type == "connection") { continue }
                if b.type == "dynamic", let name = b.labels.first {
                    if top { ranges[name] = b.typeRange }
                    guard let content = b.body.blocks("content").first, let each = b.body.attribute("for_each") else { continue }
                    let iterator: String = {
                        if case .variable(let n)? = b.body.attribute("iterator")?.expression.kind { return n }
                        return name
                    }()
                    let coll = e.value(each.expression)
                    refs[path + name, default: []] += references(each.expression)
                    var items: [HCLValue] = []
                    switch coll {
                    case .unknown:
                        var r = refs
                        _ = withIterator(e, iterator, .object(["key": coll, "value": coll])) {
                            blockValues(content.body, e, path: path + name + ".", ranges: &ranges, refs: &r, top: false)
                        }
                        refs = r
                        out[name] = coll
                        continue
                    case .list, .object:
                        let pairs = (try? e.pairs(coll, each.range)) ?? []
                        for (k, v) in pairs {
                            var r = refs
                            let obj = withIterator(e, iterator, .object(["key": k, "value": v])) {
                                blockValues(content.body, e, path: path + name + ".", ranges: &ranges, refs: &r, top: false)
                            }
                            refs = r
                            items.append(.object(obj))
                        }
                    default: continue
                    }
                    if case .list(let existing)? = out[name] { out[name] = .list(existing + items) }
                    else if out[name] == nil { out[name] = .list(items) }   // an unknown list stays unknown
                    continue
                }
                // A dynamic block of this type with an unknown for_each made the whole list unknown: a static block
                // cannot make it known again.
                if case .unknown? = out[b.type] { continue }
                if top { ranges[b.type] = ranges[b.type] ?? b.typeRange }
                let obj = blockValues(b.body, e, path: path + b.type + ".", ranges: &ranges, refs: &refs, top: false)
                if case .list(let existing)? = out[b.type] { out[b.type] = .list(existing + [.object(obj)]) } else { out[b.type] = .list([.object(obj)]) }
            }
        }
        return out
    }

    func withIterator(_ e: HCLEvaluator, _ name: String, _ value: HCLValue, _ body: () -> [String: HCLValue]) -> [String: HCLValue] {
        let saved = e.variables[name]
        e.variables[name] = value
        defer { e.variables[name] = saved }
        return body()
    }

    /// The absolute addresses an expression refers to: each traversal rendered with this module's prefix, and for
    /// `module.m.out` the references of that output inside the child module.
    func references(_ expr: HCLExpression) -> [String] {
        var out: [String] = []
        for t in expr.traversals {
            guard TerraformConfiguration.referenceKey(t.root, t.steps) != nil else { continue }
            if t.root == "module", case .attribute(let name)? = t.steps.first {
                // module.m.out or module.m["k"].out: follow into the child's output references.
                var keyText = ""
                var rest = t.steps.dropFirst()
                if case .index(let k)? = rest.first {
                    switch k {
                    case .string(let s): keyText = "[\"\(s)\"]"
                    case .number(let n): keyText = "[\(HCLValue.format(n))]"
                    }
                    rest = rest.dropFirst()
                }
                if case .attribute(let outName)? = rest.first, value("module.\(name)") != nil {
                    for (k, child) in children[name] ?? [] where keyText.isEmpty || k == keyText {
                        out += child.outputReferences[outName] ?? []
                    }
                }
                out.append(prefix + TerraformConfiguration.render(t.root, Array(t.steps)))
                continue
            }
            out.append(prefix + TerraformConfiguration.render(t.root, t.steps))
            if let key = TerraformConfiguration.referenceKey(t.root, t.steps) { out.append(prefix + key) }
            // A local's or variable's own references (one level), so a key reached through a local still links.
            if t.root == "local", case .attribute(let n)? = t.steps.first, let expr = locals[n], depth < 64 {
                for inner in expr.traversals where inner.root != "local" {
                    if TerraformConfiguration.referenceKey(inner.root, inner.steps) != nil, inner.root != "var" {
                        out.append(prefix + TerraformConfiguration.render(inner.root, inner.steps))
                    }
                }
            }
            if t.root == "var", case .attribute(let n)? = t.steps.first, let refs = inputs[n]?.1 { out += refs }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    // MARK: Modules

    func moduleValue(_ name: String) -> HCLValue? {
        guard let block = moduleBlocks[name] else { return nil }
        let address = prefix + "module.\(name)"
        guard let sourceExpr = block.body.attribute("source"), case .template(let parts) = sourceExpr.expression.kind,
              parts.count == 1, case .literal(let source) = parts[0] else {
            owner.note(TerraformNote(range: block.typeRange, message: "module \(address): the source is not a literal string, so the module is not read"))
            owner.notRead(address, "?")
            return .unknown("module \(address) is not read")
        }
        guard source.hasPrefix("./") || source.hasPrefix("../") else {
            owner.note(TerraformNote(range: block.typeRange, message: "module \(address): source \"\(source)\" is a registry or remote module, which is not read offline; its resources are not assessed",
                                     fix: "assess a plan (`terraform show -json`) to cover the module's resources, or vendor the module into the folder"))
            owner.notRead(address, source)
            return .unknown("module \(address) (\(source)) is not read offline")
        }
        let dir = directory.appendingPathComponent(source).standardizedFileURL
        // Inside the assessed folder both as written and once symbolic links are resolved (a vendored `./modules`
        // link to /elsewhere is outside).
        let realDir = dir.resolvingSymlinksInPath().path, realRoot = owner.root.resolvingSymlinksInPath().path
        guard dir.path == owner.root.path || dir.path.hasPrefix(owner.root.path + "/"),
              realDir == realRoot || realDir.hasPrefix(realRoot + "/") else {
            owner.note(TerraformNote(range: block.typeRange, message: "module \(address): source \"\(source)\" is outside the assessed folder and is not read",
                                     fix: "assess the folder that holds both the root module and its local modules"))
            owner.notRead(address, source)
            return .unknown("module \(address) is outside the assessed folder")
        }
        guard depth < TerraformConfiguration.maximumModuleDepth else {
            owner.note(TerraformNote(range: block.typeRange, message: "module \(address): modules nested deeper than \(TerraformConfiguration.maximumModuleDepth) calls are not read"))
            return .unknown("module nesting too deep")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            owner.note(TerraformNote(range: block.typeRange, message: "module \(address): local source \"\(source)\" does not exist", fix: "check the module source path"))
            owner.notRead(address, source)
            return .unknown("module \(address): source folder missing")
        }
        let skip: Set<String> = ["source", "version", "count", "for_each", "providers", "depends_on"]
        func call(_ keyText: String, _ extra: [String: HCLValue], _ unknownMultiplicity: Bool) -> HCLValue {
            guard owner.spendInstance(block.typeRange) else { return .unknown("not expanded: the configuration is too large") }
            let e = evaluator(extra: extra)
            var childInputs: [String: (HCLValue, [String]?)] = [:]
            for a in block.body.attributes where !skip.contains(a.name) {
                childInputs[a.name] = (e.value(a.expression), references(a.expression))
            }
            record(e)
            owner.readModule(dir)
            let child = ModuleInstance(owner: owner, directory: dir, prefix: prefix + "module.\(name)\(keyText).", inputs: childInputs, depth: depth + 1)
            child.multiplicityUnknown = multiplicityUnknown || unknownMultiplicity
            children[name, default: []].append((keyText, child))
            child.evaluateAll()
            var outs: [String: HCLValue] = [:]
            for (outName, expr) in child.outputs {
                let ce = child.evaluator()
                outs[outName] = ce.value(expr)
                child.outputReferences[outName] = child.references(expr)
            }
            return .object(outs)
        }
        return expanded(block.body) { keyText, extra, unknownMultiplicity in call(keyText, extra, unknownMultiplicity) }
    }
}
