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
        var message = message
        message.makeContiguousUTF8()
        guard !name.isEmpty, let r = Self.firstRange(of: name, in: message) else { return nil }
        before = String(message[..<r.lowerBound])
        after = String(message[r.upperBound...])
    }

    /// The first occurrence of `name` in `message`, compared unit by unit (what a `.literal` search finds: equal
    /// UTF-8 bytes are equal UTF-16 units), without a detour through `NSString` (a fifth of the time of building
    /// the report tables at 10,000 keys).
    static func firstRange(of name: String, in message: String) -> Range<String.Index>? {
        var message = message, name = name
        message.makeContiguousUTF8()
        name.makeContiguousUTF8()
        let offset: Int? = message.utf8.withContiguousStorageIfAvailable { m in
            name.utf8.withContiguousStorageIfAvailable { n -> Int? in
                guard n.count <= m.count, let first = n.first else { return nil }
                var i = 0
                while i + n.count <= m.count {
                    if m[i] == first && memcmp(m.baseAddress! + i, n.baseAddress!, n.count) == 0 { return i }
                    i += 1
                }
                return nil
            } ?? nil
        } ?? nil
        guard let offset else { return nil }
        let lower = message.utf8.index(message.utf8.startIndex, offsetBy: offset)
        let upper = message.utf8.index(lower, offsetBy: name.utf8.count)
        return lower..<upper
    }

    /// The message about `name`.
    public func message(for name: String) -> String { before + name + after }

    /// The template for a whole group: the subject's name shown as `[…]`.
    public var display: String { before + "[…]" + after }
}

/// The results, resources and evidence of a report as `report.json` stores them (schema 3.0.0; 2.0.0 had the same
/// groups but rows as objects and every evidence item and provenance entry whole): every result, but no text repeated
/// per result. Results that share a check, guideline, verdict, severity and waiver form one ``Group``, which names the
/// reasons (by position in ``reasons``) and the message template (in ``templates``) of its first result; each result
/// is a ``Row`` naming its group, its subject (by position in ``subjects``; a subject that is a resource refers to its
/// row), its evidence (by position in ``provenance``), the hex digits that make its finding id, and its reasons and
/// template only where they are not the group's (the whole message only when it does not name its subject).
/// Resources are one ``ResourceTable`` per type: field names once, fields equal in every row once, fields that repeat
/// the row's id or name named once, a row of values per resource. Evidence items are ``EvidenceTable``s, one per
/// collector, kind, locator folder and collection time, a compact row per item; a provenance entry names its item by
/// position among them and its pointer by position in ``pointers``. `Schemas/report.schema.json` documents the shape;
/// ``expandedResults()``, ``expandedResources()`` and ``expandedEvidence()`` give the model back.
public struct ReportTables: Sendable, Hashable {
    /// What results of one group share.
    public struct Group: Sendable, Hashable, Codable {
        /// The check id (``CheckResult/check``).
        public var check: String
        /// The guideline id (``CheckResult/guideline``).
        public var guideline: String
        /// The members' verdict.
        public var verdict: Verdict
        /// The check's severity.
        public var severity: Severity
        /// The reasons of the members that name none of their own: a position in ``ReportTables/reasons``.
        public var reasons: Int
        /// The waiver that turned the members' failures into `waived`.
        public var waiver: WaiverRef?
        /// The message template of the members whose row names none of its own: a position in
        /// ``ReportTables/templates``; `nil` when the first member's message does not name its subject.
        public var template: Int?
        /// How many results the group holds.
        public var count: Int
    }

    /// One result. In schema 3.0.0 an array, `[group, subject, finding, evidence, reasons, template, message, id]`,
    /// trailing absent members left out (`null` where a later one follows); in 2.0.0 an object with those keys.
    public struct Row: Sendable, Hashable, Codable {
        // The positions are stored in 32 bits (`Int32.min` for none): a 10,000-key report holds 140,000 rows while
        // report.json is written, and four optional Ints took 56 of a row's 112 bytes (now 72).
        private var position: (group: Int32, subject: Int32, reasons: Int32, template: Int32)

        /// Position of its ``Group`` in ``ReportTables/groups``.
        public var group: Int {
            get { Int(position.group) }
            set { position.group = Self.store(newValue) }
        }
        /// The finding id is the group's check, `:`, and these hex digits (``CheckResult/id``); `nil` when the id has
        /// another shape, which ``id`` then holds.
        public var finding: String?
        /// The whole finding id, only when it is not `check:finding`.
        public var id: String?
        /// Position of the subject in ``ReportTables/subjects``; `nil` for a result about the assessment as a whole.
        public var subject: Int? {
            get { Self.load(position.subject) }
            set { position.subject = Self.store(newValue) }
        }
        /// Position of the reasons in ``ReportTables/reasons``, only when they are not the group's.
        public var reasons: Int? {
            get { Self.load(position.reasons) }
            set { position.reasons = Self.store(newValue) }
        }
        /// Position in ``ReportTables/templates`` of the message's template, only when it is not the group's.
        public var template: Int? {
            get { Self.load(position.template) }
            set { position.template = Self.store(newValue) }
        }
        /// The whole message, only when it does not name the subject (so no template gives it).
        public var message: String?
        /// Positions in ``ReportTables/provenance``.
        public var evidence: [Int]

        /// A row with these members (see each property). Positions are 0 ..< 2³¹ - 1 (a table longer than that does
        /// not fit in memory; decoding refuses larger numbers).
        public init(group: Int, finding: String?, id: String?, subject: Int?, reasons: Int?, template: Int?, message: String?, evidence: [Int]) {
            position = (Self.store(group), Self.store(subject), Self.store(reasons), Self.store(template))
            self.finding = finding
            self.id = id
            self.message = message
            self.evidence = evidence
        }

        private static func store(_ n: Int?) -> Int32 {
            guard let n else { return .min }
            precondition(n >= 0 && n < Int(Int32.max), "a report table position out of range: \(n)")
            return Int32(n)
        }

        private static func load(_ n: Int32) -> Int? { n == .min ? nil : Int(n) }

        /// A decoded position, or an error naming it when it is negative or too large for a table.
        private static func checked(_ n: Int?, _ what: String, _ codingPath: [any CodingKey]) throws -> Int? {
            guard let n else { return nil }
            guard n >= 0 && n < Int(Int32.max) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(what) \(n) is not a table position"))
            }
            return n
        }

        public static func == (a: Row, b: Row) -> Bool {
            a.position == b.position && a.finding == b.finding && a.id == b.id && a.message == b.message && a.evidence == b.evidence
        }

        public func hash(into h: inout Hasher) {
            h.combine(position.group)
            h.combine(position.subject)
            h.combine(position.reasons)
            h.combine(position.template)
            h.combine(finding)
            h.combine(id)
            h.combine(message)
            h.combine(evidence)
        }

        private enum Keys: String, CodingKey { case group, finding, id, subject, reasons, template, message, evidence }

        /// Reads a 3.0.0 row (an array) or a 2.0.0 row (an object).
        /// - Throws: `DecodingError` when it is neither.
        public init(from decoder: any Decoder) throws {
            let path = decoder.codingPath
            if var a = try? decoder.unkeyedContainer() {
                let group = try a.decode(Int.self)
                func next<T: Decodable>(_ type: T.Type) throws -> T? {
                    if a.isAtEnd { return nil }
                    return try a.decodeNil() ? nil : a.decode(T.self)
                }
                let subject = try next(Int.self)
                let finding = try next(String.self)
                let evidence = try next([Int].self) ?? []
                let reasons = try next(Int.self)
                let template = try next(Int.self)
                let message = try next(String.self)
                let id = try next(String.self)
                self.init(group: try Self.checked(group, "group", path) ?? 0, finding: finding, id: id,
                          subject: try Self.checked(subject, "subject", path), reasons: try Self.checked(reasons, "reasons", path),
                          template: try Self.checked(template, "template", path), message: message, evidence: evidence)
                return
            }
            let c = try decoder.container(keyedBy: Keys.self)
            self.init(group: try Self.checked(try c.decode(Int.self, forKey: .group), "group", path) ?? 0,
                      finding: try c.decodeIfPresent(String.self, forKey: .finding),
                      id: try c.decodeIfPresent(String.self, forKey: .id),
                      subject: try Self.checked(try c.decodeIfPresent(Int.self, forKey: .subject), "subject", path),
                      reasons: try Self.checked(try c.decodeIfPresent(Int.self, forKey: .reasons), "reasons", path),
                      template: try Self.checked(try c.decodeIfPresent(Int.self, forKey: .template), "template", path),
                      message: try c.decodeIfPresent(String.self, forKey: .message),
                      evidence: try c.decodeIfPresent([Int].self, forKey: .evidence) ?? [])
        }

        /// Writes the 3.0.0 array.
        public func encode(to encoder: any Encoder) throws {
            var a = encoder.unkeyedContainer()
            let tail: [(any Encodable)?] = [subject, finding, evidence, reasons, template, message, id]
            let last = tail.lastIndex { $0 != nil } ?? -1
            try a.encode(group)
            for v in tail.prefix(last + 1) {
                if let v { try a.encode(v) } else { try a.encodeNil() }
            }
        }
    }

    /// The resources of one type.
    public struct ResourceTable: Sendable, Hashable {
        /// One resource: identity, provenance (positions in ``ReportTables/provenance``) and one value per field of
        /// ``ResourceTable/fields``, in that order; a field the resource lacks is `{"absent": true}`. In `report.json`
        /// an array: `[id, name, provenance, value…]`.
        public struct Row: Sendable, Hashable {
            /// ``Resource/id``.
            public var id: String
            /// ``Resource/name``.
            public var name: String
            /// Positions in ``ReportTables/provenance``.
            public var provenance: [Int]
            /// One cell per field of ``ResourceTable/fields``.
            public var values: [Cell]
        }

        /// A field's value in a row, or its absence.
        public enum Cell: Sendable, Hashable, Codable {
            /// The field's value (known or unknown), encoded as ``FactValue`` encodes.
            case value(FactValue)
            /// The resource has no such field: `{"absent": true}`.
            case absent

            private struct Absent: Codable { var absent: Bool }

            /// Reads `{"absent": true}` or a fact value.
            /// - Throws: `DecodingError` when it is neither.
            public init(from decoder: any Decoder) throws {
                if let a = try? Absent(from: decoder), a.absent { self = .absent } else { self = .value(try FactValue(from: decoder)) }
            }

            /// Writes the cell as its value, or `{"absent": true}`.
            public func encode(to encoder: any Encoder) throws {
                switch self {
                case .value(let v): try v.encode(to: encoder)
                case .absent: try Absent(absent: true).encode(to: encoder)
                }
            }
        }

        /// The resources' type.
        public var type: ResourceType
        /// Names of the fields whose values vary from row to row, sorted: one cell per name in every row.
        public var fields: [String]
        /// Fields every row holds with the same value (said once, not per row).
        public var same: [String: FactValue]
        /// Fields every row holds with its own id (`"id"`) or name (`"name"`) as their value (a key's `arn` and
        /// `key_id`): named once, not repeated per row.
        public var identity: [String: String]
        public var rows: [Row]
    }

    /// The evidence items of one collector, kind, locator folder and collection time: in `report.json`
    /// `{"collected_at", "collector", "folder", "items": [[id, rest of the locator, size, sha256], …], "kind"}`.
    public struct EvidenceTable: Sendable, Hashable {
        /// One item: its id, its locator after ``EvidenceTable/folder``, its size in bytes and its SHA-256 (hex).
        public struct Item: Sendable, Hashable {
            /// ``EvidenceItem/id`` (`ev-` + 12 hex digits).
            public var id: String
            /// The locator after ``EvidenceTable/folder``: a slice of the item's locator, sharing its bytes (at 10,000
            /// live keys, 60,000 copies took ~5 MB while report.json was written).
            public var restOfLocator: Substring
            /// ``restOfLocator`` as a string.
            public var rest: String { String(restOfLocator) }
            /// ``EvidenceItem/size``, in bytes.
            public var size: Int
            /// ``EvidenceItem/sha256``, lowercase hex.
            public var sha256: String {
                get { digest.text }
                set { digest = HexDigest(newValue) }
            }
            /// ``sha256`` as it is held (``EvidenceItem/digest``).
            public var digest: HexDigest

            /// An item with these members.
            public init(id: String, restOfLocator: Substring, size: Int, digest: HexDigest) {
                self.id = id
                self.restOfLocator = restOfLocator
                self.size = size
                self.digest = digest
            }
        }

        /// ``EvidenceItem/collector``.
        public var collector: String
        /// ``EvidenceItem/kind``.
        public var kind: String
        /// The locators' common start: up to and including their last `/` (empty for a locator without one).
        public var folder: String
        /// ``EvidenceItem/collectedAt``.
        public var collectedAt: Date
        /// The items, in report order.
        public var items: [Item]
    }

    /// A provenance entry: the evidence item by position among the items of ``ReportTables/evidence`` (table by
    /// table; an id the report's evidence lacks stays a string), the pointer by position in
    /// ``ReportTables/pointers``, and the line. In `report.json` `[item, pointer, line]`, trailing absent members left
    /// out.
    public struct ProvenanceRef: Sendable, Hashable {
        /// Where the evidence item is.
        public enum Item: Sendable, Hashable {
            /// Position among the evidence items, table by table.
            case position(Int)
            /// An id no evidence item of the report has.
            case missing(String)
        }

        /// The evidence item.
        public var item: Item
        /// Position in ``ReportTables/pointers``; `nil` without a pointer.
        public var pointer: Int?
        /// 1-based line in the item, where the format has lines.
        public var line: Int?
    }

    /// A subject results name: a resource, by its position among the rows of ``ReportTables/resources`` (table by
    /// table), or a type, id and name of its own (a group of resources, a source).
    public enum Subject: Sendable, Hashable, Codable {
        /// A resource row, by position (`{"resource": n}`).
        case resource(Int)
        /// A subject of its own (``SubjectRef``).
        case other(SubjectRef)

        private struct ResourceRef: Codable { var resource: Int }

        /// Reads `{"resource": n}` or a ``SubjectRef``.
        /// - Throws: `DecodingError` when it is neither.
        public init(from decoder: any Decoder) throws {
            if let r = try? ResourceRef(from: decoder) { self = .resource(r.resource) } else { self = .other(try SubjectRef(from: decoder)) }
        }

        /// Writes `{"resource": n}` or the subject.
        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .resource(let n): try ResourceRef(resource: n).encode(to: encoder)
            case .other(let s): try s.encode(to: encoder)
            }
        }
    }

    /// Result groups, in order of their first result.
    public var groups: [Group]
    /// Every distinct list of reasons, in order of first use.
    public var reasons: [[String]]
    /// Every distinct message template (a message with its subject's name cut out), in order of first use.
    public var templates: [MessageTemplate]
    /// Every subject results name, each once, in order of first mention.
    public var subjects: [Subject]
    /// Every provenance entry results and resources cite, each once, in order of first citation.
    public var provenance: [ProvenanceRef]
    /// Every distinct pointer of the provenance entries, in order of first use.
    public var pointers: [String]
    /// The evidence items, table by table (tables in order of their first item, items in report order).
    public var evidence: [EvidenceTable]
    /// Every result, in report order.
    public var results: [Row]
    /// Resource tables, by type name; rows in report order.
    public var resources: [ResourceTable]

    /// Builds the tables of `results`, `resources` and `evidence` (in their order).
    public init(results: [CheckResult], resources: [Resource], evidence: [EvidenceItem] = []) {
        var groupIndex: [Group.Key: Int] = [:]
        var subjectIndex: [SubjectRef: Int] = [:]
        var reasonIndex: [[String]: Int] = [:]
        var provenanceIndex: [Provenance: Int] = [:]
        var templateIndex: [MessageTemplate: Int] = [:]
        var pointerIndex: [String: Int] = [:]
        reasons = []
        templates = []
        groups = []
        subjects = []
        provenance = []
        pointers = []
        self.evidence = []
        self.resources = []
        self.results = []
        // Evidence tables: one per collector, kind, folder and time, in order of first item; an item's position counts
        // table by table.
        struct TableKey: Hashable { var collector, kind, folder: String; var at: Date }
        var tableIndex: [TableKey: Int] = [:]
        var membersOf: [[Int]] = []
        for (i, item) in evidence.enumerated() {
            let folder = item.locator.lastIndex(of: "/").map { String(item.locator[...$0]) } ?? ""
            let key = TableKey(collector: item.collector, kind: item.kind, folder: folder, at: item.collectedAt)
            if let t = tableIndex[key] { membersOf[t].append(i) } else {
                tableIndex[key] = self.evidence.count
                membersOf.append([i])
                self.evidence.append(EvidenceTable(collector: item.collector, kind: item.kind, folder: folder, collectedAt: item.collectedAt, items: []))
            }
        }
        var itemPosition: [String: Int] = [:]
        var flat = 0
        for (t, members) in membersOf.enumerated() {
            let folder = self.evidence[t].folder
            self.evidence[t].items.reserveCapacity(members.count)
            for i in members {
                let item = evidence[i]
                if itemPosition[item.id] == nil { itemPosition[item.id] = flat }
                self.evidence[t].items.append(.init(id: item.id, restOfLocator: item.locator.dropFirst(folder.count), size: item.size, digest: item.digest))
                flat += 1
            }
        }
        func templateRef(_ t: MessageTemplate) -> Int {
            if let i = templateIndex[t] { return i }
            templateIndex[t] = templates.count
            templates.append(t)
            return templates.count - 1
        }
        func reasonsRef(_ r: [String]) -> Int {
            if let i = reasonIndex[r] { return i }
            reasonIndex[r] = reasons.count
            reasons.append(r)
            return reasons.count - 1
        }
        // Resources in table order (types sorted, report order inside a type): their positions are the subject refs.
        let resourceTypes = Set(resources.map(\.type)).sorted()
        var resourcePosition: [SubjectRef: Int] = [:]
        var position = 0
        for type in resourceTypes {
            for r in resources where r.type == type {
                let ref = SubjectRef(type: r.type.rawValue, id: r.id, name: r.name)
                if resourcePosition[ref] == nil { resourcePosition[ref] = position }
                position += 1
            }
        }
        self.results.reserveCapacity(results.count)
        func ref(_ p: Provenance) -> Int {
            if let i = provenanceIndex[p] { return i }
            provenanceIndex[p] = provenance.count
            var pointer: Int?
            if let text = p.pointer {
                if let n = pointerIndex[text] { pointer = n } else {
                    pointer = pointers.count
                    pointerIndex[text] = pointers.count
                    pointers.append(text)
                }
            }
            provenance.append(ProvenanceRef(item: itemPosition[p.evidence].map(ProvenanceRef.Item.position) ?? .missing(p.evidence),
                                            pointer: pointer, line: p.line))
            return provenance.count - 1
        }
        // Equal lists of positions share one array: the results about one resource, and its row, cite the same
        // provenance (at 10,000 keys, 160,000 lists hold 20,000 distinct ones).
        var sharedLists: [[Int]: [Int]] = [:]
        func shared(_ list: [Int]) -> [Int] {
            if let same = sharedLists[list] { return same }
            sharedLists[list] = list
            return list
        }
        for r in results {
            let key = Group.Key(r)
            let reasonsIndex = reasonsRef(r.reasons)
            let template = r.messageTemplate.map(templateRef)
            let g: Int
            if let i = groupIndex[key] {
                g = i
                groups[i].count += 1
            } else {
                g = groups.count
                groupIndex[key] = g
                groups.append(Group(check: r.check, guideline: r.guideline, verdict: r.verdict, severity: r.severity, reasons: reasonsIndex,
                                    waiver: r.waiver, template: template, count: 1))
            }
            var s: Int?
            if let subject = r.subject {
                if let i = subjectIndex[subject] { s = i } else {
                    s = subjects.count
                    subjectIndex[subject] = subjects.count
                    subjects.append(resourcePosition[subject].map(Subject.resource) ?? .other(subject))
                }
            }
            let finding = r.finding
            var evidence: [Int] = []
            for p in r.evidence { evidence.append(ref(p)) }
            self.results.append(Row(group: g, finding: finding, id: finding == nil ? r.id : nil, subject: s,
                                    reasons: reasonsIndex == groups[g].reasons ? nil : reasonsIndex,
                                    template: template == groups[g].template ? nil : template, message: template == nil ? r.message : nil,
                                    evidence: shared(evidence)))
        }
        // What only the results needed goes before the resource tables are built (peak memory of a 10,000-key run).
        groupIndex = [:]
        subjectIndex = [:]
        reasonIndex = [:]
        templateIndex = [:]
        var tables: [ResourceType: (fields: Set<String>, members: [Resource])] = [:]
        for r in resources {
            tables[r.type, default: ([], [])].fields.formUnion(r.fields.keys)
            tables[r.type, default: ([], [])].members.append(r)
        }
        var resourceTables: [ResourceTable] = []
        for type in tables.keys.sorted() {
            let t = tables[type] ?? ([], [])
            // A field every row holds with one value, or with the row's own id or name, is said once (with more
            // than one row: a single row's fields all stay in it).
            var fields: [String] = []
            var same: [String: FactValue] = [:]
            var identity: [String: String] = [:]
            for f in t.fields.sorted() {
                let first = t.members[0].fields[f]
                if t.members.count > 1, let first, t.members.allSatisfy({ $0.fields[f] == first }) {
                    same[f] = first
                } else if t.members.count > 1, t.members.allSatisfy({ $0.fields[f] == .string($0.id) }) {
                    identity[f] = "id"
                } else if t.members.count > 1, t.members.allSatisfy({ $0.fields[f] == .string($0.name) }) {
                    identity[f] = "name"
                } else {
                    fields.append(f)
                }
            }
            var rows: [ResourceTable.Row] = []
            rows.reserveCapacity(t.members.count)
            for r in t.members {
                var prov: [Int] = []
                for p in r.provenance { prov.append(ref(p)) }
                rows.append(ResourceTable.Row(id: r.id, name: r.name, provenance: shared(prov),
                                              values: fields.map { r.fields[$0].map(ResourceTable.Cell.value) ?? .absent }))
            }
            resourceTables.append(ResourceTable(type: type, fields: fields, same: same, identity: identity, rows: rows))
        }
        self.resources = resourceTables
    }

    /// The evidence id of every item position (table by table).
    private var itemIDs: [String] { evidence.flatMap { $0.items.map(\.id) } }

    /// The provenance entries, as the model holds them.
    /// - Throws: ``ReportTablesError`` when an entry names an item or pointer the tables lack.
    public func expandedProvenance() throws -> [Provenance] {
        let ids = itemIDs
        return try provenance.enumerated().map { n, p in
            let id: String
            switch p.item {
            case .missing(let s): id = s
            case .position(let i):
                guard ids.indices.contains(i) else { throw ReportTablesError(detail: "provenance[\(n)] names evidence item \(i), which evidence lacks") }
                id = ids[i]
            }
            var pointer: String?
            if let i = p.pointer {
                guard pointers.indices.contains(i) else { throw ReportTablesError(detail: "provenance[\(n)] names pointer \(i), which pointers lacks") }
                pointer = pointers[i]
            }
            return Provenance(evidence: id, pointer: pointer, line: p.line)
        }
    }

    /// The evidence items, as the model holds them (table by table).
    public func expandedEvidence() -> [EvidenceItem] {
        evidence.flatMap { t in
            t.items.map { item in
                var e = EvidenceItem(collector: t.collector, locator: t.folder + item.rest, kind: t.kind, size: item.size, sha256: item.sha256,
                                     collectedAt: t.collectedAt)
                e.id = item.id
                return e
            }
        }
    }

    /// The results, as the model holds them.
    /// - Throws: ``ReportTablesError`` when a row names a group, reasons, subject or provenance entry the tables lack.
    public func expandedResults() throws -> [CheckResult] {
        let identities = resources.flatMap { t in t.rows.map { SubjectRef(type: t.type.rawValue, id: $0.id, name: $0.name) } }
        let expanded = try Self.expand(results, groups: groups, reasons: reasons, templates: templates, subjects: subjects, resources: identities)
        let provenance = try expandedProvenance()
        return try zip(results, expanded).enumerated().map { n, pair in
            let (row, r) = pair
            let evidence = try row.evidence.map { e -> Provenance in
                guard provenance.indices.contains(e) else { throw ReportTablesError(detail: "results[\(n)].evidence \(e) is not in provenance") }
                return provenance[e]
            }
            return CheckResult(id: r.id, check: r.check, guideline: r.guideline, verdict: r.verdict, severity: r.severity, subject: r.subject,
                               message: r.message, reasons: r.reasons, evidence: evidence, waiver: r.waiver)
        }
    }

    /// What a row says without its evidence: the finding id, the group's members, the subject, the reasons and the message.
    public struct ExpandedRow: Sendable, Hashable {
        /// The finding id (``CheckResult/id``).
        public var id: String
        /// The check id.
        public var check: String
        /// The guideline id.
        public var guideline: String
        /// The verdict.
        public var verdict: Verdict
        /// The check's severity.
        public var severity: Severity
        /// What the result is about; `nil` for the assessment as a whole.
        public var subject: SubjectRef?
        /// One sentence naming the subject.
        public var message: String
        /// Why.
        public var reasons: [String]
        /// The waiver that turned a failure into `waived`.
        public var waiver: WaiverRef?
    }

    /// Expands `rows` with the tables they refer to; `resources` are the identities of the resource rows, table by
    /// table (what a `{"resource": n}` subject names).
    /// - Throws: ``ReportTablesError`` naming the row and the reference that is out of range.
    public static func expand(_ rows: [Row], groups: [Group], reasons: [[String]], templates: [MessageTemplate], subjects: [Subject],
                              resources: [SubjectRef]) throws -> [ExpandedRow] {
        try rows.enumerated().map { n, row in
            guard groups.indices.contains(row.group) else { throw ReportTablesError(detail: "results[\(n)].group \(row.group) is not in groups") }
            let g = groups[row.group]
            var subject: SubjectRef?
            if let s = row.subject {
                guard subjects.indices.contains(s) else { throw ReportTablesError(detail: "results[\(n)].subject \(s) is not in subjects") }
                switch subjects[s] {
                case .other(let ref): subject = ref
                case .resource(let p):
                    guard resources.indices.contains(p) else { throw ReportTablesError(detail: "subjects[\(s)].resource \(p) is not a resource row") }
                    subject = resources[p]
                }
            }
            let r = row.reasons ?? g.reasons
            guard reasons.indices.contains(r) else { throw ReportTablesError(detail: "results[\(n)]: reasons \(r) is not in reasons") }
            guard let id = row.id ?? row.finding.map({ g.check + ":" + $0 }) else {
                throw ReportTablesError(detail: "results[\(n)] has neither `finding` nor `id`")
            }
            var message = row.message
            if message == nil, let t = row.template ?? g.template, let s = subject {
                guard templates.indices.contains(t) else { throw ReportTablesError(detail: "results[\(n)]: template \(t) is not in templates") }
                message = templates[t].message(for: s.name)
            }
            guard let message else { throw ReportTablesError(detail: "results[\(n)] has no message, and no template and subject to make it") }
            return ExpandedRow(id: id, check: g.check, guideline: g.guideline, verdict: g.verdict, severity: g.severity, subject: subject,
                               message: message, reasons: reasons[r], waiver: g.waiver)
        }
    }

    /// The resources, as the model holds them (table by table).
    /// - Throws: ``ReportTablesError`` when a row's values do not match its table's fields or name a missing provenance entry.
    public func expandedResources() throws -> [Resource] {
        let provenance = try expandedProvenance()
        var out: [Resource] = []
        for t in resources {
            for (n, row) in t.rows.enumerated() {
                guard row.values.count == t.fields.count else {
                    throw ReportTablesError(detail: "resources[\(t.type.rawValue)].rows[\(n)] has \(row.values.count) values for \(t.fields.count) fields")
                }
                var fields = t.same
                for (f, which) in t.identity { fields[f] = .string(which == "id" ? row.id : row.name) }
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
    /// What makes results one group (in `report.json` and on the HTML page alike): check, guideline, verdict,
    /// severity and waiver.
    public struct Key: Hashable, Sendable {
        public var check: String
        public var guideline: String
        public var verdict: Verdict
        public var severity: Severity
        public var waiver: WaiverRef?

        /// The key of `result`.
        public init(_ result: CheckResult) {
            check = result.check
            guideline = result.guideline
            verdict = result.verdict
            severity = result.severity
            waiver = result.waiver
        }
    }
}

/// A `report.json` whose tables do not hold together (an index out of range, a row without a message).
public struct ReportTablesError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the member.
    public var detail: String
    /// ``detail``.
    public var description: String { detail }
}
