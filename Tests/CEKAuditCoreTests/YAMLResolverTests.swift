import Foundation
import Testing
import Yams
@testable import CEKAuditCore

/// `YAMLDocument.resolver` settles plain strings that begin with a letter in one match; every scalar must still get
/// the tag Yams' `Resolver.default` gives it (YAML 1.1 booleans, nulls, numbers, timestamps, merge and value keys).
struct YAMLResolverTests {
    static func tags(_ text: String) -> (ours: Yams.Tag.Name, yams: Yams.Tag.Name) {
        let node = Node(text)
        return (YAMLDocument.resolver.resolveTag(of: node), Resolver.default.resolveTag(of: node))
    }

    @Test("the words, numbers and edge cases YAML 1.1 gives a type keep it", arguments: [
        "yes", "Yes", "YES", "yEs", "no", "No", "NO", "nO", "true", "True", "TRUE", "tRue", "false", "False", "FALSE",
        "on", "On", "ON", "oN", "off", "Off", "OFF", "null", "Null", "NULL", "nULL", "y", "n", "Y", "N",
        "true\n", "TRUE\n", "null\n", "no\n", "true\r\n", "no\n\n", "true ", " true", "truex", "nullify", "onwards", "offset",
        "~", "", "<<", "=", "0", "1", "-1", "+1", "0b101", "0o17", "017", "0x1F", "1:30", "190:20:30", "1.5", "-1.5e+3",
        ".5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "2026-01-01", "2026-1-1 10:00:00", "2026-01-01T10:00:00Z",
        "abc", "a", "Z", "_x", "é", "Ärger", "1abc", "a b", "a\nb", "x: y", "id", "resource_type", "CEK-08", "AG1",
    ])
    func sameTag(text: String) {
        let t = Self.tags(text)
        #expect(t.ours == t.yams, "\(String(reflecting: text)): \(t.ours.rawValue) but Yams' default gives \(t.yams.rawValue)")
    }

    @Test("random scalars made of the rules' pieces get the same tag")
    func randomScalars() {
        let pieces = ["true", "no", "Null", "on", "OFF", "1", "0x", "0b", ".", "-", "+", ":", "e", "\n", " ", "\t", "a", "Z",
                      "_", "~", "=", "<<", "inf", "nan", "2026-01-01", "T", "12", "é", "y"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var mismatches: [String] = []
        for _ in 0..<4000 {
            let text = (0..<(1 + next(3))).map { _ in pieces[next(pieces.count)] }.joined()
            let t = Self.tags(text)
            if t.ours != t.yams { mismatches.append("\(String(reflecting: text)): \(t.ours.rawValue) vs \(t.yams.rawValue)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("a document composed with it reads as before: keys, booleans, numbers, nulls")
    func composedDocument() throws {
        let node = try #require(try YAMLDocument.compose("id: x\nenabled: yes\ncount: 0x10\nratio: .5\nnothing: ~\non: off\n", file: "t.yaml"))
        #expect(node["enabled"]?.bool == true)
        #expect(node["count"]?.int == 16)
        #expect(node["ratio"]?.float == 0.5)
        #expect(node["nothing"]?.null != nil)
        #expect(node["id"]?.string == "x")
        // `on: off` is a boolean key with a boolean value under YAML 1.1, as Yams reads it.
        #expect(node.mapping?.keys.first { $0.string == "on" }?.bool == true)
    }
}
