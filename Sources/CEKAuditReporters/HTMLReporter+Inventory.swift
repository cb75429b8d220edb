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
        w.element("p", ["class": "lead"], text: "Normalized resources and their fact fields, one table per type: a "
                  + "field with the same value for every resource of the type is shown once above its table. A field no "
                  + "source supplied reads as unknown, with the reason listed under the table; \u{201C}none\u{201D} means "
                  + "known to be absent; \u{201C}—\u{201D} that the resource has no such field. The results column rolls up "
                  + "the verdicts of the resource's results.")
        let all = report.resources
        let order = all.indices.sorted { a, b in all[a].type != all[b].type ? all[a].type < all[b].type : a < b }
        var start = 0
        while start < order.count {
            let type = all[order[start]].type
            var end = start
            while end < order.count && all[order[end]].type == type { end += 1 }
            resourceTable(type, Array(order[start..<end]))
            start = end
        }
        w.close("section")
    }

    /// The resources of one type as a table behind a drill-down (closed when it holds many rows, so a large report
    /// opens quickly; a link to a row opens it): fields shared by every row above it, one row per resource with its
    /// results' roll-up, its varying fields and its provenance, and the reasons of unknown values as numbered notes.
    private func resourceTable(_ type: ResourceType, _ indices: [Int]) {
        let all = report.resources
        let name = type.displayName
        var fieldNames = Set<String>()
        for i in indices { fieldNames.formUnion(all[i].fields.keys) }
        let sortedNames = fieldNames.sorted()
        var shared: [String] = []
        var varying: [String] = []
        // Fields equal to the row's name or id in every row (a key's `key_id`, `arn`) are said once, not repeated.
        var sameAsIdentity: [String] = []
        for f in sortedNames {
            let first = all[indices[0]].fields[f]
            if indices.count > 1, first != nil, indices.allSatisfy({ all[$0].fields[f] == first }) {
                shared.append(f)
            } else if indices.count > 1, indices.allSatisfy({ i in all[i].fields[f].map { $0 == .string(all[i].name) || $0 == .string(all[i].id) } ?? false }) {
                sameAsIdentity.append(f)
            } else {
                varying.append(f)
            }
        }
        w.open("details", ["class": "rtype", "open": indices.count <= 50 ? "" : nil])
        w.open("summary")
        w.element("h3", text: name.prefix(1).uppercased() + name.dropFirst() + " (\(indices.count))")
        w.close("summary")
        var notes = UnknownNotes()
        // Long strings that recur in the table (a rotation reason shared by every HMAC key) are written once, as notes.
        var seen: [String: Int] = [:]
        for i in indices { for f in varying { if case .string(let t)? = all[i].fields[f], t.count > UnknownNotes.longText { seen[t, default: 0] += 1 } } }
        notes.shared = Set(seen.filter { $0.value > 1 }.keys)
        if !shared.isEmpty {
            w.element("p", ["class": "label"], text: "Same for all \(indices.count)")
            w.open("dl", ["class": "kv"])
            for f in shared {
                w.element("dt") { self.w.element("code", text: f) }
                w.element("dd") { self.cellFact(all[indices[0]].fields[f] ?? .null, notes: &notes) }
            }
            w.close("dl")
        }
        if !sameAsIdentity.isEmpty {
            w.element("p", ["class": "muted"], text: "In every row, " + sameAsIdentity.joined(separator: ", ")
                      + " repeat the resource's name or id shown in its first column.")
        }
        // Ids shown in the first column that all start alike (`arn:aws:kms:<region>:<account>:key/`) show the rest.
        let shownIDs = indices.filter { !all[$0].name.isEmpty && all[$0].id.contains(all[$0].name) }.map { all[$0].id }
        let idPrefix = shownIDs.count > 1 ? Self.commonIDPrefix(shownIDs) : ""
        if !idPrefix.isEmpty {
            w.open("p", ["class": "muted"])
            w.text("Ids in the first column start with ")
            w.element("code", text: idPrefix)
            w.text(", said once here: each row shows the rest.")
            w.close("p")
        }
        // A pointer every citation of an evidence group's items in this table shares, or that is each row's own name
        // or id, is said once here instead of in every row.
        let pointers = citedPointers(indices)
        pointerNote(pointers)
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid rtable"])
        w.open("thead")
        w.open("tr")
        w.element("th", ["scope": "col"], text: "Resource")
        w.element("th", ["scope": "col"], text: "Results")
        for f in varying { w.element("th", ["scope": "col"]) { self.w.element("code", text: f) } }
        w.element("th", ["scope": "col"], text: "Provenance")
        w.close("tr")
        w.close("thead")
        w.open("tbody")
        for i in indices {
            let r = all[i]
            // End tags of <tr> and <td> are implied (HTML Living Standard, "Optional tags"): a row per resource at
            // 10,000 keys makes them count.
            w.open("tr", ["id": resourceAnchorByIndex[i]])
            w.open("td")
            // The name, then the id unless it holds the name (an ARN ending in the key id) or a field shows it.
            if r.name.isEmpty || !r.id.contains(r.name) {
                w.element("strong", text: r.name)
                if r.id != r.name && !varying.contains(where: { r.fields[$0] == .string(r.id) }) {
                    w.trusted(" ")
                    w.element("code", text: r.id)
                }
            } else {
                // The first column is monospaced by the style sheet: no <code> per row.
                w.text(idPrefix.isEmpty ? r.id : String(r.id.dropFirst(idPrefix.count)))
            }
            let verdicts = (resultsBySubject[ResourceKey(r)] ?? []).map { report.results[$0].verdict }
            if verdicts.isEmpty {
                w.open("td", ["class": "null"])
                w.trusted("no results")
            } else {
                let v = Verdict.rollUp(verdicts)
                w.open("td", ["class": "vb " + HTMLVerdict.cssClass(v)])
                w.trusted(HTMLVerdict.badge(v))
            }
            for f in varying {
                if let v = r.fields[f] { cell(v, notes: &notes) } else { w.open("td", ["class": "null"]); w.trusted("—") }
            }
            w.open("td")
            compactProvenance(r.provenance, resource: r, saidOnce: pointers)
            w.trusted("\n")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        if !notes.order.isEmpty {
            w.element("p", ["class": "label"], text: "Notes")
            w.open("ol", ["class": "notes"])
            for note in notes.order {
                switch note {
                case .unknown(let reason): w.element("li", text: "unknown — " + reason)
                case .text(let text): w.element("li", text: text)
                }
            }
            w.close("ol")
        }
        w.close("details")
    }

    /// Numbered notes under a resource table: the reasons of unknown values and long strings that recur, each written
    /// once and referred to by number from the cells.
    struct UnknownNotes {
        enum Note: Hashable {
            case unknown(String)
            case text(String)
        }

        /// Strings longer than this many characters that recur in a table become notes.
        static let longText = 24
        var number: [Note: Int] = [:]
        var order: [Note] = []
        /// The long strings that recur in the table.
        var shared: Set<String> = []

        mutating func note(_ note: Note) -> Int {
            if let n = number[note] { return n }
            order.append(note)
            number[note] = order.count
            return order.count
        }
    }

    /// A table cell (its end tag implied) holding a fact value: plain text, classed by kind, an unknown value or a
    /// recurring long string as a reference to its note.
    private func cell(_ value: FactValue, notes: inout UnknownNotes) {
        switch value {
        case .unknown(let reason):
            w.open("td", ["class": "unknown"])
            w.trusted("unknown [\(notes.note(.unknown(reason)))]")
        case .null:
            // Empty: the style sheet writes "none" into an empty cell of a resource table.
            w.open("td")
        case .string(let s) where notes.shared.contains(s):
            w.open("td")
            w.trusted("[\(notes.note(.text(s)))]")
        case .string(let s):
            w.open("td")
            w.text(s)
        case .bool, .number:
            w.open("td")
            w.text(value.displayText)
        case .list(let items) where items.isEmpty:
            w.open("td", ["class": "null"])
            w.trusted("empty list")
        case .list:
            w.open("td")
            cellFact(value, notes: &notes)
        }
    }

    /// A fact value in a table cell: as ``fact(_:)``, but an unknown value refers to its numbered reason.
    private func cellFact(_ value: FactValue, notes: inout UnknownNotes) {
        switch value {
        case .unknown(let reason):
            w.element("span", ["class": "unknown"], text: "unknown [\(notes.note(.unknown(reason)))]")
        case .list(let items) where !items.isEmpty:
            w.open("ul")
            for item in items {
                w.open("li")
                cellFact(item, notes: &notes)
                w.close("li")
            }
            w.close("ul")
        default:
            fact(value)
        }
    }

    /// How the pointers of one evidence group's citations in a resource table are shown.
    enum PointerShown: Equatable {
        /// In every citation (they differ, or a line is given).
        case each
        /// Once above the table: every citation is at this pointer.
        case said(String)
        /// Once above the table: every citation is at the row's own name.
        case name
        /// Once above the table: every citation is at the row's own id.
        case id
    }

    /// The pointers said once for the citations of `indices`' rows, by evidence group (position in
    /// ``EvidenceGroup/groups(_:)``): a group whose citations (two or more, none with a line) all share one pointer, or
    /// all point at their row's name or id. Groups not listed show their pointers in each citation.
    func citedPointers(_ indices: [Int]) -> [Int: PointerShown] {
        struct State { var count = 0; var first: String?; var same = true; var name = true; var id = true; var line = false }
        var states: [Int: State] = [:]
        for i in indices {
            let r = report.resources[i]
            for p in r.provenance {
                guard let g = evidenceGroupOf[p.evidence] else { continue }
                var s = states[g] ?? State()
                if s.count == 0 { s.first = p.pointer }
                s.count += 1
                if p.pointer != s.first { s.same = false }
                if p.pointer != r.name { s.name = false }
                if p.pointer != r.id { s.id = false }
                if p.line != nil { s.line = true }
                states[g] = s
            }
        }
        var out: [Int: PointerShown] = [:]
        for (g, s) in states where s.count > 1 && !s.line {
            if s.same, let p = s.first, !p.isEmpty { out[g] = .said(p) } else if s.name { out[g] = .name } else if s.id { out[g] = .id }
        }
        return out
    }

    /// Says above a resource table the pointers its rows' citations do not repeat (``citedPointers(_:)``).
    private func pointerNote(_ pointers: [Int: PointerShown]) {
        guard !pointers.isEmpty else { return }
        w.element("p", ["class": "label"], text: "Provenance pointers, said once")
        w.open("ul", ["class": "muted"])
        for g in pointers.keys.sorted() {
            let group = evidenceGroups[g]
            w.open("li")
            w.text("Items in ")
            w.element("a", ["href": evidenceHref(EvidenceGroup.anchor(g))]) {
                self.w.element("code", text: group.folder.isEmpty ? "(no folder)" : group.folder)
            }
            w.text(" (\(group.kind)): ")
            switch pointers[g] {
            case .said(let p)?:
                w.text("every row's citation is at ")
                w.element("code", text: p)
            case .name?: w.text("every row's citation is at the row's own name")
            case .id?: w.text("every row's citation is at the row's own id")
            default: break
            }
            w.close("li")
        }
        w.close("ul")
    }

    /// Provenance in a table cell: a link to each evidence item (by its label), with the pointer and line inside it
    /// unless the table says the pointer once (`saidOnce`, by evidence group).
    private func compactProvenance(_ provenance: [Provenance], resource: Resource, saidOnce: [Int: PointerShown]) {
        if provenance.isEmpty {
            w.element("span", ["class": "null"], text: "none recorded")
            return
        }
        for (n, p) in provenance.enumerated() {
            if n > 0 { w.trusted("<br>") }
            if let anchor = evidenceAnchor(p.evidence) {
                w.element("a", ["href": evidenceHref(anchor)], text: anchor)
            } else {
                w.element("span", ["class": "missing"], text: "Evidence item \(p.evidence) is not in this report")
            }
            if let g = evidenceGroupOf[p.evidence], saidOnce[g] != nil { continue }
            if let pointer = p.pointer, !pointer.isEmpty {
                w.trusted(" ")
                w.text(pointer)
            }
            if let line = p.line { w.text(" line \(line)") }
        }
    }

    /// The longest start all of `ids` share, cut after its last `/` or `:` (so each row keeps a whole last part);
    /// empty when that is shorter than 8 characters or would leave an id empty.
    static func commonIDPrefix(_ ids: [String]) -> String {
        guard var prefix = ids.first.map({ Array($0.utf8) }) else { return "" }
        for id in ids.dropFirst() {
            var n = 0
            for b in id.utf8 {
                guard n < prefix.count, prefix[n] == b else { break }
                n += 1
            }
            prefix.removeLast(prefix.count - n)
            if prefix.isEmpty { return "" }
        }
        // Cut after the last separator: `/` and `:` are ASCII, so the cut is on a character boundary.
        guard let cut = prefix.lastIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }), cut + 1 >= 8 else { return "" }
        let length = cut + 1
        guard ids.allSatisfy({ $0.utf8.count > length }) else { return "" }
        return String(decoding: prefix[..<length], as: UTF8.self)
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
