import CEKAuditCore
@testable import CEKAuditReporters
import Foundation
import Testing

/// SARIF §3.4.3: `artifactLocation.uri` is a URI reference. Evidence locators are file paths and may hold spaces,
/// quotes, `<>`, `%`, `#`, control characters or bidi marks; each must come out as an RFC 3986 relative reference
/// that decodes back to the path.
@Suite("SARIF artifact URIs")
struct SARIFURITests {
    static let locators = [
        "cloudformation/tenant keys.yaml", "quote\"d.json", "it's (1).json", "<script>.json", "tab\tname.json",
        "line\nfeed.json", "cr\rname.json", "\u{202E}nosj.evil", "bom\u{FEFF}.json", "100%.json", "c:colon.json",
        "//twice/slashed.json", "/absolute/path.json", "#hash?query.json", "Schlüssel/鍵 🔑.json", "back\\slash.json",
        "a/b/c.json", "[brackets]{braces}|pipe^caret`tick.json", "del\u{7F}.json", "nel\u{85}.json",
    ]

    @Test("every locator becomes a valid relative reference that decodes back to it", arguments: locators)
    func validReference(locator: String) throws {
        let uri = SARIFReporter.uri(locator)
        #expect(RFC3986.isRelativePathReference(uri), "\(uri)")
        #expect(uri.removingPercentEncoding == locator)
    }

    @Test("plain paths are unchanged")
    func plain() {
        #expect(SARIFReporter.uri("terraform/plan.json") == "terraform/plan.json")
        #expect(SARIFReporter.uri("policies/app-key_v2.json") == "policies/app-key_v2.json")
    }

    @Test("the rendered log carries the encoded URI")
    func rendered() throws {
        var report = try HTMLReportFixture.report()
        let hostile = "tenant keys/\"<\u{202E}>\n.yaml"
        for i in report.evidence.indices where report.evidence[i].locator == HTMLReportFixture.template.locator {
            report.evidence[i].locator = hostile
        }
        let log = try JSONSerialization.jsonObject(with: try SARIFReporter().render(report)) as? [String: Any]
        let runs = try #require(log?["runs"] as? [[String: Any]])
        let results = try #require(runs.first?["results"] as? [[String: Any]])
        let uris = results.compactMap { r -> String? in
            let locations = r["locations"] as? [[String: Any]]
            let physical = locations?.first?["physicalLocation"] as? [String: Any]
            return (physical?["artifactLocation"] as? [String: Any])?["uri"] as? String
        }
        #expect(!uris.isEmpty)
        for uri in uris { #expect(RFC3986.isRelativePathReference(uri), "\(uri)") }
        #expect(uris.contains(SARIFReporter.uri(hostile)))
    }
}

/// A validator for the RFC 3986 productions a relative path reference uses (§4.2 `relative-part` without authority,
/// §3.3 paths, §2 characters): `path-absolute / path-noscheme / path-empty`.
enum RFC3986 {
    static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || "-._~".utf8.contains(c)
    }

    static func isSubDelim(_ c: UInt8) -> Bool { "!$&'()*+,;=".utf8.contains(c) }

    static func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) }

    /// Whether `segment` is `*pchar` (or, with `allowColon` false, `*( unreserved / pct-encoded / sub-delims / "@" )`).
    static func isSegment(_ segment: [UInt8], allowColon: Bool) -> Bool {
        var i = 0
        while i < segment.count {
            let c = segment[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < segment.count, isHex(segment[i + 1]), isHex(segment[i + 2]) else { return false }
                i += 3
                continue
            }
            guard isUnreserved(c) || isSubDelim(c) || c == UInt8(ascii: "@") || (allowColon && c == UInt8(ascii: ":")) else { return false }
            i += 1
        }
        return true
    }

    static func isRelativePathReference(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        if bytes.isEmpty { return true }   // path-empty
        let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
        if bytes[0] == UInt8(ascii: "/") {
            // path-absolute = "/" [ segment-nz *( "/" segment ) ]: never "//" at the start.
            if bytes.count > 1 && bytes[1] == UInt8(ascii: "/") { return false }
            return segments.dropFirst().allSatisfy { isSegment($0, allowColon: true) }
        }
        // path-noscheme = segment-nz-nc *( "/" segment )
        guard let first = segments.first, !first.isEmpty, isSegment(first, allowColon: false) else { return false }
        return segments.dropFirst().allSatisfy { isSegment($0, allowColon: true) }
    }
}
