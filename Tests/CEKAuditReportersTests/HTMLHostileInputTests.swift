import CEKAuditCore
import CEKAuditReporters
import Foundation
import Testing

/// Strings from a KMS, a template or a log are hostile until escaped: a key description, alias or tag value of
/// `<img src=x onerror=…>` must show as text. These tests plant such payloads in every string of a report —
/// values and dictionary keys — and check that no markup but the reporter's own comes out.
@Suite("HTML reporter, hostile input")
struct HTMLHostileInputTests {
    /// Breaks out of text, of double- and single-quoted attributes, and tries bidi reordering. Sets
    /// `window.__xss` if any of it ran (checked in a real browser by `scripts/check-html.py`).
    static let payload = #"<img src=x onerror=alert(1)><img src=x onerror="window.__xss=1">"#
        + #""><script>window.__xss=2</script><svg onload=alert(3)>' onmouseover='window.__xss=3' "#
        + "javascript:alert(4) \u{202E}evil\u{202C} \u{0007}&amp; "

    static func poisoned(_ s: String) -> String { payload + s }

    static func poisoned(_ v: FactValue) -> FactValue {
        switch v {
        case .string(let s): return .string(poisoned(s))
        case .unknown(let r): return .unknown(reason: poisoned(r))
        case .list(let l): return .list(l.map(poisoned))
        default: return v
        }
    }

    static func poisonedKeys<V>(_ d: [String: V], _ value: (V) -> V = { $0 }) -> [String: V] {
        Dictionary(d.map { (poisoned($0.key), value($0.value)) }, uniquingKeysWith: { a, _ in a })
    }

    static func poisoned(_ p: Provenance) -> Provenance {
        Provenance(evidence: poisoned(p.evidence), pointer: p.pointer.map(poisoned), line: p.line)
    }

    /// The fixture with the payload in front of every string the report holds.
    static func hostileReport() throws -> AssessmentReport {
        var r = try HTMLReportFixture.report()
        r.schemaVersion = poisoned(r.schemaVersion)
        r.tool.name = poisoned(r.tool.name)
        r.tool.version = poisoned(r.tool.version)
        r.assessment = poisoned(r.assessment)
        r.catalog.source = poisoned(r.catalog.source)
        r.catalog.sha256 = poisoned(r.catalog.sha256)
        r.catalog.control = poisoned(r.catalog.control)
        r.catalog.title = poisoned(r.catalog.title)
        r.catalog.framework = poisoned(r.catalog.framework)
        r.catalog.frameworkVersion = poisoned(r.catalog.frameworkVersion)
        r.parameters = poisonedKeys(r.parameters) { poisonedKeys($0, poisoned) }
        r.summary.resources = poisonedKeys(r.summary.resources)
        r.caiq = r.caiq.map { a in
            var a = a
            a.id = poisoned(a.id)
            a.question = poisoned(a.question)
            a.ownership = poisoned(a.ownership)
            a.description = poisoned(a.description)
            a.requires = poisonedKeys(a.requires)
            a.supports = poisonedKeys(a.supports)
            a.supportingEvidence = a.supportingEvidence.map(poisoned)
            a.gaps = a.gaps.map(poisoned)
            return a
        }
        r.guidelines = r.guidelines.map { g in
            var g = g
            g.id = poisoned(g.id)
            g.origin = poisoned(g.origin)
            g.title = poisoned(g.title)
            g.text = poisoned(g.text)
            g.procedure = poisoned(g.procedure ?? "")
            g.checks = g.checks.map { c in
                var c = c
                c.id = poisoned(c.id)
                c.title = poisoned(c.title)
                c.rationale = poisoned(c.rationale ?? "")
                c.procedure = poisoned(c.procedure ?? "")
                c.source = poisoned(c.source ?? "")
                return c
            }
            return g
        }
        r.results = r.results.map { x in
            var x = x
            x.id = poisoned(x.id)
            x.check = poisoned(x.check)
            x.guideline = poisoned(x.guideline)
            x.subject = x.subject.map { SubjectRef(type: poisoned($0.type), id: poisoned($0.id), name: poisoned($0.name)) }
            x.message = poisoned(x.message)
            x.reasons = x.reasons.map(poisoned)
            x.evidence = x.evidence.map(poisoned)
            return x
        }
        r.resources = r.resources.map { x in
            var x = x
            x.id = poisoned(x.id)
            x.name = poisoned(x.name)
            x.fields = poisonedKeys(x.fields, poisoned)
            x.provenance = x.provenance.map(poisoned)
            return x
        }
        r.evidence = r.evidence.map { e in
            var e = e
            e.id = poisoned(e.id)
            e.collector = poisoned(e.collector)
            e.locator = poisoned(e.locator)
            e.kind = poisoned(e.kind)
            e.sha256 = poisoned(e.sha256)
            return e
        }
        r.coverage = r.coverage.map { c in
            var c = c
            c.source = poisoned(c.source)
            c.collector = poisoned(c.collector)
            c.found = poisonedKeys(c.found)
            c.detail = poisoned(c.detail ?? "")
            return c
        }
        r.diagnostics = r.diagnostics.map { d in
            var d = d
            d.source = poisoned(d.source)
            d.message = poisoned(d.message)
            d.fix = poisoned(d.fix ?? "")
            return d
        }
        return r
    }

    @Test("no markup but the reporter's own comes out of a hostile report")
    func onlyOwnMarkup() throws {
        let clean = HTMLMarkup(String(decoding: HTMLReporter().render(try HTMLReportFixture.report()), as: UTF8.self))
        let html = String(decoding: HTMLReporter().render(try Self.hostileReport()), as: UTF8.self)
        let markup = HTMLMarkup(html)

        #expect(markup.anomalies.count == 0, "first anomalies: \(markup.anomalies.prefix(5))")
        // Raw payload markup never appears; the reporter's single script is the only one.
        #expect(!html.contains("<img"))
        #expect(!html.contains("<svg"))
        #expect(html.components(separatedBy: "<script").count - 1 == 1)
        #expect(markup.tags.filter { $0.name == "script" && !$0.isEnd }.count == 1)
        // Every tag is one the reporter writes for a clean report too.
        let known = Set(clean.tags.map(\.name))
        for tag in markup.tags { #expect(known.contains(tag.name), "unexpected <\(tag.name)>") }
        // No event handler attribute, no javascript: value, anywhere.
        for tag in markup.tags {
            for (name, value) in tag.attributes {
                #expect(!name.lowercased().hasPrefix("on"), "handler attribute \(name) on <\(tag.name)>")
                let decoded = HTMLMarkup.decode(value ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                #expect(!decoded.hasPrefix("javascript:"))
                // As written, a value holds no character that could end it or open a tag.
                #expect(!(value ?? "").contains("<") && !(value ?? "").contains(">") && !(value ?? "").contains("'"))
            }
        }
        // Text nodes hold no raw markup characters; the payload reads as text.
        for text in markup.texts {
            #expect(!text.contains(">") && !text.contains("\"") && !text.contains("'"), "raw character in text: \(text.prefix(80))")
        }
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&quot;&gt;&lt;script&gt;window.__xss=2&lt;/script&gt;"))
        #expect(html.contains("&#39; onmouseover=&#39;window.__xss=3&#39;"))
        // Bidi overrides and control characters are shown, not obeyed.
        #expect(!html.unicodeScalars.contains("\u{202E}"))
        #expect(html.contains("&lt;U+202E&gt;evil&lt;U+202C&gt;"))
        #expect(html.contains("\u{2407}"))
        // The ampersand in the payload is escaped again: the text shows "&amp;".
        #expect(html.contains("&amp;amp;"))
    }

    @Test("links still reach their targets when every identifier is hostile")
    func hostileAnchors() throws {
        let html = String(decoding: HTMLReporter().render(try Self.hostileReport()), as: UTF8.self)
        let markup = HTMLMarkup(html)
        let ids = markup.ids
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_").contains($0) },
                    "id \(id) has characters outside [A-Za-z0-9_-]")
        }
        let idSet = Set(ids)
        for link in markup.fragmentLinks { #expect(idSet.contains(link), "no element has id \(link)") }
        // Evidence rows (in evidence.html) are anchored by their number (`E1` …), resource rows by theirs (`r-0` …):
        // no identifier reaches an id, yet the links resolve.
        #expect(markup.tags.contains { ($0.value("href") ?? "").hasPrefix(HTMLReporter.evidenceFileName + "#E") })
    }

    @Test("the evidence page of a hostile report holds only its own markup, and every link into it resolves")
    func hostileEvidencePage() throws {
        let report = try Self.hostileReport()
        let clean = HTMLMarkup(String(decoding: HTMLReporter().renderEvidence(try HTMLReportFixture.report()), as: UTF8.self))
        let page = String(decoding: HTMLReporter().renderEvidence(report), as: UTF8.self)
        let markup = HTMLMarkup(page)
        #expect(markup.anomalies.count == 0, "first anomalies: \(markup.anomalies.prefix(5))")
        #expect(!page.contains("<img") && !page.contains("<svg"))
        #expect(markup.tags.filter { $0.name == "script" && !$0.isEnd }.count == 1)
        let known = Set(clean.tags.map(\.name))
        for tag in markup.tags { #expect(known.contains(tag.name), "unexpected <\(tag.name)>") }
        for tag in markup.tags {
            for (name, value) in tag.attributes {
                #expect(!name.lowercased().hasPrefix("on"), "handler attribute \(name) on <\(tag.name)>")
                #expect(!(value ?? "").contains("<") && !(value ?? "").contains(">") && !(value ?? "").contains("'"))
            }
        }
        for text in markup.texts {
            #expect(!text.contains(">") && !text.contains("\"") && !text.contains("'"), "raw character in text: \(text.prefix(80))")
        }
        // The poisoned id, locator, kind, collector and hash read as text.
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(markup.texts.filter { $0.contains("window.__xss=") }.count >= 4)
        let policy = try #require(markup.tags.first { $0.value("http-equiv") == "Content-Security-Policy" }?.value("content"))
        #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-") && !policy.contains("unsafe"))
        // Ids are numbers, never identifiers; every link of the report into the page finds its row.
        let ids = Set(markup.ids)
        #expect(ids.count == markup.ids.count)
        for id in ids {
            #expect(id.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_").contains($0) })
        }
        let prefix = HTMLReporter.evidenceFileName + "#"
        let reportLinks = HTMLMarkup(String(decoding: HTMLReporter().render(report), as: UTF8.self)).tags
            .compactMap { $0.value("href") }.filter { $0.hasPrefix(prefix) }
        #expect(!reportLinks.isEmpty)
        for link in reportLinks { #expect(ids.contains(String(link.dropFirst(prefix.count))), "evidence.html has no \(link)") }
    }

    @Test("the CSP stays strict and intact in a hostile report")
    func hostileCSP() throws {
        let html = String(decoding: HTMLReporter().render(try Self.hostileReport()), as: UTF8.self)
        let markup = HTMLMarkup(html)
        let metas = markup.tags.filter { $0.name == "meta" && $0.value("http-equiv") != nil }
        #expect(metas.count == 1)
        let policy = try #require(metas.first?.value("content"))
        #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-"))
        #expect(!policy.contains("unsafe"))
    }

    /// The two pages `scripts/test.sh` also loads in headless Chromium (`scripts/check-html.py`): the fixture and its
    /// hostile twin. A passing browser check proves something only if they hold what it exercises — a result of
    /// every verdict behind its filter, the one inline style and script, and (hostile) the payload, which sets
    /// `window.__xss` if any of it runs, in text and in an attribute value. With `CEK_AUDIT_HTML_SAMPLE_DIR` set
    /// (scripts/test.sh sets it) they are written there as `report.html` and `hostile/report.html`, each with the
    /// `evidence.html` its evidence links lead to beside it (the browser check follows one).
    @Test("the samples for the browser check hold every verdict and, hostile, the payload in text and attributes")
    func browserCheckSamples() throws {
        let samples = [("report.html", HTMLReporter().render(try HTMLReportFixture.report())),
                       ("hostile-report.html", HTMLReporter().render(try Self.hostileReport()))]
        for (name, data) in samples {
            let markup = HTMLMarkup(String(decoding: data, as: UTF8.self))
            for v in Verdict.allCases {
                #expect(markup.tags.contains { $0.name == "input" && $0.value("id") == "vf-\(v.rawValue)" }, "\(name) has no \(v.rawValue) filter")
                #expect(markup.tags.contains { $0.name == "details" && ($0.value("class") ?? "").hasPrefix("result v-\(v.rawValue)") },
                        "\(name) has no \(v.rawValue) result for the filter to keep or hide")
            }
            #expect(markup.rawText.map(\.element).sorted() == ["script", "style"], "\(name): the browser check expects one inline style and one script")
        }
        let hostile = HTMLMarkup(String(decoding: samples[1].1, as: UTF8.self))
        #expect(hostile.texts.filter { $0.contains("window.__xss=") }.count >= 10, "the payload is not spread over the text")
        #expect(hostile.tags.contains { $0.attributes.contains { ($0.value ?? "").contains("window.__xss=") } }, "no attribute value holds the payload")

        guard let dir = ProcessInfo.processInfo.environment["CEK_AUDIT_HTML_SAMPLE_DIR"], !dir.isEmpty else { return }
        let url = URL(fileURLWithPath: dir, isDirectory: true)
        let files = [("report.html", samples[0].1),
                     (HTMLReporter.evidenceFileName, HTMLReporter().renderEvidence(try HTMLReportFixture.report())),
                     ("hostile/report.html", samples[1].1),
                     ("hostile/" + HTMLReporter.evidenceFileName, HTMLReporter().renderEvidence(try Self.hostileReport()))]
        for (name, data) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file)
            #expect(FileManager.default.contents(atPath: file.path) == data)
        }
    }
}
