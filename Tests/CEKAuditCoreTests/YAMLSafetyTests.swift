import Foundation
import Testing
@testable import CEKAuditCore

struct YAMLSafetyTests {
    /// A 10-level "billion laughs" document: 10^10 leaves once expanded.
    static var bomb: String {
        var s = "a0: &a0 [" + Array(repeating: "\"lol\"", count: 10).joined(separator: ", ") + "]\n"
        for i in 1...10 { s += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        return s
    }

    @Test func aliasBombIsRefusedQuickly() {
        let start = Date()
        #expect(throws: CEKAuditError.self) { _ = try YAMLDocument.compose(Self.bomb, file: "bomb.yaml") }
        #expect(Date().timeIntervalSince(start) < 5)   // generous bound for slow CI; measured well under a second
        #expect(throws: CEKAuditError.self) { _ = try CatalogLoader.load(data: Data(Self.bomb.utf8), source: "bomb.yaml") }
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        do {
            _ = try YAMLDocument.compose("a: 1\nb: [1, 2\nc: 3\n", file: "bad.yaml")
            Issue.record("expected an error")
        } catch let CEKAuditError.invalidInput(file, line, column, _, fix) {
            #expect(file == "bad.yaml")
            #expect(line != nil && column != nil)
            #expect(fix != nil)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func duplicateKeysAreRejected() {
        #expect(throws: CEKAuditError.self) { _ = try YAMLDocument.compose("a: 1\na: 2\n", file: "dup.yaml") }
    }

    @Test func cloudFormationShortTagsBecomeLongForm() throws {
        let node = try #require(try YAMLDocument.compose("""
        a: !Ref Key
        b: !GetAtt Key.Arn
        c: !Sub 'arn:aws:iam::${AWS::AccountId}:root'
        d: !If [IsProd, true, false]
        e: [!Ref X, plain]
        """, file: "t.yaml"))
        let v = YAMLDocument.jsonValue(node)
        #expect(v["a"] == .object(["Ref": .string("Key")]))
        #expect(v["b"] == .object(["Fn::GetAtt": .array([.string("Key"), .string("Arn")])]))
        #expect(v["c"]?["Fn::Sub"] == .string("arn:aws:iam::${AWS::AccountId}:root"))
        #expect(v["d"] == .object(["Fn::If": .array([.string("IsProd"), .bool(true), .bool(false)])]))
        #expect(v["e"] == .array([.object(["Ref": .string("X")]), .string("plain")]))
    }
}
