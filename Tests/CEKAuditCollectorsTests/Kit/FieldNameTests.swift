import CEKAuditCollectorKit
import Testing

/// HTTP field names compare without case over ASCII letters only (RFC 9110 §5.1), as the collectors look up and drop
/// headers (`Host`, `Authorization`, `X-Amz-Date` …).
struct FieldNameTests {
    @Test func lettersFoldAndNothingElseDoes() {
        #expect(FieldName.equal("Host", "host"))
        #expect(FieldName.equal("X-Amz-Security-Token", "x-amz-security-token"))
        #expect(FieldName.equal("AUTHORIZATION", "Authorization"))
        #expect(FieldName.equal("", ""))
        #expect(!FieldName.equal("Host", "Hosts"))
        #expect(!FieldName.equal("Host", "Hose"))
        // `@` and `` ` `` (and `[` / `{` …) differ by the case bit but are not letters.
        #expect(!FieldName.equal("a@", "a`"))
        #expect(!FieldName.equal("x[", "x{"))
        #expect(!FieldName.equal("X-1", "X-Q"))
        // Outside ASCII only equal bytes match (field names are tokens).
        #expect(FieldName.equal("é", "é"))
        #expect(!FieldName.equal("é", "É"))
    }
}
