import CEKAuditCore
@testable import CEKAuditReporters
import Foundation
import Testing

/// The OCSF and OSCAL reporters on the hand-built report of the HTML tests (every verdict, a result citing evidence the
/// report does not hold, results without a subject): what the Python validators do not check.
@Suite("OCSF and OSCAL reporters")
struct InteropReporterTests {
    // MARK: UUIDs and tokens

    @Test("version 5 UUIDs match RFC 9562 and Python's uuid5")
    func uuid5() {
        // RFC 9562 Appendix A.4: the DNS namespace and www.example.com.
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(NameBasedUUID.v5("www.example.com", namespace: dns) == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
        let u = NameBasedUUID.v5("observation/x")
        #expect(u == NameBasedUUID.v5("observation/x"))
        #expect(u != NameBasedUUID.v5("observation/y"))
        #expect(Self.isV5(u))
    }

    @Test("CSA ids become OSCAL tokens")
    func tokens() {
        #expect(OSCALReporter.token("CEK-08") == "cek-08")
        #expect(OSCALReporter.token("A&A-01") == "a_a-01")
        #expect(OSCALReporter.token("1x") == "_1x")
        #expect(OSCALReporter.guidelineID(control: "CEK-08", guideline: "AG-1") == "cek-08_ag-1")
        #expect(OSCALReporter.objectiveID(control: "CEK-08", guideline: "CCM-4") == "cek-08_ccm-4_obj")
    }

    // MARK: OCSF

    @Test("one Compliance Finding per result, ms time, type_uid, status mapping, strings escaped")
    func ocsf() throws {
        var report = try HTMLReportFixture.report()
        report.results[0].message = "line\nbreak \"quoted\" \u{2028} </script> \u{0}"
        let data = OCSFReporter().render(report)
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")
        #expect(lines.count - 1 == report.results.count)
        for (line, r) in zip(lines, report.results) {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(e["class_uid"] as? Int == 2003)
            #expect(e["category_uid"] as? Int == 2)
            #expect(e["type_uid"] as? Int == (e["class_uid"] as? Int ?? 0) * 100 + (e["activity_id"] as? Int ?? 0))
            #expect(line.contains(#""time":1795968000000,"#))
            #expect(String(e["time"] as? Int ?? 0).count == 13)
            #expect(e["message"] as? String == r.message)
            let c = try #require(e["compliance"] as? [String: Any])
            #expect(c["control"] as? String == r.check)
            #expect(c["requirements"] as? [String] == ["CEK-08", r.guideline])
            #expect(c["standards"] as? [String] == ["CSA AICM 1.0.3"])
            let expected = r.verdict == .pass ? 1 : r.verdict == .fail ? 3 : 99
            #expect(c["status_id"] as? Int == expected)
            #expect((e["finding_info"] as? [String: Any])?["uid"] as? String == r.id)
        }
        #expect(OCSFReporter().render(report) == data)
    }

    // MARK: OSCAL

    @Test("every referenced UUID exists, every UUID is a unique version 5 UUID")
    func oscalReferences() throws {
        let report = try HTMLReportFixture.report()
        for data in [OSCALReporter().render(report), OSCALReporter().plan(report)] {
            let problems = try Self.referenceProblems(data)
            #expect(problems.isEmpty, "\(problems)")
        }
        #expect(OSCALReporter().render(report) == OSCALReporter().render(report))
    }

    @Test("findings per guideline with target status, observations per result, risks per failure")
    func oscalShape() throws {
        let report = try HTMLReportFixture.report()
        let root = try #require(try JSONSerialization.jsonObject(with: OSCALReporter().render(report)) as? [String: Any])
        let ar = try #require(root["assessment-results"] as? [String: Any])
        #expect((ar["import-ap"] as? [String: Any])?["href"] as? String == "assessment-plan.oscal.json")
        let result = try #require((ar["results"] as? [[String: Any]])?.first)
        let findings = try #require(result["findings"] as? [[String: Any]])
        #expect(findings.count == report.guidelines.count)
        for (f, g) in zip(findings, report.guidelines) {
            let target = try #require(f["target"] as? [String: Any])
            #expect(target["type"] as? String == "objective-id")
            #expect(target["target-id"] as? String == OSCALReporter.objectiveID(control: "CEK-08", guideline: g.id))
            let state = (target["status"] as? [String: Any])?["state"] as? String
            #expect(state == (g.verdict == .pass ? "satisfied" : "not-satisfied"))
        }
        let observations = try #require(result["observations"] as? [[String: Any]])
        #expect(observations.count == report.results.count)
        for (o, r) in zip(observations, report.results) {
            #expect(o["methods"] as? [String] == [r.verdict == .manual ? "EXAMINE" : "TEST"])
            #expect((o["relevant-evidence"] as? [Any])?.count ?? 0 == Set(r.evidence.map(\.evidence)).count)
        }
        let risks = result["risks"] as? [Any] ?? []
        #expect(risks.count == report.results.filter { $0.verdict == .fail || $0.verdict == .waived }.count)
        // Control ids are OSCAL tokens.
        let selections = (result["reviewed-controls"] as? [String: Any])?["control-selections"] as? [[String: Any]]
        let ids = (selections?.first?["include-controls"] as? [[String: Any]])?.compactMap { $0["control-id"] as? String } ?? []
        #expect(ids.first == "cek-08")
        #expect(ids.count == report.guidelines.count + 1)
        #expect(ids.allSatisfy { $0.range(of: "^[_a-z][_a-z0-9.-]*$", options: .regularExpression) != nil })
    }

    // MARK: Helpers

    static func isV5(_ s: String) -> Bool {
        s.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression) != nil
    }

    /// Walks an OSCAL document: the UUIDs it defines (`uuid` members), those it references (`*-uuid` members and
    /// `#uuid` hrefs); returns every problem found.
    static func referenceProblems(_ data: Data) throws -> [String] {
        var defined: [String] = []
        var referenced: [String] = []
        func walk(_ v: Any) {
            if let o = v as? [String: Any] {
                for (k, x) in o {
                    if k == "uuid", let s = x as? String { defined.append(s) }
                    else if k.hasSuffix("-uuid"), let s = x as? String { referenced.append(s) }
                    else if k == "href", let s = x as? String, s.hasPrefix("#") { referenced.append(String(s.dropFirst())) }
                    walk(x)
                }
            } else if let a = v as? [Any] {
                a.forEach(walk)
            }
        }
        walk(try JSONSerialization.jsonObject(with: data))
        var problems: [String] = []
        let set = Set(defined)
        if set.count != defined.count { problems.append("duplicate UUIDs") }
        problems += defined.filter { !isV5($0) }.map { "not v5: \($0)" }
        problems += referenced.filter { !set.contains($0) }.map { "dangling: \($0)" }
        if referenced.isEmpty { problems.append("no references at all") }
        return problems
    }
}
