import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One XML part of an .xlsx package, parsed by libxml2 through FoundationXML's `XMLDocument`, and written back with
/// the same namespaces, prefixes, whitespace and empty-element forms (only the nodes a patch changed differ).
///
/// A part that is not well-formed is refused (a strict `XMLParser` pass first: `XMLDocument` alone would repair it).
/// A part with a document type declaration is refused: Open Packaging Conventions (ECMA-376 Part 2, §8.1.4) forbid
/// DTDs in package parts, and refusing them keeps entity expansion and external entities out entirely.
///
/// Element and attribute names are compared by local name with ``local(_:)`` (a `x:` prefix is ignored). The
/// `localName` and `prefix` getters of swift-corelibs-foundation's `XMLNode` are not used: on Linux they dereference
/// a null prefix for unprefixed names.
struct XMLPart {
    /// The parsed document. Reference semantics: a patch changes it in place.
    let document: XMLDocument
    /// The part's path in the package, for messages.
    let path: String

    /// Why a part could not be read.
    struct Malformed: Error, CustomStringConvertible {
        var path: String
        var detail: String
        var description: String { "\(path): \(detail)" }
    }

    /// Parses `data`. Throws ``Malformed`` for XML libxml2 rejects and for a part with a DTD.
    init(_ data: Data, path: String) throws {
        self.path = path
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!doctype".utf8)) != nil {
            throw Malformed(path: path, detail: "the part declares a DTD, which package parts may not (ECMA-376 Part 2, §8.1.4)")
        }
        // XMLDocument parses in libxml2's recover mode (it repairs what is broken and goes on); a strict SAX pass first
        // refuses a part that is not well-formed, naming where.
        let strict = XMLParser(data: data)
        strict.shouldResolveExternalEntities = false
        if !strict.parse() || strict.parserError != nil {
            let code = (strict.parserError as NSError?)?.code ?? 0
            throw Malformed(path: path, detail: "not well-formed XML at line \(strict.lineNumber), column \(strict.columnNumber) (libxml2 error \(code))")
        }
        do {
            document = try XMLDocument(data: data, options: [.nodePreserveWhitespace, .nodeLoadExternalEntitiesNever])
        } catch {
            throw Malformed(path: path, detail: "not well-formed XML (\((error as NSError).localizedDescription))")
        }
        guard document.rootElement() != nil else { throw Malformed(path: path, detail: "no root element") }
    }

    /// The root element.
    var root: XMLElement { document.rootElement()! }

    /// The part as bytes: libxml2's serialization, empty elements kept in their `<x/>` form.
    func serialized() -> Data { document.xmlData(options: [.nodeCompactEmptyElement]) }

    /// `name` without its namespace prefix.
    static func local(_ name: String?) -> String {
        guard let name else { return "" }
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// The prefix (with its colon) of an element name: `""` or `"x:"`.
    static func prefix(of name: String?) -> String {
        guard let name, let colon = name.firstIndex(of: ":") else { return "" }
        return String(name[...colon])
    }

    /// The child elements of `element` whose local name is `name` (all child elements when `name` is nil).
    static func children(_ element: XMLElement, _ name: String? = nil) -> [XMLElement] {
        (element.children ?? []).compactMap { $0 as? XMLElement }.filter { name == nil || local($0.name) == name }
    }

    /// The descendants of `element` (document order) whose local name is `name`.
    static func descendants(_ element: XMLElement, _ name: String) -> [XMLElement] {
        var out: [XMLElement] = []
        func walk(_ e: XMLElement) {
            for child in children(e) {
                if local(child.name) == name { out.append(child) }
                walk(child)
            }
        }
        walk(element)
        return out
    }

    /// The value of the unprefixed attribute `name`.
    static func attribute(_ element: XMLElement, _ name: String) -> String? {
        (element.attributes ?? []).first { $0.name == name }?.stringValue
    }

    /// The value of a prefixed attribute whose local name is `name` (`r:id`, whatever the prefix).
    static func prefixedAttribute(_ element: XMLElement, _ name: String) -> String? {
        (element.attributes ?? []).first { ($0.name ?? "").contains(":") && local($0.name) == name }?.stringValue
    }

    /// Sets (or adds) the unprefixed attribute `name`.
    static func setAttribute(_ element: XMLElement, _ name: String, _ value: String) {
        if let existing = (element.attributes ?? []).first(where: { $0.name == name }) {
            existing.stringValue = value
        } else {
            element.addAttribute(XMLNode.attribute(withName: name, stringValue: value) as! XMLNode)
        }
    }

    /// The text of a string item (`<si>` of the shared-string table, `<is>` of an inline-string cell): its `<t>`
    /// elements, rich-text runs included, phonetic runs (`<rPh>`) left out (ECMA-376 Part 1, §18.4.8).
    static func stringItemText(_ item: XMLElement) -> String {
        var out = ""
        func walk(_ e: XMLElement) {
            for child in children(e) {
                switch local(child.name) {
                case "t": out += child.stringValue ?? ""
                case "rPh", "phoneticPr": continue
                default: walk(child)
                }
            }
        }
        walk(item)
        return out
    }

    /// `<{prefix}t xml:space="preserve">text</{prefix}t>`, with the characters XML 1.0 cannot carry dropped.
    static func textElement(prefix: String, _ text: String) -> XMLElement {
        let t = XMLElement(name: prefix + "t", stringValue: xmlSafe(text))
        t.addAttribute(XMLNode.attribute(withName: "xml:space", stringValue: "preserve") as! XMLNode)
        return t
    }

    /// `s` without the characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return;
    /// U+FFFE, U+FFFF). libxml2 escapes the rest when it serializes.
    static func xmlSafe(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x20, v != 0x09, v != 0x0A, v != 0x0D { continue }
            if v == 0xFFFE || v == 0xFFFF { continue }
            out.append(scalar)
        }
        return String(out)
    }
}

/// A cell reference's column letters as a 1-based index (`A` = 1, `AA` = 27) and back.
enum ColumnName {
    static func index(_ letters: some StringProtocol) -> Int? {
        var n = 0
        for c in letters.uppercased().unicodeScalars {
            guard c.value >= 65, c.value <= 90 else { return nil }
            n = n * 26 + Int(c.value - 64)
            if n > 16_384 { return nil }
        }
        return n == 0 ? nil : n
    }

    static func letters(_ index: Int) -> String {
        var n = index, s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Splits `C12` into column 3 and row 12.
    static func split(_ ref: String) -> (column: Int, row: Int)? {
        let letters = ref.prefix { $0.isLetter }
        guard let column = index(letters), let row = Int(ref.dropFirst(letters.count)) else { return nil }
        return (column, row)
    }
}

/// One worksheet part (ECMA-376 Part 1, §18.3): its rows and cells as libxml2 read them, and patching cells in place.
struct WorksheetXML {
    struct Cell {
        var column: Int
        var row: Int
        /// The `<c>` element.
        var element: XMLElement
        /// The cell type (`t`: `s` shared string, `inlineStr`, `str`, `b`, `n`, `e`), when given.
        var type: String? { XMLPart.attribute(element, "t") }
        /// The style index (`s`), when given.
        var style: String? { XMLPart.attribute(element, "s") }
        /// The text of `<v>`, when present.
        var value: String?
        /// The text of an inline string (`<is>`), when present.
        var inlineText: String?
        var hasFormula = false
    }

    struct Row {
        var number: Int
        /// The `<row>` element.
        var element: XMLElement
        var cells: [Cell]
    }

    let part: XMLPart
    /// The element-name prefix the part uses (`""`, or `"x:"`).
    let prefix: String
    private(set) var rows: [Row] = []
    /// `<col min max style>` column styles.
    private(set) var columnStyles: [(min: Int, max: Int, style: String)] = []

    /// Reads a worksheet part. Throws ``XMLPart/Malformed``.
    init(_ data: Data, path: String) throws {
        part = try XMLPart(data, path: path)
        let root = part.root
        prefix = XMLPart.prefix(of: root.name)
        for cols in XMLPart.children(root, "cols") {
            for col in XMLPart.children(cols, "col") {
                if let min = XMLPart.attribute(col, "min").flatMap(Int.init), let max = XMLPart.attribute(col, "max").flatMap(Int.init),
                   let style = XMLPart.attribute(col, "style") {
                    columnStyles.append((min, max, style))
                }
            }
        }
        var lastRow = 0
        for sheetData in XMLPart.children(root, "sheetData") {
            for rowElement in XMLPart.children(sheetData, "row") {
                let number = XMLPart.attribute(rowElement, "r").flatMap { Int($0) } ?? lastRow + 1
                lastRow = number
                var row = Row(number: number, element: rowElement, cells: [])
                var lastColumn = 0
                for c in XMLPart.children(rowElement, "c") {
                    var column = lastColumn + 1
                    if let ref = XMLPart.attribute(c, "r"), let split = ColumnName.split(ref) { column = split.column }
                    lastColumn = column
                    var cell = Cell(column: column, row: number, element: c)
                    cell.value = XMLPart.children(c, "v").first.map { $0.stringValue ?? "" }
                    cell.inlineText = XMLPart.children(c, "is").first.map(XMLPart.stringItemText)
                    cell.hasFormula = !XMLPart.children(c, "f").isEmpty
                    row.cells.append(cell)
                }
                rows.append(row)
            }
        }
    }

    /// The displayed text of `cell`, shared strings resolved.
    static func text(_ cell: Cell, sharedStrings: [String]) -> String {
        switch cell.type {
        case "s": return cell.value.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.flatMap { sharedStrings.indices.contains($0) ? sharedStrings[$0] : nil } ?? ""
        case "inlineStr": return cell.inlineText ?? ""
        default: return cell.value ?? ""
        }
    }

    func row(_ number: Int) -> Row? { rows.first { $0.number == number } }

    /// The style a new cell at (`row`, `column`) takes: the row's style when the row sets one, else its column's.
    func defaultStyle(row: Row, column: Int) -> String? {
        if let custom = XMLPart.attribute(row.element, "customFormat"), custom == "1" || custom == "true",
           let s = XMLPart.attribute(row.element, "s") { return s }
        return columnStyles.first { $0.min <= column && column <= $0.max }?.style
    }
}

/// What a patched cell holds.
enum CellContent: Equatable {
    /// An inline string (`t="inlineStr"`).
    case inline(String)
    /// A shared string, by its index in `xl/sharedStrings.xml`.
    case shared(Int)
    /// No value (the cell keeps only its style).
    case empty
}

extension WorksheetXML {
    /// The part with the cells of `edits` replaced or inserted (in column order within their rows); every other
    /// element, attribute and text node as it was read. Each edit's row must exist. The parsed document is changed in
    /// place: patch a worksheet once.
    func patched(_ edits: [(row: Int, column: Int, content: CellContent)]) -> Data {
        let p = prefix
        func cellElement(ref: String, style: String?, content: CellContent) -> XMLElement {
            let c = XMLElement(name: p + "c")
            XMLPart.setAttribute(c, "r", ref)
            if let style { XMLPart.setAttribute(c, "s", style) }
            switch content {
            case let .inline(text):
                XMLPart.setAttribute(c, "t", "inlineStr")
                let item = XMLElement(name: p + "is")
                item.addChild(XMLPart.textElement(prefix: p, text))
                c.addChild(item)
            case let .shared(index):
                XMLPart.setAttribute(c, "t", "s")
                c.addChild(XMLElement(name: p + "v", stringValue: String(index)))
            case .empty:
                break
            }
            return c
        }
        for edit in edits.sorted(by: { ($0.row, $0.column) < ($1.row, $1.column) }) {
            guard let row = row(edit.row) else { continue }
            let ref = ColumnName.letters(edit.column) + String(edit.row)
            // Cells are re-read from the row element after every edit so that indexes stay right.
            let cells = XMLPart.children(row.element, "c").map { c -> (column: Int, element: XMLElement) in
                let column = XMLPart.attribute(c, "r").flatMap(ColumnName.split)?.column
                    ?? row.cells.first { $0.element === c }?.column ?? Int.max
                return (column, c)
            }
            if let existing = cells.first(where: { $0.column == edit.column }) {
                let replacement = cellElement(ref: ref, style: XMLPart.attribute(existing.element, "s"), content: edit.content)
                row.element.replaceChild(at: existing.element.index, with: replacement)
            } else {
                let new = cellElement(ref: ref, style: defaultStyle(row: row, column: edit.column), content: edit.content)
                if let next = cells.first(where: { $0.column > edit.column }) {
                    row.element.insertChild(new, at: next.element.index)
                } else {
                    row.element.addChild(new)
                }
            }
        }
        return part.serialized()
    }
}
