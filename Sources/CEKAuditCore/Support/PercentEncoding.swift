import Foundation

/// Percent-encoding of UTF-8 text (RFC 3986 §2.1: `%` and two upper-case hex digits per byte), for every URI the
/// project writes: SigV4 canonical requests, URLs built from names a server or a user gave (path segments, query names
/// and values: `/`, `?`, `#`, `%`, `&`, `=`, spaces, quotes, control and non-ASCII characters stay inside their
/// component), and SARIF artifact locations.
public enum PercentEncoding {
    /// Which bytes stay as they are.
    public enum Kept: Sendable {
        /// Only `unreserved` (RFC 3986 §2.3: `A–Z a–z 0–9 - . _ ~`), as AWS Signature Version 4 requires for each
        /// URI segment and query component.
        case unreserved
        /// A relative path reference (RFC 3986 §4.2 `path-noscheme`, §3.3): `unreserved`, the `sub-delims`
        /// `! $ & ' ( ) * + , ; =`, `@` and `/`. `:` is encoded, so the first segment never reads as a scheme, and
        /// a leading `//` is encoded as `/%2F`, so the path never reads as an authority.
        case relativePath
    }

    /// `text` with every UTF-8 byte outside `kept` (and always `%`) written as `%XX`. Linear in the length of `text`.
    public static func encode(_ text: String, keeping kept: Kept = .unreserved) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for (i, byte) in text.utf8.enumerated() {
            if isKept(byte, kept) && !(kept == .relativePath && i == 1 && byte == slash && text.utf8.first == slash) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A query string (`a=1&b=x%20y`, without `?`) from names and values, each encoded keeping only `unreserved`.
    public static func query(_ items: [(name: String, value: String)]) -> String {
        items.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }

    private static let slash = UInt8(ascii: "/")
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isKept(_ b: UInt8, _ kept: Kept) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "@"),
             UInt8(ascii: "/"):
            return kept == .relativePath
        default:
            return false
        }
    }
}
