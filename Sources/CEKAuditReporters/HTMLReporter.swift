import CEKAuditCore
import Foundation

/// Renders `report.html`: one self-contained HTML document for reading, filtering and printing an
/// ``AssessmentReport`` (DESIGN.md, "Reports").
///
/// Shape, top to bottom: a header (assessment, control id and title, framework and version, generation time, tool
/// version, catalog source and SHA-256); a table of contents; the summary (overall verdict, results and guidelines
/// per verdict, resources per type, inputs); the proposed CAIQ answer(s); the guideline → check → result drill-down
/// in nested `<details>` elements, with verdict filters; check parameters; resources with their fact fields;
/// a summary of the evidence items by collector, kind and locator folder; source coverage; diagnostics. The items
/// themselves (the targets of every evidence link) are listed in `evidence.html` beside it (``renderEvidence(_:)``).
///
/// Guarantees:
/// - **Self-contained, no requests**: inline style sheet and script, no URL to anything outside the document but
///   the relative links to `evidence.html` beside it (followed only when clicked, never fetched).
///   A `<meta http-equiv="Content-Security-Policy">` (CSP Level 3) sets `default-src 'none'` and allows the style
///   sheet and script only by their SHA-256 hash, computed while rendering; no `'unsafe-inline'`.
/// - **Escaped**: every string taken from the report lands through ``HTMLEscaping/escape(_:)`` (text and attribute
///   values); identifiers used as anchors go through ``HTMLEscaping/fragmentID(_:_:)``.
/// - **Works without JavaScript**: the verdict filter is radio buttons and CSS (`:has()` and `:checked`); the drill-
///   down is `<details>`/`<summary>` (HTML Living Standard, "The details element"). The script only adds comfort.
/// - **Prints**: `@media print` hides the controls, opens every `<details>`, avoids page breaks inside a result and
///   states any active filter.
/// - **Deterministic**: the bytes depend only on the report; dictionaries are read in sorted key order; the only
///   time shown is the report's own (`generated_at`, evidence `collected_at`), in RFC 3339 UTC.
/// - **Accessible**: verdicts are written as text on every badge (colour is never the only cue), text contrast
///   meets WCAG 2.2 AA, headings and landmarks are in order, and a skip link leads to the content.
public struct HTMLReporter: Sendable {
    /// Creates a reporter. It has no options; everything shown comes from the report.
    public init() {}

    /// Renders `report` as a UTF-8 encoded HTML document (HTML Living Standard, "The HTML syntax").
    public func render(_ report: AssessmentReport) -> Data {
        Self.whole(report) { $0.document() }
    }

    /// Renders `report.html` into `sink` in pieces of 256 KiB as they are written: the same bytes as
    /// ``render(_:)``, but the page is never whole in memory (a 10,000-key report is ~13 MB, and its `Data` was a
    /// second copy).
    /// - Throws: whatever `sink` throws (the first error; nothing is passed to the sink after it).
    public func render(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        try render(report, to: sink, chunk: 1 << 18)
    }

    /// ``render(_:to:)`` with pieces of at least `chunk` bytes (tests use a few bytes).
    func render(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int) throws {
        try Self.stream(report, to: sink, chunk: chunk) { $0.document() }
    }

    /// File name of the evidence page written beside `report.html` (``renderEvidence(_:)``); every evidence link of
    /// `report.html` is relative to it (`evidence.html#E12`).
    public static let evidenceFileName = "evidence.html"

    /// Renders the evidence page, `evidence.html`: every evidence item of `report` — its row anchor `E` + row
    /// number (the target of `report.html`'s evidence links), id, locator, size and SHA-256 — grouped by collector,
    /// kind and locator folder, each group a closed `<details>` that a link into it opens. Same guarantees as
    /// ``render(_:)`` (self-contained, escaped, strict CSP, no JavaScript needed, deterministic). It lives beside
    /// `report.html` because at 10,000 live keys the ~55,000 API answers alone would take ~25 MB of the report.
    /// - Returns: UTF-8 encoded HTML.
    public func renderEvidence(_ report: AssessmentReport) -> Data {
        Self.whole(report) { $0.evidenceDocument() }
    }

    /// Renders `evidence.html` into `sink` in pieces as they are written (see ``render(_:to:)``).
    /// - Throws: whatever `sink` throws.
    public func renderEvidence(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        try renderEvidence(report, to: sink, chunk: 1 << 18)
    }

    /// ``renderEvidence(_:to:)`` with pieces of at least `chunk` bytes.
    func renderEvidence(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int) throws {
        try Self.stream(report, to: sink, chunk: chunk) { $0.evidenceDocument() }
    }

    /// The page `write` writes, whole.
    private static func whole(_ report: AssessmentReport, _ write: (HTMLReportRenderer) -> Void) -> Data {
        let r = HTMLReportRenderer(report)
        write(r)
        return Data(r.w.html.utf8)
    }

    /// The page `write` writes, into `sink` in pieces of at least `chunk` bytes.
    private static func stream(_ report: AssessmentReport, to sink: @escaping (UnsafeRawBufferPointer) throws -> Void, chunk: Int,
                               _ write: (HTMLReportRenderer) -> Void) throws {
        let r = HTMLReportRenderer(report, streamingTo: sink, chunk: chunk)
        write(r)
        try r.w.finish()
    }
}

/// One rendering: the report, the writer, and the anchor tables that let results link to resources and evidence.
final class HTMLReportRenderer {
    let report: AssessmentReport
    /// The writer, reserved at about the page's size (~60 bytes per result in the groups' drill-downs, ~450 per
    /// resource row, ~300 per evidence item in `evidence.html`; untouched reserve costs no memory).
    let w: HTMLWriter

    /// Position in `report.evidence` of the first evidence item with a given id; references to other ids are shown as
    /// missing. One table for the anchor, the label and the item (at 10,000 live keys, three dictionaries of 60,000
    /// entries each held ~23 MB while each page was written).
    private(set) var evidenceRow: [String: Int] = [:]
    /// Anchor of the evidence item at `index` of `report.evidence`: `E` and its row number in the Evidence table,
    /// short because every resource row links to its evidence, and never a fragment id of an identifier (those hold
    /// a `-` after their prefix word) or a fixed id. Also its label.
    func evidenceRowAnchor(_ index: Int) -> String { "E\(index + 1)" }
    /// Anchor (and label) of the first evidence item with id `id`; `nil` when the report has none.
    func evidenceAnchor(_ id: String) -> String? { evidenceRow[id].map(evidenceRowAnchor) }
    /// The first evidence item with id `id`.
    func evidenceItem(_ id: String) -> EvidenceItem? { evidenceRow[id].map { report.evidence[$0] } }
    /// The evidence groups of `evidence.html` (``EvidenceGroup/groups(_:)``).
    private(set) var evidenceGroups: [EvidenceGroup] = []
    /// Position in ``evidenceGroups`` of the group holding an item, by id (first occurrence).
    private(set) var evidenceGroupOf: [String: Int] = [:]
    /// Anchor per resource, by position in `report.resources`.
    private(set) var resourceAnchorByIndex: [String] = []
    /// Anchor of the first resource with a given type and id.
    private(set) var resourceAnchor: [ResourceKey: String] = [:]
    /// Anchor of the result group whose first member is `report.results[index]`: `g-` + digits, never a fragment id of
    /// an identifier.
    func groupAnchor(_ index: Int) -> String { "g-\(index)" }
    /// Result positions per subject, for the resource section's back links.
    private(set) var resultsBySubject: [ResourceKey: [Int]] = [:]
    /// Anchor per guideline id.
    private(set) var guidelineAnchor: [String: String] = [:]
    /// The drill-down tree.
    private(set) var tree: [GuidelineBranch] = []

    /// Ids the document's own structure uses; anchors made from report identifiers never take them.
    static let fixedIDs: Set<String> = {
        var ids: Set<String> = ["main", "verdict-filter-title", "vf-all"]
        for section in ["summary", "caiq", "exceptions", "results", "parameters", "resources", "evidence", "coverage", "diagnostics"] {
            ids.insert(section)
            ids.insert(section + "-h")
        }
        for v in Verdict.allCases { ids.insert("vf-" + v.rawValue) }
        return ids
    }()

    /// A resource's identity as results refer to it: the subject id a result carries, which is the resource id
    /// shortened by ``Excerpt/identifier(_:limit:)`` when it is long.
    struct ResourceKey: Hashable {
        var type: String
        var id: String

        init(type: String, id: String) {
            self.type = type
            self.id = id
        }

        /// The key of a resource, as its results name it.
        init(_ r: Resource) {
            self.init(type: r.type.rawValue, id: Excerpt.identifier(r.id))
        }
    }

    /// - Parameter sink: where the page goes in pieces of at least `chunk` bytes; `nil` keeps it whole in `w.html`.
    init(_ report: AssessmentReport, streamingTo sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil, chunk: Int = 1 << 18) {
        self.report = report
        if let sink {
            w = HTMLWriter(streamingTo: sink, chunk: chunk)
        } else {
            w = HTMLWriter(capacity: 1 << 20 + report.results.count * 60 + report.resources.count * 450 + report.evidence.count * 300)
        }
        var anchors = AnchorSet(reserved: Self.fixedIDs)
        evidenceRow.reserveCapacity(report.evidence.count)
        for (i, item) in report.evidence.enumerated() where evidenceRow[item.id] == nil { evidenceRow[item.id] = i }
        evidenceGroups = EvidenceGroup.groups(report.evidence)
        for (g, group) in evidenceGroups.enumerated() {
            for i in group.members where evidenceGroupOf[report.evidence[i].id] == nil { evidenceGroupOf[report.evidence[i].id] = g }
        }
        for (i, r) in report.resources.enumerated() {
            let key = ResourceKey(r)
            // Short, by position: the anchor is repeated in the group entry of every result about the resource, and
            // `r-` + digits is never a fragment id of an identifier (those start with their prefix word).
            let anchor = "r-\(i)"
            resourceAnchorByIndex.append(anchor)
            if resourceAnchor[key] == nil { resourceAnchor[key] = anchor }
        }
        for (i, r) in report.results.enumerated() {
            if let s = r.subject { resultsBySubject[ResourceKey(type: s.type, id: s.id), default: []].append(i) }
        }
        tree = HTMLReportRenderer.buildTree(report)
        for g in tree { guidelineAnchor[g.id] = anchors.claim("guideline", g.id) }
        for g in tree {
            for c in g.checks { checkAnchor[c.key] = anchors.claim("check", c.key) }
        }
        caiqAnchor = report.caiq.map { anchors.claim("caiq-question", $0.id) }
    }

    /// Anchor per check branch (``CheckBranch/key``).
    private(set) var checkAnchor: [String: String] = [:]
    /// Anchor per CAIQ answer, by position in `report.caiq`.
    private(set) var caiqAnchor: [String] = []

    /// The whole document, into ``w``.
    func document() {
        let style = HTMLAssets.baseStyle + HTMLAssets.generatedStyle(resultCounts: report.summary.results,
                                                                     guidelineCounts: report.summary.guidelines)
        documentHead(title: "\(report.catalog.control) assessment: \(report.assessment)", style: style)
        w.open("body")
        w.trusted("\n")
        w.element("a", ["class": "skip", "href": "#main"], text: "Skip to content")
        header()
        w.open("div", ["class": "layout"])
        w.trusted("\n")
        tableOfContents()
        w.open("main", ["id": "main"])
        w.trusted("\n")
        summary()
        caiq()
        exceptions()
        results()
        parameters()
        settings()
        resources()
        evidence()
        coverage()
        diagnostics()
        w.close("main")
        w.close("div")
        footer()
        w.open("script")
        w.trusted(HTMLAssets.script)
        w.close("script")
        w.close("body")
        w.close("html")
    }

    /// `<!DOCTYPE html>`, `<html>` and the `<head>`: the CSP allowing exactly `style` and ``HTMLAssets/script`` by
    /// hash, the meta elements, the title and the style sheet.
    func documentHead(title: String, style: String) {
        let csp = HTMLContentSecurityPolicy(style: style, script: HTMLAssets.script)
        w.markup("<!DOCTYPE html>\n")
        w.open("html", ["lang": "en"])
        w.trusted("\n")
        w.open("head")
        w.trusted("\n")
        w.void("meta", ["charset": "utf-8"])
        w.void("meta", ["http-equiv": "Content-Security-Policy", "content": csp.policy])
        w.void("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
        w.void("meta", ["name": "color-scheme", "content": "light"])
        w.void("meta", ["name": "referrer", "content": "no-referrer"])
        w.void("meta", ["name": "generator", "content": "\(report.tool.name) \(report.tool.version)"])
        w.element("title", text: title)
        w.open("style")
        w.trusted(style)
        w.close("style")
        w.close("head")
    }

    // MARK: - Header, contents, footer

    func header() {
        let c = report.catalog
        w.open("header", ["class": "top"])
        w.open("div", ["class": "inner"])
        w.element("p", ["class": "eyebrow"], text: "\(c.framework) \(c.frameworkVersion) · \(c.control) audit report")
        w.element("h1", text: report.assessment)
        w.element("p", ["class": "subtitle"], text: "\(c.control) — \(c.title)")
        w.open("dl")
        meta("Control") { self.w.text("\(c.control) — \(c.title)") }
        meta("Framework") { self.w.text("\(c.framework) \(c.frameworkVersion)") }
        let generated = DateParsing.iso(report.generatedAt)
        meta("Assessed as of") { self.w.element("time", ["datetime": generated], text: generated) }
        let tool = report.tool
        meta("Tool") { self.w.text("\(tool.name) \(tool.version) · report schema \(self.report.schemaVersion)") }
        meta("Catalog") { self.w.element("code", text: c.source) }
        meta("Catalog SHA-256") { self.w.element("code", text: c.sha256) }
        w.close("dl")
        w.close("div")
        w.close("header")
    }

    private func meta(_ term: StaticString, _ value: () -> Void) {
        w.open("div")
        w.open("dt")
        w.markup(term)
        w.close("dt")
        w.element("dd", [:], value)
        w.close("div")
    }

    private func tableOfContents() {
        w.open("nav", ["class": "toc", "aria-label": "Contents"])
        w.element("h2", text: "Contents")
        w.open("ol")
        tocEntry("summary", "Summary")
        tocEntry("caiq", report.caiq.count == 1 ? "CAIQ answer \(report.caiq[0].id)" : "CAIQ answers")
        if let register = report.waivers { tocEntry("exceptions", "Exception register (\(register.waivers.count))") }
        w.open("li")
        w.element("a", ["href": "#results"], text: "Results")
        if !tree.isEmpty {
            w.open("ol")
            for g in tree {
                w.open("li")
                w.open("a", ["href": "#" + (guidelineAnchor[g.id] ?? "results")])
                w.text(g.id)
                w.trusted(" ")
                badge(g.verdict, extraClass: nil)
                w.close("a")
                w.close("li")
            }
            w.close("ol")
        }
        w.close("li")
        tocEntry("parameters", "Check parameters")
        tocEntry("settings", "Trust settings")
        tocEntry("resources", "Resources (\(report.resources.count))")
        tocEntry("evidence", "Evidence (\(report.evidence.count))")
        tocEntry("coverage", "Coverage (\(report.coverage.count))")
        tocEntry("diagnostics", "Diagnostics (\(report.diagnostics.count))")
        w.close("ol")
        w.close("nav")
    }

    private func tocEntry(_ anchor: String, _ title: String) {
        w.open("li")
        w.element("a", ["href": "#" + anchor], text: title)
        w.close("li")
    }

    func footer() {
        w.open("footer", ["class": "foot"])
        w.element("p", text: "Generated by \(report.tool.name) \(report.tool.version) at \(DateParsing.iso(report.generatedAt)) "
                  + "from catalog \(report.catalog.source) (SHA-256 \(report.catalog.sha256)). "
                  + "This file is self-contained and makes no network requests. Verdicts and the CAIQ answer are "
                  + "proposals from the evidence listed; a human reviews and signs.")
        w.close("footer")
    }

    // MARK: - Summary

    private func summary() {
        let s = report.summary
        w.open("section", ["id": "summary", "aria-labelledby": "summary-h"])
        w.element("h2", ["id": "summary-h"], text: "Summary")
        w.open("div", ["class": "cards"])

        w.open("div", ["class": "card overall " + HTMLVerdict.cssClass(s.verdict)])
        w.element("h3", text: "Overall verdict")
        badge(s.verdict, extraClass: "big")
        w.element("p", text: "Roll-up of \(report.guidelines.count) guideline(s): fail, then inconclusive, then manual, "
                  + "then pass or waived, then not applicable.")
        w.close("div")

        countsCard(title: "Results", counts: s.results, barName: "results")
        countsCard(title: "Guidelines", counts: s.guidelines, barName: "guidelines")

        w.open("div", ["class": "card"])
        w.element("h3", text: "Resources")
        if s.resources.isEmpty {
            w.element("p", ["class": "empty"], text: "No resources were found.")
        } else {
            w.open("table", ["class": "counts"])
            w.open("tbody")
            for type in s.resources.keys.sorted() {
                w.open("tr")
                w.element("td") { self.w.element("code", text: type) }
                w.element("td", ["class": "n"], text: String(s.resources[type] ?? 0))
                w.close("tr")
            }
            w.close("tbody")
            w.close("table")
        }
        w.close("div")

        w.open("div", ["class": "card"])
        w.element("h3", text: "Inputs")
        w.open("table", ["class": "counts"])
        w.open("tbody")
        inputRow("Evidence items", report.evidence.count, "#evidence")
        inputRow("Sources", report.coverage.count, "#coverage")
        for status in [SourceCoverage.Status.complete, .partial, .failed, .skipped] {
            let n = report.coverage.filter { $0.status == status }.count
            if n > 0 { inputRow("· \(status.rawValue)", n, nil) }
        }
        inputRow("Diagnostics", report.diagnostics.count, "#diagnostics")
        for severity in [Diagnostic.Severity.error, .warning, .info] {
            let n = report.diagnostics.filter { $0.severity == severity }.count
            if n > 0 { inputRow("· \(severity.rawValue)", n, nil) }
        }
        w.close("tbody")
        w.close("table")
        w.close("div")

        w.close("div")
        w.close("section")
    }

    private func inputRow(_ label: String, _ n: Int, _ link: String?) {
        w.open("tr")
        w.open("td")
        if let link { w.element("a", ["href": link], text: label) } else { w.text(label) }
        w.close("td")
        w.element("td", ["class": "n"], text: String(n))
        w.close("tr")
    }

    private func countsCard(title: String, counts: VerdictCounts, barName: String) {
        w.open("div", ["class": "card"])
        w.element("h3", text: "\(title) (\(counts.total))")
        if counts.total > 0 {
            w.open("div", ["class": "bar bar-" + barName, "aria-hidden": "true"])
            for v in HTMLVerdict.order where counts.count(v) > 0 {
                w.element("span", ["class": "seg-\(v.rawValue) " + HTMLVerdict.cssClass(v)], text: "")
            }
            w.close("div")
        }
        w.open("table", ["class": "counts"])
        w.element("caption", ["class": "sr-only"], text: "\(title) per verdict")
        w.open("tbody")
        for v in HTMLVerdict.order {
            w.open("tr", ["class": counts.count(v) == 0 ? "zero" : nil])
            w.element("td") { self.badge(v, extraClass: nil) }
            w.element("td", ["class": "n"], text: String(counts.count(v)))
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
    }

    // MARK: - CAIQ

    private func caiq() {
        w.open("section", ["id": "caiq", "aria-labelledby": "caiq-h"])
        w.element("h2", ["id": "caiq-h"], text: report.caiq.count == 1 ? "CAIQ answer" : "CAIQ answers")
        if report.caiq.isEmpty {
            w.element("p", ["class": "empty"], text: "The catalog asks no CAIQ question.")
        }
        for (i, a) in report.caiq.enumerated() { caiqCard(a, anchor: caiqAnchor[i]) }
        w.close("section")
    }

    private func caiqCard(_ a: CAIQAnswer, anchor: String) {
        let cls = "a-" + a.answer.rawValue.lowercased()
        w.open("article", ["class": "caiq " + cls, "id": anchor])
        w.open("header")
        w.element("h3", text: a.id)
        w.open("span")
        w.trusted("Proposed answer ")
        w.element("span", ["class": "badge big " + cls], text: a.answer.rawValue)
        w.close("span")
        w.close("header")
        w.element("p", ["class": "question"], text: a.question)
        w.open("dl", ["class": "kv"])
        w.element("dt", text: "Ownership (SSRM)")
        w.element("dd", text: a.ownership)
        if !a.catalogVersion.isEmpty {
            w.element("dt", text: "Answered against")
            w.element("dd", text: a.catalogVersion)
        }
        w.close("dl")
        w.element("h4", text: "Implementation description")
        w.element("p", ["class": "prose"], text: a.description)
        if !a.customerResponsibilities.isEmpty {
            w.element("h4", text: "Customer responsibilities")
            w.element("p", ["class": "prose"], text: a.customerResponsibilities)
        }
        w.open("div", ["class": "cols"])
        w.element("div") {
            self.w.element("h4", text: "Derived from (required guidelines)")
            self.guidelineVerdictList(a.requires)
        }
        w.element("div") {
            self.w.element("h4", text: "Shown beside it (supporting guidelines)")
            self.guidelineVerdictList(a.supports)
        }
        w.close("div")
        w.open("div", ["class": "cols"])
        w.element("div") {
            self.w.element("h4", text: "Supporting evidence")
            self.plainList(a.supportingEvidence, empty: "Nothing passes yet.")
        }
        w.element("div") {
            self.w.element("h4", text: "Gaps")
            self.gapList(a.gaps)
        }
        w.close("div")
        w.element("p", ["class": "note"], text: "The tool proposes this answer from the evidence in this report; "
                  + "the provider reviews the description and signs the answer.")
        w.close("article")
    }

    private func guidelineVerdictList(_ verdicts: [String: Verdict]) {
        if verdicts.isEmpty {
            w.element("p", ["class": "empty"], text: "None.")
            return
        }
        let order = Dictionary(report.guidelines.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let ids = verdicts.keys.sorted { a, b in
            switch (order[a], order[b]) {
            case let (x?, y?): return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return naturalLess(a, b)
            }
        }
        w.open("ul", ["class": "derived"])
        for id in ids {
            guard let v = verdicts[id] else { continue }
            w.open("li")
            badge(v, extraClass: nil)
            w.trusted(" ")
            if let anchor = guidelineAnchor[id] {
                w.element("a", ["href": "#" + anchor], text: id)
            } else {
                w.text(id)
            }
            if let g = report.guidelines.first(where: { $0.id == id }) {
                w.text(" " + g.title)
            }
            w.close("li")
        }
        w.close("ul")
    }

    /// How many gaps of one guideline and verdict the CAIQ card lists: at 10,000 keys one failing check gave 2,000
    /// lines here (0.35 MB), each a result the Results section lists too.
    static let gapsShown = 10

    /// The gaps of a CAIQ answer: at most ``gapsShown`` per guideline and verdict (`AG-3 [fail]: …`), then how many
    /// more, with a link to the guideline's results, where every one is listed.
    private func gapList(_ gaps: [String]) {
        if gaps.isEmpty {
            w.element("p", ["class": "empty"], text: "No gaps.")
            return
        }
        // The gap's guideline and verdict: its text up to `]: `; a gap of another shape is a kind of its own.
        func kind(_ gap: String) -> String { gap.range(of: "]: ").map { String(gap[..<$0.lowerBound]) + "]" } ?? gap }
        var shown: [String: Int] = [:]
        var more: [(kind: String, count: Int)] = []
        var morePosition: [String: Int] = [:]
        w.open("ul")
        for gap in gaps {
            let k = kind(gap)
            if shown[k, default: 0] < Self.gapsShown {
                shown[k, default: 0] += 1
                w.element("li", text: gap)
            } else if let i = morePosition[k] {
                more[i].count += 1
            } else {
                morePosition[k] = more.count
                more.append((k, 1))
            }
        }
        for (k, n) in more {
            w.open("li", ["class": "more"])
            let guideline = String(k.prefix { $0 != " " })
            w.text("… and \(n) more \(k) gap(s), each a result listed under ")
            if let anchor = guidelineAnchor[guideline] { w.element("a", ["href": "#" + anchor], text: guideline) } else { w.text(guideline) }
            w.text(" in Results.")
            w.close("li")
        }
        w.close("ul")
    }

    func plainList(_ items: [String], empty: String) {
        if items.isEmpty {
            w.element("p", ["class": "empty"], text: empty)
            return
        }
        w.open("ul")
        for item in items { w.element("li", text: item) }
        w.close("ul")
    }

    // MARK: - Shared pieces

    /// A verdict badge: coloured, and always with the verdict as text.
    func badge(_ v: Verdict, extraClass: String?) {
        let cls = "badge " + HTMLVerdict.cssClass(v) + (extraClass.map { " " + $0 } ?? "")
        w.element("span", ["class": cls], text: HTMLVerdict.badge(v))
    }

    /// A severity chip.
    func severity(_ s: Severity) {
        w.element("span", ["class": "sev sev-" + s.rawValue], text: s.rawValue)
    }

    /// "2 fail · 1 inconclusive · 5 pass" for non-zero counts.
    func tally(_ counts: VerdictCounts) -> String {
        let parts = HTMLVerdict.order.compactMap { v -> String? in
            counts.count(v) > 0 ? "\(counts.count(v)) \(HTMLVerdict.title(v).lowercased())" : nil
        }
        return parts.isEmpty ? "no results" : parts.joined(separator: " · ")
    }
}

/// Numeric-aware order for identifiers (`AG-2` before `AG-10`), falling back to code-point order so it is total.
func naturalLess(_ a: String, _ b: String) -> Bool {
    switch a.compare(b, options: [.numeric, .literal]) {
    case .orderedAscending: return true
    case .orderedDescending: return false
    case .orderedSame: return a < b
    }
}

/// Unique fragment identifiers within one document. A repeated identifier gets `__2`, `__3` …, which
/// ``HTMLEscaping/fragmentID(_:_:)`` never produces, so suffixed anchors cannot collide with others.
struct AnchorSet {
    private var used: Set<String>

    /// Starts with `reserved` taken.
    init(reserved: Set<String> = []) {
        used = reserved
    }

    mutating func claim(_ prefix: String, _ id: String) -> String {
        let base = HTMLEscaping.fragmentID(prefix, id)
        var candidate = base
        var n = 1
        while used.contains(candidate) {
            n += 1
            candidate = base + "__\(n)"
        }
        used.insert(candidate)
        return candidate
    }
}
