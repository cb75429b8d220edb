@testable import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Testing

/// The one credential-scrubbing component: every encoding of every registered credential goes, in one pass that ends
/// for any credential and any text.
struct CredentialScrubberTests {
    static let token = "s.Hostile/Token+Value=42"
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"

    /// Every form the test-support enumerator knows (raw, JSON escapes, percent, base64 at each offset, HTML
    /// references) is gone after one scrub, and nothing else changed around it.
    @Test(arguments: CredentialForms.all(CredentialScrubberTests.token).map(\.name))
    func everyEncodingOfTheTokenIsRemoved(_ form: String) throws {
        let s = CredentialScrubber(secrets: [Self.token])
        let text = try #require(CredentialForms.all(Self.token).first { $0.name == form }).text
        let body = #"{"errors":["denied for "# + text + #" here"]}"#
        let clean = s.scrub(body)
        #expect(CredentialForms.leaks(in: clean, secrets: [Self.token]).isEmpty, "\(clean)")
        #expect(clean.hasPrefix(#"{"errors":["denied for "#) && clean.hasSuffix(#" here"]}"#), "\(clean)")
        #expect(clean.contains(CredentialScrubber.marker))
    }

    @Test func escapesInAnyMixAndSurrogatePairsAreDecodedBeforeMatching() {
        let secret = "tok\u{1F511}en-é/中文-long"
        let s = CredentialScrubber(secrets: [secret])
        // Half the characters escaped, the key emoji as a UTF-16 surrogate pair, `é` as an HTML reference, `/` as `\/`.
        let mixed = #"t\u006fk\uD83D\uDD11e\u006e-&#xE9;\/%E4%B8%AD\u6587-l\u006Fng"#
        #expect(s.scrub("a " + mixed + " b") == "a [redacted] b")
        // `%` written as `\u0025`: a percent-escape whose `%` is itself JSON-escaped.
        let doubly = "tok\u{1F511}en-\\u0025C3\\u0025A9/中文-long"
        #expect(s.scrub(doubly) == "[redacted]")
    }

    /// A key policy is JSON inside a JSON string: its escapes are escaped again (`\\u0041`, `\\/`).
    @Test func escapesOfJSONNestedInAJSONStringAreDecodedToo() {
        let s = CredentialScrubber(secrets: [Self.token])
        let inner = Self.token.unicodeScalars.map { String(format: "\\u%04X", $0.value) }.joined()
        let nested = #"{"Policy":"{\"Sid\":\""# + inner.replacingOccurrences(of: "\\", with: "\\\\") + #"\"}"}"#
        #expect(s.scrub(nested) == #"{"Policy":"{\"Sid\":\"[redacted]\"}"}"#, "\(nested)")
        let slashes = #"{"Policy":"{\"Sid\":\""# + Self.token.replacingOccurrences(of: "/", with: #"\\/"#) + #"\"}"}"#
        #expect(s.scrub(slashes) == #"{"Policy":"{\"Sid\":\"[redacted]\"}"}"#, "\(slashes)")
    }

    /// A credential inside the marker, a credential equal to the marker, an empty one: the pass ends, and short
    /// values are refused rather than blanking every `e` of a report.
    @Test(.timeLimit(.minutes(1)), arguments: ["e", "a", "t", "[redacted]", "redacted", "", "[redacted][redacted]", "eeeeeeeeeeee"])
    func redactionEndsForAnyToken(_ token: String) {
        let s = CredentialScrubber()
        let registered = s.register(token)
        #expect(registered == (token.count >= CredentialScrubber.minimumLength))
        let text = String(repeating: "[redacted] e a t " + token + " ", count: 200)
        let clean = s.scrub(text)
        if registered {
            #expect(!clean.replacingOccurrences(of: CredentialScrubber.marker, with: "").contains(token))
        } else {
            #expect(clean == text)
        }
        #expect(s.scrub(Data()) == Data())
    }

    @Test func bytesWithoutACredentialAreReturnedAsTheyWere() {
        let s = CredentialScrubber(secrets: [Self.token, Self.accessKey])
        let body = Data(#"{"data":{"keys":["orders","\u0041KIA-not-it","%41KIA", "&amp;"]}}"#.utf8)
        #expect(s.scrub(body) == body)
        #expect(CredentialScrubber().scrub(body) == body)
    }

    @Test func overlappingCredentialsGoWholeLongestFirst() {
        let s = CredentialScrubber(secrets: [Self.accessKey, Self.accessKey + "-session-suffix"])
        #expect(s.scrub("x \(Self.accessKey)-session-suffix y \(Self.accessKey) z") == "x [redacted] y [redacted] z")
    }

    /// A file copy scrubs in chunks; a credential that straddles a chunk boundary, in an escaped form, still goes.
    @Test func chunkedCopiesFindCredentialsAcrossChunkBoundaries() throws {
        let s = CredentialScrubber(secrets: [Self.token])
        let escaped = Self.token.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        var text = String(repeating: "x", count: (1 << 20) - 40) + escaped + String(repeating: "y", count: 1000)
        text += "\n" + Self.token + "\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scrub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("in.log"), dest = dir.appendingPathComponent("out.log")
        try Data(text.utf8).write(to: source)
        #expect(try s.copy(source.path, bytes: text.utf8.count, to: dest))
        let out = try Data(contentsOf: dest)
        #expect(out == s.scrub(Data(text.utf8)))
        #expect(CredentialForms.leaks(in: out, secrets: [Self.token]).isEmpty)
        // Nothing to scrub: the copy is byte for byte.
        #expect(try !CredentialScrubber().copy(source.path, bytes: 100, to: dest))
        #expect(try Data(contentsOf: dest) == Data(text.utf8).prefix(100))
    }
}
