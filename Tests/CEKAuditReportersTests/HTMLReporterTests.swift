import CEKAuditCore
import CEKAuditReporters
import Foundation
import Testing

@Suite("HTML reporter")
struct HTMLReporterTests {
    static func render(_ report: AssessmentReport) -> String {
        String(decoding: HTMLReporter().render(report), as: UTF8.self)
    }

    static func renderEvidence(_ report: AssessmentReport) -> String {
        String(decoding: HTMLReporter().renderEvidence(report), as: UTF8.self)
    }

    /// Anchors in `evidence.html` that links of `markup` point to (`evidence.html#E1` → `E1`).
    static func evidenceLinks(_ markup: HTMLMarkup) -> [String] {
        let prefix = HTMLReporter.evidenceFileName + "#"
        return markup.tags.compactMap { $0.value("href") }.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    @Test("a group citing many evidence items lists twelve and says how many more, and where they are")
    func groupEvidenceIsCapped() throws {
        var report = try HTMLReportFixture.report()
        for i in 0..<20 {
            let item = EvidenceItem(collector: "aws-kms", locator: "aws-kms://111122223333/eu-west-1/DescribeKey/key-\(i)", kind: "aws-api-response",
                                    bytes: Data("{\"KeyMetadata\":{\"KeyId\":\"key-\(i)\"}}".utf8), collectedAt: Date(timeIntervalSince1970: 1_790_000_000))
            report.evidence.append(item)
            report.results.append(try HTMLReportFixture.result("CEK08-AG3-KEY-MATERIAL-CONTAINED", "AG-3", .pass, .medium,
                                                               HTMLReportFixture.subject("bulk-\(i)", "bulk-\(i)"), "Key material stays in the KMS.",
                                                               [], [Provenance(evidence: item.id, pointer: "KeyMetadata")]))
        }
        let html = Self.render(report)
        let listed = (0..<20).filter { html.contains("DescribeKey/key-\($0)</code></a> · 1 citation(s)") }
        #expect(listed.count == 12, "\(listed)")
        #expect(html.contains("… and 8 more evidence item(s) (8 citation(s)): each subject&#39;s own are linked from its row under "))
        // Every item is still listed once in evidence.html, in the group of its locator folder.
        let page = Self.renderEvidence(report)
        #expect((0..<20).allSatisfy { page.contains("<code>key-\($0)</code>") })
        #expect(page.contains("<code>aws-kms://111122223333/eu-west-1/DescribeKey/</code> · aws-kms · aws-api-response · 20 item(s)"))
    }

    @Test("renders one UTF-8 HTML document with the header facts")
    func header() throws {
        let report = try HTMLReportFixture.report()
        let data = HTMLReporter().render(report)
        let html = try #require(String(data: data, encoding: .utf8))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</html>\n"))
        for fact in ["acme-ai-platform", "CEK-08 — Customer Key Management Capability", "AICM 1.0.3",
                     "2026-11-29T16:00:00Z", "cek-audit 0.4.0", "Controls/CEK-08.yaml", report.catalog.sha256] {
            #expect(html.contains(fact), "header lacks \(fact)")
        }
        #expect(HTMLMarkup(html).anomalies.isEmpty)
    }

    @Test("the CSP meta forbids everything but the document's own style and script, by hash")
    func contentSecurityPolicy() throws {
        let html = Self.render(try HTMLReportFixture.report())
        let markup = HTMLMarkup(html)
        let meta = try #require(markup.tags.first { $0.name == "meta" && $0.value("http-equiv") == "Content-Security-Policy" })
        let policy = try #require(meta.value("content"))
        // The policy must come before any content it governs.
        let metaIndex = try #require(markup.tags.firstIndex { $0.value("http-equiv") == "Content-Security-Policy" })
        let styleIndex = try #require(markup.tags.firstIndex { $0.name == "style" })
        #expect(metaIndex < styleIndex)

        var directives: [String: [String]] = [:]
        for part in policy.split(separator: ";") {
            let words = part.split(separator: " ").map(String.init)
            guard let name = words.first else { continue }
            directives[name] = Array(words.dropFirst())
        }
        #expect(directives["default-src"] == ["'none'"])
        #expect(directives["base-uri"] == ["'none'"])
        #expect(directives["form-action"] == ["'none'"])
        #expect(!policy.contains("unsafe-inline"))
        #expect(!policy.contains("unsafe-eval"))
        let scriptSources = try #require(directives["script-src"])
        #expect(!scriptSources.isEmpty)
        #expect(scriptSources.allSatisfy { $0.hasPrefix("'sha256-") && $0.hasSuffix("'") })

        // The hashes are those of the inline elements, byte for byte, and there is one of each.
        let styles = markup.rawText.filter { $0.element == "style" }
        let scripts = markup.rawText.filter { $0.element == "script" }
        #expect(styles.count == 1 && scripts.count == 1)
        #expect(directives["style-src"] == styles.map { cspHashSource($0.text) })
        #expect(scriptSources == scripts.map { cspHashSource($0.text) })
    }

    @Test("nothing is loaded from outside the document; links leave it only for the evidence page beside it and back",
          arguments: [false, true])
    func noExternalReferences(evidencePage: Bool) throws {
        let report = try HTMLReportFixture.report()
        let html = evidencePage ? Self.renderEvidence(report) : Self.render(report)
        let markup = HTMLMarkup(html)
        let urlAttributes: Set<String> = ["src", "href", "action", "formaction", "data", "poster", "srcset", "cite", "background",
                                          "manifest", "xlink:href", "ping", "longdesc", "icon"]
        // The one other document a page may link to (a navigation when clicked, never a request).
        let sibling = evidencePage ? "report.html" : HTMLReporter.evidenceFileName
        for tag in markup.tags {
            for (name, value) in tag.attributes where urlAttributes.contains(name) {
                let v = HTMLMarkup.decode(value ?? "")
                let toSibling = tag.name == "a" && name == "href" && (v == sibling || v.hasPrefix(sibling + "#"))
                #expect(v.hasPrefix("#") || v.hasPrefix("data:") || toSibling, "<\(tag.name) \(name)=\"\(v)\"> points outside the document")
            }
            for (name, value) in tag.attributes {
                let v = HTMLMarkup.decode(value ?? "").lowercased()
                #expect(!v.contains("http://") && !v.contains("https://") && !v.hasPrefix("//"),
                        "<\(tag.name) \(name)=\"\(v)\"> holds a URL")
            }
        }
        let forbiddenElements: Set<String> = ["link", "img", "iframe", "object", "embed", "base", "form", "video", "audio", "source", "svg"]
        #expect(markup.tags.filter { forbiddenElements.contains($0.name) }.isEmpty)
        for (_, text) in markup.rawText {
            #expect(!text.contains("url("))
            #expect(!text.contains("@import"))
            #expect(!text.contains("http:") && !text.contains("https:"))
            #expect(!text.contains("fetch(") && !text.contains("XMLHttpRequest") && !text.contains("innerHTML"))
        }
        // The fixture's API locator (an https URL) is shown as text, not linked.
        #expect(html.contains(evidencePage ? "<code>https://kms.eu-west-1.amazonaws.com/</code>"
                              : "https://kms.eu-west-1.amazonaws.com/?Action=DescribeKey&amp;KeyId="))
    }

    @Test("every verdict appears as a text badge, in the summary and as a filter")
    func everyVerdict() throws {
        let report = try HTMLReportFixture.report()
        let html = Self.render(report)
        let markup = HTMLMarkup(html)
        let words: [Verdict: String] = [.pass: "PASS", .fail: "FAIL", .notApplicable: "NOT APPLICABLE",
                                        .inconclusive: "INCONCLUSIVE", .manual: "MANUAL", .waived: "WAIVED"]
        for v in Verdict.allCases {
            #expect(report.summary.results.count(v) > 0, "the fixture should hold a \(v) result")
            let word = try #require(words[v])
            #expect(html.contains("<span class=\"badge v-\(v.rawValue)\">\(word)</span>"), "no \(word) badge")
            #expect(markup.tags.contains { $0.name == "input" && $0.value("type") == "radio" && $0.value("id") == "vf-\(v.rawValue)" })
            #expect(markup.tags.contains { $0.name == "label" && $0.value("for") == "vf-\(v.rawValue)" })
            #expect(markup.tags.contains { $0.name == "details" && ($0.value("class") ?? "").hasPrefix("result v-\(v.rawValue)") })
            let filter = "#results:has(#vf-\(v.rawValue):checked) .result:not(.v-\(v.rawValue))"
            #expect(markup.rawText.contains { $0.element == "style" && $0.text.contains(filter) })
        }
        let all = try #require(markup.tags.first { $0.value("id") == "vf-all" })
        #expect(all.attributes.contains { $0.name == "checked" })
        #expect(html.contains("<span class=\"badge big a-no\">NO</span>"))
    }

    @Test("a check says where it is defined: its own catalog file, or else the catalog's")
    func definedAt() throws {
        let report = try HTMLReportFixture.report()
        let html = Self.render(report)
        let checks = report.guidelines.flatMap(\.checks)
        let split = try #require(checks.first { $0.source != nil })
        let inline = try #require(checks.first { $0.source == nil })
        #expect(html.contains("Defined at Controls/CEK-08/checks/AG-3.yaml:\(split.line ?? 0)."))
        #expect(html.contains("Defined at \(report.catalog.source):\(inline.line ?? 0)."))
    }

    @Test("the drill-down nests guideline, check and result, and keeps results of unlisted checks")
    func drillDown() throws {
        let report = try HTMLReportFixture.report()
        let html = Self.render(report)
        let markup = HTMLMarkup(html)
        let details = markup.tags.filter { $0.name == "details" }
        #expect(details.filter { ($0.value("class") ?? "").hasPrefix("guideline ") }.count == report.guidelines.count)
        #expect(details.filter { ($0.value("class") ?? "").hasPrefix("result ") }.count == report.results.count)
        // AG-9 lists no check; the engine's AG-9-MANUAL result still shows, under AG-9.
        #expect(html.contains("AG-9-MANUAL"))
        #expect(html.contains("Results of a check the guideline does not list"))
        // A guideline that failed is marked as containing a failure, for the filter.
        let ag2 = try #require(details.first { $0.value("id") == "guideline-AG-2" })
        let classes = (ag2.value("class") ?? "").split(separator: " ")
        #expect(classes.contains("has-fail") && classes.contains("has-pass") && classes.contains("has-inconclusive"))
        #expect(!classes.contains("has-waived"))
        #expect(ag2.attributes.contains { $0.name == "open" })
        // Reasons, messages, severities.
        #expect(html.contains("account 444455556666 is not the key&#39;s tenant"))
        #expect(html.contains("<span class=\"sev sev-critical\">critical</span>"))
    }

    @Test("every in-document link has a target, and ids are unique")
    func anchors() throws {
        let html = Self.render(try HTMLReportFixture.report())
        let markup = HTMLMarkup(html)
        let ids = markup.ids
        #expect(Set(ids).count == ids.count, "duplicate ids")
        let idSet = Set(ids)
        let links = markup.fragmentLinks
        #expect(!links.isEmpty)
        for link in links { #expect(idSet.contains(link), "no element has id \(link)") }
        // Result evidence links reach the evidence rows in evidence.html, anchored `E` + row number; every link into
        // evidence.html has its target there.
        let report = try HTMLReportFixture.report()
        let page = HTMLMarkup(Self.renderEvidence(report))
        let pageIDs = page.ids
        #expect(Set(pageIDs).count == pageIDs.count, "duplicate ids in evidence.html")
        let evidenceLinks = Self.evidenceLinks(markup)
        for item in [HTMLReportFixture.template, HTMLReportFixture.plan, HTMLReportFixture.policy, HTMLReportFixture.describe] {
            let row = try #require(report.evidence.firstIndex { $0.id == item.id })
            let anchor = "E\(row + 1)"
            #expect(page.tags.contains { $0.name == "tr" && $0.value("id") == anchor })
            #expect(!markup.tags.contains { $0.name == "tr" && $0.value("id") == anchor }, "evidence rows live in evidence.html only")
            #expect(evidenceLinks.contains(anchor))
        }
        for link in evidenceLinks { #expect(pageIDs.contains(link), "evidence.html has no id \(link)") }
        for link in page.fragmentLinks { #expect(pageIDs.contains(link), "evidence.html links to a missing #\(link)") }
        // The Evidence section of the report links each group to its place in evidence.html.
        #expect(evidenceLinks.contains("eg-1"))
        // Resource rows are linked from the subjects of the results about them.
        #expect(links.contains { $0.hasPrefix("r-") })
        // A reference to an item the report does not hold is shown, not linked.
        #expect(html.contains("Evidence item ev-000000000000 is not in this report"))
        #expect(!links.contains(HTMLEscaping.fragmentID("evidence", "ev-000000000000")))
    }

    @Test("identifiers that look like the document's own ids get anchors of their own")
    func anchorsAvoidFixedIDs() throws {
        var report = try HTMLReportFixture.report()
        // `evidence-h` is the Evidence heading's id; an item with id `h` must not take it.
        report.evidence[0].id = "h"
        report.results[0].evidence = [Provenance(evidence: "h")]
        report.results[1].id = "results-h"
        report.guidelines[0].id = "h"
        let markup = HTMLMarkup(Self.render(report))
        let ids = markup.ids
        #expect(Set(ids).count == ids.count, "duplicate ids: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        // Evidence rows take their number, never an identifier: the item with id `h` is row E1 of evidence.html.
        let page = HTMLMarkup(Self.renderEvidence(report))
        let target = try #require(page.tags.first { $0.name == "tr" && $0.value("id") == "E1" })
        #expect(Self.evidenceLinks(markup).contains(target.value("id") ?? ""))
        #expect(Set(page.ids).count == page.ids.count)
        #expect(!ids.contains("evidence-h") || markup.tags.contains { $0.name == "h2" && $0.value("id") == "evidence-h" })
        for link in markup.fragmentLinks { #expect(ids.contains(link)) }
    }

    @Test("resources show fact fields; unknown values say why")
    func resources() throws {
        let html = Self.render(try HTMLReportFixture.report())
        #expect(html.contains("unknown — DescribeKey failed: AccessDeniedException"))
        // A known absence is an empty cell in a resource table, which the style sheet fills with "none".
        #expect(html.contains("<td><td>") || html.contains("<td>\n"))
        #expect(html.contains(".rtable td:empty::after { content: \"none\";"))
        #expect(html.contains("<code>rotation.period_days</code>"))
        #expect(html.contains("arn:aws:iam::444455556666:root"))
        #expect(html.contains("Key policy (") == false, "no key policy resource in the fixture")
        #expect(html.contains("Key (4)") && html.contains("Data store (1)"))
    }

    @Test("evidence, coverage and diagnostics tables carry every column")
    func tables() throws {
        let report = try HTMLReportFixture.report()
        let html = Self.render(report)
        let page = Self.renderEvidence(report)
        let t = HTMLReportFixture.template
        // evidence.html: the group names folder, collector and kind; the row the id, the rest of the locator, the
        // size and the SHA-256 in full.
        let folder = t.locator.lastIndex(of: "/").map { String(t.locator[...$0]) } ?? ""
        let rest = String(t.locator.dropFirst(folder.count))
        for cell in [folder.isEmpty ? "(no folder)" : folder, rest, t.id, t.kind, t.collector, t.sha256, String(t.size)] {
            #expect(page.contains(cell), "evidence.html lacks \(cell)")
        }
        #expect(HTMLMarkup(page).anomalies.isEmpty)
        // report.html: one summary row per group, no per-item rows.
        #expect(html.contains("\(report.evidence.count) item(s) the facts were read from"))
        #expect(!html.contains("<strong>E1</strong>"))
        #expect(html.contains("<span class=\"status status-failed\">failed</span>"))
        #expect(html.contains("grant, key"))
        #expect(html.contains("data_store: 1, key: 2"))
        #expect(html.contains("2 attribute values are unknown until apply."))
        #expect(html.contains("<code>terraform/plan.json:212:11</code>"))
        #expect(html.contains("Grant kms:DescribeKey to the audit role."))
        #expect(html.contains("<code>min_window_days</code>"))
    }

    @Test("print CSS opens everything, hides the controls and keeps results whole")
    func printStyles() throws {
        let html = Self.render(try HTMLReportFixture.report())
        let style = try #require(HTMLMarkup(html).rawText.first { $0.element == "style" }?.text)
        #expect(style.contains("@media print"))
        #expect(style.contains(".filterbar, .skip, .tools, button { display: none !important; }")
                || style.contains("nav.toc, .filterbar, .skip, .tools, button { display: none !important; }"))
        #expect(style.contains("details::details-content { content-visibility: visible; }"))
        #expect(style.contains("break-inside: avoid"))
        let script = try #require(HTMLMarkup(html).rawText.first { $0.element == "script" }?.text)
        #expect(script.contains("beforeprint"))
    }

    @Test("two renders are byte-equal, whatever order the dictionaries were built in")
    func deterministic() throws {
        let report = try HTMLReportFixture.report()
        let first = HTMLReporter().render(report)
        #expect(first == HTMLReporter().render(report))

        var shuffled = report
        func rebuilt<V>(_ d: [String: V]) -> [String: V] {
            var out = [String: V](minimumCapacity: 97)
            for k in d.keys.sorted().reversed() { out[k] = d[k] }
            return out
        }
        shuffled.resources = report.resources.map { r in
            var r = r
            r.fields = rebuilt(r.fields)
            return r
        }
        shuffled.parameters = rebuilt(report.parameters.mapValues { rebuilt($0) })
        shuffled.summary.resources = rebuilt(report.summary.resources)
        shuffled.caiq = report.caiq.map { a in
            var a = a
            a.requires = rebuilt(a.requires)
            a.supports = rebuilt(a.supports)
            return a
        }
        shuffled.coverage = report.coverage.map { c in
            var c = c
            c.found = rebuilt(c.found)
            return c
        }
        #expect(HTMLReporter().render(shuffled) == first)
    }

    @Test("an empty report renders every section with its empty state")
    func emptyReport() throws {
        var report = try HTMLReportFixture.report()
        report.results = []
        report.guidelines = []
        report.resources = []
        report.evidence = []
        report.coverage = []
        report.diagnostics = []
        report.caiq = []
        report.parameters = [:]
        report.summary.results = VerdictCounts()
        report.summary.guidelines = VerdictCounts()
        report.summary.resources = [:]
        let html = Self.render(report)
        let markup = HTMLMarkup(html)
        #expect(markup.anomalies.isEmpty)
        for id in ["summary", "caiq", "results", "parameters", "resources", "evidence", "coverage", "diagnostics"] {
            #expect(markup.ids.contains(id))
        }
        for text in ["The catalog asks no CAIQ question.", "The report has no guidelines and no results.",
                     "No resources were found in the evidence.", "No evidence items.", "No source was read.",
                     "No problems were met while reading the inputs.", "No check takes parameters."] {
            #expect(html.contains(text), "missing empty state: \(text)")
        }
        for link in markup.fragmentLinks { #expect(markup.ids.contains(link)) }
        let page = Self.renderEvidence(report)
        #expect(page.contains("No evidence items."))
        #expect(HTMLMarkup(page).anomalies.isEmpty)
    }

    @Test("evidence.html groups items by locator folder, collector and kind; rows keep their report-wide numbers")
    func evidencePageGroups() throws {
        var report = try HTMLReportFixture.report()
        report.evidence = []
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        for op in ["GetKeyPolicy", "DescribeKey"] {
            for i in 0..<3 {
                report.evidence.append(EvidenceItem(collector: "aws-kms", locator: "aws-kms://111122223333/eu-west-1/\(op)/key-\(i)",
                                                    kind: "aws-api-response", bytes: Data("{\"n\":\(i)}".utf8), collectedAt: at))
            }
        }
        // Same folder, another collection time: the group shows a column of times instead of one in its summary.
        report.evidence.append(EvidenceItem(collector: "aws-kms", locator: "aws-kms://111122223333/eu-west-1/DescribeKey/key-9",
                                            kind: "aws-api-response", bytes: Data("{}".utf8), collectedAt: at.addingTimeInterval(60)))
        report.evidence.append(EvidenceItem(collector: "key-policy", locator: "policy.json", kind: "key-policy", bytes: Data("{}".utf8), collectedAt: at))
        let page = Self.renderEvidence(report)
        let markup = HTMLMarkup(page)
        let groups = markup.tags.filter { $0.name == "details" && $0.value("class") == "evidence-group" }
        #expect(groups.map { $0.value("id") ?? "" } == ["eg-1", "eg-2", "eg-3"])
        #expect(groups.allSatisfy { !$0.attributes.contains { $0.name == "open" } }, "groups start closed")
        // Sorted by folder: the file without a folder first, then DescribeKey/, then GetKeyPolicy/.
        let order = ["(no folder)", "/DescribeKey/</code> · aws-kms · aws-api-response · 4 item(s)", "/GetKeyPolicy/</code> · aws-kms · aws-api-response · 3 item(s)"]
        let positions = try order.map { try #require(page.range(of: $0)?.lowerBound, "missing \($0)") }
        #expect(positions == positions.sorted())
        #expect(page.contains("3 item(s), 21 bytes · collected at 2026-09-21T14:13:20Z"))
        #expect(page.contains("<th scope=\"col\">Collected at</th>"), "the group with two times has a column of them")
        // Row ids are the report-wide numbers: the first DescribeKey item is the 4th item of the report.
        let e4 = try #require(page.range(of: "<tr id=\"E4\">"))
        #expect(page[e4.upperBound...].hasPrefix("<td class=\"nowrap\"><strong>E4</strong> <code>\(report.evidence[3].id)</code></td><td><code>key-0</code></td>"))
        // The report's Evidence section: one row per group, linking to it.
        let html = Self.render(report)
        for n in 1...3 { #expect(html.contains("href=\"evidence.html#eg-\(n)\"")) }
        #expect(html.contains("8 item(s) the facts were read from, in 3 group(s)"))
    }
}
