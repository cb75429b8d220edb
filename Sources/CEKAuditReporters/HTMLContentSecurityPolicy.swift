import CEKAuditCore
import Foundation

/// The Content-Security-Policy a report carries in a `<meta http-equiv>` element (CSP Level 3, "Policy Delivery" →
/// "The `<meta>` element").
///
/// Nothing may be fetched (`default-src 'none'`), the document's own `<style>` and `<script>` run only because their
/// exact text hashes to the `'sha256-…'` sources listed (CSP Level 3, "Source lists" → `hash-source`), and
/// `<base>` and form submission are closed (`base-uri`, `form-action` do not fall back to `default-src`).
/// No `'unsafe-inline'`: an injected `<script>` or an `onerror=` attribute that slipped past escaping would not run,
/// and the browser would report the violation. `frame-ancestors`, `report-uri` and `sandbox` are left out because
/// they are ignored in a `<meta>` policy.
struct HTMLContentSecurityPolicy {
    /// Text of the document's single `<style>` element, byte for byte.
    var style: String
    /// Text of the document's single `<script>` element, byte for byte.
    var script: String

    /// The policy, e.g. `default-src 'none'; style-src 'sha256-…'; script-src 'sha256-…'; base-uri 'none'; …`.
    var policy: String {
        [
            "default-src 'none'",
            "style-src \(Self.hashSource(style))",
            "script-src \(Self.hashSource(script))",
            "base-uri 'none'",
            "form-action 'none'",
        ].joined(separator: "; ")
    }

    /// A CSP `hash-source` for `text`: `'sha256-` + base64 of the SHA-256 of its UTF-8 bytes + `'`.
    /// The hex digest of ``SHA256Hex`` is turned back into the 32 raw bytes first, since CSP wants base64 of the digest.
    static func hashSource(_ text: String) -> String {
        let hex = Array(SHA256Hex.digest(Data(text.utf8)).utf8)
        var digest = Data(capacity: hex.count / 2)
        var i = 0
        while i + 1 < hex.count {
            digest.append(nibble(hex[i]) << 4 | nibble(hex[i + 1]))
            i += 2
        }
        return "'sha256-" + digest.base64EncodedString() + "'"
    }

    private static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return 0
        }
    }
}
