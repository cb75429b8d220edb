import ArgumentParser
import CEKAuditCore
import CEKAuditReporters
import Foundation

extension CEKAudit {
    struct Controls: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate, list and show the control catalog.",
            subcommands: [Validate.self, List.self, Show.self, Fields.self, Export.self])

        struct Validate: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Check a catalog and the files it includes; errors name file:line:column and a fix.")
            @Argument(help: ArgumentHelp("Catalog file: one file, or the root of a split catalog (default: Controls/CEK-08.yaml).", valueName: "file"))
            var file: String?
            @OptionGroup var catalog: CatalogOptions

            func run() throws {
                let path = try file ?? catalog.catalogPath()
                do {
                    let c = try CatalogLoader.load(path: path)
                    let automated = c.checks.filter { $0.subject != nil && $0.whenAbsent == nil }.count
                    let attestable = c.checks.filter { $0.whenAbsent != nil }.count
                    let examples = c.checks.reduce(0) { $0 + $1.examples.count }
                    let derived = c.checks.filter { $0.template != nil }.count
                    let templates = c.templates.isEmpty ? "" : ", \(derived) derived from \(c.templates.count) template(s)"
                    let files = c.files.count > 1 ? " in \(c.files.count) files" : ""
                    Console.out("\(path): valid — \(c.control.id) \(c.control.title), \(c.guidelines.count) guidelines, \(c.checks.count) checks (\(automated) automated, \(attestable) manual until evidenced\(templates), \(examples) examples), \(c.caiq.count) CAIQ question(s)\(files)")
                } catch let e as CEKAuditError {
                    throw Console.fail(e)
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List guidelines and their checks.")
            @OptionGroup var catalog: CatalogOptions

            func run() throws {
                let c = try catalog.load()
                for g in c.guidelines {
                    Console.out("\(g.id)  \(g.title)")
                    for check in g.checks {
                        let kind: String
                        switch check.kind {
                        case .resource(let s): kind = "per \(s.rawValue)"
                        case .aggregate(let s, _, _, _, _): kind = "aggregate over \(s.rawValue)" + (check.whenAbsent == nil ? "" : ", manual when absent")
                        case .manual: kind = "manual"
                        }
                        let template = check.template.map { ", from template \($0)" } ?? ""
                        Console.out("    \(check.id)  [\(check.severity.rawValue), \(kind)\(template)]  \(check.title)")
                    }
                    if g.checks.isEmpty { Console.out("    (manual procedure)") }
                }
                for q in c.caiq { Console.out("\(q.id)  requires \(q.requires.joined(separator: ", "))") }
                for t in c.templates { Console.out("template \(t.name)  \(t.checks.count) check(s): \(t.checks.joined(separator: ", "))") }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show a guideline, a check (as read, template expanded), a CAIQ question or a check template.")
            @Argument(help: "A guideline id (AG-3), a check id, a CAIQ question id (CEK-08.1), the control id or a template name.")
            var id: String
            @OptionGroup var catalog: CatalogOptions

            func run() throws {
                let c = try catalog.load()
                if id == c.control.id {
                    Console.out("\(c.control.id) \(c.control.title) — \(c.control.framework.name) \(c.control.framework.version)")
                    Console.out("\(lines: c.control.statement, indent: "")")
                    for n in c.control.versionNotes { Console.out("  \(n.version): \(n.title ?? "") \(n.note)") }
                    for o in c.control.ownership { Console.out("  \(o.actor): \(o.owner) — \(o.summary)") }
                    return
                }
                if let g = c.guideline(id) {
                    Console.out("\(g.id) (\(g.origin) #\(g.number)) \(g.title)\n\(lines: g.text, indent: "")")
                    if let p = g.procedure { Console.out("Procedure:\n  \(lines: p, indent: "  ")") }
                    for check in g.checks { Console.out("  \(check.id): \(check.title)") }
                    return
                }
                if let check = c.checks.first(where: { $0.id == id }) {
                    Console.out("\(check.id) [\(check.severity.rawValue)] \(check.title) (guideline \(check.guideline), \(place(check.source ?? c.source, check.line)))")
                    if let name = check.template, let t = c.templates.first(where: { $0.name == name }) {
                        Console.out("Derived from template \(name) (\(place(t.source, t.line)))")
                    }
                    if let r = check.rationale { Console.out("Why: \(lines: r, indent: "  ")") }
                    if let p = check.procedure {
                        Console.out(check.whenAbsent == nil ? "Procedure:\n  \(lines: p, indent: "  ")"
                                    : "Procedure (while no evidence is in scope):\n  \(lines: p, indent: "  ")")
                    }
                    for (k, v) in check.parameters.sorted(by: { $0.key < $1.key }) { Console.out("  parameter \(k) = \(v.displayText)") }
                    for v in Verdict.allCases { if let m = check.messages[v] { Console.out("  message \(v.rawValue): \(m)") } }
                    for e in check.examples { Console.out("  example \"\(e.name)\" → \(e.expect.rawValue) (\(place(e.source ?? c.source, e.line)))") }
                    return
                }
                if let q = c.caiq.first(where: { $0.id == id }) {
                    Console.out("\(q.id): \(lines: q.question, indent: "  ")\n  requires \(q.requires.joined(separator: ", "))\n  supports \(q.supports.joined(separator: ", "))\n  ownership \(q.ownership)")
                    return
                }
                if let t = c.templates.first(where: { $0.name == id }) {
                    Console.out("template \(t.name) (\(place(t.source, t.line)))")
                    for (k, v) in t.variables.sorted(by: { $0.key < $1.key }) {
                        Console.out("  variable \(k): \(v)\(t.defaults[k].map { " (default \($0))" } ?? "")")
                    }
                    Console.out("  checks: \(t.checks.joined(separator: ", "))")
                    return
                }
                throw ValidationError("No guideline, check, question or template '\(Console.neutralize(id))' in \(Console.neutralize(c.source)).")
            }

            /// `file:line`, or the file alone when the line is not known.
            func place(_ file: String, _ line: Int?) -> String { line.map { "\(file):\($0)" } ?? file }
        }

        struct Export: ParsableCommand {
            /// What `controls export` can write.
            enum Format: String, ExpressibleByArgument, CaseIterable {
                /// The OSCAL 1.1.2 catalog of the control (``OSCALReporter/catalog(_:date:toolVersion:)``).
                case oscalCatalog = "oscal-catalog"
            }

            static let configuration = CommandConfiguration(
                abstract: "Export the control catalog: --format oscal-catalog writes the OSCAL 1.1.2 catalog of the control in the catalog's wording.")
            @Option(name: .long, help: "Export format.")
            var format: Format = .oscalCatalog
            @Option(name: [.short, .long], help: ArgumentHelp("File to write (default: standard output).", valueName: "file"))
            var output: String?
            @OptionGroup var catalog: CatalogOptions

            func run() throws {
                let c = try catalog.load()
                // metadata.last-modified: SOURCE_DATE_EPOCH when set (reproducible), else now in whole seconds.
                let date = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
                    ?? Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
                let data: Data
                switch format {
                case .oscalCatalog: data = OSCALReporter.catalog(c, date: date, toolVersion: CEKAuditVersion.current)
                }
                if let output {
                    do { try data.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                        throw ValidationError("Cannot write \(Console.neutralize(output)): \((error as NSError).localizedDescription)")
                    }
                } else {
                    FileHandle.standardOutput.write(data)
                }
            }
        }

        struct Fields: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the fact fields checks can read, per resource type.")
            @Argument(help: "A resource type (key, key_policy, data_store …); all when omitted.")
            var type: String?

            func run() throws {
                let types: [ResourceType]
                if let type {
                    guard let t = ResourceType(rawValue: type) else {
                        throw ValidationError("Unknown resource type '\(Console.neutralize(type))'. Use one of: \(ResourceType.allCases.map(\.rawValue).joined(separator: ", ")).")
                    }
                    types = [t]
                } else {
                    types = ResourceType.allCases
                }
                for t in types {
                    let fields = FactSchema.fields[t] ?? [:]
                    if fields.isEmpty { continue }
                    Console.out("\(t.rawValue)")
                    for (name, doc) in fields.sorted(by: { $0.key < $1.key }) { Console.out("  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(doc)") }
                }
            }
        }
    }
}
