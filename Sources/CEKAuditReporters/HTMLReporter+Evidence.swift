import CEKAuditCore
import Foundation

/// The evidence items, grouped for reading at scale: one group per collector, kind and locator folder (everything
/// of the locator up to its last `/`: `aws-kms://111122223333/us-east-1/GetKeyPolicy/` for the key policies of a
/// region, `terraform/` for the files of a folder).
struct EvidenceGroup {
    var collector: String
    var kind: String
    /// The locator up to and including its last `/`; empty for a locator without one.
    var folder: String
    /// Positions in `report.evidence`, in report order.
    var members: [Int]
    /// Sum of the members' sizes, in bytes.
    var bytes: Int

    /// What a locator shows in its group's table: the part after ``folder``.
    func rest(of locator: String) -> String {
        locator.hasPrefix(folder) ? String(locator.dropFirst(folder.utf8.count)) : locator
    }

    /// The groups of `evidence`, sorted by folder, collector and kind (code-point order, so the order never depends
    /// on the locale).
    static func groups(_ evidence: [EvidenceItem]) -> [EvidenceGroup] {
        struct Key: Hashable { var collector, kind, folder: String }
        var index: [Key: Int] = [:]
        var out: [EvidenceGroup] = []
        for (i, item) in evidence.enumerated() {
            let folder = item.locator.lastIndex(of: "/").map { String(item.locator[...$0]) } ?? ""
            let key = Key(collector: item.collector, kind: item.kind, folder: folder)
            if let g = index[key] {
                out[g].members.append(i)
                out[g].bytes += item.size
            } else {
                index[key] = out.count
                out.append(EvidenceGroup(collector: item.collector, kind: item.kind, folder: folder, members: [i], bytes: item.size))
            }
        }
        return out.sorted { ($0.folder, $0.collector, $0.kind) < ($1.folder, $1.collector, $1.kind) }
    }

    /// Anchor of the group at `position` in ``groups(_:)``: `eg-` + digits, never a fragment id of an identifier.
    static func anchor(_ position: Int) -> String { "eg-\(position + 1)" }
}

extension HTMLReportRenderer {
    /// Where a link to an evidence row points: its anchor in `evidence.html`, beside the report.
    func evidenceHref(_ anchor: String) -> String {
        HTMLReporter.evidenceFileName + "#" + anchor
    }

    // MARK: - The Evidence section of report.html

    /// The Evidence section of `report.html`: how many items, and one row per group linking to it in `evidence.html`.
    /// A few dozen rows whatever the number of keys; the items' rows are in `evidence.html`.
    func evidence() {
        w.open("section", ["id": "evidence", "aria-labelledby": "evidence-h"])
        w.element("h2", ["id": "evidence-h"], text: "Evidence")
        if report.evidence.isEmpty {
            w.element("p", ["class": "empty"], text: "No evidence items.")
            w.close("section")
            return
        }
        let groups = evidenceGroups
        w.open("p", ["class": "lead"])
        w.text("\(report.evidence.count) item(s) the facts were read from, in \(groups.count) group(s). Every item — its "
               + "id, locator, size and SHA-256 — is listed in ")
        w.element("a", ["href": HTMLReporter.evidenceFileName], text: HTMLReporter.evidenceFileName)
        w.text(" beside this report; every evidence link here leads to its row there. Re-read an item (in an evidence "
               + "bundle: items/ and its id) and compare its SHA-256 to re-check a verdict.")
        w.close("p")
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                for h in ["Locator folder", "Collector", "Kind", "Items", "Size (bytes)"] {
                    self.w.element("th", ["scope": "col"], text: h)
                }
            }
        }
        w.open("tbody")
        for (n, g) in groups.enumerated() {
            w.open("tr")
            w.element("td") {
                self.w.element("a", ["href": self.evidenceHref(EvidenceGroup.anchor(n))]) {
                    self.w.element("code", text: g.folder.isEmpty ? "(no folder)" : g.folder)
                }
            }
            w.element("td", text: g.collector)
            w.element("td", ["class": "nowrap"], text: g.kind)
            w.element("td", ["class": "num"], text: Self.grouped(g.members.count))
            w.element("td", ["class": "num"], text: Self.grouped(g.bytes))
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }

    // MARK: - evidence.html

    /// The whole evidence page (``HTMLReporter/renderEvidence(_:)``).
    func evidenceDocument() {
        documentHead(title: "\(report.catalog.control) evidence: \(report.assessment)", style: HTMLAssets.baseStyle)
        w.open("body")
        w.trusted("\n")
        w.element("a", ["class": "skip", "href": "#main"], text: "Skip to content")
        header()
        w.open("main", ["id": "main"])
        w.trusted("\n")
        w.open("section", ["id": "evidence", "aria-labelledby": "evidence-h"])
        w.element("h2", ["id": "evidence-h"], text: "Evidence (\(report.evidence.count))")
        w.open("p", ["class": "lead"])
        w.text("Every item the facts of ")
        w.element("a", ["href": "report.html"], text: "report.html")
        w.text(" were read from, grouped by locator folder, collector and kind. Each row is an item: its label (E and "
               + "its row number, as the report links it), its id (the file items/<id> of an evidence bundle), the rest "
               + "of its locator after the group's folder, its size and SHA-256. Re-read an item and compare its "
               + "SHA-256 to re-check a verdict. Groups start closed; a link to a row opens its group.")
        w.close("p")
        if report.evidence.isEmpty {
            w.element("p", ["class": "empty"], text: "No evidence items.")
        }
        let groups = evidenceGroups
        for (n, g) in groups.enumerated() { evidenceGroup(g, anchor: EvidenceGroup.anchor(n)) }
        w.close("section")
        w.close("main")
        footer()
        w.open("script")
        w.trusted(HTMLAssets.script)
        w.close("script")
        w.close("body")
        w.close("html")
    }

    /// One group: a closed `<details>` whose summary names the folder, collector, kind, count, bytes and (when the
    /// members share it) the collection time; a table with one compact row per member.
    private func evidenceGroup(_ g: EvidenceGroup, anchor: String) {
        let times = Set(g.members.map { report.evidence[$0].collectedAt })
        let oneTime = times.count == 1 ? times.first : nil
        w.open("details", ["class": "evidence-group", "id": anchor])
        w.open("summary")
        w.element("code", text: g.folder.isEmpty ? "(no folder)" : g.folder)
        w.text(" · \(g.collector) · \(g.kind) · \(Self.grouped(g.members.count)) item(s), \(Self.grouped(g.bytes)) bytes")
        if let oneTime { w.text(" · collected at \(DateParsing.iso(oneTime))") }
        w.close("summary")
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                self.w.element("th", ["scope": "col"], text: "Item")
                self.w.element("th", ["scope": "col"], text: "Locator after the folder")
                self.w.element("th", ["scope": "col"], text: "Size (bytes)")
                if oneTime == nil { self.w.element("th", ["scope": "col"], text: "Collected at") }
                self.w.element("th", ["scope": "col"], text: "SHA-256")
            }
        }
        w.open("tbody")
        for i in g.members {
            let item = report.evidence[i]
            w.open("tr", ["id": evidenceRowAnchor(i)])
            w.open("td", ["class": "nowrap"])
            w.element("strong", text: evidenceRowAnchor(i))
            w.trusted(" ")
            w.element("code", text: item.id)
            w.close("td")
            w.element("td") { self.w.element("code", text: g.rest(of: item.locator)) }
            w.element("td", ["class": "num"], text: Self.grouped(item.size))
            if oneTime == nil { w.element("td", ["class": "mono nowrap"], text: DateParsing.iso(item.collectedAt)) }
            w.element("td") { self.w.element("code", text: item.sha256) }
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("details")
    }
}
