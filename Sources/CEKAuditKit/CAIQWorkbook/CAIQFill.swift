import CEKAuditCore
import Foundation

/// One proposed CAIQ answer as `caiq fill` reads it from a report's `caiq` array.
public struct CAIQProposal: Sendable, Equatable {
    /// The report's answer.
    public enum Answer: String, Sendable {
        /// YES, NO, NA, or UNDETERMINED (the evidence does not decide).
        case yes = "YES", no = "NO", na = "NA", undetermined = "UNDETERMINED"

        /// The value the workbook's answer column takes (`Yes`, `No`, `NA`); nil for UNDETERMINED, which writes none.
        public var workbookValue: String? {
            switch self {
            case .yes: "Yes"
            case .no: "No"
            case .na: "NA"
            case .undetermined: nil
            }
        }
    }

    /// The question id (`CEK-08.1`).
    public var id: String
    /// The proposed answer.
    public var answer: Answer
    /// SSRM control ownership (`CSP-Owned`).
    public var ownership: String
    /// The implementation description.
    public var description: String
    /// The customer's responsibilities, when the report carries them.
    public var customerResponsibilities: String?
    /// Evidence ids the report cites for the answer, when it carries them.
    public var evidence: [String]

    /// Creates a proposal.
    public init(id: String, answer: Answer, ownership: String, description: String, customerResponsibilities: String? = nil,
                evidence: [String] = []) {
        self.id = id
        self.answer = answer
        self.ownership = ownership
        self.description = description
        self.customerResponsibilities = customerResponsibilities
        self.evidence = evidence
    }

    /// The text for the implementation-description column: the description, then the evidence ids it does not cite yet.
    public var descriptionText: String {
        let uncited = evidence.filter { !description.contains($0) }
        return uncited.isEmpty ? description : description + " Evidence: " + uncited.joined(separator: ", ") + "."
    }

    /// Reads the `caiq` array of a cek-audit report. A missing file throws ``CEKAuditError/unreadable(file:detail:fix:)``;
    /// a report without a usable `caiq` array throws ``CEKAuditError/invalidInput(file:line:column:message:fix:)``.
    public static func read(report url: URL, displayPath: String) throws -> [CAIQProposal] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CEKAuditError.unreadable(file: displayPath, detail: "no such file, or not readable",
                                           fix: "pass the report.json an `assess` or `evaluate` run wrote")
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw CEKAuditError.invalidJSON(file: displayPath, detail: "\(error.localizedDescription)")
        }
        func invalid(_ message: String) -> CEKAuditError {
            .invalidInput(file: displayPath, line: nil, column: nil, message: message,
                          fix: "pass a report.json written by cek-audit (Schemas/report.schema.json)")
        }
        guard let object = root as? [String: Any], let items = object["caiq"] as? [Any] else {
            throw invalid("the report has no `caiq` array")
        }
        guard !items.isEmpty else { throw invalid("the report's `caiq` array is empty: it answers no question") }
        return try items.enumerated().map { index, item in
            guard let item = item as? [String: Any] else { throw invalid("caiq[\(index)] is not an object") }
            guard let id = item["id"] as? String, CAIQFill.isQuestionID(id) else { throw invalid("caiq[\(index)].id is not a question id such as CEK-08.1") }
            guard let raw = item["answer"] as? String, let answer = Answer(rawValue: raw) else {
                throw invalid("caiq[\(index)].answer (\(id)) is not YES, NO, NA or UNDETERMINED")
            }
            guard let ownership = item["ownership"] as? String else { throw invalid("caiq[\(index)].ownership (\(id)) is missing") }
            guard let description = item["description"] as? String else { throw invalid("caiq[\(index)].description (\(id)) is missing") }
            let responsibilities = (item["customer_responsibilities"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            let evidence: [String] = (item["evidence"] as? [Any] ?? []).compactMap { e in
                if let s = e as? String { return s }
                if let o = e as? [String: Any] { return (o["id"] ?? o["evidence_id"]) as? String }
                return nil
            }
            return CAIQProposal(id: id, answer: answer, ownership: ownership, description: description,
                                customerResponsibilities: responsibilities, evidence: evidence)
        }
    }
}

/// Writes proposed CAIQ answers into a user's CAIQ / AI-CAIQ workbook: only the answer, ownership, description and
/// customer-responsibility cells of the questions answered, every other part of the package byte for byte.
public enum CAIQFill {
    /// Whether `text` has the shape of a CSA question id (`CEK-08.1`, `A&A-01.1`).
    public static func isQuestionID(_ text: String) -> Bool {
        text.range(of: #"^[A-Z&]{2,4}-\d+\.\d+$"#, options: .regularExpression) != nil
    }

    /// What happened to one cell or question, for the terminal.
    public struct Note: Sendable, Equatable {
        /// `info` a kept pre-filled cell; `warning` a question or column not found; `contradiction` a pre-filled
        /// answer the evidence contradicts; `blank` an answer left blank (UNDETERMINED).
        public enum Kind: Sendable { case info, warning, contradiction, blank }
        /// How the note is printed.
        public var kind: Kind
        /// The question id.
        public var question: String
        /// What happened, in the tool's words.
        public var text: String
    }

    /// The result of a fill.
    public struct Outcome: Sendable {
        /// The layout the workbook was read with.
        public var layout: CAIQLayout
        /// The patched package (write it with ``XLSXPackage/write(to:displayPath:)``).
        public var package: XLSXPackage
        /// What happened, question by question, in order.
        public var notes: [Note] = []
        /// Cells written.
        public var written = 0
        /// Pre-filled answers the evidence contradicts that were kept (no `--overwrite`).
        public var contradictions = 0
        /// Contradicted pre-filled answers replaced with `--overwrite`.
        public var overwrittenContradictions = 0
        /// Questions whose answer was left blank (UNDETERMINED).
        public var leftBlank = 0
        /// Questions of the report the workbook has no row for.
        public var missingQuestions: [String] = []
        /// Questions filled (at least one cell considered).
        public var questions = 0
        /// What happened to each question of the report, in the report's order.
        public var results: [QuestionResult] = []
    }

    /// What `caiq fill` did with one question of the report: the record behind the terminal notes.
    public struct QuestionResult: Sendable, Equatable, Codable {
        /// What happened to the answer cell.
        public enum AnswerAction: String, Sendable, Codable {
            /// The empty answer cell got the evidence's answer.
            case written
            /// A pre-filled answer was kept (contradicted or not; see ``QuestionResult/contradiction``).
            case kept
            /// A contradicted pre-filled answer was replaced (`--overwrite`).
            case overwritten
            /// The cell already held the evidence's answer.
            case unchanged
            /// The evidence does not decide (UNDETERMINED) and the cell was empty: left blank.
            case leftBlank = "left-blank"
            /// The workbook has no row for the question.
            case notFound = "not-found"
        }

        /// The question id (`CEK-08.1`).
        public var id: String
        /// The question's 1-based row in the questionnaire sheet, when found.
        public var row: Int?
        /// The answer the workbook held before the fill, when it held one.
        public var prefilledAnswer: String?
        /// The report's answer: YES, NO, NA or UNDETERMINED.
        public var evidenceAnswer: String
        /// Whether the pre-filled answer contradicts the evidence (a different answer, or Yes where the evidence does
        /// not decide).
        public var contradiction: Bool
        /// What happened to the answer cell.
        public var answerAction: AnswerAction
        /// The cells written for this question (`C12`, `D12` …), in column order.
        public var cellsWritten: [String]

        enum CodingKeys: String, CodingKey {
            case id, row, contradiction
            case prefilledAnswer = "prefilled_answer", evidenceAnswer = "evidence_answer", answerAction = "answer_action"
            case cellsWritten = "cells_written"
        }
    }

    /// Reads the workbook's layout and patches the cells of each proposal. `--overwrite` replaces pre-filled cells.
    ///
    /// Throws ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` when the layout cannot be identified, the
    /// workbook's XML cannot be read, or the workbook has a row for none of the proposals.
    public static func fill(_ package: XLSXPackage, with proposals: [CAIQProposal], overwrite: Bool, displayPath: String) throws -> Outcome {
        func invalid(_ message: String, fix: String? = nil) -> CEKAuditError {
            .invalidInput(file: displayPath, line: nil, column: nil, message: message, fix: fix)
        }
        let parts: WorkbookParts
        var shared: SharedStrings
        do {
            parts = try WorkbookParts(package)
            shared = try SharedStrings(parts.sharedStringsPath.flatMap(package.data), path: parts.sharedStringsPath ?? "xl/sharedStrings.xml")
        } catch {
            throw invalid("not a readable Excel workbook (\(error))", fix: "save the questionnaire as an Excel workbook (.xlsx)")
        }
        let (layout, sheet): (CAIQLayout, WorksheetXML)
        do {
            (layout, sheet) = try CAIQLayout.identify(package, parts: parts, sharedStrings: shared.strings)
        } catch let e as CAIQLayout.NotFound {
            throw invalid(e.message, fix: "pass CSA's CAIQ v4 or AI-CAIQ / AICM workbook as downloaded from cloudsecurityalliance.org")
        }
        var outcome = Outcome(layout: layout, package: package)
        if layout.fixedColumns {
            outcome.notes.append(Note(kind: .warning, question: "", text: "the header text of sheet '\(layout.sheet)' was not recognized; using CSA's fixed columns (A question id, C answer, D ownership, E description, F responsibilities)"))
        }
        // Inline strings unless the sheet's cells already use the shared-string table.
        let useShared = parts.sharedStringsPath != nil && sheet.rows.contains { $0.cells.contains { $0.type == "s" } }
        var rowOf: [String: Int] = [:]
        for row in sheet.rows where row.number > layout.headerRow {
            if let cell = row.cells.first(where: { $0.column == layout.questionID }) {
                let id = WorksheetXML.text(cell, sharedStrings: shared.strings).trimmingCharacters(in: .whitespacesAndNewlines)
                if isQuestionID(id), rowOf[id] == nil { rowOf[id] = row.number }
            }
        }
        var edits: [(row: Int, column: Int, content: CellContent)] = []
        func content(_ text: String?) -> CellContent {
            guard let text, !text.isEmpty else { return .empty }
            let bounded = text.count > 32_767 ? String(text.prefix(32_766)) + "…" : text   // Excel's cell limit
            return useShared ? .shared(shared.reference(bounded)) : .inline(bounded)
        }
        for proposal in proposals {
            guard let rowNumber = rowOf[proposal.id], let row = sheet.row(rowNumber) else {
                outcome.missingQuestions.append(proposal.id)
                outcome.results.append(QuestionResult(id: proposal.id, row: nil, prefilledAnswer: nil, evidenceAnswer: proposal.answer.rawValue,
                                                      contradiction: false, answerAction: .notFound, cellsWritten: []))
                outcome.notes.append(Note(kind: .warning, question: proposal.id, text: "no row with this question id in column \(ColumnName.letters(layout.questionID)) of sheet '\(layout.sheet)'; nothing written"))
                continue
            }
            outcome.questions += 1
            let existing = { (column: Int) -> (cell: WorksheetXML.Cell, text: String)? in
                guard let cell = row.cells.first(where: { $0.column == column }) else { return nil }
                return (cell, WorksheetXML.text(cell, sharedStrings: shared.strings))
            }
            var targets: [(column: Int, label: String, value: String?)] = [
                (layout.ownership, "ownership", proposal.ownership),
                (layout.description, "implementation description", proposal.descriptionText),
            ]
            if let r = proposal.customerResponsibilities {
                if let column = layout.responsibilities { targets.append((column, "customer responsibilities", r)) }
                else { outcome.notes.append(Note(kind: .warning, question: proposal.id, text: "the workbook has no customer-responsibility column; the report's responsibilities were not written")) }
            }
            // The answer.
            let prefilled = existing(layout.answer).map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            let evidence = proposal.answer.workbookValue
            if proposal.answer == .undetermined {
                outcome.leftBlank += 1
                outcome.notes.append(Note(kind: .blank, question: proposal.id, text: "answer left blank: the evidence does not decide"))
            }
            var action = QuestionResult.AnswerAction.unchanged
            var contradiction = false
            if prefilled.isEmpty {
                if let evidence { targets.append((layout.answer, "answer", evidence)); action = .written } else { action = .leftBlank }
            } else if prefilled.caseInsensitiveCompare(evidence ?? "") != .orderedSame {
                let contradicts = evidence != nil || prefilled.caseInsensitiveCompare("Yes") == .orderedSame
                contradiction = contradicts
                action = contradicts && overwrite ? .overwritten : .kept
                if contradicts {
                    let says = evidence ?? "no answer (UNDETERMINED)"
                    if overwrite {
                        outcome.overwrittenContradictions += 1
                        outcome.notes.append(Note(kind: .contradiction, question: proposal.id, text: "pre-filled answer '\(prefilled)' contradicts the evidence (\(says)); overwritten"))
                        targets.append((layout.answer, "answer", evidence))
                    } else {
                        outcome.contradictions += 1
                        outcome.notes.append(Note(kind: .contradiction, question: proposal.id, text: "pre-filled answer '\(prefilled)' contradicts the evidence (\(says)); kept (pass --overwrite to replace it)"))
                    }
                } else {
                    outcome.notes.append(Note(kind: .info, question: proposal.id, text: "pre-filled answer '\(prefilled)' kept: the evidence does not decide"))
                }
            }
            var written: [String] = []
            for target in targets.sorted(by: { $0.column < $1.column }) {
                let current = existing(target.column)
                let currentText = current?.text ?? ""
                if !currentText.isEmpty, currentText == (target.value ?? "") { continue }
                if !currentText.isEmpty, !overwrite, target.label != "answer" {
                    outcome.notes.append(Note(kind: .info, question: proposal.id, text: "pre-filled \(target.label) in \(ColumnName.letters(target.column))\(rowNumber) kept (pass --overwrite to replace it)"))
                    continue
                }
                if currentText.isEmpty, target.value == nil { continue }
                if current?.cell.type == "s" { shared.release() }
                edits.append((rowNumber, target.column, content(target.value)))
                written.append(ColumnName.letters(target.column) + String(rowNumber))
                outcome.written += 1
            }
            outcome.results.append(QuestionResult(id: proposal.id, row: rowNumber, prefilledAnswer: prefilled.isEmpty ? nil : prefilled,
                                                  evidenceAnswer: proposal.answer.rawValue, contradiction: contradiction,
                                                  answerAction: action, cellsWritten: written))
        }
        guard outcome.questions > 0 else {
            throw invalid("sheet '\(layout.sheet)' (\(layout.name)) has no row for \(proposals.map(\.id).joined(separator: ", ")) in column \(ColumnName.letters(layout.questionID))",
                          fix: "pass the questionnaire workbook the report's questions belong to")
        }
        if !edits.isEmpty {
            outcome.package.replace(layout.sheetPath, with: sheet.patched(edits))
            if let path = parts.sharedStringsPath, shared.changed { outcome.package.replace(path, with: shared.patched()) }
        }
        return outcome
    }

    /// Reads `workbook` and `report`, fills, and writes `output`. See ``fill(_:with:overwrite:displayPath:)``.
    public static func fill(workbook: URL, workbookDisplay: String, report: URL, reportDisplay: String,
                            output: URL, outputDisplay: String, overwrite: Bool) throws -> Outcome {
        let proposals = try CAIQProposal.read(report: report, displayPath: reportDisplay)
        let package = try XLSXPackage(contentsOf: workbook, displayPath: workbookDisplay)
        let outcome = try fill(package, with: proposals, overwrite: overwrite, displayPath: workbookDisplay)
        try outcome.package.write(to: output, displayPath: outputDisplay)
        return outcome
    }
}
