import CEKAuditCore
import Foundation

extension HTMLReportRenderer {
    /// The exception register (AG-7): every waiver of the waiver file with what it covers, who approved it, its
    /// state and the days left. Shown only when the assessment has a waiver file.
    func exceptions() {
        guard let register = report.waivers else { return }
        w.open("section", ["id": "exceptions", "aria-labelledby": "exceptions-h"])
        w.element("h2", ["id": "exceptions-h"], text: "Exception register")
        w.element("p", ["class": "lead"], text: "Waivers from \(register.source) (SHA-256 \(register.sha256)). A waiver turns a "
                  + "failing finding into waived until it expires; it never changes an inconclusive or manual result. "
                  + (register.maxDays.map { "No waiver may run longer than \($0) days." } ?? ""))
        if register.waivers.isEmpty {
            w.element("p", ["class": "empty"], text: "The waiver file holds no waivers.")
            w.close("section")
            return
        }
        w.open("div", ["class": "table-wrap"])
        w.open("table", ["class": "grid"])
        w.element("thead") {
            self.w.element("tr") {
                for h in ["Waiver", "Covers", "Justification", "Compensating control", "Approver", "Expires", "Days left", "State"] {
                    self.w.element("th", ["scope": "col"], text: h)
                }
            }
        }
        w.open("tbody")
        for s in register.waivers {
            let v = s.waiver
            w.open("tr")
            w.element("td") {
                self.w.element("code", text: v.id)
                if let t = v.ticket { self.w.trusted(" "); self.w.text("(\(t))") }
            }
            w.element("td") {
                self.w.element("code", text: v.check)
                self.w.trusted(" ")
                self.w.text(v.selector.description)
                self.w.trusted(" — ")
                self.w.text(s.covers.isEmpty ? "no failing finding" : "\(s.covers.count) finding(s): " + s.covers.joined(separator: ", "))
            }
            w.element("td", ["class": "prose"], text: v.justification ?? "missing")
            w.element("td", ["class": "prose"], text: v.compensatingControl ?? "missing")
            w.element("td", text: v.approver ?? "missing")
            let expires = DateParsing.iso(v.expires)
            w.element("td") { self.w.element("time", ["datetime": expires], text: expires) }
            w.element("td", text: String(s.daysLeft))
            w.element("td") { self.w.element("span", ["class": "status status-waiver-" + s.state.rawValue], text: s.state.rawValue.replacingOccurrences(of: "_", with: " ")) }
            w.close("tr")
        }
        w.close("tbody")
        w.close("table")
        w.close("div")
        w.close("section")
    }
}
