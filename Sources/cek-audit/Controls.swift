import ArgumentParser
import CEKAuditCore
import Foundation

extension CEKAudit {
    struct Controls: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate, list and show the control catalog.",
            subcommands: [Validate.self, List.self, Show.self, Fields.self])

        struct Validate: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Check a catalog file; errors name file:line:column and a fix.")
            @Argument(help: ArgumentHelp("Catalog file (default: Controls/CEK-08.yaml).", valueName: "file"))
            var file: String?
            @OptionGroup var catalog: CatalogOptions

            func run() throws {
                let path = try file ?? catalog.catalogPath()
                do {
                    let c = try CatalogLoader.load(path: path)
                    let automated = c.checks.filter { $0.subject != nil && $0.whenAbsent == nil }.count
                    let attestable = c.checks.filter { $0.whenAbsent != nil }.count
                    let examples = c.checks.reduce(0) { $0 + $1.examples.count }
                    Console.out("\(path): valid — \(c.control.id) \(c.control.title), \(c.guidelines.count) guidelines, \(c.checks.count) checks (\(automated) automated, \(attestable) manual until evidenced, \(examples) examples), \(c.caiq.count) CAIQ question(s)")
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
                        Console.out("    \(check.id)  [\(check.severity.rawValue), \(kind)]  \(check.title)")
                    }
                    if g.checks.isEmpty { Console.out("    (manual procedure)") }
                }
                for q in c.caiq { Console.out("\(q.id)  requires \(q.requires.joined(separator: ", "))") }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a guideline, a check or a CAIQ question.")
            @Argument(help: "A guideline id (AG-3), a check id, a CAIQ question id (CEK-08.1) or the control id.")
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
                    Console.out("\(check.id) [\(check.severity.rawValue)] \(check.title) (guideline \(check.guideline), line \(check.line ?? 0))")
                    if let r = check.rationale { Console.out("Why: \(lines: r, indent: "  ")") }
                    if let p = check.procedure {
                        Console.out(check.whenAbsent == nil ? "Procedure:\n  \(lines: p, indent: "  ")"
                                    : "Procedure (while no evidence is in scope):\n  \(lines: p, indent: "  ")")
                    }
                    for (k, v) in check.parameters.sorted(by: { $0.key < $1.key }) { Console.out("  parameter \(k) = \(v.displayText)") }
                    for e in check.examples { Console.out("  example \"\(e.name)\" → \(e.expect.rawValue)") }
                    return
                }
                if let q = c.caiq.first(where: { $0.id == id }) {
                    Console.out("\(q.id): \(lines: q.question, indent: "  ")\n  requires \(q.requires.joined(separator: ", "))\n  supports \(q.supports.joined(separator: ", "))\n  ownership \(q.ownership)")
                    return
                }
                throw ValidationError("No guideline, check or question '\(Console.neutralize(id))' in \(Console.neutralize(c.source)).")
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
