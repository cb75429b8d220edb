import ArgumentParser
import CEKAuditCore
import CEKAuditKit
import Foundation

extension CEKAudit {
    /// `cek-audit caiq`: the CSA CAIQ / AI-CAIQ questionnaire workbook.
    struct CAIQ: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "caiq",
            abstract: "Work with CSA's CAIQ / AI-CAIQ questionnaire workbook.",
            subcommands: [Fill.self])
    }
}

extension CEKAudit.CAIQ {
    /// `cek-audit caiq fill`: writes the report's proposed answers into the user's CAIQ / AI-CAIQ workbook.
    struct Fill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the report's proposed CAIQ answers into your CAIQ / AI-CAIQ workbook.",
            discussion: """
            Finds the questionnaire sheet and each question's row by its id, and writes only the answer (Yes / No / NA), \
            SSRM control ownership, implementation description and customer-responsibility cells; every other part of \
            the workbook is copied byte for byte. An UNDETERMINED answer is left blank. A pre-filled cell is kept unless \
            --overwrite is given; a pre-filled answer the evidence contradicts is reported on stderr and in the fill record \
            written beside the output (filled.fill.json for filled.xlsx, or --record): per question the pre-filled and \
            the evidence's answer, the contradiction, what was done and the cells written, with the SHA-256 of the \
            workbook, report and output. Supported layouts: CAIQ \
            v4.0.x, CAIQ v4.1.0, AI-CAIQ / AICM v1.x. Exit status: 0 written; 1 contradicted pre-filled answers kept; \
            64 a file that cannot be opened or written; 65 a workbook whose layout cannot be identified, or an invalid report.
            """)

        @Option(name: .long, help: ArgumentHelp("Your CAIQ / AI-CAIQ workbook (.xlsx), as downloaded from cloudsecurityalliance.org.", valueName: "file"))
        var workbook: String

        @Option(name: .long, help: ArgumentHelp("The report.json whose `caiq` answers are written.", valueName: "file"))
        var report: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where the filled workbook is written (not the --workbook file).", valueName: "file"))
        var output: String

        @Flag(name: .long, help: "Replace pre-filled cells, contradicted answers included, with the evidence's values.")
        var overwrite = false

        @Option(name: .long, help: ArgumentHelp("Where the fill record (JSON) is written; default: the output's name with .fill.json.", valueName: "file"))
        var record: String?

        func run() async throws {
            let workbookURL = URL(fileURLWithPath: workbook), outputURL = URL(fileURLWithPath: output)
            if workbookURL.standardizedFileURL.resolvingSymlinksInPath() == outputURL.standardizedFileURL.resolvingSymlinksInPath() {
                Console.error("\(output): error: --output is the --workbook file. Fix: write the filled workbook to a new file; the original stays untouched.")
                throw CEKExit.usage
            }
            let outcome: CAIQFill.Outcome
            do {
                outcome = try CAIQFill.fill(workbook: workbookURL, workbookDisplay: workbook, report: URL(fileURLWithPath: report),
                                            reportDisplay: report, output: outputURL, outputDisplay: output, overwrite: overwrite)
            } catch let e as CEKAuditError {
                throw Console.fail(e)
            }
            for note in outcome.notes {
                let place = note.question.isEmpty ? "\(workbook)" : "\(workbook): \(note.question)"
                switch note.kind {
                case .contradiction: Console.error("\(place): contradiction: \(note.text)")
                case .warning: Console.error("\(place): warning: \(note.text)")
                case .blank: Console.error("\(place): \(note.text)")
                case .info: Console.error("\(place): note: \(note.text)")
                }
            }
            let recordPath = record ?? CAIQFillRecord.defaultPath(forOutput: output)
            do {
                let fillRecord = CAIQFillRecord(outcome: outcome, overwrite: overwrite,
                                                workbook: (workbook, try Data(contentsOf: workbookURL)),
                                                report: (report, try Data(contentsOf: URL(fileURLWithPath: report))),
                                                output: (output, try Data(contentsOf: outputURL)))
                try fillRecord.encoded().write(to: URL(fileURLWithPath: recordPath), options: .atomic)
            } catch {
                Console.error("\(recordPath): error: the fill record could not be written (\(error.localizedDescription)). Fix: pass --record with a writable path.")
                throw CEKExit.usage
            }
            let l = outcome.layout
            Console.out("caiq fill: \(outcome.questions) question(s) in sheet '\(l.sheet)' (\(l.name)), \(outcome.written) cell(s) written, \(outcome.leftBlank) answer(s) left blank, \(outcome.contradictions) contradiction(s) kept, \(outcome.overwrittenContradictions) overwritten, \(outcome.missingQuestions.count) question(s) not found: \(output) (record: \(recordPath))")
            if outcome.contradictions > 0 { throw CEKExit.failures }
        }
    }
}
