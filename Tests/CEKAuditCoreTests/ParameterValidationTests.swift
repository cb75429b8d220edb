import Foundation
import Testing
@testable import CEKAuditCore

/// Parameters are checked by type and range where they are written, with `file:line:column`: finite numbers, day
/// counts as whole numbers from 0, and the type of the catalog default. `max_rotation_days: 1e400` used to pass and
/// then stop the run at report writing with "The data isn't in the correct format".
@Suite("Parameter validation")
struct ParameterValidationTests {
    static func catalog(parameters: String, window: String = "{days_ago: {param: window}}") -> String {
        """
        \(TestCatalog.header)
          - id: AG-3
            origin: aicm
            number: 3
            title: Rotated
            text: Keys rotate.
            checks:
              - id: T-ROTATION
                title: Rotation period within the maximum
                severity: medium
                subject: key
                applicable: {field: created, on_or_after: \(window)}
                require: {field: rotation.period_days, lte: {param: max_rotation_days}}
                parameters: \(parameters)
                examples:
                  - {name: short, fact: {created: "2026-01-01T00:00:00Z", rotation.period_days: 90}, expect: pass}
              - id: T-COUNT
                title: Enough keys
                severity: low
                subject: key
                aggregate: {min: {param: min_keys}}
                parameters: {min_keys: 1}
                examples:
                  - {name: one, facts: [{created: "2026-01-01T00:00:00Z"}], expect: pass}
        caiq:
          - {id: CEK-08.1, question: Can customers manage keys?, requires: [AG-3], ownership: CSP-Owned}
        """
    }

    static func catalogError(_ parameters: String) -> (line: Int?, column: Int?, message: String)? {
        do {
            _ = try CatalogLoader.load(data: Data(catalog(parameters: parameters).utf8), source: "c.yaml")
            return nil
        } catch let CEKAuditError.invalidInput(_, line, column, message, _) {
            return (line, column, message)
        } catch {
            return (nil, nil, "\(error)")
        }
    }

    @Test("the test catalog itself loads")
    func valid() throws {
        #expect(Self.catalogError("{max_rotation_days: 365, window: 3650}") == nil)
        let c = try CatalogLoader.load(data: Data(Self.catalog(parameters: "{max_rotation_days: 365, window: 30}").utf8), source: "c.yaml")
        #expect(c.checks.first?.dayCountParameters == ["max_rotation_days", "window"])
    }

    @Test("catalog defaults that are not finite, or not day counts, are refused at their place", arguments: [
        ("{max_rotation_days: 1e400, window: 30}", "not a finite number"),
        ("{max_rotation_days: .inf, window: 30}", "infinite"),
        ("{max_rotation_days: .nan, window: 30}", "not a number"),
        ("{max_rotation_days: -1, window: 30}", "whole number from 0"),
        ("{max_rotation_days: 1.5, window: 30}", "whole number from 0"),
        ("{max_rotation_days: 99999999, window: 30}", "at most 36500"),
        ("{max_rotation_days: \"a year\", window: 30}", "is a number of days"),
        ("{max_rotation_days: 365, window: -3}", "window is a number of days"),   // a day count by use, not by name
    ])
    func catalogDefaults(parameters: String, says: String) throws {
        let e = try #require(Self.catalogError(parameters))
        #expect(e.message.contains(says), "\(e.message)")
        #expect(e.line == 21)
        #expect(e.column != nil)
    }

    static func assessment(_ extra: String) throws -> (String, Result<AssessmentFile, CEKAuditError>) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-params-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("audit.yaml").path
        try "schema_version: 1\nname: t\nsources: [{path: x.json}]\n\(extra)\n".write(toFile: path, atomically: true, encoding: .utf8)
        do { return (path, .success(try AssessmentFile.load(path: path, sourceKinds: []))) } catch let e as CEKAuditError {
            return (path, .failure(e))
        }
    }

    @Test("assessment-file values that are not finite or not day counts fail when the file loads", arguments: [
        ("parameters: {max_rotation_days: 1e400}", 4, 33, "not a finite number"),
        ("parameters: {max_rotation_days: .nan}", 4, 33, "not a number"),
        ("parameters: {max_rotation_days: .inf}", 4, 33, "infinite"),
        ("parameters: {max_rotation_days: -7}", 4, 33, "whole number from 0"),
        ("checks:\n  T-ROTATION:\n    max_rotation_days: 1e400", 6, 24, "not a finite number"),
    ])
    func assessmentValues(extra: String, line: Int, column: Int, says: String) throws {
        let (path, result) = try Self.assessment(extra)
        guard case .failure(.invalidInput(let file, let l, let c, let message, _)) = result else {
            Issue.record("accepted: \(extra)")
            return
        }
        #expect(file == path)
        #expect(l == line && c == column, "\(String(describing: l)):\(String(describing: c))")
        #expect(message.contains(says), "\(message)")
    }

    @Test("against the catalog: the default's type, and day counts by use, at the value's place", arguments: [
        ("parameters: {min_keys: three}", "min_keys takes a number"),
        ("parameters: {window: 2.5}", "window is a number of days"),
        ("checks: {T-COUNT: {min_keys: [1]}}", "checks.T-COUNT: min_keys takes a number"),
        ("checks: {T-ROTATION: {nope: 1}}", "has no parameter 'nope'"),
    ])
    func againstCatalog(extra: String, says: String) throws {
        let catalog = try CatalogLoader.load(data: Data(Self.catalog(parameters: "{max_rotation_days: 365, window: 30}").utf8), source: "c.yaml")
        let (path, result) = try Self.assessment(extra)
        let file = try result.get()
        do {
            try file.validate(against: catalog, file: path)
            Issue.record("accepted: \(extra)")
        } catch let CEKAuditError.invalidInput(f, line, column, message, _) {
            #expect(f == path)
            #expect(line == 4)
            #expect(column != nil)
            #expect(message.contains(says), "\(message)")
        }
    }

    @Test("valid overrides pass")
    func validOverrides() throws {
        let catalog = try CatalogLoader.load(data: Data(Self.catalog(parameters: "{max_rotation_days: 365, window: 30}").utf8), source: "c.yaml")
        let (path, result) = try Self.assessment("parameters: {max_rotation_days: 180, min_keys: 2}\nchecks: {T-ROTATION: {window: 0}}")
        try result.get().validate(against: catalog, file: path)
    }
}

/// Lowercase hex of bytes and of SHA-256 digests (RFC 4648 §8; FIPS 180-4 test vector "abc").
struct LowerHexTests {
    @Test func bytesAndDigestsAreLowercaseHex() {
        #expect(LowerHex.encode([UInt8]()) == "")
        #expect(LowerHex.encode([0x00, 0x0f, 0xab, 0xff]) == "000fabff")
        #expect(SHA256Hex.digest(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
