import CEKAuditCore
import Foundation
import Testing

/// `replacingScalars` is the one escaping primitive: exact, and linear (a 200 KB run of one replaced character used to
/// cost seconds when escapers appended to a `String.UnicodeScalarView`).
@Suite("Scalar rewriting", .timeLimit(.minutes(1)))
struct ScalarRewritingTests {
    @Test("replaces only what the closure names, keeping multi-byte scalars intact")
    func exact() {
        #expect("a&b".replacingScalars { $0 == "&" ? "&amp;" : nil } == "a&amp;b")
        #expect("Schlüssel ✓ 鍵 🔑".replacingScalars { $0 == "✓" ? "v" : nil } == "Schlüssel v 鍵 🔑")
        #expect("🔑x".replacingScalars { $0 == "x" ? "" : nil } == "🔑")
        #expect("".replacingScalars { _ in "x" } == "")
        #expect("unchanged".replacingScalars { _ in nil } == "unchanged")
    }

    @Test("200 KB of characters that all need replacing")
    func large() {
        let n = 200_000
        let out = String(repeating: "&", count: n).replacingScalars { _ in "&amp;" }
        #expect(out.utf8.count == 5 * n)
        let quoted = JSONValue.quote(String(repeating: "\"\n", count: n / 2))
        #expect(quoted == "\"" + String(repeating: "\\\"\\n", count: n / 2) + "\"")
    }
}
