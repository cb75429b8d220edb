import Foundation

/// The encodings a credential can take in an output, spelled out one by one — independently of the scrubber under
/// test — to search reports, bundles and console text for leaks: raw, JSON `\uXXXX` (either case) and `\/`,
/// percent-encoded (either case), base64 (standard and URL-safe, whole and at each byte offset inside a longer
/// value), and HTML character references.
public enum CredentialForms {
    /// Named forms of `secret`.
    public static func all(_ secret: String) -> [(name: String, text: String)] {
        let bytes = Array(secret.utf8)
        var out: [(String, String)] = [("raw", secret)]
        let units = Array(secret.utf16)
        out.append(("json-lower", units.map { String(format: "\\u%04x", $0) }.joined()))
        out.append(("json-upper", units.map { String(format: "\\u%04X", $0) }.joined()))
        if secret.contains("/") { out.append(("json-slash", secret.replacingOccurrences(of: "/", with: "\\/"))) }
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let percent = bytes.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
        if percent != secret {
            out.append(("percent", percent))
            out.append(("percent-lower", bytes.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02x", $0) }.joined()))
        }
        out.append(("percent-all", bytes.map { String(format: "%%%02X", $0) }.joined()))
        let b64 = Data(bytes).base64EncodedString()
        out.append(("base64", b64))
        out.append(("base64url", b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                        .trimmingCharacters(in: CharacterSet(charactersIn: "="))))
        for offset in 1...2 {
            // Only the characters that depend on the secret alone.
            let text = Array(Data([UInt8](repeating: 0x78, count: offset) + bytes + [0x79, 0x7A]).base64EncodedString())
            let first = (8 * offset + 5) / 6, end = (8 * offset + 8 * bytes.count) / 6
            if end - first >= 8 { out.append(("base64-offset\(offset)", String(text[first..<end]))) }
        }
        out.append(("html-hex", secret.unicodeScalars.map { String(format: "&#x%X;", $0.value) }.joined()))
        out.append(("html-dec", secret.unicodeScalars.map { "&#\($0.value);" }.joined()))
        return out
    }

    /// The forms of any of `secrets` found in `text`, as `form of secret #n` descriptions (empty when clean).
    public static func leaks(in text: String, secrets: [String]) -> [String] {
        leaks(in: Data(text.utf8), secrets: secrets)
    }

    /// The forms of any of `secrets` found in `data` (a byte search), as `form of secret #n` descriptions.
    public static func leaks(in data: Data, secrets: [String]) -> [String] {
        leaks(in: data, forms: forms(secrets))
    }

    /// Every regular file under `folder` with the leaks found in it: `["report.json: raw of secret #1", …]`.
    public static func leaks(under folder: URL, secrets: [String]) -> [String] {
        let forms = forms(secrets)
        var found: [String] = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = files?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let data = try? Data(contentsOf: url, options: .alwaysMapped) else { continue }
            found += leaks(in: data, forms: forms).map { "\(url.lastPathComponent): \($0)" }
        }
        return found.sorted()
    }

    static func forms(_ secrets: [String]) -> [(label: String, bytes: Data)] {
        secrets.enumerated().filter { !$0.element.isEmpty }.flatMap { i, s in
            all(s).map { (label: "\($0.name) of secret #\(i + 1)", bytes: Data($0.text.utf8)) }
        }
    }

    static func leaks(in data: Data, forms: [(label: String, bytes: Data)]) -> [String] {
        forms.filter { data.range(of: $0.bytes) != nil }.map(\.label)
    }
}
