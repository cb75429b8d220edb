import Foundation

/// The comparison of a report's findings with a baseline report's, by stable finding id (``CheckResult/id``).
///
/// Each finding of either report gets one status:
/// * `new`: failing now, and absent or not failing in the baseline;
/// * `fixed`: failing in the baseline, and now passing, not applicable or gone;
/// * `changed`: any other change of verdict (fail → waived, pass → inconclusive, a finding only one side has …);
/// * `unchanged`: the same verdict in both.
public struct Comparison: Sendable, Hashable, Codable {
    /// The comparison status of one finding.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case new, fixed, changed, unchanged
    }

    /// One finding's comparison. `from` is `nil` when the baseline lacks it, `to` when this report does.
    public struct Finding: Sendable, Hashable, Codable {
        public var id: String
        public var check: String
        public var guideline: String
        public var status: Status
        public var from: Verdict?
        public var to: Verdict?
        public var subject: SubjectRef?
        /// The current message, or the baseline's for a finding that is gone.
        public var message: String
    }

    /// What the baseline was.
    public struct Baseline: Sendable, Hashable, Codable {
        public var assessment: String
        public var generatedAt: Date
        /// The report or bundle as named on the command line.
        public var source: String

        enum CodingKeys: String, CodingKey {
            case assessment, source
            case generatedAt = "generated_at"
        }
    }

    public var baseline: Baseline
    /// Finding counts per status (every status present, zero included).
    public var counts: [String: Int]
    /// Every finding except the unchanged ones, ordered new, fixed, changed, then by id.
    public var findings: [Finding]

    /// Findings with `status`.
    public func findings(_ status: Status) -> [Finding] { findings.filter { $0.status == status } }

    /// What a comparison reads of a report: its name, time and findings. Decodes any `report.json` since schema
    /// 1.0.0 (only these members are read; the compact results of schema 2.0.0 are expanded), or is taken from a
    /// report model (a baseline bundle evaluated now).
    public struct Snapshot: Sendable, Hashable, Decodable {
        /// What a comparison reads of one result.
        public struct Result: Sendable, Hashable, Decodable {
            public var id: String
            public var check: String
            public var guideline: String
            public var verdict: Verdict
            public var subject: SubjectRef?
            public var message: String

            public init(id: String, check: String, guideline: String, verdict: Verdict, subject: SubjectRef?, message: String) {
                self.id = id
                self.check = check
                self.guideline = guideline
                self.verdict = verdict
                self.subject = subject
                self.message = message
            }
        }
        public var assessment: String
        public var generatedAt: Date
        public var results: [Result]

        enum CodingKeys: String, CodingKey {
            case assessment, results, groups, subjects, reasons, templates, resources
            case generatedAt = "generated_at"
        }

        /// Reads a report of any schema: since 2.0.0 the results are rows of the `groups` and `subjects` tables
        /// (``ReportTables``: objects in 2.0.0, arrays since 3.0.0); before, whole objects.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            assessment = try c.decode(String.self, forKey: .assessment)
            generatedAt = try c.decode(Date.self, forKey: .generatedAt)
            guard c.contains(.groups) else {
                results = try c.decode([Result].self, forKey: .results)
                return
            }
            let groups = try c.decode([ReportTables.Group].self, forKey: .groups)
            let reasons = try c.decode([[String]].self, forKey: .reasons)
            let templates = try c.decode([MessageTemplate].self, forKey: .templates)
            let subjects = try c.decode([ReportTables.Subject].self, forKey: .subjects)
            let rows = try c.decode([ReportTables.Row].self, forKey: .results)
            let tables = try c.decode([ResourceIdentities].self, forKey: .resources)
            let identities = tables.flatMap { t in t.rows.map { SubjectRef(type: t.type, id: $0.id, name: $0.name) } }
            do {
                results = try ReportTables.expand(rows, groups: groups, reasons: reasons, templates: templates, subjects: subjects,
                                                   resources: identities).map {
                    Result(id: $0.id, check: $0.check, guideline: $0.guideline, verdict: $0.verdict, subject: $0.subject, message: $0.message)
                }
            } catch let e as ReportTablesError {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.results], debugDescription: e.detail))
            }
        }

        /// The identities of a resource table's rows: what `{"resource": n}` subjects name.
        private struct ResourceIdentities: Decodable {
            /// A row's id and name: the first two members of a 3.0.0 row (an array), or its `id` and `name` (2.0.0).
            struct Row: Decodable {
                var id: String
                var name: String

                private enum Keys: String, CodingKey { case id, name }

                init(from decoder: any Decoder) throws {
                    if var a = try? decoder.unkeyedContainer() {
                        id = try a.decode(String.self)
                        name = try a.decode(String.self)
                    } else {
                        let c = try decoder.container(keyedBy: Keys.self)
                        id = try c.decode(String.self, forKey: .id)
                        name = try c.decode(String.self, forKey: .name)
                    }
                }
            }
            var type: String
            var rows: [Row]
        }

        public init(assessment: String, generatedAt: Date, results: [Result]) {
            self.assessment = assessment
            self.generatedAt = generatedAt
            self.results = results
        }

        /// The findings of a report model.
        public init(_ report: AssessmentReport) {
            self.init(assessment: report.assessment, generatedAt: report.generatedAt, results: report.results.map {
                Result(id: $0.id, check: $0.check, guideline: $0.guideline, verdict: $0.verdict, subject: $0.subject, message: $0.message)
            })
        }

        /// Reads a `report.json`.
        /// - Throws: ``CEKAuditError/invalidJSON(file:detail:)`` when it is not a report.
        public static func decode(_ data: Data, file: String) throws -> Snapshot {
            let d = JSONDecoder()
            d.dateDecodingStrategy = .custom { dec in
                let s = try dec.singleValueContainer().decode(String.self)
                guard let date = DateParsing.parse(s) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: dec.codingPath, debugDescription: "'\(s)' is not an RFC 3339 date-time"))
                }
                return date
            }
            do { return try d.decode(Snapshot.self, from: data) } catch {
                throw CEKAuditError.invalidJSON(file: file, detail: "not a cek-audit report.json: \(error)")
            }
        }
    }

    /// Compares `current` with `baseline`.
    /// - Parameter source: how the baseline was named, for the record.
    public static func compare(_ current: Snapshot, with baseline: Snapshot, source: String) -> Comparison {
        let before = Dictionary(baseline.results.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(current.results.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [Finding] = []
        for id in Set(before.keys).union(after.keys) {
            let b = before[id], a = after[id]
            guard let any = a ?? b else { continue }
            let status: Status
            if a?.verdict == b?.verdict { status = .unchanged }
            else if a?.verdict == .fail { status = .new }
            else if b?.verdict == .fail, [nil, .pass, .notApplicable].contains(a?.verdict) { status = .fixed }
            else { status = .changed }
            out.append(Finding(id: id, check: any.check, guideline: any.guideline, status: status, from: b?.verdict, to: a?.verdict,
                               subject: any.subject, message: any.message))
        }
        var counts = Dictionary(uniqueKeysWithValues: Status.allCases.map { ($0.rawValue, 0) })
        for f in out { counts[f.status.rawValue, default: 0] += 1 }
        let order = Dictionary(uniqueKeysWithValues: Status.allCases.enumerated().map { ($1, $0) })
        let listed = out.filter { $0.status != .unchanged }
            .sorted { (order[$0.status] ?? 0, $0.id) < (order[$1.status] ?? 0, $1.id) }
        return Comparison(baseline: Baseline(assessment: baseline.assessment, generatedAt: baseline.generatedAt, source: source),
                          counts: counts, findings: listed)
    }

    /// The comparison as a Markdown section (`cek-audit diff`, the Markdown report): counts, then each change.
    /// - Parameter limit: the most findings listed per status; the rest are counted.
    public func markdown(limit: Int = 200) -> String {
        var md = "| new | fixed | changed | unchanged |\n| ---: | ---: | ---: | ---: |\n"
        md += "| \(counts["new"] ?? 0) | \(counts["fixed"] ?? 0) | \(counts["changed"] ?? 0) | \(counts["unchanged"] ?? 0) |\n"
        for status in [Status.new, .fixed, .changed] {
            let fs = findings(status)
            if fs.isEmpty { continue }
            md += "\n**\(status.rawValue.capitalized)** (\(fs.count))\n\n"
            for f in fs.prefix(limit) {
                md += "- `\(f.id)` \(f.from?.rawValue ?? "—") → \(f.to?.rawValue ?? "—"): \(Markdown.inline(f.message))\n"
            }
            if fs.count > limit { md += "- … and \(fs.count - limit) more in the JSON comparison\n" }
        }
        return md
    }
}

/// Markdown text helpers shared by the Markdown report and `cek-audit diff`.
public enum Markdown {
    /// `s` on one line, with the characters Markdown and HTML would interpret (`\ ` * _ [ ] < > | #`) escaped.
    public static func inline(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\n", "\r", "\t": out.append(" ")
            case "\\", "`", "*", "_", "[", "]", "|", "#", "~": out.append("\\"); out.append(ch)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(ch)
            }
        }
        return out
    }
}
