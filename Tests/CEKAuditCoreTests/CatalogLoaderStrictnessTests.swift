import Foundation
import Testing
@testable import CEKAuditCore

/// The loader's refusals: each names file, line and a fix.
struct CatalogLoaderStrictnessTests {
    static let minimal = """
    \(TestCatalog.header)
      - id: AG-1
        origin: aicm
        number: 1
        title: Capability
        text: Keys exist.
        checks:
    \(TestCatalog.indented(TestCatalog.rotationCheck, by: 6))
    caiq:
      - {id: CEK-08.1, question: Can customers manage keys?, requires: [AG-1], ownership: CSP-Owned}
    """

    func load(_ text: String) throws -> Catalog { try CatalogLoader.load(data: Data(text.utf8), source: "c.yaml") }

    func error(_ text: String) -> (line: Int?, message: String)? {
        do { _ = try load(text); return nil } catch let CEKAuditError.invalidInput(_, line, _, message, _) {
            return (line, message)
        } catch { return (nil, "\(error)") }
    }

    @Test func minimalLoads() throws {
        let c = try load(Self.minimal)
        #expect(c.checks.count == 1)
        #expect(c.caiq.first?.requires == ["AG-1"])
    }

    @Test func unknownKeyIsRejectedWithSuggestion() throws {
        let e = try #require(error(Self.minimal.replacingOccurrences(of: "severity: medium", with: "severity: medium\n        sevrity: low")))
        #expect(e.message.contains("sevrity"))
        #expect(e.line == 18)
    }

    @Test func unknownFactFieldIsRejected() throws {
        let e = try #require(error(Self.minimal.replacingOccurrences(of: "field: rotation.enabled", with: "field: rotation.enabeld")))
        #expect(e.message.contains("rotation.enabeld"))
    }

    @Test func danglingGuidelineReferenceIsRejected() throws {
        let e = try #require(error(Self.minimal.replacingOccurrences(of: "requires: [AG-1]", with: "requires: [AG-9]")))
        #expect(e.message.contains("AG-9"))
    }

    @Test func wrongTypeIsRejected() throws {
        let e = try #require(error(Self.minimal.replacingOccurrences(of: "number: 1", with: "number: one")))
        #expect(e.message.contains("whole number"))
    }

    @Test func mismatchedNumberingIsRejected() throws {
        #expect(error(Self.minimal.replacingOccurrences(of: "number: 1", with: "number: 2")) != nil)
    }

    @Test func undeclaredParameterIsRejected() throws {
        let e = try #require(error(Self.minimal.replacingOccurrences(of: "eq: true}", with: "eq: {param: wanted}}")))
        #expect(e.message.contains("wanted"))
    }

    @Test func checkWithoutExamplesIsRejected() throws {
        let text = Self.minimal.replacingOccurrences(of: "        examples:\n          - {name: on, fact: {rotation.enabled: true}, expect: pass}\n", with: "")
        #expect(text != Self.minimal)
        #expect(error(text) != nil)
    }
}
