import CEKAuditReporters
import Foundation
import Testing

@Suite("HTML escaping")
struct HTMLEscapingTests {
    @Test("the five markup characters are escaped for text and quoted attributes", arguments: [
        ("a & b", "a &amp; b"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        (#"" onfocus="x"#, "&quot; onfocus=&quot;x"),
        ("' onfocus='x", "&#39; onfocus=&#39;x"),
        ("&amp;", "&amp;amp;"),
        ("alias/app-data", "alias/app-data"),
        ("Schlüssel ✓ 鍵", "Schlüssel ✓ 鍵"),
        ("", ""),
    ])
    func markupCharacters(input: String, expected: String) {
        #expect(HTMLEscaping.escape(input) == expected)
    }

    @Test("whitespace stays; other control characters become visible symbols")
    func controls() {
        #expect(HTMLEscaping.escape("a\tb\nc\r") == "a\tb\nc\r")
        #expect(HTMLEscaping.escape("nul\u{0}bel\u{7}esc\u{1B}del\u{7F}") == "nul\u{2400}bel\u{2407}esc\u{241B}del\u{2421}")
        #expect(HTMLEscaping.escape("c1\u{85}") == "c1&lt;U+0085&gt;")
    }

    @Test("bidirectional overrides are shown, not applied", arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C, 0xFEFF])
    func bidi(code: Int) throws {
        let scalar = try #require(Unicode.Scalar(code))
        let out = HTMLEscaping.escape("a" + String(Character(scalar)) + "b")
        #expect(!out.unicodeScalars.contains(scalar))
        #expect(out.hasPrefix("a&lt;U+") && out.hasSuffix("&gt;b"))
    }

    @Test("fragment ids keep only [A-Za-z0-9_-] and never collide", arguments: [
        ("evidence", "ev-0123456789ab", "evidence-ev-0123456789ab"),
        ("resource", "key/arn:aws:kms:eu-west-1:111122223333:key/1234", "resource-key_2farn_3aaws_3akms_3aeu-west-1_3a111122223333_3akey_2f1234"),
        ("result", "a_b", "result-a_5fb"),
        ("result", "\"><img>", "result-_22_3e_3cimg_3e"),
        ("g", "é", "g-_c3_a9"),
    ])
    func fragmentIDs(prefix: String, id: String, expected: String) {
        #expect(HTMLEscaping.fragmentID(prefix, id) == expected)
    }

    @Test("fragment ids are injective on tricky neighbours")
    func fragmentIDsInjective() {
        let ids = ["a_3a", "a:", "a_", "a__", "a-", "a--", "a_5f", "A", "a", "a b", "a\u{0}"]
        let out = ids.map { HTMLEscaping.fragmentID("x", $0) }
        #expect(Set(out).count == ids.count)
        #expect(out.allSatisfy { !$0.contains("__") })
    }
}
