import Foundation
import Yams

/// Loads and validates a control catalog (`Controls/CEK-08.yaml`, schema version 1).
///
/// A catalog is one YAML file, or a root file that includes others: a guideline's `checks:` is either the list of
/// its checks or the path of a file holding them (`guideline: AG-1` and `checks: [...]`), and `templates:` is either
/// the mapping of ``CheckTemplate``s or the path of a file holding one (`templates: {...}`). Included paths are
/// relative to the root file's folder (``CatalogFiles``). A check naming `template:` is expanded into an ordinary
/// ``Check`` (``CheckTemplate`` describes the merge).
///
/// Strict: unknown keys, wrong types, duplicate ids, dangling references (CAIQ → guideline, condition →
/// parameter, condition → fact field, check → template, `${variable}` → template variable), unused templates and
/// template variables, and malformed examples are errors with `file:line:column` and a fix; the file is the one
/// the mistake is written in — the included checks file, or the templates file for a mistake in a template.
/// Every document is untrusted input and goes through ``YAMLDocument/compose(_:file:)`` (size and alias limits).
public enum CatalogLoader {
    /// Loads the catalog whose root file is at `path`, with the files it includes.
    /// - Throws: ``CEKAuditError/unreadable(file:detail:)`` when the root file cannot be read, otherwise
    ///   ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` naming the file, line, column and fix.
    public static func load(path: String) throws -> Catalog {
        var files = CatalogFiles(root: path)
        let data = try files.readRoot()
        return try load(data: data, files: files)
    }

    /// Loads a catalog from the bytes of its root file; `source` names it in errors, and files it includes are read
    /// relative to the folder of `source`.
    /// - Throws: ``CEKAuditError`` naming the file, line, column and fix.
    public static func load(data: Data, source: String) throws -> Catalog {
        var files = CatalogFiles(root: source)
        files.add(rootData: data)
        return try load(data: data, files: files)
    }

    static func load(data: Data, files: CatalogFiles) throws -> Catalog {
        var files = files
        let source = files.root
        let text = try TextPosition.utf8Text(data, file: source)
        guard let node = try YAMLDocument.compose(text, file: source) else {
            throw CEKAuditError.invalidInput(file: source, line: 1, column: 1, message: "the catalog is empty", fix: "see Controls/CEK-08.yaml for the shape")
        }
        let root = try YAMLCursor(node: node, file: source).mapping(
            allowed: ["schema_version", "control", "guidelines", "caiq", "templates"],
            required: ["schema_version", "control", "guidelines", "caiq"])
        let version = try root["schema_version"]!.int()
        guard version == Catalog.supportedSchemaVersion else {
            throw root["schema_version"]!.error("schema_version \(version) is not supported",
                                                fix: "this build reads schema_version \(Catalog.supportedSchemaVersion)")
        }
        let control = try readControl(root["control"]!)
        var templates: [TemplateDefinition] = []
        if let t = root["templates"] {
            let mapping: YAMLCursor
            if case .scalar = t.node {
                mapping = try files.include(t).mapping(allowed: ["templates"], required: ["templates"])["templates"]!
            } else {
                mapping = t
            }
            templates = try TemplateDefinition.readAll(mapping)
        }
        var guidelines: [Guideline] = []
        var checkIDs: [String: Int?] = [:]
        for cursor in try root["guidelines"]!.list() {
            let g = try readGuideline(cursor, files: &files, templates: templates)
            if guidelines.contains(where: { $0.id == g.id }) { throw cursor.error("duplicate guideline id '\(g.id)'") }
            for check in g.checks {
                if checkIDs[check.id] != nil {
                    throw CEKAuditError.invalidInput(file: check.source ?? source, line: check.line, column: nil,
                                                     message: "duplicate check id '\(check.id)'", fix: "give each check its own id")
                }
                checkIDs[check.id] = check.line
            }
            guidelines.append(g)
        }
        var caiq: [CAIQQuestion] = []
        for cursor in try root["caiq"]!.list() {
            let q = try readQuestion(cursor)
            for ref in q.requires + q.supports where !guidelines.contains(where: { $0.id == ref }) && checkIDs[ref] == nil {
                throw cursor.error("question \(q.id) refers to '\(ref)', which is neither a guideline nor a check of the catalog",
                                   fix: "use a guideline id (\(guidelines.map(\.id).joined(separator: ", "))) or a check id")
            }
            caiq.append(q)
        }
        let checks = guidelines.flatMap(\.checks)
        let used = try templates.map { t -> CheckTemplate in
            var info = t.info
            info.checks = checks.filter { $0.template == info.name }.map(\.id)
            if info.checks.isEmpty {
                throw CEKAuditError.invalidInput(file: info.source, line: info.line, column: nil,
                                                 message: "template '\(info.name)' is used by no check",
                                                 fix: "remove it, or derive a check from it with 'template: \(info.name)'")
            }
            return info
        }
        return Catalog(schemaVersion: version, source: source, sha256: files.sha256, files: files.paths, control: control,
                       guidelines: guidelines, caiq: caiq, templates: used)
    }

    // MARK: control

    static func readControl(_ c: YAMLCursor) throws -> ControlInfo {
        let m = try c.mapping(allowed: ["id", "domain", "title", "framework", "version_notes", "statement", "ownership",
                                        "threats", "architecture", "lifecycle", "mappings", "implementation_guidelines"],
                              required: ["id", "domain", "title", "framework", "statement"])
        let domain = try m["domain"]!.mapping(allowed: ["id", "title"], required: ["id", "title"])
        let fw = try m["framework"]!.mapping(allowed: ["name", "short_name", "version"], required: ["name", "short_name", "version"])
        return ControlInfo(
            id: try m["id"]!.nonEmptyString(),
            domainID: try domain["id"]!.string(), domainTitle: try domain["title"]!.string(),
            title: try m["title"]!.nonEmptyString(),
            framework: .init(name: try fw["name"]!.string(), shortName: try fw["short_name"]!.string(), version: try fw["version"]!.string()),
            versionNotes: try (m["version_notes"]?.list() ?? []).map {
                let v = try $0.mapping(allowed: ["version", "title", "note"], required: ["version", "note"])
                return .init(version: try v["version"]!.string(), title: try v["title"]?.string(), note: try v["note"]!.string())
            },
            statement: try m["statement"]!.nonEmptyString(),
            ownership: try (m["ownership"]?.list() ?? []).map {
                let o = try $0.mapping(allowed: ["actor", "owner", "summary"], required: ["actor", "owner", "summary"])
                return .init(actor: try o["actor"]!.string(), owner: try o["owner"]!.string(), summary: try o["summary"]!.string())
            },
            threats: try m["threats"]?.stringList() ?? [],
            architecture: try m["architecture"]?.stringList() ?? [],
            lifecycle: try (m["lifecycle"]?.list() ?? []).map {
                let l = try $0.mapping(allowed: ["phase", "relevance"], required: ["phase", "relevance"])
                return .init(phase: try l["phase"]!.string(), relevance: try l["relevance"]!.string())
            },
            mappings: try (m["mappings"]?.list() ?? []).map {
                let x = try $0.mapping(allowed: ["standard", "gap", "references", "note"], required: ["standard", "gap"])
                let gap = try x["gap"]!.string()
                guard ["none", "partial", "full"].contains(gap) else { throw x["gap"]!.error("gap must be none, partial or full") }
                return .init(standard: try x["standard"]!.string(), gap: gap, references: try x["references"]?.stringList() ?? [],
                             note: try x["note"]?.string() ?? "")
            },
            implementationGuidelines: try (m["implementation_guidelines"]?.list() ?? []).map {
                let i = try $0.mapping(allowed: ["id", "text"], required: ["id", "text"])
                return .init(id: try i["id"]!.string(), text: try i["text"]!.string())
            })
    }

    // MARK: guidelines and checks

    /// Reads a guideline; its `checks:` is the list of its checks or the path of a file holding them.
    static func readGuideline(_ c: YAMLCursor, files: inout CatalogFiles, templates: [TemplateDefinition]) throws -> Guideline {
        let m = try c.mapping(allowed: ["id", "origin", "number", "title", "text", "procedure", "checks"],
                              required: ["id", "origin", "number", "title", "text"])
        let id = try m["id"]!.nonEmptyString()
        let origin = try m["origin"]!.string()
        let number = try m["number"]!.int()
        let prefix: String
        switch origin {
        case "aicm": prefix = "AG-"
        case "ccm": prefix = "CCM-"
        default: throw m["origin"]!.error("origin must be 'aicm' or 'ccm'")
        }
        guard id == "\(prefix)\(number)" else {
            throw m["id"]!.error("guideline id '\(id)' does not match origin \(origin) and number \(number)",
                                 fix: "use '\(prefix)\(number)' so ids and numbering stay exact")
        }
        var entries: [YAMLCursor] = []
        if let listed = m["checks"] {
            if case .scalar = listed.node {
                let file = try files.include(listed).mapping(allowed: ["guideline", "checks"], required: ["guideline", "checks"])
                let named = try file["guideline"]!.string()
                guard named == id else {
                    throw file["guideline"]!.error("this file holds the checks of \(named), but guideline \(id) includes it at \(listed.file):\(listed.line ?? 0)",
                                                   fix: "include it from guideline \(named), or correct 'guideline:'")
                }
                entries = try file["checks"]!.list()
            } else {
                entries = try listed.list()
            }
        }
        let checks = try entries.map { try readCheck($0, guideline: id, templates: templates) }
        let procedure = try m["procedure"]?.string()
        if checks.isEmpty && procedure == nil {
            throw c.error("guideline \(id) has neither checks nor a procedure", fix: "add 'procedure:' for the manual steps")
        }
        return Guideline(id: id, origin: origin, number: number, title: try m["title"]!.nonEmptyString(),
                         text: try m["text"]!.nonEmptyString(), procedure: procedure, checks: checks, line: c.line)
    }

    // MARK: CAIQ

    static func readQuestion(_ c: YAMLCursor) throws -> CAIQQuestion {
        let m = try c.mapping(allowed: ["id", "question", "requires", "supports", "ownership"],
                              required: ["id", "question", "requires", "ownership"])
        let id = try m["id"]!.nonEmptyString()
        guard id.range(of: #"^[A-Z&]{2,4}-\d+\.\d+$"#, options: .regularExpression) != nil else {
            throw m["id"]!.error("'\(id)' is not a CAIQ question id", fix: "use the form CEK-08.1")
        }
        let requires = try m["requires"]!.stringList()
        if requires.isEmpty { throw m["requires"]!.error("a question needs at least one guideline it derives from") }
        return CAIQQuestion(id: id, question: try m["question"]!.nonEmptyString(), requires: requires,
                            supports: try m["supports"]?.stringList() ?? [], ownership: try m["ownership"]!.string(),
                            line: c.line)
    }
}
