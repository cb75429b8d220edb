import CEKAuditCore
import Foundation

/// The record `caiq fill` writes beside the filled workbook (`filled.fill.json` for `filled.xlsx`): which workbook,
/// report and output it read and wrote (with their SHA-256), the layout it found, and per question the pre-filled
/// answer, the evidence's answer, whether they contradict, what was done and which cells were written.
///
/// It is the report of the fill: a contradiction that was kept (exit status 1) stays on file for the reviewer after
/// the terminal is gone. Deterministic: no clock, keys sorted, so the same inputs give the same bytes.
public struct CAIQFillRecord: Sendable, Codable, Equatable {
    /// The record's format: `cek-audit-caiq-fill/1`.
    public var format = "cek-audit-caiq-fill/1"
    /// The workbook read.
    public var workbook: File
    /// The report whose answers were written.
    public var report: File
    /// The filled workbook.
    public var output: File
    /// Whether `--overwrite` was given.
    public var overwrite: Bool
    /// The layout found.
    public var layout: Layout
    /// Per question of the report, in its order.
    public var questions: [CAIQFill.QuestionResult]
    /// Every note printed on stderr.
    public var notes: [Note]
    /// Totals, as the summary line prints them.
    public var counts: Counts

    /// A file by the path it was given as and the SHA-256 of its bytes (lowercase hex).
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var sha256: String
    }

    /// The questionnaire layout: sheet, header row and the columns (letters) of each field.
    public struct Layout: Sendable, Codable, Equatable {
        public var name: String
        public var sheet: String
        public var headerRow: Int
        public var fixedColumns: Bool
        public var columns: [String: String]
        enum CodingKeys: String, CodingKey {
            case name, sheet, columns
            case headerRow = "header_row", fixedColumns = "fixed_columns"
        }
    }

    /// One note: `contradiction`, `warning`, `blank` or `info`.
    public struct Note: Sendable, Codable, Equatable {
        public var kind: String
        public var question: String
        public var text: String
    }

    /// The summary's totals.
    public struct Counts: Sendable, Codable, Equatable {
        public var questions: Int
        public var cellsWritten: Int
        public var leftBlank: Int
        public var contradictionsKept: Int
        public var contradictionsOverwritten: Int
        public var notFound: Int
        enum CodingKeys: String, CodingKey {
            case questions
            case cellsWritten = "cells_written", leftBlank = "left_blank", contradictionsKept = "contradictions_kept"
            case contradictionsOverwritten = "contradictions_overwritten", notFound = "not_found"
        }
    }

    /// The record of `outcome`. `workbook`, `report` and `output` pair the paths as given with the bytes read or written.
    public init(outcome: CAIQFill.Outcome, overwrite: Bool, workbook: (path: String, bytes: Data), report: (path: String, bytes: Data),
                output: (path: String, bytes: Data)) {
        self.workbook = File(path: workbook.path, sha256: SHA256Hex.digest(workbook.bytes))
        self.report = File(path: report.path, sha256: SHA256Hex.digest(report.bytes))
        self.output = File(path: output.path, sha256: SHA256Hex.digest(output.bytes))
        self.overwrite = overwrite
        let l = outcome.layout
        var columns = ["question_id": ColumnName.letters(l.questionID), "answer": ColumnName.letters(l.answer),
                       "ownership": ColumnName.letters(l.ownership), "implementation_description": ColumnName.letters(l.description)]
        if let r = l.responsibilities { columns["customer_responsibilities"] = ColumnName.letters(r) }
        layout = Layout(name: l.name, sheet: l.sheet, headerRow: l.headerRow, fixedColumns: l.fixedColumns, columns: columns)
        questions = outcome.results
        notes = outcome.notes.map { note in
            let kind = switch note.kind {
            case .contradiction: "contradiction"
            case .warning: "warning"
            case .blank: "blank"
            case .info: "info"
            }
            return Note(kind: kind, question: note.question, text: note.text)
        }
        counts = Counts(questions: outcome.questions, cellsWritten: outcome.written, leftBlank: outcome.leftBlank,
                        contradictionsKept: outcome.contradictions, contradictionsOverwritten: outcome.overwrittenContradictions,
                        notFound: outcome.missingQuestions.count)
    }

    /// The record as pretty-printed JSON with sorted keys and a final newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Where the record goes by default: the output's path with `.xlsx` replaced by `.fill.json`.
    public static func defaultPath(forOutput output: String) -> String {
        let lower = output.lowercased()
        for ext in [".xlsx", ".xlsm"] where lower.hasSuffix(ext) { return String(output.dropLast(ext.count)) + ".fill.json" }
        return output + ".fill.json"
    }
}
