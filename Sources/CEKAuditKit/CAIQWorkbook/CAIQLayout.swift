import Foundation

/// Where a CSA questionnaire workbook keeps its questions and answers: the sheet, the header row, and the columns of
/// the question id, the answer, the SSRM control ownership, the implementation description and the customer
/// responsibilities.
///
/// Found by header text (CAIQ v4.0.x "CSP CAIQ Answer" …, CAIQ v4.1.0, AI-CAIQ / AICM v1.x "Service Provider
/// AI-CAIQ Answer" …); CSA's fixed columns (A question id, C–F answer, ownership, description, responsibilities) are
/// used only for a sheet positively identified as CSA's by its name (`CAIQv4.1.0`, `AI-CAIQv1.1.0`) whose header
/// text is not recognized.
public struct CAIQLayout: Sendable, Equatable {
    /// A name for the layout found (`AI-CAIQ v1.1.0`, `CAIQ v4.1.0`, `CAIQ v4.0.x`).
    public var name: String
    /// The questionnaire sheet's name.
    public var sheet: String
    /// The worksheet part's path in the package.
    public var sheetPath: String
    /// The 1-based row of the header (questions follow it).
    public var headerRow: Int
    /// The 1-based column of the question id.
    public var questionID: Int
    /// The 1-based column of the answer (Yes / No / NA).
    public var answer: Int
    /// The 1-based column of the SSRM control ownership.
    public var ownership: Int
    /// The 1-based column of the implementation description.
    public var description: Int
    /// The customer-responsibility column, when the layout has one.
    public var responsibilities: Int?
    /// Whether the columns are CSA's fixed positions rather than found by header text.
    public var fixedColumns: Bool
    /// The `specification_version` of the A1 JSON stamp, when the sheet has one.
    public var stamp: String?

    /// How many rows from the top are searched for the header row.
    static let headerSearchRows = 15

    enum HeaderKind: String, CaseIterable {
        case questionID = "Question ID"
        case answer = "… CAIQ Answer"
        case ownership = "SSRM Control Ownership"
        case description = "… Implementation Description"
        case responsibilities = "… Responsibilities"
    }

    /// The kind of column a header cell names, by its text (case, spacing and line breaks ignored).
    static func kind(ofHeader text: String) -> HeaderKind? {
        let t = text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if t == "question id" || t.hasPrefix("question id ") || t == "question identifier" { return .questionID }
        if t.contains("ownership") { return .ownership }
        if t.contains("implementation description") || (t.contains("implementation") && t.contains("description")) { return .description }
        if t.contains("responsibilit") { return .responsibilities }
        if t.contains("answer"), !t.contains("question") { return .answer }
        return nil
    }

    /// `CAIQv4.1.0`, `CAIQ v4.0.2`, `AI-CAIQv1.1.0`, `AI-CAIQ v1.0.2`: (AI?, version).
    static func csaSheetName(_ name: String) -> (ai: Bool, version: String)? {
        let t = name.trimmingCharacters(in: .whitespaces)
        let upper = t.uppercased()
        let ai = upper.hasPrefix("AI-CAIQ") || upper.hasPrefix("AICAIQ")
        guard ai || upper.hasPrefix("CAIQ") else { return nil }
        var rest = Substring(t.dropFirst(ai ? (upper.hasPrefix("AI-CAIQ") ? 7 : 6) : 4))
        rest = rest.drop { $0 == " " || $0 == "_" || $0 == "-" }
        guard rest.first == "v" || rest.first == "V" else { return nil }
        let version = rest.dropFirst().prefix { $0.isNumber || $0 == "." }
        guard version.first?.isNumber == true else { return nil }
        return (ai, String(version))
    }

    /// The `specification_version` of a JSON stamp such as `{"specification_version":"1.1.0"}`.
    static func stampVersion(_ text: String) -> String? {
        guard text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        return object["specification_version"] as? String
    }

    /// Why no layout was found: what was looked for in which sheets, and the closest header row.
    struct NotFound: Error {
        var sheets: [String]
        var closest: (sheet: String, row: Int, missing: [HeaderKind])?

        var message: String {
            var m = "no CAIQ / AI-CAIQ questionnaire sheet found: looked in sheet(s) \(sheets.map { "'\($0)'" }.joined(separator: ", ")) "
                + "(first \(CAIQLayout.headerSearchRows) rows) for a header row naming 'Question ID', an answer column ('CSP CAIQ Answer' / "
                + "'Service Provider AI-CAIQ Answer'), 'SSRM Control Ownership' and an implementation description, and for a sheet "
                + "named like CSA's (CAIQv4.0.x, CAIQv4.1.0, AI-CAIQv1.x) with question ids in column A"
            if let closest {
                m += "; the closest was row \(closest.row) of '\(closest.sheet)', without \(closest.missing.map { "'\($0.rawValue)'" }.joined(separator: ", "))"
            }
            return m
        }
    }

    /// Finds the questionnaire sheet of `package`.
    static func identify(_ package: XLSXPackage, parts: WorkbookParts, sharedStrings: [String]) throws -> (CAIQLayout, WorksheetXML) {
        var closest: (sheet: String, row: Int, missing: [HeaderKind])?
        var fallback: (CAIQLayout, WorksheetXML)?
        for sheet in parts.sheets {
            guard let data = package.data(sheet.path), let xml = try? WorksheetXML(data, path: sheet.path) else { continue }
            let top = xml.rows.filter { $0.number <= headerSearchRows }
            let a1 = top.first { $0.number == 1 }?.cells.first { $0.column == 1 }.map { WorksheetXML.text($0, sharedStrings: sharedStrings) }
            let stamp = a1.flatMap(stampVersion)
            let named = csaSheetName(sheet.name)
            for row in top {
                var columns: [HeaderKind: Int] = [:]
                var answerHeader = ""
                for cell in row.cells {
                    let text = WorksheetXML.text(cell, sharedStrings: sharedStrings)
                    guard let kind = kind(ofHeader: text), columns[kind] == nil else { continue }
                    columns[kind] = cell.column
                    if kind == .answer { answerHeader = text }
                }
                let missing = [HeaderKind.questionID, .answer, .ownership, .description].filter { columns[$0] == nil }
                if missing.isEmpty, let q = columns[.questionID], let a = columns[.answer], let o = columns[.ownership], let d = columns[.description] {
                    let ai = named?.ai ?? answerHeader.uppercased().contains("AI-CAIQ")
                    let version = stamp ?? named?.version
                    let name = (ai ? "AI-CAIQ" : "CAIQ") + (version.map { " v\($0)" } ?? (ai ? "" : " v4"))
                    let layout = CAIQLayout(name: name, sheet: sheet.name, sheetPath: sheet.path, headerRow: row.number, questionID: q,
                                            answer: a, ownership: o, description: d, responsibilities: columns[.responsibilities],
                                            fixedColumns: false, stamp: stamp)
                    return (layout, xml)
                }
                if columns[.questionID] != nil || columns[.answer] != nil, closest == nil || missing.count < closest!.missing.count {
                    closest = (sheet.name, row.number, missing)
                }
            }
            // CSA's fixed columns, only for a sheet CSA's naming identifies, with question ids in column A.
            if fallback == nil, let named {
                let idRows = xml.rows.filter { row in
                    row.cells.first { $0.column == 1 }.map { CAIQFill.isQuestionID(WorksheetXML.text($0, sharedStrings: sharedStrings)) } ?? false
                }
                if let first = idRows.first {
                    let version = stamp ?? named.version
                    let layout = CAIQLayout(name: (named.ai ? "AI-CAIQ v" : "CAIQ v") + version, sheet: sheet.name, sheetPath: sheet.path,
                                            headerRow: first.number - 1, questionID: 1, answer: 3, ownership: 4, description: 5,
                                            responsibilities: 6, fixedColumns: true, stamp: stamp)
                    fallback = (layout, xml)
                }
            }
        }
        if let fallback { return fallback }
        throw NotFound(sheets: parts.sheets.map(\.name), closest: closest)
    }
}
