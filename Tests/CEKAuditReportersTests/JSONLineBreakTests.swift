@testable import CEKAuditReporters
import Foundation
import Testing

/// report.json's line breaks (``LineBreaker``, as ``JSONText`` streams); the outputs below are those of
/// the copying version it replaced (a newline after the opening brace, after top-level commas and after commas at
/// depth 2 to 4 before an object, before the closing brace, and at the end; never inside strings).
struct JSONLineBreakTests {
    @Test("line breaks as before", arguments: [
        (#"{"a":[{"b":1},{"c":"x,{\"}"}],"d":{"e":[1,{"z":2}]},"f":"q\\"}"#,
         "{\n\"a\":[{\"b\":1},\n{\"c\":\"x,{\\\"}\"}],\n\"d\":{\"e\":[1,\n{\"z\":2}]},\n\"f\":\"q\\\\\"\n}\n"),
        ("[]", "[\n\n]\n"),
        ("{}", "{\n\n}\n"),
        (#"{"r":[[{"a":1},{"b":{"c":[{"d":1},{"e":2}]}}]]}"#, "{\n\"r\":[[{\"a\":1},\n{\"b\":{\"c\":[{\"d\":1},{\"e\":2}]}}]]\n}\n"),
        ("", "\n"),
    ])
    func lineBreaks(input: String, expected: String) {
        #expect(String(decoding: JSONReporter.lineBreaks(Data(input.utf8)), as: UTF8.self) == expected)
    }

    /// Since schema 3.0.0 the rows of the tables are arrays: a row starts a line at depth 2 (`results`,
    /// `provenance`) and at depth 4 (the rows of a resource or evidence table), never inside a row.
    @Test("rows that are arrays start lines", arguments: [
        (#"{"results":[[0,1,"a",[0,1]],[0,2,"b",[2]]]}"#, "{\n\"results\":[[0,1,\"a\",[0,1]],\n[0,2,\"b\",[2]]]\n}\n"),
        (#"{"resources":[{"rows":[["i","n",[0],[1,2]],["j","m",[1],[]]]}]}"#,
         "{\n\"resources\":[{\"rows\":[[\"i\",\"n\",[0],[1,2]],\n[\"j\",\"m\",[1],[]]]}]\n}\n"),
    ])
    func arrayRows(input: String, expected: String) {
        #expect(String(decoding: JSONReporter.lineBreaks(Data(input.utf8)), as: UTF8.self) == expected)
    }

    @Test("a text that grows past its first buffer keeps every byte")
    func growth() throws {
        final class Out { var data = Data() }
        let out = Out()
        let text = JSONText(streamingTo: { out.data.append(contentsOf: $0) }, chunk: 16)
        var expected = "{"
        text.byte(UInt8(ascii: "{"))
        for i in 0..<2_000 {
            let member = (i == 0 ? "" : ",") + "\"k\(i)\":[{\"v\":\"\(String(repeating: "é,", count: i % 7))\"}]"
            text.append(Data(member.utf8))
            expected += (i == 0 ? "\n" : ",\n") + "\"k\(i)\":[{\"v\":\"\(String(repeating: "é,", count: i % 7))\"}]"
        }
        text.byte(UInt8(ascii: "}"))
        try text.finish()
        expected += "\n}\n"
        #expect(String(decoding: out.data, as: UTF8.self) == expected)
    }
}
