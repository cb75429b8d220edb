import Foundation

/// A message with a hole where its subject's name goes: `before + name + after`. Results of a check that share a
/// verdict and reasons usually differ only by the subject they name, so a report stores the message once per group.
public struct MessageTemplate: Sendable, Hashable, Codable {
    /// The text before the subject's name.
    public var before: String
    /// The text after the subject's name.
    public var after: String

    /// The template of `message` about `name`: split at the first occurrence of `name`; `nil` if `name` is empty or
    /// the message does not contain it.
    public init?(message: String, name: String) {
        guard !name.isEmpty, let r = message.range(of: name, options: .literal) else { return nil }
        before = String(message[..<r.lowerBound])
        after = String(message[r.upperBound...])
    }

    /// The message about `name`.
    public func message(for name: String) -> String { before + name + after }

    /// Whether `message` about `name` is exactly this template filled with `name`.
    public func matches(_ message: String, name: String) -> Bool {
        message.utf8.count == before.utf8.count + name.utf8.count + after.utf8.count
            && message.hasPrefix(before) && message.hasSuffix(after)
    }

    /// The template for a whole group: the subject's name shown as `[…]`.
    public var display: String { before + "[…]" + after }
}

/// The results and resources of a report as `report.json` stores them since schema 2.0.0: every result, but no text
/// repeated per result. Results that share a check, guideline, verdict, severity, reasons and waiver form one
/// ``Group``; each result is a ``Row`` naming its group, its subject (by position in ``subjects``), its evidence (by
/// position in ``provenance``), the hex digits that make its finding id, and its message only where the group's
/// template does not give it. Resources are one ``ResourceTable`` per type: field names once, a row of values per
/// resource. `Schemas/report.schema.json` documents the shape; ``results()`` and ``resources()`` give the model back.
public struct ReportTables: Sendable, Hashable, Codable {
    /// What results of one group share.
    public struct Group: Sendable, Hashable, Codable {
        public var check: String
        public var guideline: String
        public var verdict: Verdict
        public var severity: Severity
        public var reasons: [String]
        public var waiver: WaiverRef?
        /// The members' message, with a hole for the subject's name; `nil` when each member carries its own.
        public var message: MessageTemplate?
        /// How many results the group holds.
        public var count: Int
    }

    /// One result.
    public struct Row: Sendable, Hashable, Codable {
        /// Position of its ``Group`` in ``ReportTables/groups``.
        public var group: Int
        /// The finding id is the group's check, `:`, and these hex digits (``CheckResult/id``); `nil` when the id has
        /// another shape, which ``id`` then holds.
        public var finding: String?
        /// The whole finding id, only when it is not `check:finding`.
        public var id: String?
        /// Position of the subject in ``ReportTables/subjects``; `nil` for a result about the assessment as a whole.
        public var subject: Int?
        /// The message, only when the group's template does not give it.
        public var message: String?
        /// Positions in ``ReportTables/provenance``.
        public var evidence: [Int]
    }

    /// The resources of one type.
    public struct ResourceTable: Sendable, Hashable, Codable {
        /// One resource: identity, provenance (positions in ``ReportTables/provenance``) and one value per field of
        /// the table, in the table's field order; a field the resource lacks is `{"absent": true}`.
        public struct Row: Sendable, Hashable, Codable {
            public var id: String
            public var name: String
            public var provenance: [Int]
            public var values: [Cell]
        }

        /// A field's value in a row, or its absence.
        public enum Cell: Sendable, Hashable, Codable {
            case value(FactValue)
            case absent

            private struct Absent: Codable { var absent: Bool }

            public init(from decoder: any Decoder) throws {
                if let a = try? Absent(from: decoder), a.absent { self = .absent } else { self = .value(try FactValue(from: decoder)) }
            }

            public func encode(to encoder: any Encoder) throws {
                switch self {
                case .value(let v): try v.encode(to: encoder)
                case .absent: try Absent(absent: true).encode(to: encoder)
                }
            }
        }

        public var type: ResourceType
        /// Field names, sorted.
        public var fields: [String]
        public var rows: [Row]
    }

    public var groups: [Group]
    public var subjects: [SubjectRef]
    public var provenance: [Provenance]
    /// Every result, in report order.
    public var results: [Row]
    /// Resource tables, by type name; rows in report order.
    public var resources: [ResourceTable]

    /// Builds the tables of `results` and `resources` (in their order).
    public init(results: [CheckResult], resources: [Resource]) {
        var groupIndex: [Group.Key: Int] = [:]
        var subjectIndex: [SubjectRef: Int] = [:]
        var provenanceIndex: [Provenance: Int] = [:]
        groups = []
        subjects = []
        provenance = []
        self.resources = []
        self.results = []
        self.results.reserveCapacity(results.count)
        func ref(_ p: Provenance) -> Int {
            if let i = provenanceIndex[p] { return i }
            provenanceIndex[p] = provenance.count
            provenance.append(p)
            return provenance.count - 1
        }
        for r in results {
            let key = Group.Key(check: r.check, guideline: r.guideline, verdict: r.verdict, severity: r.severity, reasons: r.reasons, waiver: r.waiver)
            let g: Int
            if let i = groupIndex[key] {
                g = i
                groups[i].count += 1
            } else {
                g = groups.count
                groupIndex[key] = g
                groups.append(Group(check: r.check, guideline: r.guideline, verdict: r.verdict, severity: r.severity, reasons: r.reasons,
                                    waiver: r.waiver, message: MessageTemplate(message: r.message, name: r.subject?.name ?? ""), count: 1))
            }
            var s: Int?
            if let subject = r.subject {
                if let i = subjectIndex[subject] { s = i } else {
                    s = subjects.count
                    subjectIndex[subject] = subjects.count
                    subjects.append(subject)
                }
            }
            let prefix = r.check + ":"
            let finding = r.id.hasPrefix(prefix) && r.id.count > prefix.count ? String(r.id.dropFirst(prefix.count)) : nil
            let own = groups[g].message.map { t in r.subject.map { !t.matches(r.message, name: $0.name) } ?? true } ?? true
            var evidence: [Int] = []
            for p in r.evidence { evidence.append(ref(p)) }
            self.results.append(Row(group: g, finding: finding, id: finding == nil ? r.id : nil, subject: s, message: own ? r.message : nil,
                                    evidence: evidence))
        }
        var tables: [ResourceType: (fields: Set<String>, members: [Resource])] = [:]
        for r in resources {
            tables[r.type, default: ([], [])].fields.formUnion(r.fields.keys)
            tables[r.type, default: ([], [])].members.append(r)
        }
        var resourceTables: [ResourceTable] = []
        for type in tables.keys.sorted() {
            let t = tables[type] ?? ([], [])
            let fields = t.fields.sorted()
            var rows: [ResourceTable.Row] = []
            rows.reserveCapacity(t.members.count)
            for r in t.members {
                var prov: [Int] = []
                for p in r.provenance { prov.append(ref(p)) }
                rows.append(ResourceTable.Row(id: r.id, name: r.name, provenance: prov,
                                              values: fields.map { r.fields[$0].map(ResourceTable.Cell.value) ?? .absent }))
            }
            resourceTables.append(ResourceTable(type: type, fields: fields, rows: rows))
        }
        self.resources = resourceTables
    }

    /// The results, as the model holds them.
    /// - Throws: ``ReportTablesError`` when a row names a group, subject or provenance entry the tables lack.
    public func expandedResults() throws -> [CheckResult] {
        try results.enumerated().map { n, row in
            guard groups.indices.contains(row.group) else { throw ReportTablesError(detail: "results[\(n)].group \(row.group) is not in groups") }
            let g = groups[row.group]
            var subject: SubjectRef?
            if let s = row.subject {
                guard subjects.indices.contains(s) else { throw ReportTablesError(detail: "results[\(n)].subject \(s) is not in subjects") }
                subject = subjects[s]
            }
            let evidence = try row.evidence.map { e -> Provenance in
                guard provenance.indices.contains(e) else { throw ReportTablesError(detail: "results[\(n)].evidence \(e) is not in provenance") }
                return provenance[e]
            }
            guard let id = row.id ?? row.finding.map({ g.check + ":" + $0 }) else {
                throw ReportTablesError(detail: "results[\(n)] has neither `finding` nor `id`")
            }
            guard let message = row.message ?? subject.flatMap({ s in g.message.map { $0.message(for: s.name) } }) else {
                throw ReportTablesError(detail: "results[\(n)] has no message and its group no template for its subject")
            }
            return CheckResult(id: id, check: g.check, guideline: g.guideline, verdict: g.verdict, severity: g.severity, subject: subject,
                               message: message, reasons: g.reasons, evidence: evidence, waiver: g.waiver)
        }
    }

    /// The resources, as the model holds them (table by table).
    /// - Throws: ``ReportTablesError`` when a row's values do not match its table's fields or name a missing provenance entry.
    public func expandedResources() throws -> [Resource] {
        var out: [Resource] = []
        for t in resources {
            for (n, row) in t.rows.enumerated() {
                guard row.values.count == t.fields.count else {
                    throw ReportTablesError(detail: "resources[\(t.type.rawValue)].rows[\(n)] has \(row.values.count) values for \(t.fields.count) fields")
                }
                var fields: [String: FactValue] = [:]
                for (f, cell) in zip(t.fields, row.values) { if case .value(let v) = cell { fields[f] = v } }
                let prov = try row.provenance.map { e -> Provenance in
                    guard provenance.indices.contains(e) else { throw ReportTablesError(detail: "a provenance index \(e) is not in provenance") }
                    return provenance[e]
                }
                out.append(Resource(type: t.type, id: row.id, name: row.name, fields: fields, provenance: prov))
            }
        }
        return out
    }
}

extension ReportTables.Group {
    /// What makes results one group.
    struct Key: Hashable {
        var check: String
        var guideline: String
        var verdict: Verdict
        var severity: Severity
        var reasons: [String]
        var waiver: WaiverRef?
    }
}

/// A `report.json` whose tables do not hold together (an index out of range, a row without a message).
public struct ReportTablesError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the member.
    public var detail: String
    public var description: String { detail }
}
