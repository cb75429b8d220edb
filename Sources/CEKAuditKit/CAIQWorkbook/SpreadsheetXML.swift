import Foundation

/// A minimal scanner over the XML parts of an .xlsx package that keeps byte offsets, so a cell can be patched by
/// replacing exactly its bytes and everything else in the part stays as it was.
///
/// It knows start tags (with attributes and their value ranges), end tags, text, comments, processing instructions
/// and CDATA sections; it does not validate. Element names are compared by local name (a `x:` prefix is ignored).
struct XMLScan {
    /// One attribute of a start tag.
    struct Attribute {
        var name: String
        var value: String
        /// The bytes of the raw (still escaped) value, between its quotes.
        var valueRange: Range<Int>
        var localName: String { name.split(separator: ":").last.map(String.init) ?? name }
    }

    /// One piece of the document.
    enum Token {
        case start(name: String, attributes: [Attribute], selfClosing: Bool, range: Range<Int>)
        case end(name: String, range: Range<Int>)
        case text(String, range: Range<Int>)
    }

    let bytes: [UInt8]
    private(set) var tokens: [Token] = []

    init(_ data: Data) throws {
        bytes = [UInt8](data)
        try scan()
    }

    struct Malformed: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "malformed XML near byte \(offset)" }
    }

    static func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    private mutating func scan() throws {
        var i = 0
        let n = bytes.count
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            guard pattern.count <= n else { return nil }
            var j = from
            while j + pattern.count <= n {
                if bytes[j] == pattern[0], Array(bytes[j..<j + pattern.count]) == pattern { return j }
                j += 1
            }
            return nil
        }
        while i < n {
            if bytes[i] != UInt8(ascii: "<") {
                var j = i
                while j < n, bytes[j] != UInt8(ascii: "<") { j += 1 }
                tokens.append(.text(Self.unescape(bytes[i..<j]), range: i..<j))
                i = j
                continue
            }
            if i + 3 < n, bytes[i + 1] == UInt8(ascii: "!"), bytes[i + 2] == UInt8(ascii: "-"), bytes[i + 3] == UInt8(ascii: "-") {
                guard let e = find(Array("-->".utf8), from: i + 4) else { throw Malformed(offset: i) }
                i = e + 3
                continue
            }
            if i + 8 < n, Array(bytes[i..<i + 9]) == Array("<![CDATA[".utf8) {
                guard let e = find(Array("]]>".utf8), from: i + 9) else { throw Malformed(offset: i) }
                tokens.append(.text(String(decoding: bytes[(i + 9)..<e], as: UTF8.self), range: i..<(e + 3)))
                i = e + 3
                continue
            }
            if i + 1 < n, bytes[i + 1] == UInt8(ascii: "?") || bytes[i + 1] == UInt8(ascii: "!") {
                guard let e = find([UInt8(ascii: ">")], from: i + 2) else { throw Malformed(offset: i) }
                i = e + 1
                continue
            }
            // A tag: find its end, skipping quoted attribute values.
            var j = i + 1
            var quote: UInt8?
            while j < n {
                let b = bytes[j]
                if let q = quote { if b == q { quote = nil } } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { quote = b } else if b == UInt8(ascii: ">") { break }
                j += 1
            }
            guard j < n else { throw Malformed(offset: i) }
            let range = i..<(j + 1)
            if bytes[i + 1] == UInt8(ascii: "/") {
                let name = String(decoding: bytes[(i + 2)..<j], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                tokens.append(.end(name: name, range: range))
            } else {
                let selfClosing = bytes[j - 1] == UInt8(ascii: "/")
                var k = i + 1
                let innerEnd = selfClosing ? j - 1 : j
                while k < innerEnd, !Self.isSpace(bytes[k]) { k += 1 }
                let name = String(decoding: bytes[(i + 1)..<k], as: UTF8.self)
                var attributes: [Attribute] = []
                while k < innerEnd {
                    while k < innerEnd, Self.isSpace(bytes[k]) { k += 1 }
                    guard k < innerEnd else { break }
                    let nameStart = k
                    while k < innerEnd, bytes[k] != UInt8(ascii: "="), !Self.isSpace(bytes[k]) { k += 1 }
                    let attrName = String(decoding: bytes[nameStart..<k], as: UTF8.self)
                    while k < innerEnd, Self.isSpace(bytes[k]) || bytes[k] == UInt8(ascii: "=") { k += 1 }
                    guard k < innerEnd, bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'") else { throw Malformed(offset: k) }
                    let q = bytes[k]
                    let valueStart = k + 1
                    var e = valueStart
                    while e < innerEnd, bytes[e] != q { e += 1 }
                    guard e < innerEnd else { throw Malformed(offset: k) }
                    attributes.append(Attribute(name: attrName, value: Self.unescape(bytes[valueStart..<e]), valueRange: valueStart..<e))
                    k = e + 1
                }
                tokens.append(.start(name: name, attributes: attributes, selfClosing: selfClosing, range: range))
            }
            i = j + 1
        }
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// XML text with the five predefined entities and numeric character references resolved.
    static func unescape(_ raw: ArraySlice<UInt8>) -> String {
        let s = String(decoding: raw, as: UTF8.self)
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += rest[amp...]
                return out
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") { scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
                if let scalar { out.unicodeScalars.append(scalar) } else { out += rest[amp...semi] }
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }

    /// `s` escaped for XML text or a double-quoted attribute value, without the characters XML 1.0 forbids.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
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

/// One worksheet part, read for its cells with the byte ranges needed to patch them.
struct WorksheetXML {
    struct Cell {
        var column: Int
        var row: Int
        /// The whole `<c …>…</c>` (or `<c …/>`) element.
        var range: Range<Int>
        var attributes: [XMLScan.Attribute]
        var type: String? { attributes.first { $0.localName == "t" && !$0.name.contains(":") }?.value }
        var style: String? { attributes.first { $0.name == "s" }?.value }
        /// The text of `<v>`, when present.
        var value: String?
        /// The text of an inline string (`<is>`), when present.
        var inlineText: String?
        var hasFormula = false
    }

    struct Row {
        var number: Int
        var attributes: [XMLScan.Attribute]
        /// The row's start tag (the whole element when self-closing).
        var startRange: Range<Int>
        var selfClosing: Bool
        /// Where `</row>` begins (nil when self-closing).
        var endTagStart: Int?
        var cells: [Cell]
    }

    let data: Data
    /// The element-name prefix the part uses (`""`, or `"x:"`).
    private(set) var prefix = ""
    private(set) var rows: [Row] = []
    /// `<col min max style>` column styles.
    private(set) var columnStyles: [(min: Int, max: Int, style: String)] = []

    init(_ data: Data) throws {
        self.data = data
        let scan = try XMLScan(data)
        var row: Row?
        var cell: Cell?
        var inValue = false, inInline = false, inInlineT = false, inPhonetic = false
        var inSheetData = false
        var lastRow = 0, lastColumn = 0
        for token in scan.tokens {
            switch token {
            case let .start(name, attributes, selfClosing, range):
                let local = XMLScan.localName(name)
                if local == "sheetData" {
                    if let colon = name.firstIndex(of: ":") { prefix = String(name[...colon]) }
                    inSheetData = !selfClosing
                    continue
                }
                if local == "col", !inSheetData,
                   let min = attributes.first(where: { $0.name == "min" }).flatMap({ Int($0.value) }),
                   let max = attributes.first(where: { $0.name == "max" }).flatMap({ Int($0.value) }),
                   let style = attributes.first(where: { $0.name == "style" })?.value {
                    columnStyles.append((min, max, style))
                }
                guard inSheetData else { continue }
                switch local {
                case "row":
                    let number = attributes.first { $0.name == "r" }.flatMap { Int($0.value) } ?? lastRow + 1
                    lastRow = number
                    lastColumn = 0
                    let r = Row(number: number, attributes: attributes, startRange: range, selfClosing: selfClosing, endTagStart: nil, cells: [])
                    if selfClosing { rows.append(r) } else { row = r }
                case "c":
                    var column = lastColumn + 1
                    if let ref = attributes.first(where: { $0.name == "r" })?.value, let split = ColumnName.split(ref) { column = split.column }
                    lastColumn = column
                    let c = Cell(column: column, row: row?.number ?? lastRow, range: range, attributes: attributes)
                    if selfClosing { row?.cells.append(c) } else { cell = c }
                case "v": inValue = cell != nil && !selfClosing
                case "is": inInline = cell != nil && !selfClosing; if inInline { cell?.inlineText = "" }
                case "t": inInlineT = inInline && !inPhonetic && !selfClosing
                case "rPh": inPhonetic = !selfClosing
                case "f": cell?.hasFormula = true
                default: break
                }
            case let .end(name, range):
                switch XMLScan.localName(name) {
                case "sheetData": inSheetData = false
                case "row":
                    if var r = row { r.endTagStart = range.lowerBound; rows.append(r) }
                    row = nil
                case "c":
                    if var c = cell { c.range = c.range.lowerBound..<range.upperBound; row?.cells.append(c) }
                    cell = nil
                case "v": inValue = false
                case "is": inInline = false
                case "t": inInlineT = false
                case "rPh": inPhonetic = false
                default: break
                }
            case let .text(text, _):
                if inValue, var c = cell { c.value = (c.value ?? "") + text; cell = c }
                if inInlineT, var c = cell { c.inlineText = (c.inlineText ?? "") + text; cell = c }
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
        if row.attributes.contains(where: { $0.name == "customFormat" && ($0.value == "1" || $0.value == "true") }),
           let s = row.attributes.first(where: { $0.name == "s" })?.value { return s }
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
    /// The part with the cells of `edits` replaced or inserted (in column order within their rows), every other
    /// byte unchanged. Each edit's row must exist.
    func patched(_ edits: [(row: Int, column: Int, content: CellContent)]) -> Data {
        var replacements: [(range: Range<Int>, bytes: String)] = []
        let p = prefix
        func cellXML(ref: String, style: String?, content: CellContent) -> String {
            let s = style.map { " s=\"\(XMLScan.escape($0))\"" } ?? ""
            switch content {
            case let .inline(text):
                return "<\(p)c r=\"\(ref)\"\(s) t=\"inlineStr\"><\(p)is><\(p)t xml:space=\"preserve\">\(XMLScan.escape(text))</\(p)t></\(p)is></\(p)c>"
            case let .shared(index):
                return "<\(p)c r=\"\(ref)\"\(s) t=\"s\"><\(p)v>\(index)</\(p)v></\(p)c>"
            case .empty:
                return "<\(p)c r=\"\(ref)\"\(s)/>"
            }
        }
        let byRow = Dictionary(grouping: edits, by: \.row)
        for (number, rowEdits) in byRow {
            guard let row = row(number) else { continue }
            var inserts: [Int: String] = [:]   // byte offset → new cells, in column order
            var selfClosingInserts: [String] = []
            for edit in rowEdits.sorted(by: { $0.column < $1.column }) {
                let ref = ColumnName.letters(edit.column) + String(number)
                if let existing = row.cells.first(where: { $0.column == edit.column }) {
                    replacements.append((existing.range, cellXML(ref: ref, style: existing.style, content: edit.content)))
                } else {
                    let xml = cellXML(ref: ref, style: defaultStyle(row: row, column: edit.column), content: edit.content)
                    if row.selfClosing {
                        selfClosingInserts.append(xml)
                    } else {
                        let at = row.cells.first(where: { $0.column > edit.column })?.range.lowerBound ?? row.endTagStart!
                        inserts[at, default: ""] += xml
                    }
                }
            }
            for (at, xml) in inserts { replacements.append((at..<at, xml)) }
            if row.selfClosing, !selfClosingInserts.isEmpty {
                // `<row …/>` becomes `<row …>cells</row>`.
                var start = String(decoding: data[row.startRange], as: UTF8.self)
                start.removeLast(2)
                while start.last?.isWhitespace == true { start.removeLast() }
                let name = XMLScan.localName(String(start.dropFirst().prefix { !$0.isWhitespace }))
                replacements.append((row.startRange, start + ">" + selfClosingInserts.joined() + "</\(p)\(name)>"))
            }
        }
        return Data.splicing(data, replacements)
    }
}

extension Data {
    /// `data` with non-overlapping byte ranges replaced by UTF-8 text (insertions are empty ranges).
    static func splicing(_ data: Data, _ replacements: [(range: Range<Int>, bytes: String)]) -> Data {
        var out = Data()
        out.reserveCapacity(data.count + replacements.reduce(0) { $0 + $1.bytes.utf8.count })
        var cursor = 0
        let bytes = [UInt8](data)
        // Insertions at one offset keep their order; a replacement starting at the same offset follows them.
        for r in replacements.enumerated().sorted(by: { ($0.element.range.lowerBound, $0.element.range.isEmpty ? 0 : 1, $0.offset) < ($1.element.range.lowerBound, $1.element.range.isEmpty ? 0 : 1, $1.offset) }) {
            out.append(contentsOf: bytes[cursor..<r.element.range.lowerBound])
            out.append(contentsOf: Array(r.element.bytes.utf8))
            cursor = r.element.range.upperBound
        }
        out.append(contentsOf: bytes[cursor...])
        return out
    }
}
