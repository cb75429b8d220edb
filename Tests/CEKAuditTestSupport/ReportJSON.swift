import Foundation

/// Reads `report.json` (schema 3.0.0, and 2.0.0) in tests as the whole objects the compact tables stand for: results
/// with their group's check, guideline, verdict, severity, reasons and waiver, their subject, message, finding id and
/// provenance; resources with their fields and provenance; evidence items with every member. Reports of schema 1.x
/// (whole objects already) pass through.
public enum ReportJSON {
    /// A 3.0.0 result row (an array) as the 2.0.0 object it stands for.
    private static func rowObject(_ row: Any) -> [String: Any] {
        if let o = row as? [String: Any] { return o }
        guard let a = row as? [Any] else { return [:] }
        var o: [String: Any] = [:]
        for (n, key) in ["group", "subject", "finding", "evidence", "reasons", "template", "message", "id"].enumerated()
        where n < a.count && !(a[n] is NSNull) {
            o[key] = a[n]
        }
        return o
    }

    /// Every evidence item of `report` as an object with `id`, `collector`, `kind`, `locator`, `size`, `sha256` and
    /// `collected_at`, in the order provenance positions count them.
    public static func evidence(_ report: [String: Any]) -> [[String: Any]] {
        let tables = report["evidence"] as? [[String: Any]] ?? []
        guard tables.first?["items"] != nil else { return tables }
        var out: [[String: Any]] = []
        for t in tables {
            let folder = t["folder"] as? String ?? ""
            for case let item as [Any] in t["items"] as? [Any] ?? [] where item.count == 4 {
                out.append(["id": item[0], "collector": t["collector"] ?? "", "kind": t["kind"] ?? "",
                            "locator": folder + (item[1] as? String ?? ""), "size": item[2], "sha256": item[3],
                            "collected_at": t["collected_at"] ?? ""])
            }
        }
        return out
    }

    /// Every provenance entry of `report` as `{"evidence": id, "pointer": …, "line": …}` (3.0.0 arrays expanded).
    public static func provenance(_ report: [String: Any]) -> [[String: Any]] {
        let entries = report["provenance"] as? [Any] ?? []
        guard entries.first is [Any] else { return entries.compactMap { $0 as? [String: Any] } }
        let ids = evidence(report).map { $0["id"] as? String ?? "" }
        let pointers = report["pointers"] as? [String] ?? []
        return entries.map { e in
            guard let a = e as? [Any], let first = a.first else { return [:] }
            var o: [String: Any] = [:]
            if let n = first as? Int { o["evidence"] = ids.indices.contains(n) ? ids[n] : "?" } else { o["evidence"] = first }
            if a.count > 1, let p = a[1] as? Int, pointers.indices.contains(p) { o["pointer"] = pointers[p] }
            if a.count > 2, let line = a[2] as? Int { o["line"] = line }
            return o
        }
    }

    /// Every result of `report` as an object with the members of schema 1.x (`id`, `check`, `guideline`, `verdict`,
    /// `severity`, `subject`, `message`, `reasons`, `evidence`, `waiver`). Rows that name a missing table entry are
    /// left out, so a count comparison catches them.
    public static func results(_ report: [String: Any]) -> [[String: Any]] {
        guard let groups = report["groups"] as? [[String: Any]] else { return report["results"] as? [[String: Any]] ?? [] }
        let rows = (report["results"] as? [Any] ?? []).map(rowObject)
        let rowsOfResources = resources(report)
        let subjects: [[String: Any]] = (report["subjects"] as? [[String: Any]] ?? []).map { s in
            guard let n = s["resource"] as? Int else { return s }
            guard rowsOfResources.indices.contains(n) else { return [:] }
            let r = rowsOfResources[n]
            return ["type": r["type"] ?? "", "id": r["id"] ?? "", "name": r["name"] ?? ""]
        }
        let reasons = report["reasons"] as? [[String]] ?? []
        let templates = report["templates"] as? [[String: Any]] ?? []
        let provenance = provenance(report)
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
        let provenance = provenance(report)
        var out: [[String: Any]] = []
        for table in report["resources"] as? [[String: Any]] ?? [] {
            let fields = table["fields"] as? [String] ?? []
            let same = table["same"] as? [String: Any] ?? [:]
            let identity = table["identity"] as? [String: String] ?? [:]
            for raw in table["rows"] as? [Any] ?? [] {
                // 3.0.0: [id, name, provenance, value…]; 2.0.0: {"id", "name", "provenance", "values"}.
                let row: [String: Any]
                if let a = raw as? [Any], a.count >= 3 {
                    row = ["id": a[0], "name": a[1], "provenance": a[2], "values": Array(a.dropFirst(3))]
                } else {
                    row = raw as? [String: Any] ?? [:]
                }
                var values: [String: Any] = same
                for (f, which) in identity { values[f] = row[which] }
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
