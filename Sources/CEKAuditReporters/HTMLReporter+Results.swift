import CEKAuditCore
import Foundation

/// A guideline in the drill-down, with the verdicts found anywhere below it (for the filters).
struct GuidelineBranch {
    var id: String
    var guideline: GuidelineResult?
    var verdict: Verdict
    var checks: [CheckBranch]
    var contains: Set<Verdict>
}

/// A check in the drill-down: its catalog summary (absent for results of a check the guideline does not list) and
/// the positions of its results in `report.results`, worst verdict first.
struct CheckBranch {
    /// `guideline/check`, unique in the tree.
    var key: String
    var id: String
    var summary: CheckSummary?
    var verdict: Verdict
    var results: [Int]
    var contains: Set<Verdict>
}

extension HTMLReportRenderer {
    /// Groups results under the report's guidelines and their checks, in catalog order. Nothing is dropped: results
    /// of a check a guideline does not list are shown under that guideline, and results of a guideline the report
    /// does not list are shown after the catalog's guidelines.
    static func buildTree(_ report: AssessmentReport) -> [GuidelineBranch] {
        var byGuideline: [String: [Int]] = [:]
        var guidelineOrder: [String] = []
        for (i, r) in report.results.enumerated() {
            if byGuideline[r.guideline] == nil { guidelineOrder.append(r.guideline) }
            byGuideline[r.guideline, default: []].append(i)
        }
        func branch(id: String, guideline: GuidelineResult?) -> GuidelineBranch {
            let indices = byGuideline[id] ?? []
            var byCheck: [String: [Int]] = [:]
            var checkOrder: [String] = []
            for i in indices {
                let c = report.results[i].check
                if byCheck[c] == nil { checkOrder.append(c) }
                byCheck[c, default: []].append(i)
            }
            let listed = guideline?.checks ?? []
            let listedIDs = Set(listed.map(\.id))
            var checks: [CheckBranch] = []
            var seen: Set<String> = []
            for c in listed where seen.insert(c.id).inserted {
                checks.append(checkBranch(guideline: id, check: c.id, summary: c, indices: byCheck[c.id] ?? []))
            }
            for c in checkOrder where !listedIDs.contains(c) {
                checks.append(checkBranch(guideline: id, check: c, summary: nil, indices: byCheck[c] ?? []))
            }
            let verdict = guideline?.verdict ?? Verdict.rollUp(indices.map { report.results[$0].verdict })
            let contains = checks.reduce(into: Set([verdict])) { $0.formUnion($1.contains) }
            return GuidelineBranch(id: id, guideline: guideline, verdict: verdict, checks: checks, contains: contains)
        }
        func checkBranch(guideline: String, check: String, summary: CheckSummary?, indices: [Int]) -> CheckBranch {
            let sorted = indices.sorted { a, b in
                let ra = report.results[a].verdict.severityRank, rb = report.results[b].verdict.severityRank
                return ra != rb ? ra > rb : a < b
            }
            let verdicts = sorted.map { report.results[$0].verdict }
            let verdict = summary?.verdict ?? Verdict.rollUp(verdicts)
            return CheckBranch(key: guideline + "/" + check, id: check, summary: summary, verdict: verdict, results: sorted,
                               contains: Set(verdicts).union([verdict]))
        }
        let listed = Set(report.guidelines.map(\.id))
        var tree = report.guidelines.map { branch(id: $0.id, guideline: $0) }
        for id in guidelineOrder where !listed.contains(id) {
            tree.append(branch(id: id, guideline: nil))
        }
        return tree
    }

    // MARK: - Drill-down

    func results() {
        let counts = report.summary.results
        w.open("section", ["id": "results", "aria-labelledby": "results-h"])
        w.element("h2", ["id": "results-h"], text: "Results")
        w.element("p", ["class": "lead"], text: "Guideline → check → result. Each result names its subject, says why, "
                  + "and links to the evidence it was read from. Failing and inconclusive branches start open.")

        w.open("div", ["class": "filterbar"])
        w.element("span", ["class": "title", "id": "verdict-filter-title"], text: "Show:")
        w.open("span", ["class": "options", "role": "radiogroup", "aria-labelledby": "verdict-filter-title"])
        filterOption(value: "all", title: "All", count: counts.total, verdict: nil)
        for v in HTMLVerdict.order {
            filterOption(value: v.rawValue, title: HTMLVerdict.title(v), count: counts.count(v), verdict: v)
        }
        w.close("span")
        w.open("span", ["class": "tools"])
        w.element("button", ["type": "button", "data-details": "open", "hidden": ""], text: "Expand all")
        w.element("button", ["type": "button", "data-details": "close", "hidden": ""], text: "Collapse all")
        w.close("span")
        w.close("div")

        for v in HTMLVerdict.order {
            w.element("p", ["class": "print-note e-\(v.rawValue)"],
                      text: "Filtered: only results with verdict \(HTMLVerdict.badge(v)) are shown.")
            if counts.count(v) == 0 {
                w.element("p", ["class": "filter-empty e-\(v.rawValue)"],
                          text: "No result has the verdict \(HTMLVerdict.badge(v)).")
            }
        }
        if tree.isEmpty {
            w.element("p", ["class": "empty"], text: "The report has no guidelines and no results.")
        }
        for g in tree { guidelineBranch(g) }
        w.close("section")
    }

    private func filterOption(value: String, title: String, count: Int, verdict: Verdict?) {
        let id = "vf-" + value
        w.void("input", ["type": "radio", "name": "verdict-filter", "id": id, "value": value,
                         "checked": verdict == nil ? "" : nil])
        w.open("label", ["for": id, "class": verdict.map(HTMLVerdict.cssClass)])
        if verdict != nil { w.element("span", ["class": "dot", "aria-hidden": "true"], text: "") }
        w.text(title)
        w.trusted(" ")
        w.element("span", ["class": "n"], text: String(count))
        w.close("label")
    }

    /// Classes that drive the filters: `branch has-fail has-pass …`, in a fixed order.
    private func branchClasses(_ base: String, _ verdict: Verdict, _ contains: Set<Verdict>) -> String {
        var cls = base + " branch " + HTMLVerdict.cssClass(verdict)
        for v in HTMLVerdict.order where contains.contains(v) { cls += " has-" + v.rawValue }
        return cls
    }

    private static let startsOpen: Set<Verdict> = [.fail, .inconclusive]
    /// Verdicts whose subjects are listed with a link to their resource row.
    private static let linkedVerdicts: Set<Verdict> = [.fail, .inconclusive, .manual, .waived]

    private func guidelineBranch(_ g: GuidelineBranch) {
        let open = Self.startsOpen.contains(g.verdict) || g.verdict == .manual
        w.open("details", ["class": branchClasses("guideline", g.verdict, g.contains), "id": guidelineAnchor[g.id],
                           "open": open ? "" : nil])
        w.open("summary")
        badge(g.verdict, extraClass: nil)
        w.open("h3")
        w.element("span", ["class": "gid"], text: g.id)
        w.text(g.guideline?.title ?? "Results outside the catalog's guidelines")
        w.close("h3")
        if let gr = g.guideline {
            w.element("span", ["class": "tally"], text: "\(gr.origin.uppercased()) guideline \(gr.number) · " + tally(gr.counts))
        }
        w.close("summary")
        w.open("div", ["class": "body"])
        if let gr = g.guideline {
            w.element("p", ["class": "prose"], text: gr.text)
            if let p = gr.procedure, !p.isEmpty {
                w.open("div", ["class": "procedure"])
                w.element("strong", text: "Auditor procedure: ")
                w.element("span", ["class": "prose"], text: p)
                w.close("div")
            }
        } else {
            w.element("p", ["class": "prose"], text: "The report has results for guideline \(g.id), which its catalog does not list.")
        }
        if g.checks.isEmpty {
            w.element("p", ["class": "empty"], text: "No checks and no results.")
        }
        for c in g.checks { checkBranch(c) }
        w.close("div")
        w.close("details")
    }

    private func checkBranch(_ c: CheckBranch) {
        let open = Self.startsOpen.contains(c.verdict)
        w.open("details", ["class": branchClasses("check", c.verdict, c.contains), "id": checkAnchor[c.key], "open": open ? "" : nil])
        w.open("summary")
        badge(c.verdict, extraClass: nil)
        w.open("h4")
        w.element("span", ["class": "cid"], text: c.id)
        w.text(c.summary?.title ?? "Results of a check the guideline does not list")
        w.close("h4")
        if let s = c.summary { severity(s.severity) }
        let counts = c.summary?.counts ?? VerdictCounts(c.results.map { report.results[$0].verdict })
        w.element("span", ["class": "tally"], text: tally(counts))
        w.close("summary")
        w.open("div", ["class": "body"])
        if let rationale = c.summary?.rationale, !rationale.isEmpty {
            w.element("p", ["class": "rationale prose"], text: rationale)
        }
        if let p = c.summary?.procedure, !p.isEmpty {
            w.open("div", ["class": "procedure"])
            w.element("strong", text: "Manual procedure: ")
            w.element("span", ["class": "prose"], text: p)
            w.close("div")
        }
        if let line = c.summary?.line {
            w.element("p", ["class": "muted"], text: "Defined at \(c.summary?.source ?? report.catalog.source):\(line).")
        }
        if c.results.isEmpty {
            w.element("p", ["class": "empty"], text: "No results.")
        }
        for g in ResultGrouping.groups(report.results, indices: c.results) { group(g) }
        w.close("div")
        w.close("details")
    }

    /// One group: the results of a check that share verdict, severity and waiver. The summary says how many subjects
    /// it holds and what was found (the message with the subject's name left out); the body lists the reasons (once
    /// per reason list that several members share), the evidence items its results cite (each once) and, behind
    /// drill-downs, every subject with a link to its resource row and its own message where it says more than the
    /// group's.
    private func group(_ g: ResultGroup) {
        let first = report.results[g.members[0]]
        let n = g.members.count
        w.open("details", ["class": "result " + HTMLVerdict.cssClass(g.key.verdict), "id": groupAnchor(g.members[0]),
                           "data-count": String(n), "open": Self.startsOpen.contains(g.key.verdict) ? "" : nil])
        w.open("summary")
        badge(g.key.verdict, extraClass: nil)
        severity(g.key.severity)
        // The finding in words: the message with the subject's name left out; a group with several variants says
        // how many more there are (each is shown in the body).
        let variants = g.reasonSets.count
        w.element("span", ["class": "msg"], text: n == 1 ? first.message : variants == 1 ? g.reasonSets[0].message
                  : g.reasonSets[0].message + " (and \(variants - 1) other finding\(variants == 2 ? "" : "s") below)")
        w.element("span", ["class": "tally"], text: n == 1 ? "1 subject" : "\(n) subjects")
        w.close("summary")
        w.open("div", ["class": "body"])
        if let waiver = g.key.waiver {
            w.element("p", text: "Waived by \(waiver.id) until \(DateParsing.iso(waiver.expires)).")
        }
        w.element("p", ["class": "label"], text: "Evidence")
        groupEvidence(g)
        if n == 1 {
            w.element("p", ["class": "label"], text: "Reasons")
            plainList(first.reasons, empty: "No reasons recorded.")
            w.open("dl", ["class": "kv"])
            w.element("dt", text: "Subject")
            w.element("dd") { self.subject(first.subject) }
            w.element("dt", text: "Finding")
            w.element("dd") { self.w.element("code", text: first.id) }
            w.close("dl")
        } else {
            for set in g.sharedReasonSets {
                if g.reasonSets.count > 1 {
                    w.element("p", ["class": "variant"], text: "\(set.members.count) subjects: " + set.message)
                }
                w.element("p", ["class": "label"], text: "Reasons")
                plainList(set.reasons, empty: "No reasons recorded.")
                subjectList("Subjects (\(set.members.count))", set.members, g, withReasons: false)
            }
            let own = g.membersWithOwnReasons
            if !own.isEmpty {
                w.element("p", ["class": "variant"], text: "\(own.count) subjects with findings of their own")
                subjectList("Subjects, each with its reasons (\(own.count))", own, g, withReasons: true)
            }
        }
        w.close("div")
        w.close("details")
    }

    /// A drill-down listing the subjects of `members`: a link to each resource row (the subject's type, name and id
    /// when it has none) and, for members with findings of their own (`withReasons`), their reasons.
    private func subjectList(_ title: String, _ members: [Int], _ g: ResultGroup, withReasons: Bool) {
        w.open("details", ["class": "subjects"])
        w.element("summary", text: title)
        // Members' own reasons usually differ by one value (a creation date): what they all start and end with is
        // said once, each member shows the rest.
        var shape = (prefix: 0, suffix: 0)
        if withReasons {
            let texts = members.map { Self.ownReasons(report.results[$0]) }
            shape = Self.sharedShape(texts)
            if shape.prefix + shape.suffix > 0, let first = texts.first {
                let bytes = Array(first.utf8)
                w.element("p", ["class": "muted"], text: "Each subject's reasons read \u{201C}"
                          + String(decoding: bytes[..<shape.prefix], as: UTF8.self) + "[…]"
                          + String(decoding: bytes[(bytes.count - shape.suffix)...], as: UTF8.self) + "\u{201D}; the list shows the part in brackets.")
            }
        }
        w.open("ol")
        for i in members {
            let r = report.results[i]
            // The end tag of <li> is implied by the next <li> (HTML Living Standard, "Optional tags").
            w.open("li")
            if let s = r.subject, let anchor = resourceAnchor[ResourceKey(type: s.type, id: s.id)] {
                // The resource's row shows its type, id and fields: the name is enough here, with a link for results
                // that need action (passing and not-applicable results are the bulk at scale: their names stay
                // searchable in the page, and the row links back by its results column).
                if Self.linkedVerdicts.contains(r.verdict) { w.element("a", ["href": "#" + anchor], text: s.name) } else { w.text(s.name) }
            } else {
                subject(r.subject)
            }
            if withReasons {
                // A finding of its own: its reasons name the value that sets it apart (the message says the same
                // in a sentence; the group's summary shows that sentence's shape).
                w.trusted(" — ")
                let text = Self.ownReasons(r)
                if shape.prefix + shape.suffix > 0 {
                    let bytes = Array(text.utf8)
                    w.text(String(decoding: bytes[shape.prefix..<(bytes.count - shape.suffix)], as: UTF8.self))
                } else {
                    w.text(text)
                }
            }
            // Otherwise the member's message is its variant's, shown once above the list with the name left out.
        }
        w.close("ol")
        w.close("details")
    }

    /// A member's own reasons in one line (its message when it has none).
    static func ownReasons(_ r: CheckResult) -> String {
        r.reasons.isEmpty ? r.message : r.reasons.joined(separator: "; ")
    }

    /// Lists shorter than this keep each member's reasons whole (what saying the shared words once saves only counts
    /// at scale, and a short list reads better whole).
    static let sharedShapeMinimum = 20

    /// The bytes all of `texts` start and end with, cut at spaces so no word is split: the prefix ends with a space,
    /// the suffix starts with one (both ASCII, so the cuts fall between characters); `(0, 0)` unless there are
    /// ``sharedShapeMinimum`` texts or more, not all the same, and prefix and suffix together hold at least 16 bytes,
    /// leaving every text a non-empty middle.
    static func sharedShape(_ texts: [String]) -> (prefix: Int, suffix: Int) {
        guard texts.count >= sharedShapeMinimum, let first = texts.first, texts.contains(where: { $0 != first }) else { return (0, 0) }
        let all = texts.map { Array($0.utf8) }
        let shortest = all.map(\.count).min() ?? 0
        var p = 0
        while p < shortest, all.allSatisfy({ $0[p] == all[0][p] }) { p += 1 }
        // Back to just after a space.
        while p > 0 && all[0][p - 1] != UInt8(ascii: " ") { p -= 1 }
        var q = 0
        while q < shortest - p, all.allSatisfy({ $0[$0.count - 1 - q] == all[0][all[0].count - 1 - q] }) { q += 1 }
        // Forward to start at a space.
        while q > 0 && all[0][all[0].count - q] != UInt8(ascii: " ") { q -= 1 }
        guard p + q >= 16, all.allSatisfy({ $0.count > p + q }) else { return (0, 0) }
        return (p, q)
    }

    /// How many evidence items a group lists at most: a group of 10,000 live keys cites tens of thousands of API
    /// answers (DescribeKey, GetKeyPolicy … per key), which listed in full made the page grow by ~1.5 MB per group
    /// per 1,000 keys. Each subject's own evidence stays one link away (its row under Resources) and every item is
    /// under Evidence; the JSON keeps every citation.
    static let groupEvidenceShown = 12

    /// The evidence items a group's results cite, each once, with how many of the group's citations point into it;
    /// at most ``groupEvidenceShown``, then how many more.
    private func groupEvidence(_ g: ResultGroup) {
        var order: [String] = []
        var cited: [String: Int] = [:]
        for i in g.members {
            for p in report.results[i].evidence {
                if cited[p.evidence] == nil { order.append(p.evidence) }
                cited[p.evidence, default: 0] += 1
            }
        }
        if order.isEmpty {
            w.element("p", ["class": "empty"], text: "No evidence item: these results rest on the absence of evidence or on an attestation.")
            return
        }
        w.open("ul", ["class": "evidence-links"])
        for id in order.prefix(Self.groupEvidenceShown) {
            w.open("li")
            if let item = evidenceItem(id), let anchor = evidenceAnchor(id) {
                w.element("a", ["href": evidenceHref(anchor)]) { self.w.element("code", text: item.locator) }
                w.text(" · \(cited[id] ?? 0) citation(s) · sha256 ")
                w.element("code", ["class": "hash"], text: item.sha256)
            } else {
                w.element("span", ["class": "missing"], text: "Evidence item \(id) is not in this report")
            }
            w.close("li")
        }
        if order.count > Self.groupEvidenceShown {
            let more = order.count - Self.groupEvidenceShown
            let citations = order.dropFirst(Self.groupEvidenceShown).reduce(0) { $0 + (cited[$1] ?? 0) }
            w.open("li", ["class": "more"])
            w.text("… and \(more) more evidence item(s) (\(citations) citation(s)): each subject's own are linked from its row under ")
            w.element("a", ["href": "#resources"], text: "Resources")
            w.text(", and every item is listed in ")
            w.element("a", ["href": HTMLReporter.evidenceFileName], text: HTMLReporter.evidenceFileName)
            w.text(" (see ")
            w.element("a", ["href": "#evidence"], text: "Evidence")
            w.text(").")
            w.close("li")
        }
        w.close("ul")
    }

    private func subject(_ s: SubjectRef?) {
        guard let s else {
            w.text("the assessment as a whole")
            return
        }
        w.element("code", text: s.type)
        w.trusted(" ")
        if let anchor = resourceAnchor[ResourceKey(type: s.type, id: s.id)] {
            w.element("a", ["href": "#" + anchor], text: s.name)
        } else if s.id == "*" {
            w.text(s.name.isEmpty || s.name == "*" ? "all resources of this type" : s.name)
        } else {
            w.element("strong", text: s.name)
        }
        if s.id != s.name && s.id != "*" {
            w.trusted(" ")
            w.element("code", text: s.id)
        }
    }

    /// Evidence links: each provenance entry points at its evidence item's row in `evidence.html`, with the
    /// item's locator, the pointer and line inside it, and the item's SHA-256.
    func provenanceList(_ provenance: [Provenance], empty: String) {
        if provenance.isEmpty {
            w.element("p", ["class": "empty"], text: empty)
            return
        }
        w.open("ul", ["class": "evidence-links"])
        for p in provenance {
            w.open("li")
            if let item = evidenceItem(p.evidence), let anchor = evidenceAnchor(p.evidence) {
                w.element("a", ["href": evidenceHref(anchor)]) { self.w.element("code", text: item.locator) }
                if let pointer = p.pointer, !pointer.isEmpty {
                    w.trusted(" · at ")
                    w.element("code", text: pointer)
                }
                if let line = p.line { w.text(" · line \(line)") }
                w.trusted(" · sha256 ")
                w.element("code", ["class": "hash"], text: item.sha256)
            } else {
                w.element("span", ["class": "missing"], text: "Evidence item \(p.evidence) is not in this report")
                if let pointer = p.pointer, !pointer.isEmpty {
                    w.trusted(" · at ")
                    w.element("code", text: pointer)
                }
                if let line = p.line { w.text(" · line \(line)") }
            }
            w.close("li")
        }
        w.close("ul")
    }
}
