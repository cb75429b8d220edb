import CEKAuditCore
import Foundation

/// A small tokenizer for the reporter's own output, strict enough to notice markup that does not come from the
/// reporter: every `<` starts a tag, a comment or the doctype; attribute values are double-quoted; the contents of
/// `<style>` and `<script>` are raw text. Anything else is an anomaly.
struct HTMLMarkup {
    struct Tag {
        var name: String
        var isEnd: Bool
        /// Attributes as written (character references not decoded).
        var attributes: [(name: String, value: String?)]

        /// The value of `attribute` as the browser reads it (character references decoded).
        func value(_ attribute: String) -> String? {
            (attributes.first { $0.name == attribute }?.value ?? nil).map(HTMLMarkup.decode)
        }
    }

    private(set) var tags: [Tag] = []
    /// Text between tags (not the contents of style or script).
    private(set) var texts: [String] = []
    /// Raw text of `<style>` and `<script>` elements, by element name.
    private(set) var rawText: [(element: String, text: String)] = []
    private(set) var anomalies: [String] = []

    init(_ html: String) {
        let b = Array(html.utf8)
        var i = 0
        var textStart = 0
        func str(_ from: Int, _ to: Int) -> String { String(decoding: b[from..<to], as: UTF8.self) }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C }
        while i < b.count {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            if i > textStart { texts.append(str(textStart, i)) }
            let start = i
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "!") {
                while i < b.count, b[i] != UInt8(ascii: ">") { i += 1 }
                i += 1
                textStart = i
                continue
            }
            var isEnd = false
            if i < b.count, b[i] == UInt8(ascii: "/") { isEnd = true; i += 1 }
            let nameStart = i
            while i < b.count, (b[i] >= UInt8(ascii: "a") && b[i] <= UInt8(ascii: "z")) || (b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9")) { i += 1 }
            let name = str(nameStart, i)
            if name.isEmpty { anomalies.append("`<` not starting a tag at byte \(start): \(str(start, min(b.count, start + 40)))") }
            var attributes: [(String, String?)] = []
            while i < b.count {
                while i < b.count, isSpace(b[i]) { i += 1 }
                guard i < b.count else { break }
                if b[i] == UInt8(ascii: ">") { i += 1; break }
                let an = i
                while i < b.count, !isSpace(b[i]), b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: ">") { i += 1 }
                let attrName = str(an, i)
                if i < b.count, b[i] == UInt8(ascii: "=") {
                    i += 1
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                        anomalies.append("unquoted attribute value for \(attrName) in <\(name)> at byte \(start)")
                        continue
                    }
                    i += 1
                    let vs = i
                    while i < b.count, b[i] != UInt8(ascii: "\"") { i += 1 }
                    attributes.append((attrName, str(vs, i)))
                    i += 1
                    if i < b.count, !isSpace(b[i]), b[i] != UInt8(ascii: ">") {
                        anomalies.append("attribute \(attrName) in <\(name)> runs into the next one at byte \(start)")
                    }
                } else {
                    attributes.append((attrName, nil))
                }
            }
            tags.append(Tag(name: name, isEnd: isEnd, attributes: attributes))
            if !isEnd, name == "style" || name == "script" {
                let close = Array("</\(name)>".utf8)
                let bodyStart = i
                while i < b.count, !b[i...].starts(with: close) { i += 1 }
                rawText.append((name, str(bodyStart, i)))
            }
            textStart = i
        }
        if textStart < b.count { texts.append(str(textStart, b.count)) }
    }

    /// Decodes the character references the reporter writes.
    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Values of `id` attributes.
    var ids: [String] { tags.compactMap { $0.value("id") } }

    /// Fragment identifiers of `href="#…"` links.
    var fragmentLinks: [String] {
        tags.compactMap { $0.value("href") }.filter { $0.hasPrefix("#") }.map { String($0.dropFirst()) }
    }
}

/// The CSP `hash-source` of `text`, computed independently of the reporter: base64 of the SHA-256 digest.
func cspHashSource(_ text: String) -> String {
    let hex = Array(SHA256Hex.digest(Data(text.utf8)))
    var bytes: [UInt8] = []
    var i = 0
    while i + 1 < hex.count {
        bytes.append(UInt8(String(hex[i...i + 1]), radix: 16) ?? 0)
        i += 2
    }
    return "'sha256-" + Data(bytes).base64EncodedString() + "'"
}
