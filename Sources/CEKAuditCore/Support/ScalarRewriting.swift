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
