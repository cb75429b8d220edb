import ArgumentParser
import CEKAuditCollectorKit
import CEKAuditKit
import Foundation

extension CEKAudit {
    struct Sources: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every source and target kind this build reads: what it reads, what it supplies, an example.",
            discussion: """
            Source kinds go under `sources:` in an audit.yaml (or are recognised by content with `kind: auto`, the \\
            default); target kinds go under `targets:`. `--markdown` prints the table the README carries.
            """)

        @Flag(name: .long, help: "Print a Markdown table (the README's source table).")
        var markdown = false

        func run() throws {
            let rows = SourceCatalog.rows(Pipeline.registry)
            Console.out("\(trusted: markdown ? SourceCatalog.markdown(rows) : SourceCatalog.text(rows))")
        }
    }
}
