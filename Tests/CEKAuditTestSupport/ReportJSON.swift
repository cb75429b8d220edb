import Foundation

/// Reads `report.json` (schema 2.0.0) in tests as the whole objects the compact tables stand for: results with their
/// group's check, guideline, verdict, severity, reasons and waiver, their subject, message, finding id and
/// provenance; resources with their fields and provenance. Reports of schema 1.x (whole objects already) pass through.
public enum ReportJSON {
    /// Every result of `report` as an object with the members of schema 1.x (`id`, `check`, `guideline`, `verdict`,
    /// `severity`, `subject`, `message`, `reasons`, `evidence`, `waiver`). Rows that name a missing table entry are
    /// left out, so a count comparison catches them.
    public static func results(_ report: [String: Any]) -> [[String: Any]] {
        let rows = report["results"] as? [[String: Any]] ?? []
        guard let groups = report["groups"] as? [[String: Any]] else { return rows }
        let rowsOfResources = resources(report)
        let subjects: [[String: Any]] = (report["subjects"] as? [[String: Any]] ?? []).map { s in
            guard let n = s["resource"] as? Int else { return s }
            guard rowsOfResources.indices.contains(n) else { return [:] }
            let r = rowsOfResources[n]
            return ["type": r["type"] ?? "", "id": r["id"] ?? "", "name": r["name"] ?? ""]
        }
        let reasons = report["reasons"] as? [[String]] ?? []
        let templates = report["templates"] as? [[String: Any]] ?? []
        let provenance = report["provenance"] as? [[String: Any]] ?? []
        return rows.compactMap { row in
            guard let g = (row["group"] as? Int).flatMap({ groups.indices.contains($0) ? groups[$0] : nil }),
                  let check = g["check"] as? String else { return nil }
            var out: [String: Any] = [:]
            for key in ["check", "guideline", "verdict", "severity", "waiver"] { out[key] = g[key] }
            guard let r = (row["reasons"] as? Int) ?? (g["reasons"] as? Int), reasons.indices.contains(r) else { return nil }
            out["reasons"] = reasons[r]
            var subject: [String: Any]?
            if let s = row["subject"] as? Int {
                guard subjects.indices.contains(s), !subjects[s].isEmpty else { return nil }
                subject = subjects[s]
                out["subject"] = subjects[s]
            }
            out["id"] = row["id"] ?? (row["finding"] as? String).map { check + ":" + $0 }
            if let m = row["message"] as? String {
                out["message"] = m
            } else if let t = (row["template"] as? Int) ?? (g["template"] as? Int), templates.indices.contains(t),
                      let name = subject?["name"] as? String {
                out["message"] = (templates[t]["before"] as? String ?? "") + name + (templates[t]["after"] as? String ?? "")
            }
            out["evidence"] = (row["evidence"] as? [Int] ?? []).compactMap { provenance.indices.contains($0) ? provenance[$0] : nil }
            return out
        }
    }

    /// Every resource of `report` as an object with `type`, `id`, `name`, `fields` (absent fields left out) and
    /// `provenance`, table by table (the order `{"resource": n}` subjects count in).
    public static func resources(_ report: [String: Any]) -> [[String: Any]] {
        guard report["groups"] != nil else { return report["resources"] as? [[String: Any]] ?? [] }
        let provenance = report["provenance"] as? [[String: Any]] ?? []
        var out: [[String: Any]] = []
        for table in report["resources"] as? [[String: Any]] ?? [] {
            let fields = table["fields"] as? [String] ?? []
            for row in table["rows"] as? [[String: Any]] ?? [] {
                var values: [String: Any] = [:]
                for (f, v) in zip(fields, row["values"] as? [Any] ?? []) {
                    if let o = v as? [String: Any], o["absent"] as? Bool == true { continue }
                    values[f] = v
                }
                out.append(["type": table["type"] ?? "", "id": row["id"] ?? "", "name": row["name"] ?? "", "fields": values,
                            "provenance": (row["provenance"] as? [Int] ?? []).compactMap { provenance.indices.contains($0) ? provenance[$0] : nil }])
            }
        }
        return out
    }
}
