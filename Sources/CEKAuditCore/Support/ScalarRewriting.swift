import Foundation

extension String {
    /// This string with each Unicode scalar for which `replacement` returns a string replaced by that string, in one
    /// pass over the scalars: time and memory are linear in the length of the input plus the output.
    ///
    /// The one primitive behind every escaping in the project (HTML, XML, JSON string literals, the terminal, URI
    /// percent-encoding). It writes UTF-8 bytes into one growing buffer; appending scalar by scalar to a
    /// `String.UnicodeScalarView` instead copies the whole string on each `append(contentsOf:)`, which made a 200 KB
    /// value full of `&` take seconds to escape. When no scalar is replaced the string itself is returned.
    public func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var bytes: [UInt8] = []
        var rewriting = false
        var consumed = 0   // UTF-8 bytes of `self` before the scalar being looked at
        for scalar in unicodeScalars {
            let width = UTF8.width(scalar)
            if let text = replacement(scalar) {
                if !rewriting {
                    rewriting = true
                    bytes.reserveCapacity(utf8.count + text.utf8.count + 16)
                    bytes.append(contentsOf: utf8.prefix(consumed))
                }
                bytes.append(contentsOf: text.utf8)
            } else if rewriting {
                UTF8.encode(scalar) { bytes.append($0) }
            }
            consumed += width
        }
        return rewriting ? String(decoding: bytes, as: UTF8.self) : self
    }
}

/// Text bound for a terminal that came from a KMS, a file or a log.
public enum TerminalText {
    /// `s` with every control character replaced by U+FFFD: C0 controls including line feed, carriage return and tab,
    /// DEL, C1 controls (NEL among them), the line and paragraph separators U+2028 and U+2029, and the bidirectional
    /// marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that reorder
    /// what a terminal shows. One pass, linear in the length of `s`.
    public static func neutralize(_ s: String) -> String {
        s.replacingScalars { scalar in
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                return "\u{FFFD}"
            default:
                return nil
            }
        }
    }
}
