import CEKAuditCore
import Foundation

extension HTMLReportRenderer {
    // MARK: - Parameters

    func parameters() {
        w.open("section", ["id": "parameters", "aria-labelledby": "parameters-h"])
        w.element("h2", ["id": "parameters-h"], text: "Check parameters")
        let checks = report.parameters.keys.sorted(by: naturalLess)
        if checks.isEmpty {
            w.element("p", ["class": "empty"], text: "No check takes parameters.")
        } else {
            w.element("p", ["class": "lead"], text: "The values each check ran with: catalog defaults, then the "
                      + "assessment file's overrides.")
            w.open("div", ["class": "table-wrap"])
            w.open("table", ["class": "grid"])
            w.element("thead") {
                self.w.element("tr") {
                    self.w.element("th", ["scope": "col"], text: "Check")
                    self.w.element("th", ["scope": "col"], text: "Parameter")
                    self.w.element("th", ["scope": "col"], text: "Value")
                }
            }
            w.open("tbody")
            for check in checks {
                let params = report.parameters[check] ?? [:]
                for name in params.keys.sorted() {
                    w.open("tr")
                    w.element("td") { self.w.element("code", text: check) }
                    w.element("td") { self.w.element("code", text: name) }
                    w.element("td") { self.fact(params[name] ?? .null) }
                    w.close("tr")
                }
            }
            w.close("tbody")
            w.close("table")
            w.close("div")
        }
        w.close("section")
    }

    // MARK: - Trust settings

    /// The trust settings the analyses ran with and where each came from (assessment file, bundle, override).
    func settings() {
        let s = report.settings
        w.open("section", ["id": "settings", "aria-labelledby": "settings-h"])
        w.element("h2", ["id": "settings-h"], text: "Trust settings")
        w.element("p", ["class": "lead"], text: "Who counts as inside a key's tenant: custody, key-policy and grant tenancy and "
                  + "namespace isolation were derived from the collected observations with these values.")
        let namespaces = s.trustedNamespaces.keys.sorted(by: naturalLess).map { "\($0): \(s.trustedNamespaces[$0, default: []].joined(separator: ", "))" }
        var rows: [(String, [String], String)] = [
            ("trusted_accounts", s.trustedAccounts, "trusted_accounts"),
            ("trusted_organizations", s.trustedOrganizations, "trusted_organizations"),
            ("trusted_namespaces", namespaces, "trusted_namespaces"),
            ("parameters", [], "parameters"),
        ]
        // A merge of sharded bundles says which shards the evidence holds (and which are missing).
        if let shards = s.origins["shards"] { rows.append(("shards", [shards], "shards")) }
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                self.w.element("th", ["scope": "col"], text: "Setting")
                self.w.element("th", ["scope": "col"], text: "Value")
                self.w.element("th", ["scope": "col"], text: "From")
            }
        }
        w.open("tbody")
        for (name, values, key) in rows {
            w.open("tr")
            w.element("td") { self.w.element("code", text: name) }
            w.element("td") {
                if name == "parameters" { self.w.text("see Check parameters") } else { self.plainList(values, empty: "none") }
            }
            w.element("td", text: s.origins[key] ?? "not recorded")
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }

    // MARK: - Resources

    func resources() {
        w.open("section", ["id": "resources", "aria-labelledby": "resources-h"])
        w.element("h2", ["id": "resources-h"], text: "Resources")
        if report.resources.isEmpty {
            w.element("p", ["class": "empty"], text: "No resources were found in the evidence.")
            w.close("section")
            return
        }
        w.element("p", ["class": "lead"], text: "Normalized resources and their fact fields. A field no source "
                  + "supplied reads as unknown, with the reason; \u{201C}none\u{201D} means known to be absent.")
        let all = report.resources
        let order = all.indices.sorted { a, b in all[a].type != all[b].type ? all[a].type < all[b].type : a < b }
        var start = 0
        while start < order.count {
            let type = all[order[start]].type
            var end = start
            while end < order.count && all[order[end]].type == type { end += 1 }
            let name = type.displayName
            w.element("h3", text: name.prefix(1).uppercased() + name.dropFirst() + " (\(end - start))")
            for i in order[start..<end] { resource(i) }
            start = end
        }
        w.close("section")
    }

    private func resource(_ index: Int) {
        let r = report.resources[index]
        let related = resultsBySubject[ResourceKey(r)] ?? []
        let verdicts = related.map { report.results[$0].verdict }
        w.open("details", ["class": "resource", "id": resourceAnchorByIndex[index]])
        w.open("summary")
        if !verdicts.isEmpty { badge(Verdict.rollUp(verdicts), extraClass: nil) }
        w.element("span", ["class": "name"], text: r.name)
        if r.id != r.name { w.element("code", text: r.id) }
        let unknown = r.fields.values.filter { !$0.isKnown }.count
        w.element("span", ["class": "tally"], text: "\(r.fields.count) field(s)" + (unknown > 0 ? ", \(unknown) unknown" : "")
                  + " · " + (verdicts.isEmpty ? "no results" : tally(VerdictCounts(verdicts))))
        w.close("summary")
        w.open("div", ["class": "body"])
        if r.fields.isEmpty {
            w.element("p", ["class": "empty"], text: "No fact fields.")
        } else {
            w.open("table", ["class": "grid"])
            w.element("thead") {
                self.w.element("tr") {
                    self.w.element("th", ["scope": "col"], text: "Field")
                    self.w.element("th", ["scope": "col"], text: "Value")
                }
            }
            w.open("tbody")
            for name in r.fields.keys.sorted() {
                w.open("tr")
                w.element("td") { self.w.element("code", text: name) }
                w.element("td") { self.fact(r.fields[name] ?? .null) }
                w.close("tr")
            }
            w.close("tbody")
            w.close("table")
        }
        w.element("p", ["class": "label"], text: "Provenance")
        provenanceList(r.provenance, empty: "No provenance recorded.")
        w.element("p", ["class": "label"], text: "Results")
        if related.isEmpty {
            w.element("p", ["class": "empty"], text: "No check has a result about this resource.")
        } else {
            w.open("ul")
            for i in related {
                let res = report.results[i]
                w.open("li")
                badge(res.verdict, extraClass: nil)
                w.trusted(" ")
                w.element("a", ["href": "#" + resultAnchor[i]]) { self.w.element("code", text: res.check) }
                w.text(" " + res.message)
                w.close("li")
            }
            w.close("ul")
        }
        w.close("div")
        w.close("details")
    }

    /// A fact value: unknown as "unknown — reason", null as "none", lists item by item.
    func fact(_ value: FactValue) {
        switch value {
        case .unknown(let reason):
            w.element("span", ["class": "unknown"], text: "unknown — " + reason)
        case .null:
            w.element("span", ["class": "null"], text: "none")
        case .string(let s):
            w.text(s)
        case .bool, .number:
            w.element("code", text: value.displayText)
        case .list(let items):
            if items.isEmpty {
                w.element("span", ["class": "null"], text: "empty list")
                return
            }
            w.open("ul")
            for item in items { w.element("li") { self.fact(item) } }
            w.close("ul")
        }
    }

    // MARK: - Evidence

    func evidence() {
        w.open("section", ["id": "evidence", "aria-labelledby": "evidence-h"])
        w.element("h2", ["id": "evidence-h"], text: "Evidence")
        if report.evidence.isEmpty {
            w.element("p", ["class": "empty"], text: "No evidence items.")
            w.close("section")
            return
        }
        w.element("p", ["class": "lead"], text: "Every item the facts were read from. Re-read an item and compare its "
                  + "SHA-256 to re-check a verdict.")
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                for h in ["Item", "Locator", "Kind", "Collector", "Size (bytes)", "Collected at", "SHA-256"] {
                    self.w.element("th", ["scope": "col"], text: h)
                }
            }
        }
        w.open("tbody")
        for (i, item) in report.evidence.enumerated() {
            w.open("tr", ["id": evidenceRowAnchor[i]])
            w.element("td") { self.w.element("code", ["class": "nowrap"], text: item.id) }
            w.element("td") { self.w.element("code", text: item.locator) }
            w.element("td", ["class": "nowrap"], text: item.kind)
            w.element("td", text: item.collector)
            w.element("td", ["class": "num"], text: Self.grouped(item.size))
            w.element("td", ["class": "mono nowrap"], text: DateParsing.iso(item.collectedAt))
            w.element("td") { self.w.element("code", text: item.sha256) }
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }

    /// `12345` → `12,345`, independent of locale.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    // MARK: - Coverage

    func coverage() {
        w.open("section", ["id": "coverage", "aria-labelledby": "coverage-h"])
        w.element("h2", ["id": "coverage-h"], text: "Coverage")
        if report.coverage.isEmpty {
            w.element("p", ["class": "empty"], text: "No source was read.")
            w.close("section")
            return
        }
        w.element("p", ["class": "lead"], text: "What each source contributed. A failed source makes the checks over "
                  + "its resource types inconclusive; it never yields a pass.")
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                for h in ["Source", "Collector", "Status", "Resource types", "Found", "Detail"] {
                    self.w.element("th", ["scope": "col"], text: h)
                }
            }
        }
        w.open("tbody")
        for c in report.coverage {
            w.open("tr")
            w.element("td") { self.w.element("code", text: c.source) }
            w.element("td", text: c.collector)
            w.element("td") { self.w.element("span", ["class": "status status-" + c.status.rawValue], text: c.status.rawValue) }
            w.element("td", text: c.resourceTypes.isEmpty ? "—" : c.resourceTypes.map(\.rawValue).joined(separator: ", "))
            w.element("td", text: c.found.isEmpty ? "—"
                      : c.found.keys.sorted().map { "\($0): \(c.found[$0] ?? 0)" }.joined(separator: ", "))
            w.element("td", ["class": "prose"], text: c.detail ?? "")
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }

    // MARK: - Diagnostics

    func diagnostics() {
        w.open("section", ["id": "diagnostics", "aria-labelledby": "diagnostics-h"])
        w.element("h2", ["id": "diagnostics-h"], text: "Diagnostics")
        if report.diagnostics.isEmpty {
            w.element("p", ["class": "empty"], text: "No problems were met while reading the inputs.")
            w.close("section")
            return
        }
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                for h in ["Location", "Severity", "Message", "Fix"] {
                    self.w.element("th", ["scope": "col"], text: h)
                }
            }
        }
        w.open("tbody")
        for d in report.diagnostics {
            var place = d.source
            if let line = d.line { place += ":\(line)" }
            if let column = d.column { place += ":\(column)" }
            w.open("tr")
            w.element("td") { self.w.element("code", text: place) }
            w.element("td") { self.w.element("span", ["class": "diag-" + d.severity.rawValue], text: d.severity.rawValue) }
            w.element("td", ["class": "prose"], text: d.message)
            w.element("td", ["class": "prose"], text: d.fix ?? "—")
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }
}
