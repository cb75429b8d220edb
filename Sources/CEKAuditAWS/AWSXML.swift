import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reading AWS Query-protocol XML answers (STS, EC2) with FoundationXML: element text by local name, ignoring the
/// service namespace (`https://sts.amazonaws.com/doc/2011-06-15/`).
public enum AWSXML {
    /// Parses `data`; `nil` when it is not well-formed XML. HTML pages (a proxy's or an emulator's error page) are
    /// not handed to the parser, which would print complaints to stderr. AWS answers have no document type
    /// declaration: one with a DTD (which could declare entities that read local files or expand without bound) is
    /// refused, and external entities are never loaded.
    public static func document(_ data: Data) -> XMLDocument? {
        guard looksLikeXML(data), !declaresDocumentType(data) else { return nil }
        return try? XMLDocument(data: data, options: [.nodeLoadExternalEntitiesNever])
    }

    /// Whether `data` holds `<!DOCTYPE` or `<!ENTITY` (any case).
    static func declaresDocumentType(_ data: Data) -> Bool {
        for marker in ["<!DOCTYPE", "<!doctype", "<!ENTITY", "<!entity"] where data.range(of: Data(marker.utf8)) != nil { return true }
        return false
    }

    /// Whether `data` starts like an XML document rather than HTML or JSON.
    public static func looksLikeXML(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return head.hasPrefix("<") && !head.hasPrefix("<!doctype html") && !head.hasPrefix("<html")
    }

    /// The text of the first element whose local name is `name`, depth-first in document order.
    public static func firstText(_ doc: XMLDocument, named name: String) -> String? {
        guard let root = doc.rootElement() else { return nil }
        return first(root, name)?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The texts of every element whose local name is `name`, in document order.
    public static func allTexts(_ doc: XMLDocument, named name: String) -> [String] {
        guard let root = doc.rootElement() else { return [] }
        var out: [String] = []
        func walk(_ e: XMLElement) {
            if (e.localName ?? e.name) == name, let s = e.stringValue { out.append(s.trimmingCharacters(in: .whitespacesAndNewlines)) }
            for case let child as XMLElement in e.children ?? [] { walk(child) }
        }
        walk(root)
        return out
    }

    static func first(_ e: XMLElement, _ name: String) -> XMLElement? {
        if (e.localName ?? e.name) == name { return e }
        for case let child as XMLElement in e.children ?? [] {
            if let hit = first(child, name) { return hit }
        }
        return nil
    }
}
