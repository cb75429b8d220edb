import CEKAuditCore
import Foundation

/// NIST OSCAL 1.1.2 output: the assessment results (`report.oscal.json`), the minimal assessment plan they import
/// (`assessment-plan.oscal.json`, written beside them) and the catalog of the control (`controls export`).
///
/// Model references: OSCAL 1.1.2 `oscal_assessment-results_metaschema.xml`, `oscal_assessment-plan_metaschema.xml`,
/// `oscal_assessment-common_metaschema.xml` and `oscal_catalog_metaschema.xml` (usnistgov/OSCAL tag v1.1.2).
///
/// - Identifiers: the control and its guidelines become OSCAL tokens (``token(_:)``): `CEK-08` → `cek-08`, guideline
///   `AG-1` → `cek-08_ag-1`, its assessment objective `cek-08_ag-1_obj`. The literal CSA ids are kept in props with
///   the project's namespace ``namespace``.
/// - UUIDs: every `uuid` is a version 5 UUID (``NameBasedUUID``) of a stable name (the finding id, the subject's type
///   and id, the guideline id), so two runs over the same evidence at the same assessment time give the same bytes.
/// - Links: one observation per check result (`methods` `TEST`, or `EXAMINE` for a manual result), its subject an
///   inventory item of the result's `local-definitions`, its origin the tool's component, and one `relevant-evidence`
///   per evidence item (its pointers and lines in the description) with the SHA-256 in a namespaced prop; one finding per guideline whose target is the
///   guideline's objective (``targetStatus(_:)`` maps the verdict); one risk per failed or waived result.
public struct OSCALReporter: Sendable {
    /// The OSCAL version the documents declare (`metadata.oscal-version`).
    public static let oscalVersion = "1.1.2"
    /// The namespace of the project's own props (OSCAL: a prop whose `name` is not NIST's carries an `ns`).
    public static let namespace = "https://github.com/cek-audit/cek-audit/ns/oscal"
    /// The assessment plan's file name, beside the results (`import-ap.href`, a relative reference).
    public static let planFileName = "assessment-plan.oscal.json"

    /// A reporter; it holds no state.
    public init() {}

    // MARK: Identifiers

    /// An OSCAL token (`^[_\p{L}][_\p{L}\p{N}.-]*$`, lower-cased here) for a CSA id: lower case; every character other
    /// than ASCII letters, digits, `.`, `-` and `_` (such as the `&` of `A&A-01`) becomes `_`; a leading character
    /// that is not a letter gets a `_` before it. `CEK-08` → `cek-08`, `A&A-01` → `a_a-01`.
    public static func token(_ id: String) -> String {
        var s = String(id.lowercased().unicodeScalars.map { c -> Character in
            let ok = ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "-" || c == "_"
            return ok ? Character(c) : "_"
        })
        if s.isEmpty || !(s.unicodeScalars.first.map { ("a"..."z").contains($0) || $0 == "_" } ?? false) { s = "_" + s }
        return s
    }

    /// The control id of a guideline: `cek-08_ag-1`.
    public static func guidelineID(control: String, guideline: String) -> String { token(control) + "_" + token(guideline) }

    /// The assessment objective of a guideline, the `target-id` of its finding: `cek-08_ag-1_obj`.
    public static func objectiveID(control: String, guideline: String) -> String { guidelineID(control: control, guideline: guideline) + "_obj" }

    /// `finding.target.status` for a guideline verdict: pass → `satisfied` (reason `pass`); fail → `not-satisfied`
    /// (reason `fail`); inconclusive, manual, not applicable and waived → `not-satisfied` with reason `other` (nothing
    /// shows the objective met: the evidence was missing, a person has to examine it, nothing was in scope, or a
    /// failure was accepted); the verdict itself is in the finding's `verdict` prop.
    public static func targetStatus(_ v: Verdict) -> (state: String, reason: String) {
        switch v {
        case .pass: return ("satisfied", "pass")
        case .fail: return ("not-satisfied", "fail")
        case .inconclusive, .manual, .notApplicable, .waived: return ("not-satisfied", "other")
        }
    }

    static func prop(_ name: String, _ value: String) -> JSONValue {
        .object(["name": .string(name), "ns": .string(namespace), "value": .string(value)])
    }

    static func metadata(title: String, date: Date, version: String, props: [JSONValue] = []) -> JSONValue {
        var m: [String: JSONValue] = ["title": .string(title), "last-modified": .string(DateParsing.iso(date)),
                                      "version": .string(version), "oscal-version": .string(oscalVersion)]
        if !props.isEmpty { m["props"] = .array(props) }
        return .object(m)
    }

    /// The `include-controls` of the control and every guideline.
    static func controlSelections(control: String, guidelines: [String]) -> JSONValue {
        .object(["control-selections": .array([.object(["include-controls": .array(
            ([token(control)] + guidelines.map { guidelineID(control: control, guideline: $0) }).map { .object(["control-id": .string($0)]) }
        )])])])
    }

    /// Two-space indented JSON with sorted keys, ending in a newline.
    static func document(_ v: JSONValue) -> Data {
        var data = Data(SARIFReporter.pretty(v).utf8)
        data.append(0x0A)
        return data
    }

    // MARK: Assessment results

    /// The assessment results (`assessment-results`, OSCAL 1.1.2).
    public func render(_ report: AssessmentReport) -> Data {
        let control = report.catalog.control
        let when = DateParsing.iso(report.generatedAt)
        let run = "\(report.assessment)/\(when)"
        let toolUUID = NameBasedUUID.v5("component/tool/\(report.tool.name)")
        let evidence = Dictionary(report.evidence.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var titles: [String: String] = [:]
        for g in report.guidelines { for c in g.checks where titles[c.id] == nil { titles[c.id] = c.title } }

        // Subjects: one inventory item per distinct subject, in order of first appearance.
        var items: [JSONValue] = []
        // Keyed by type and id, the UUID's own input: two results naming one resource differently share one item
        // (OSCAL forbids two items with one UUID).
        var itemUUID: [String: String] = [:]
        for s in report.results.compactMap(\.subject) where itemUUID["\(s.type)/\(s.id)"] == nil {
            let uuid = NameBasedUUID.v5("inventory-item/\(s.type)/\(s.id)")
            itemUUID["\(s.type)/\(s.id)"] = uuid
            items.append(.object([
                "uuid": .string(uuid),
                "description": .string("\(s.type) \(s.name) (\(s.id))"),
                "props": .array([Self.prop("resource-type", s.type), Self.prop("resource-id", s.id), Self.prop("resource-name", s.name)]),
            ]))
        }

        var observations: [JSONValue] = []
        var risks: [JSONValue] = []
        var observationsOf: [String: [String]] = [:]
        var risksOf: [String: [String]] = [:]
        var seen: [String: Int] = [:]
        for r in report.results {
            // Result ids are unique per check and subject; a repeat (not expected) still gets its own UUID.
            let n = seen[r.id, default: 0]
            seen[r.id] = n + 1
            let key = n == 0 ? r.id : "\(r.id)#\(n)"
            let uuid = NameBasedUUID.v5("observation/\(run)/\(key)")
            observationsOf[r.guideline, default: []].append(uuid)
            var props = [Self.prop("finding-id", r.id), Self.prop("check-id", r.check), Self.prop("guideline-id", r.guideline),
                         Self.prop("verdict", r.verdict.rawValue), Self.prop("severity", r.severity.rawValue)]
            if let w = r.waiver { props.append(Self.prop("waiver-id", w.id)) }
            var o: [String: JSONValue] = [
                "uuid": .string(uuid),
                "title": .string("\(r.check): \(titles[r.check] ?? r.check)"),
                "description": .string(([r.message] + r.reasons).joined(separator: "\n")),
                "props": .array(props),
                "methods": .array([.string(r.verdict == .manual ? "EXAMINE" : "TEST")]),
                "origins": .array([.object(["actors": .array([.object(["type": .string("tool"), "actor-uuid": .string(toolUUID)])])])]),
                "collected": .string(when),
            ]
            if let s = r.subject, let item = itemUUID["\(s.type)/\(s.id)"] {
                o["subjects"] = .array([.object(["subject-uuid": .string(item), "type": .string("inventory-item"), "title": .string(s.name)])])
            }
            // One relevant-evidence per evidence item, in order of first citation; its links (pointer, line) in the text.
            var order: [String] = []
            var links: [String: [Provenance]] = [:]
            for p in r.evidence {
                if links[p.evidence] == nil { order.append(p.evidence) }
                links[p.evidence, default: []].append(p)
            }
            let relevant: [JSONValue] = order.map { id in
                var props = [Self.prop("evidence-id", id)]
                var text = "Evidence \(id)"
                if let item = evidence[id] {
                    props.append(Self.prop("sha256", item.sha256))
                    props.append(Self.prop("collector", item.collector))
                    text = "\(item.kind) read by \(item.collector) from \(item.locator)"
                }
                let places = (links[id] ?? []).compactMap { p -> String? in
                    switch (p.pointer, p.line) {
                    case let (pointer?, line?): return "\(pointer) (line \(line))"
                    case let (pointer?, nil): return pointer
                    case let (nil, line?): return "line \(line)"
                    case (nil, nil): return nil
                    }
                }
                if !places.isEmpty { text += " at " + places.joined(separator: ", ") }
                for p in links[id] ?? [] { if let pointer = p.pointer { props.append(Self.prop("pointer", pointer)) } }
                return .object(["description": .string(text), "props": .array(props)])
            }
            if !relevant.isEmpty { o["relevant-evidence"] = .array(relevant) }
            observations.append(.object(o))

            if r.verdict == .fail || r.verdict == .waived {
                let risk = NameBasedUUID.v5("risk/\(run)/\(key)")
                risksOf[r.guideline, default: []].append(risk)
                var rk: [String: JSONValue] = [
                    "uuid": .string(risk),
                    "title": .string("\(r.check) failed" + (r.subject.map { " for \($0.name)" } ?? "")),
                    "description": .string(r.message),
                    "statement": .string((r.reasons.isEmpty ? [r.message] : r.reasons).joined(separator: "\n")),
                    "status": .string(r.verdict == .waived ? "deviation-approved" : "open"),
                    "props": .array([Self.prop("finding-id", r.id), Self.prop("severity", r.severity.rawValue)]),
                    "related-observations": .array([.object(["observation-uuid": .string(uuid)])]),
                ]
                if let w = r.waiver { rk["deadline"] = .string(DateParsing.iso(w.expires)) }
                risks.append(.object(rk))
            }
        }

        let findings: [JSONValue] = report.guidelines.map { g in
            let status = Self.targetStatus(g.verdict)
            var f: [String: JSONValue] = [
                "uuid": .string(NameBasedUUID.v5("finding/\(run)/\(g.id)")),
                "title": .string("\(g.id) \(g.title)"),
                "description": .string(g.text),
                "props": .array([Self.prop("aicm-guideline-id", g.id), Self.prop("verdict", g.verdict.rawValue)]),
                "target": .object([
                    "type": .string("objective-id"),
                    "target-id": .string(Self.objectiveID(control: control, guideline: g.id)),
                    "status": .object(["state": .string(status.state), "reason": .string(status.reason)]),
                ]),
            ]
            if let o = observationsOf[g.id], !o.isEmpty { f["related-observations"] = .array(o.map { .object(["observation-uuid": .string($0)]) }) }
            if let rk = risksOf[g.id], !rk.isEmpty { f["related-risks"] = .array(rk.map { .object(["risk-uuid": .string($0)]) }) }
            return .object(f)
        }

        var localDefinitions: [String: JSONValue] = ["components": .array([Self.toolComponent(report, uuid: toolUUID)])]
        if !items.isEmpty { localDefinitions["inventory-items"] = .array(items) }
        var result: [String: JSONValue] = [
            "uuid": .string(NameBasedUUID.v5("result/\(run)")),
            "title": .string("\(control) assessment of \(report.assessment)"),
            "description": .string("Verdict \(report.summary.verdict.rawValue): \(report.summary.results.total) check results over \(report.guidelines.count) guidelines."),
            "start": .string(when),
            "end": .string(when),
            "props": .array([Self.prop("verdict", report.summary.verdict.rawValue)]),
            "local-definitions": .object(localDefinitions),
            "reviewed-controls": Self.controlSelections(control: control, guidelines: report.guidelines.map(\.id)),
            "findings": .array(findings),
        ]
        if !observations.isEmpty { result["observations"] = .array(observations) }
        if !risks.isEmpty { result["risks"] = .array(risks) }
        let doc: JSONValue = .object(["assessment-results": .object([
            "uuid": .string(NameBasedUUID.v5("assessment-results/\(run)")),
            "metadata": Self.metadata(title: "\(control) assessment results: \(report.assessment)", date: report.generatedAt,
                                      version: report.tool.version, props: Self.frameworkProps(report)),
            "import-ap": .object(["href": .string(Self.planFileName)]),
            "results": .array([.object(result)]),
        ])])
        return Self.document(doc)
    }

    static func frameworkProps(_ report: AssessmentReport) -> [JSONValue] {
        [prop("aicm-control-id", report.catalog.control), prop("aicm-version", report.catalog.frameworkVersion),
         prop("catalog-sha256", report.catalog.sha256)]
    }

    static func toolComponent(_ report: AssessmentReport, uuid: String) -> JSONValue {
        .object([
            "uuid": .string(uuid), "type": .string("software"), "title": .string(report.tool.name),
            "description": .string("\(report.tool.name) \(report.tool.version), the CSA AICM \(report.catalog.control) auditing tool."),
            "props": .array([Self.prop("tool-version", report.tool.version)]),
            "status": .object(["state": .string("operational")]),
        ])
    }

    // MARK: Assessment plan

    /// The minimal assessment plan (`assessment-plan`, OSCAL 1.1.2) the results import: the reviewed controls, and a
    /// back-matter resource standing for the system under assessment (`import-ssp` is required, and no system
    /// security plan exists: the assessment folder is the system's description).
    public func plan(_ report: AssessmentReport) -> Data {
        let control = report.catalog.control
        let run = "\(report.assessment)/\(DateParsing.iso(report.generatedAt))"
        let system = NameBasedUUID.v5("resource/system/\(run)")
        let doc: JSONValue = .object(["assessment-plan": .object([
            "uuid": .string(NameBasedUUID.v5("assessment-plan/\(run)")),
            "metadata": Self.metadata(title: "\(control) assessment plan: \(report.assessment)", date: report.generatedAt,
                                      version: report.tool.version, props: Self.frameworkProps(report)),
            "import-ssp": .object(["href": .string("#\(system)")]),
            "reviewed-controls": Self.controlSelections(control: control, guidelines: report.guidelines.map(\.id)),
            "back-matter": .object(["resources": .array([.object([
                "uuid": .string(system),
                "title": .string("System under assessment: \(report.assessment)"),
                "description": .string("No system security plan: the evidence in the assessment folder \(report.assessment) describes the system."),
            ])])]),
        ])])
        return Self.document(doc)
    }

    // MARK: Catalog

    /// The catalog of the control (`catalog`, OSCAL 1.1.2) in the catalog's own wording: the control `cek-08` with its
    /// statement, and one nested control per guideline (`cek-08_ag-1`, class `guideline`) with its statement and an
    /// `assessment-objective` part (`cek-08_ag-1_obj`) listing the checks that assess it.
    /// - Parameter date: `metadata.last-modified` (the caller's clock; `SOURCE_DATE_EPOCH` when set).
    public static func catalog(_ catalog: Catalog, date: Date, toolVersion: String) -> Data {
        let c = catalog.control
        let id = token(c.id)
        let guidelines: [JSONValue] = catalog.guidelines.map { g in
            let gid = guidelineID(control: c.id, guideline: g.id)
            var objective = g.checks.isEmpty ? "Determine by examination that the guideline is met."
                : "Determine that these checks pass: " + g.checks.map { "\($0.id) (\($0.title))" }.joined(separator: "; ") + "."
            if let p = g.procedure { objective += "\n\nProcedure: " + p }
            return .object([
                "id": .string(gid), "class": .string("guideline"), "title": .string(g.title),
                "props": .array([.object(["name": .string("label"), "value": .string(g.id)]), prop("aicm-guideline-origin", g.origin)]),
                "parts": .array([
                    .object(["id": .string(gid + "_smt"), "name": .string("statement"), "prose": .string(g.text)]),
                    .object(["id": .string(gid + "_obj"), "name": .string("assessment-objective"), "prose": .string(objective)]),
                ]),
            ])
        }
        let control: JSONValue = .object([
            "id": .string(id), "class": .string("aicm-control"), "title": .string(c.title),
            "props": .array([.object(["name": .string("label"), "value": .string(c.id)]), prop("aicm-control-id", c.id)]),
            "parts": .array([.object(["id": .string(id + "_smt"), "name": .string("statement"), "prose": .string(c.statement)])]),
            "controls": .array(guidelines),
        ])
        let doc: JSONValue = .object(["catalog": .object([
            "uuid": .string(NameBasedUUID.v5("catalog/\(c.id)/\(c.framework.version)/\(catalog.sha256)")),
            "metadata": metadata(title: "\(c.framework.name) \(c.framework.version): \(c.id) \(c.title) (cek-audit wording)", date: date,
                                 version: toolVersion,
                                 props: [prop("aicm-version", c.framework.version), prop("catalog-sha256", catalog.sha256)]),
            "groups": .array([.object([
                "id": .string(token(c.domainID)), "class": .string("domain"), "title": .string(c.domainTitle),
                "controls": .array([control]),
            ])]),
        ])])
        return document(doc)
    }
}
