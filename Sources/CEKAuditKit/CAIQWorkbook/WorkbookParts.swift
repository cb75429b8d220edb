import Foundation

/// The workbook-level parts of an .xlsx package that `caiq fill` reads: the sheets in workbook order with the paths
/// of their parts (`xl/workbook.xml` and its relationships) and the shared-string table.
struct WorkbookParts {
    struct Sheet {
        var name: String
        /// The worksheet part's path inside the package (`xl/worksheets/sheet1.xml`).
        var path: String
    }

    var sheets: [Sheet] = []
    /// The path of the shared-string part, when the workbook has one.
    var sharedStringsPath: String?

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    init(_ package: XLSXPackage) throws {
        let workbookPath = try Self.officeDocumentPath(package)
        guard let workbook = package.data(workbookPath) else { throw Missing(description: "the package has no \(workbookPath)") }
        let folder = (workbookPath as NSString).deletingLastPathComponent
        let relsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + (workbookPath as NSString).lastPathComponent + ".rels"
        var targets: [String: (type: String, target: String)] = [:]
        if let rels = package.data(relsPath) {
            for case let .start(name, attributes, _, _) in try XMLScan(rels).tokens where XMLScan.localName(name) == "Relationship" {
                if let id = attributes.first(where: { $0.name == "Id" })?.value,
                   let target = attributes.first(where: { $0.name == "Target" })?.value {
                    targets[id] = (attributes.first(where: { $0.name == "Type" })?.value ?? "", Self.resolve(target, in: folder))
                }
            }
        }
        for case let .start(name, attributes, _, _) in try XMLScan(workbook).tokens where XMLScan.localName(name) == "sheet" {
            guard let sheetName = attributes.first(where: { $0.name == "name" })?.value,
                  let rid = attributes.first(where: { $0.localName == "id" && $0.name.contains(":") })?.value,
                  let target = targets[rid], target.type.hasSuffix("/worksheet") || target.type.isEmpty else { continue }
            sheets.append(Sheet(name: sheetName, path: target.target))
        }
        sharedStringsPath = targets.values.first { $0.type.hasSuffix("/sharedStrings") }?.target
    }

    /// The workbook part named by the package relationships (`_rels/.rels`), else `xl/workbook.xml`.
    private static func officeDocumentPath(_ package: XLSXPackage) throws -> String {
        if let rels = package.data("_rels/.rels") {
            for case let .start(name, attributes, _, _) in try XMLScan(rels).tokens where XMLScan.localName(name) == "Relationship" {
                if attributes.first(where: { $0.name == "Type" })?.value.hasSuffix("/officeDocument") == true,
                   let target = attributes.first(where: { $0.name == "Target" })?.value {
                    return resolve(target, in: "")
                }
            }
        }
        return "xl/workbook.xml"
    }

    /// A relationship target resolved against the folder of its source part (`worksheets/sheet1.xml` in `xl` →
    /// `xl/worksheets/sheet1.xml`; an absolute `/xl/…` is taken from the package root).
    static func resolve(_ target: String, in folder: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for piece in target.split(separator: "/") {
            if piece == ".." { if !parts.isEmpty { parts.removeLast() } } else if piece != "." { parts.append(piece) }
        }
        return parts.joined(separator: "/")
    }
}

/// `xl/sharedStrings.xml`: its strings, and appending to it with `count` and `uniqueCount` kept right.
struct SharedStrings {
    private(set) var strings: [String] = []
    private let data: Data
    /// Where new `<si>` elements go (the start of `</sst>`), or the range of a self-closing `<sst …/>`.
    private var insertAt: Int?
    private var selfClosingRange: Range<Int>?
    private var sstName = "sst"
    private var countRange: Range<Int>?
    private var uniqueCountRange: Range<Int>?
    private var count: Int?
    private var appended: [String] = []
    private var referenceDelta = 0

    init(_ data: Data?) throws {
        self.data = data ?? Data()
        guard let data else { return }
        var inItem = false, inT = false, inPhonetic = false
        var current = ""
        for token in try XMLScan(data).tokens {
            switch token {
            case let .start(name, attributes, selfClosing, range):
                switch XMLScan.localName(name) {
                case "sst":
                    sstName = name
                    countRange = attributes.first { $0.name == "count" }?.valueRange
                    uniqueCountRange = attributes.first { $0.name == "uniqueCount" }?.valueRange
                    count = attributes.first { $0.name == "count" }.flatMap { Int($0.value) }
                    if selfClosing { selfClosingRange = range }
                case "si":
                    if selfClosing { strings.append("") } else { inItem = true; current = "" }
                case "t": inT = inItem && !inPhonetic && !selfClosing
                case "rPh": inPhonetic = !selfClosing
                default: break
                }
            case let .end(name, range):
                switch XMLScan.localName(name) {
                case "si": strings.append(current); inItem = false
                case "t": inT = false
                case "rPh": inPhonetic = false
                case "sst": insertAt = range.lowerBound
                default: break
                }
            case let .text(text, _):
                if inT { current += text }
            }
        }
    }

    /// The index of `text`, appending it when the table does not hold it yet; counts one more reference.
    mutating func reference(_ text: String) -> Int {
        referenceDelta += 1
        if let i = strings.firstIndex(of: text) { return i }
        strings.append(text)
        appended.append(text)
        return strings.count - 1
    }

    /// Counts one reference fewer (a shared-string cell that was overwritten).
    mutating func release() { referenceDelta -= 1 }

    /// Whether ``patched()`` differs from the part read.
    var changed: Bool { !appended.isEmpty || (referenceDelta != 0 && countRange != nil) }

    /// The part with the appended strings and updated `count` / `uniqueCount`; every other byte unchanged.
    func patched() -> Data {
        var replacements: [(range: Range<Int>, bytes: String)] = []
        let prefix = sstName.contains(":") ? String(sstName[...sstName.firstIndex(of: ":")!]) : ""
        let items = appended.map { "<\(prefix)si><\(prefix)t xml:space=\"preserve\">\(XMLScan.escape($0))</\(prefix)t></\(prefix)si>" }.joined()
        if let countRange, let count { replacements.append((countRange, String(max(0, count + referenceDelta)))) }
        if let uniqueCountRange { replacements.append((uniqueCountRange, String(strings.count))) }
        if let selfClosingRange {
            var start = String(decoding: data[selfClosingRange], as: UTF8.self)
            // Count attributes inside a self-closing tag are rewritten by hand here (their ranges overlap the tag).
            replacements.removeAll()
            start = start.replacingOccurrences(of: "uniqueCount=\"\(strings.count - appended.count)\"", with: "uniqueCount=\"\(strings.count)\"")
            if let count { start = start.replacingOccurrences(of: " count=\"\(count)\"", with: " count=\"\(max(0, count + referenceDelta))\"") }
            start.removeLast(2)
            replacements.append((selfClosingRange, start + ">" + items + "</\(sstName)>"))
        } else if let insertAt {
            replacements.append((insertAt..<insertAt, items))
        }
        return Data.splicing(data, replacements)
    }
}
