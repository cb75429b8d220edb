import CEKAuditCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Renders `report.junit.xml`: the JUnit XML CI systems read (Jenkins xUnit `junit-10.xsd` conventions, as GitLab
/// and GitHub test reporters accept them). One `<testsuite>` per guideline, one `<testcase>` per check result
/// (`classname` the check id, `name` the subject): `fail` → `<failure>`, `inconclusive` → `<error>` (the check could
/// not run to a verdict), `manual`, `not_applicable` and `waived` → `<skipped>` with the reason; `pass` plain.
/// Characters XML 1.0 cannot carry are replaced with U+FFFD; the rest is escaped by libxml2.
public struct JUnitReporter: Sendable {
    public init() {}

    /// The XML bytes, UTF-8, deterministic (no timestamps but the assessment time).
    public func render(_ report: AssessmentReport) -> Data {
        let root = XMLElement(name: "testsuites")
        var totals = (tests: 0, failures: 0, errors: 0, skipped: 0)
        let byGuideline = Dictionary(grouping: report.results, by: \.guideline)
        for g in report.guidelines {
            let results = byGuideline[g.id] ?? []
            let suite = XMLElement(name: "testsuite")
            let failures = results.filter { $0.verdict == .fail }.count
            let errors = results.filter { $0.verdict == .inconclusive }.count
            let skipped = results.filter { [.manual, .notApplicable, .waived].contains($0.verdict) }.count
            totals = (totals.tests + results.count, totals.failures + failures, totals.errors + errors, totals.skipped + skipped)
            for (k, v) in [("name", "\(g.id) \(g.title)"), ("tests", "\(results.count)"), ("failures", "\(failures)"),
                           ("errors", "\(errors)"), ("skipped", "\(skipped)"), ("time", "0"),
                           ("timestamp", DateParsing.iso(report.generatedAt))] {
                suite.addAttribute(Self.attribute(k, v))
            }
            for r in results {
                let tc = XMLElement(name: "testcase")
                tc.addAttribute(Self.attribute("classname", r.check))
                tc.addAttribute(Self.attribute("name", r.subject.map { "\($0.name) [\($0.type)]" } ?? "assessment"))
                tc.addAttribute(Self.attribute("time", "0"))
                let detail = ([r.message] + r.reasons).joined(separator: "\n")
                switch r.verdict {
                case .fail: tc.addChild(Self.element("failure", message: r.message, type: r.severity.rawValue, text: detail))
                case .inconclusive: tc.addChild(Self.element("error", message: r.message, type: "inconclusive", text: detail))
                case .manual, .notApplicable, .waived:
                    tc.addChild(Self.element("skipped", message: "\(r.verdict.rawValue): \(r.message)", type: nil, text: nil))
                case .pass: break
                }
                suite.addChild(tc)
            }
            root.addChild(suite)
        }
        for (k, v) in [("name", "cek-audit \(report.catalog.control) \(report.assessment)"), ("tests", "\(totals.tests)"),
                       ("failures", "\(totals.failures)"), ("errors", "\(totals.errors)"), ("skipped", "\(totals.skipped)"), ("time", "0")] {
            root.addAttribute(Self.attribute(k, v))
        }
        let doc = XMLDocument(rootElement: root)
        doc.version = "1.0"
        doc.characterEncoding = "UTF-8"
        var data = doc.xmlData(options: [.nodePrettyPrint])
        if data.last != 0x0A { data.append(0x0A) }
        return data
    }

    static func attribute(_ name: String, _ value: String) -> XMLNode {
        if let node = XMLNode.attribute(withName: name, stringValue: xmlSafe(value)) as? XMLNode { return node }
        let node = XMLNode(kind: .attribute)
        node.name = name
        node.stringValue = xmlSafe(value)
        return node
    }

    static func element(_ name: String, message: String, type: String?, text: String?) -> XMLElement {
        let e = XMLElement(name: name)
        e.addAttribute(attribute("message", message))
        if let type { e.addAttribute(attribute("type", type)) }
        if let text { e.stringValue = xmlSafe(text) }
        return e
    }

    /// Replaces characters outside the XML 1.0 `Char` production (§2.2) with U+FFFD.
    static func xmlSafe(_ s: String) -> String {
        s.replacingScalars { c in
            let v = c.value
            let ok = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
            return ok ? nil : "\u{FFFD}"
        }
    }
}
