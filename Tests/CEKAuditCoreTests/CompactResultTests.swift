import Crypto
import Foundation
import Testing
@testable import CEKAuditCore

/// Results and evidence items hold some members compactly (issue 16 item 4, memory at 10,000 keys): a message that
/// names its subject as a shared template and that name, an engine result's id as its check and 40 bits, a SHA-256
/// as its 32 bytes. What they read back must be what they were built from, byte for byte, so reports do not change.
struct CompactResultTests {
    static let catalog = """
    \(TestCatalog.header)
      - id: AG-1
        origin: aicm
        number: 1
        title: Rotation
        text: Keys rotate.
        checks:
          - id: T-ROT
            title: Rotation on
            severity: medium
            subject: key
            require: {field: rotation.enabled, eq: true}
            messages:
              pass: "Key {name} rotates (alias {description}, named {name} twice)."
              fail: "Key {name} does not rotate."
              inconclusive: "Rotation of {description} is unknown."
            examples:
              - {name: on, fact: {rotation.enabled: true}, expect: pass}
    caiq:
      - {id: CEK-08.1, question: Can customers manage keys?, requires: [AG-1], ownership: CSP-Owned}
    """

    static let now = DateParsing.parse("2026-01-01T00:00:00Z") ?? Date()

    static func facts() -> FactSet {
        let names = ["k", "key-with-a-name-longer-than-fifteen-bytes", "clé-ü", "k2", ""]
        let resources = names.enumerated().map { n, name -> Resource in
            var fields: [String: FactValue] = ["description": .string("alias/\(n)")]
            if n == 2 { fields["rotation.enabled"] = .bool(false) } else if n != 3 { fields["rotation.enabled"] = .bool(true) }
            return Resource(type: .key, id: "arn:aws:kms:us-east-1:123456789012:key/\(n)", name: name, fields: fields)
        }
        return FactSet(resources: resources, coverage: [SourceCoverage(source: "keys", collector: "aws-kms", status: .complete,
                                                                       resourceTypes: [.key], inventoryTypes: [.key])])
    }

    func engine() throws -> RulesEngine {
        RulesEngine(catalog: try CatalogLoader.load(data: Data(Self.catalog.utf8), source: "c.yaml"), now: Self.now)
    }

    /// The results as `evaluate(_ check:)` builds them (whole messages) and as `evaluate(_ facts:)` keeps them
    /// (shared templates): the same messages, ids, templates and JSON.
    @Test func sharedTemplateMessageEqualsTheWholeOne() throws {
        let engine = try engine()
        let check = try #require(engine.catalog.checks.first)
        let early = engine.evaluate(check, facts: Self.facts())
        let late = engine.evaluate(Self.facts())
        #expect(early.count == 5 && late.count == 5)
        #expect(late.map(\.message) == early.map(\.message))
        #expect(Array(late.map(\.message).prefix(4)) == [
            "Key k rotates (alias alias/0, named k twice).",
            "Key key-with-a-name-longer-than-fifteen-bytes rotates (alias alias/1, named key-with-a-name-longer-than-fifteen-bytes twice).",
            "Key clé-ü does not rotate.",
            "Rotation of alias/3 is unknown.",
        ])
        #expect(late == early)
        #expect(Set(late) == Set(early))
        for (a, b) in zip(late, early) {
            #expect(a.messageTemplate == MessageTemplate(message: b.message, name: b.subject?.name ?? ""))
        }
        // A message that does not name its subject, and a subject without a name, have no template.
        #expect(late[3].messageTemplate == nil && late[4].messageTemplate == nil)
        #expect(late[0].messageTemplate == MessageTemplate(message: "Key k rotates (alias alias/0, named k twice).", name: "k"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(late) == encoder.encode(early))
        #expect(try JSONDecoder().decode([CheckResult].self, from: encoder.encode(late)) == early)
        #expect(ReportTables(results: late, resources: Self.facts().resources) == ReportTables(results: early, resources: Self.facts().resources))
        // Setting a message holds it whole; the template follows the new text.
        var changed = late[0]
        changed.message = "Key k: other words."
        #expect(changed.message == "Key k: other words." && changed.messageTemplate == MessageTemplate(message: "Key k: other words.", name: "k"))
        #expect(changed != late[0])
    }

    /// Results about the same subject share the template object, not a copy per result.
    @Test func templatesAreSharedAcrossResults() throws {
        var a = CheckResult(id: "X:1", check: "X", guideline: "G", verdict: .pass, severity: .low, subject: SubjectRef(type: "key", id: "1", name: "one"),
                            message: "Key one is fine.", reasons: [], evidence: [])
        var b = CheckResult(id: "X:2", check: "X", guideline: "G", verdict: .pass, severity: .low, subject: SubjectRef(type: "key", id: "2", name: "two"),
                            message: "Key two is fine.", reasons: [], evidence: [])
        var table: [MessageTemplate: SharedMessageTemplate] = [:]
        a.shareMessageTemplate(in: &table)
        b.shareMessageTemplate(in: &table)
        #expect(table.count == 1)
        #expect(table.values.first?.template == MessageTemplate(message: "Key one is fine.", name: "one"))
        #expect(a.message == "Key one is fine." && b.message == "Key two is fine.")
        // The subject renamed afterwards: the message is still the one written.
        a.subject?.name = "renamed"
        #expect(a.message == "Key one is fine.")
        #expect(a.messageTemplate == nil)
    }

    /// An engine result's id is `check:` plus the first 10 hex digits of the SHA-256 of `type:id`.
    @Test func findingIDsAreTheDigestPrefix() throws {
        let results = try engine().evaluate(Self.facts())
        for r in results {
            let subject = try #require(r.subject)
            let digits = String(SHA256Hex.digest(Data("key:\(subject.id)".utf8)).prefix(10))
            #expect(r.id == "T-ROT:" + digits)
            #expect(r.finding == digits)
        }
        #expect(Set(results.map(\.id)).count == results.count)
        for bits: UInt64 in [0, 1, 0xab_cdef_0123, (1 << 40) - 1] {
            let text = CheckResult.findingDigits(bits)
            #expect(text.count == 10 && UInt64(text, radix: 16) == bits)
        }
        // An id of another shape is held whole and has no finding digits.
        var r = results[0]
        r.id = "AG-1:manual"
        #expect(r.id == "AG-1:manual" && r.finding == nil)
        r.id = "T-ROT:0123456789"
        #expect(r.finding == "0123456789")
    }

    /// A SHA-256 held as 32 bytes reads back as the same lowercase hex; other text is kept as given.
    @Test func digestsRoundTrip() throws {
        for input in ["", "abc", String(repeating: "x", count: 1000)] {
            let hex = SHA256Hex.digest(Data(input.utf8))
            let digest = HexDigest(hex)
            #expect(digest.text == hex)
            #expect(HexDigest(SHA256.hash(data: Data(input.utf8))) == digest)
            #expect(HexDigest(SHA256.hash(data: Data(input.utf8))).text == hex)
        }
        let zeros = String(repeating: "0", count: 64), fs = String(repeating: "f", count: 64)
        #expect(HexDigest(zeros).text == zeros && HexDigest(fs).text == fs)
        for odd in ["", "abc", String(repeating: "A", count: 64), String(repeating: "g", count: 64), String(repeating: "0", count: 63),
                    String(repeating: "0", count: 65), "not a digest"] {
            #expect(HexDigest(odd).text == odd)
        }
        #expect(HexDigest(String(repeating: "A", count: 64)) != HexDigest(String(repeating: "a", count: 64)))
        let at = Date(timeIntervalSince1970: 1_764_900_000)
        var item = EvidenceItem(collector: "aws-kms", locator: "aws-kms://1/us-east-1/DescribeKey/k", kind: "kms-describe-key",
                                bytes: Data("{\"KeyMetadata\":{}}".utf8), collectedAt: at)
        #expect(item.sha256 == SHA256Hex.digest(Data("{\"KeyMetadata\":{}}".utf8)))
        #expect(item.rehashed(Data("other".utf8)).sha256 == SHA256Hex.digest(Data("other".utf8)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(item)
        #expect(try JSONDecoder().decode(EvidenceItem.self, from: json) == item)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["id", "collector", "locator", "kind", "size", "sha256", "collected_at"])
        #expect(object["sha256"] as? String == item.sha256)
        item.sha256 = "streamed elsewhere"
        #expect(item.sha256 == "streamed elsewhere")
        let table = ReportTables(results: [], resources: [], evidence: [item])
        #expect(table.expandedEvidence() == [item])
    }
}
