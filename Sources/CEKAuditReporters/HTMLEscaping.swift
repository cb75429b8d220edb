import CEKAuditCore
import Foundation

/// Escaping for strings that come from a KMS, a file or a log before they land in an HTML document.
///
/// Follows the HTML Living Standard ("The HTML syntax": "Attributes", "Text", "Character references"): text and
/// quoted attribute values may not contain a raw `<`, an ambiguous `&` or their quote character. One stricter set,
/// `& < > " '`, is escaped everywhere, so the same function is safe in text and in single- or double-quoted
/// attribute values (the OWASP rule for the HTML body and attribute contexts). Control characters and bidirectional
/// formatting characters are made visible, so a hostile key alias can neither hide text nor reorder what the
/// auditor reads ("Trojan Source", CVE-2021-42574).
public enum HTMLEscaping {
    /// Escapes `s` for HTML text content and for a double- or single-quoted attribute value.
    ///
    /// - `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, `"` → `&quot;`, `'` → `&#39;`.
    /// - C0 controls other than tab, line feed and carriage return become their Control Pictures symbol
    ///   (U+0000 → `␀`, U+007F → `␡`).
    /// - C1 controls (U+0080–U+009F), bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
    ///   U+2066–U+2069) and U+FEFF are shown as `<U+202E>` (escaped), so they are visible instead of acting.
    /// - Everything else passes through unchanged (the document is UTF-8).
    ///
    /// Linear in the length of `s` (one pass, see ``Swift/String/replacingScalars(_:)``).
    public static func escape(_ s: String) -> String {
        s.replacingScalars { scalar in
            switch scalar {
            case "&": return "&amp;"
            case "<": return "&lt;"
            case ">": return "&gt;"
            case "\"": return "&quot;"
            case "'": return "&#39;"
            default:
                if isHiddenControl(scalar) {
                    let picture = scalar.value == 0x7F ? 0x2421 : 0x2400 + scalar.value
                    return String(Unicode.Scalar(picture) ?? "\u{FFFD}")
                }
                if isInvisibleFormatting(scalar) { return "&lt;U+\(hex4(scalar.value))&gt;" }
                return nil
            }
        }
    }

    /// A fragment identifier for an element that stands for the untrusted identifier `id` (an evidence id, an ARN, a
    /// finding id), usable unquoted in `id="…"`, in `href="#…"` and in CSS selectors.
    ///
    /// Shape: `prefix-` followed by `id` where ASCII letters, digits and `-` are kept and every other UTF-8 byte
    /// becomes `_` plus two lowercase hex digits (`:` → `_3a`, `_` → `_5f`). The mapping is injective, so two
    /// different identifiers never share an anchor, and its output never contains `__`. `prefix` must itself be
    /// letters, digits and `-` (it is the reporter's own constant).
    public static func fragmentID(_ prefix: String, _ id: String) -> String {
        var out = Array(prefix.utf8)
        out.reserveCapacity(prefix.utf8.count + 1 + 3 * id.utf8.count)
        out.append(UInt8(ascii: "-"))
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "_"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Character classes

    /// C0 controls and DEL, except the whitespace HTML keeps (tab, LF, CR).
    private static func isHiddenControl(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00...0x1F, 0x7F: return true
        default: return false
        }
    }

    /// C1 controls, bidirectional formatting characters and the byte-order mark.
    private static func isInvisibleFormatting(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex4(_ value: UInt32) -> String {
        let s = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
