import Foundation

/// Long values shortened where a report would repeat them per result: in messages, reasons, result subjects and
/// provenance pointers. The full value is stored once, in the resource (or evidence item) that holds it, so a key
/// alias of a megabyte appears once in a report, not once per check and per format (DESIGN.md, "Reports": evidence
/// is stored once and referenced).
///
/// Short values — everything in ordinary inputs — are unchanged, so reports of real estates stay as they were.
public enum Excerpt {
    /// Longest value kept whole, in characters.
    public static let maxCharacters = 256

    /// `text` unchanged when it has at most `limit` characters; otherwise its first `limit` characters followed by a
    /// marker giving the full size: `…[cut: 1048576 bytes in all]`.
    public static func clip(_ text: String, limit: Int = maxCharacters) -> String {
        guard let cut = cutIndex(text, limit) else { return text }
        return String(text[..<cut]) + "…[cut: \(text.utf8.count) bytes in all]"
    }

    /// An identifier shortened like ``clip(_:limit:)``, with the start of its SHA-256 in the marker so two long
    /// identifiers that share their first `limit` characters stay distinct: `…[cut: 1048576 bytes in all, SHA-256
    /// 3f0a…]`. Deterministic, so a result's subject and the resource it names shorten to the same text.
    public static func identifier(_ text: String, limit: Int = maxCharacters) -> String {
        guard let cut = cutIndex(text, limit) else { return text }
        let digest = SHA256Hex.digest(Data(text.utf8)).prefix(16)
        return String(text[..<cut]) + "…[cut: \(text.utf8.count) bytes in all, SHA-256 \(digest)]"
    }

    /// The end of the first `limit` characters, or `nil` when the text is no longer than that.
    private static func cutIndex(_ text: String, _ limit: Int) -> String.Index? {
        if text.utf8.count <= limit { return nil }   // never more characters than UTF-8 bytes
        guard let cut = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), cut < text.endIndex else { return nil }
        return cut
    }
}

extension SubjectRef {
    /// This subject as a result carries it: identifier and name shortened by ``Excerpt``.
    public var excerpt: SubjectRef {
        SubjectRef(type: type, id: Excerpt.identifier(id), name: Excerpt.clip(name))
    }
}

extension Provenance {
    /// This link as a result carries it: the pointer shortened by ``Excerpt``.
    public var excerpt: Provenance {
        guard let pointer, pointer.utf8.count > Excerpt.maxCharacters else { return self }
        var copy = self
        copy.pointer = Excerpt.clip(pointer)
        return copy
    }
}
