import Foundation

/// Percent-encoding for URLs built from names a server or a user gave (RFC 3986 §2.1, §2.3): every byte of the UTF-8
/// form except the unreserved characters `A-Z a-z 0-9 - . _ ~` becomes `%XX` with upper-case hex. Used for path
/// segments (so `/`, `?`, `#`, `%`, spaces, quotes, control and non-ASCII characters stay inside their segment), for
/// query names and values (so `&`, `=`, `+` and `;` cannot split or change a parameter), and for SigV4 canonical
/// requests, which require exactly this set (AWS General Reference, "Create a canonical request").
public enum PercentEncoding {
    /// `s` with everything but the unreserved characters percent-encoded. Total: any string has an encoding.
    public static func encode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// A query string (`a=1&b=x%20y`, without `?`) from names and values, each encoded with ``encode(_:)``.
    public static func query(_ items: [(name: String, value: String)]) -> String {
        items.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }

    private static let hexDigits: [Unicode.Scalar] = Array("0123456789ABCDEF".unicodeScalars)
}
