import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

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
            for relationship in XMLPart.children(try XMLPart(rels, path: relsPath).root, "Relationship") {
                if let id = XMLPart.attribute(relationship, "Id"), let target = XMLPart.attribute(relationship, "Target") {
                    targets[id] = (XMLPart.attribute(relationship, "Type") ?? "", Self.resolve(target, in: folder))
                }
            }
        }
        let root = try XMLPart(workbook, path: workbookPath).root
        for sheet in XMLPart.children(root, "sheets").flatMap({ XMLPart.children($0, "sheet") }) {
            guard let sheetName = XMLPart.attribute(sheet, "name"),
                  let rid = XMLPart.prefixedAttribute(sheet, "id"),
                  let target = targets[rid], target.type.hasSuffix("/worksheet") || target.type.isEmpty else { continue }
            sheets.append(Sheet(name: sheetName, path: target.target))
        }
        sharedStringsPath = targets.values.first { $0.type.hasSuffix("/sharedStrings") }?.target
    }

    /// The workbook part named by the package relationships (`_rels/.rels`), else `xl/workbook.xml`.
    private static func officeDocumentPath(_ package: XLSXPackage) throws -> String {
        if let rels = package.data("_rels/.rels") {
            for relationship in XMLPart.children(try XMLPart(rels, path: "_rels/.rels").root, "Relationship") {
                if XMLPart.attribute(relationship, "Type")?.hasSuffix("/officeDocument") == true,
                   let target = XMLPart.attribute(relationship, "Target") {
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

/// `xl/sharedStrings.xml` (ECMA-376 Part 1, §18.4.9): its strings, and appending to it with `count` and
/// `uniqueCount` kept right.
struct SharedStrings {
    private(set) var strings: [String] = []
    private let part: XMLPart?
    private var count: Int?
    private var appended: [String] = []
    private var referenceDelta = 0

    /// Reads the table (none when `data` is nil). Throws ``XMLPart/Malformed``.
    init(_ data: Data?, path: String) throws {
        guard let data else { part = nil; return }
        let part = try XMLPart(data, path: path)
        self.part = part
        count = XMLPart.attribute(part.root, "count").flatMap { Int($0) }
        strings = XMLPart.children(part.root, "si").map(XMLPart.stringItemText)
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
    var changed: Bool { !appended.isEmpty || (referenceDelta != 0 && count != nil) }

    /// The part with the appended strings and updated `count` / `uniqueCount`; everything else as it was read. The
    /// parsed document is changed in place: call once.
    func patched() -> Data {
        guard let part else { return Data() }
        let root = part.root
        let prefix = XMLPart.prefix(of: root.name)
        for text in appended {
            let item = XMLElement(name: prefix + "si")
            item.addChild(XMLPart.textElement(prefix: prefix, text))
            root.addChild(item)
        }
        if let count { XMLPart.setAttribute(root, "count", String(max(0, count + referenceDelta))) }
        if XMLPart.attribute(root, "uniqueCount") != nil { XMLPart.setAttribute(root, "uniqueCount", String(strings.count)) }
        return part.serialized()
    }
}
