import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Testing

/// Every per-file parse error carries a line and column: JSON errors in each form Foundation words them, an
/// unexpected end at the last character read, YAML reader errors (control characters), and bytes that are not
/// UTF-8 at the first invalid byte. About a quarter of these used to come without a place.
@Suite("Parse error positions")
struct ParsePositionTests {
    static func place(_ bytes: [UInt8], _ locator: String) -> (line: Int?, column: Int?, message: String)? {
        do {
            _ = try ParsedDocument(data: Data(bytes), locator: locator)
            return nil
        } catch let CEKAuditError.invalidInput(_, line, column, message, _) {
            return (line, column, message)
        } catch {
            return (nil, nil, "\(error)")
        }
    }

    @Test("malformed JSON and YAML are placed", arguments: [
        (#"{"a": 1"#, "eof.json", 1, 7),
        (#"[1, 2"#, "eof-array.json", 1, 5),
        (#"{"a": "unterminated"#, "eof-string.json", 1, 19),
        (#"{"a": tru}"#, "literal.json", 1, 10),
        (#"{"a": "\uZZZZ"}"#, "escape.json", 1, 10),
        (#"{"a": 1e400}"#, "huge.json", 1, 7),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", "comma.json", 3, 3),
        (#"{"a": 01}"#, "zero.json", 1, 8),
        (#"{} {}"#, "two.json", 1, 4),
        ("a: 1\nb: x\u{1}y\n", "control.yaml", 2, 5),
        ("a: [1, 2\n", "eof.yaml", 2, 1),
        ("a: \"x\n", "eof-quote.yaml", 2, 1),
    ] as [(String, String, Int, Int)])
    func placed(text: String, locator: String, line: Int, column: Int) throws {
        let e = try #require(Self.place(Array(text.utf8), locator))
        #expect(e.line == line && e.column == column, "\(locator): \(String(describing: e.line)):\(String(describing: e.column)) \(e.message)")
    }

    @Test("bytes that are not UTF-8 are placed at the first invalid byte", arguments: [
        ([0x7B, 0x0A, 0x20, 0x20, 0x22, 0x61, 0x22, 0x3A, 0x20, 0x22, 0x63, 0x61, 0x66, 0xE9, 0x22, 0x0A, 0x7D], "latin1.json", 2, 12),
        ([0x61, 0x3A, 0x20, 0xC3, 0xA9, 0x0A, 0x62, 0x3A, 0x20, 0xC3, 0x28, 0x0A], "cut.yaml", 2, 4),
        ([0x6B, 0x3A, 0x20, 0xED, 0xA0, 0x80, 0x0A], "surrogate.yaml", 1, 4),
        ([0x6B, 0x3A, 0x20, 0xC0, 0xAF, 0x0A], "overlong.yaml", 1, 4),
        ([0x6B, 0x3A, 0x20, 0xF0, 0x9F, 0x94], "truncated.yaml", 1, 4),
    ] as [([UInt8], String, Int, Int)])
    func notUTF8(bytes: [UInt8], locator: String, line: Int, column: Int) throws {
        let e = try #require(Self.place(bytes, locator))
        #expect(e.line == line && e.column == column, "\(locator): \(String(describing: e.line)):\(String(describing: e.column))")
        #expect(e.message.contains("not UTF-8"))
    }

    @Test("valid UTF-8 is accepted by the validator, columns count characters")
    func validUTF8() {
        #expect(TextPosition.firstInvalidUTF8(in: Array("Schlüssel 鍵 🔑\n".utf8)) == nil)
        let bytes = Array("é鍵🔑".utf8) + [0xFF]
        #expect(TextPosition.firstInvalidUTF8(in: bytes)?.position == TextPosition(line: 1, column: 4))
    }

    /// Contiguous bytes take the pointer path (ASCII eight bytes at a time): the same offsets and positions as the
    /// byte-at-a-time loop, at every alignment, for a Data slice that does not start at index 0 too.
    @Test func theFastPathFindsTheSameFirstInvalidByte() {
        for pad in 0..<17 {
            let text = Array((String(repeating: "a", count: pad) + "{\"k\":\"v\"}\nline two é ").utf8)
            for bad: [UInt8] in [[0xFF], [0xC3], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
                let bytes = text + bad + Array("tail".utf8)
                let found = TextPosition.firstInvalidUTF8(in: bytes)
                #expect(found?.offset == text.count)
                #expect(found?.position.line == 2)
                let slice = Data([0x41] + bytes).dropFirst()
                #expect(TextPosition.firstInvalidUTF8(in: slice)?.offset == text.count)
                #expect(TextPosition.firstInvalidUTF8(in: bytes.lazy.map { $0 })?.offset == text.count)   // no contiguous storage
            }
            #expect(TextPosition.firstInvalidUTF8(in: text) == nil)
        }
    }
}
