@testable import CEKAuditCore
import Foundation
import Testing

/// `JSONValue.parse` reads JSON without Foundation's object tree (``FastJSONReader``); every value it gives must be
/// the one `JSONSerialization` gave before, and every text it does not decide goes the old way, errors included.
@Suite("JSON reading")
struct JSONReadingTests {
    /// What `JSONValue.parse` gave before: `JSONSerialization`, converted.
    static func foundation(_ text: String) -> JSONValue? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])).map { JSONValue(foundation: $0) }
    }

    @Test("the fast reader decides plain JSON, with JSONSerialization's values", arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"[]"#, #"{}"#, #"  {"x" : [ 1 , 2 ] }  "#, "\n\t[1]\r\n",
        #""plain""#, #"42"#, #"true"#, #"null"#,
        #"["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u4e2d", "\ud83d\ude00", "é 中 😀"]"#,
        #"[0, -0, 1, -1, 123456789012345678, -123456789012345678, 1735689600.0, 0.1, 1e5, 1E+2, -1.5e-3, 2.5E-300]"#,
        #"[0.24444399774074554, 0.23999999463558197, 3.141592653589793]"#,
        #"{"KeyMetadata":{"Arn":"arn:aws:kms:us-east-1:111122223333:key/abcd","CreationDate":1735689600.0,"Enabled":true}}"#,
    ])
    func plain(text: String) throws {
        let fast = try #require(JSONValue.parseIfPlain(Data(text.utf8)))
        #expect(fast == Self.foundation(text))
        #expect(try JSONValue.parse(Data(text.utf8), source: "t") == Self.foundation(text))
    }

    @Test("numbers of every length and exponent read as JSONSerialization reads them")
    func numbers() throws {
        var rng = SplitMix(seed: 0x5eed)
        var items: [String] = []
        for _ in 0..<3_000 {
            let digits = (0..<Int(rng.next() % 19 + 1)).map { _ in String(rng.next() % 10) }.joined()
            let cut = Int(rng.next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(cut)).drop { $0 == "0" }
            if text.isEmpty { text = "0" }
            var number = String(text)
            if cut < digits.count { number += "." + digits.dropFirst(cut) }
            if rng.next() % 5 == 0 { number += "e" + String(Int(rng.next() % 61) - 30) }
            if rng.next() % 3 == 0 { number = "-" + number }
            items.append(number)
        }
        let text = "[" + items.joined(separator: ",") + "]"
        let fast = try #require(JSONValue.parseIfPlain(Data(text.utf8)))
        #expect(fast == Self.foundation(text))
    }

    @Test("a repeated key is not plain; parse keeps the last one, as JSONSerialization does")
    func repeatedKey() throws {
        let text = #"{"a":1,"b":{"c":true,"c":false}}"#
        #expect(JSONValue.parseIfPlain(Data(text.utf8)) == nil)
        #expect(try JSONValue.parse(Data(text.utf8), source: "t") == Self.foundation(text))
        #expect(try JSONValue.parse(Data(text.utf8), source: "t")["b"]?["c"] == .bool(false))
    }

    @Test("texts the fast reader does not decide go to JSONSerialization, errors and all", arguments: [
        "\u{FEFF}{\"a\":1}", "[12345678901234567890]", "[1e400]", #"["\ud800"]"#, "[01]", "[1.]", "[.5]", "{\"a\":1,}", "[1,]",
        "{'a':1}", "[NaN]", "[1] [2]", "", "   ", "[\"a\u{01}b\"]", "{\"a\" 1}", "[tru]",
    ])
    func refused(text: String) {
        let data = Data(text.utf8)
        #expect(FastJSONReader.read(data) == nil || FastJSONReader.read(data) == Self.foundation(text))
        if let expected = Self.foundation(text) {
            #expect((try? JSONValue.parse(data, source: "t")) == expected)
        } else {
            #expect(throws: CEKAuditError.self) { try JSONValue.parse(data, source: "t") }
        }
    }

    @Test("the repository's JSON fixtures read as JSONSerialization reads them")
    func fixtures() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" } ?? []
        #expect(files.count > 20)
        var decided = 0
        for url in files {
            let data = try Data(contentsOf: url)
            guard let expected = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])).map({ JSONValue(foundation: $0) }) else { continue }
            if let fast = FastJSONReader.read(data) {
                decided += 1
                #expect(fast == expected, "\(url.path)")
            }
        }
        #expect(decided > 20)
    }
}

/// A message template is cut where the subject's name first occurs, unit for unit (what `.literal` found).
@Suite("Message templates")
struct MessageTemplateTests {
    @Test("the cut is the one a literal search makes", arguments: [
        ("Key abc fails: x", "abc"), ("abcabc", "bc"), ("no", "yes"), ("é café é", "é"), ("e\u{301} cafe\u{301}", "e"),
        ("👍🏽 ok 👍", "👍"), ("x", ""), ("", "a"), ("aaa", "aaaa"), ("Schlüssel ß", "ß"), ("a\u{301}b", "b"), ("日本語キー 日本", "日本"),
    ])
    func literal(message: String, name: String) {
        let t = MessageTemplate(message: message, name: name)
        if name.isEmpty { #expect(t == nil); return }
        guard let r = message.range(of: name, options: .literal) else { #expect(t == nil); return }
        #expect(t?.before == String(message[..<r.lowerBound]))
        #expect(t?.after == String(message[r.upperBound...]))
    }
}

/// SplitMix64: a small deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
