import Foundation

/// The full outcome of an assessment: the report model every reporter renders. Versioned
/// (`schema_version`, documented in `Schemas/report.schema.json`); encoded with sorted keys.
public struct AssessmentReport: Sendable, Hashable, Codable {
    /// Version of the report schema.
    public static let schemaVersion = "3.0.0"

    public struct Tool: Sendable, Hashable, Codable {
        public var name: String
        public var version: String
    }
    public struct CatalogRef: Sendable, Hashable, Codable {
        public var source: String
        public var sha256: String
        public var control: String
        public var title: String
        public var framework: String
        public var frameworkVersion: String

        enum CodingKeys: String, CodingKey {
            case source, sha256, control, title, framework
            case frameworkVersion = "framework_version"
        }
    }
    public struct Summary: Sendable, Hashable, Codable {
        /// Roll-up of all guidelines.
        public var verdict: Verdict
        /// Result counts over all checks and subjects.
        public var results: VerdictCounts
        /// Guideline counts per verdict.
        public var guidelines: VerdictCounts
        /// Resources found per type.
        public var resources: [String: Int]
    }

    public var schemaVersion: String
    public var tool: Tool
    public var assessment: String
    /// The assessment time (injected; `SOURCE_DATE_EPOCH` when set).
    public var generatedAt: Date
    public var catalog: CatalogRef
    public var parameters: [String: [String: FactValue]]
    public var summary: Summary
    public var caiq: [CAIQAnswer]
    public var guidelines: [GuidelineResult]
    public var results: [CheckResult]
    public var resources: [Resource]
    public var evidence: [EvidenceItem]
    public var coverage: [SourceCoverage]
    public var diagnostics: [Diagnostic]
    /// The analysis settings the facts were derived with (trusted accounts, organizations, namespaces) and where each
    /// came from: the assessment file, the bundle's record of collection, or an `--assessment` override.
    public var settings: AnalysisSettings
    /// The waiver register: every waiver in force or not, its state and the findings it covers; `nil` when the
    /// assessment has no waiver file (since schema 1.2.0).
    public var waivers: WaiverRegister? = nil
    /// The comparison with a baseline report (`--baseline`); `nil` without one (since schema 1.2.0).
    public var comparison: Comparison? = nil

    enum CodingKeys: String, CodingKey {
        case tool, assessment, catalog, parameters, summary, caiq, guidelines, results, resources, evidence, coverage, diagnostics, settings
        case waivers, comparison
        case schemaVersion = "schema_version"
        case generatedAt = "generated_at"
    }
}

/// Builds an ``AssessmentReport`` from a catalog and facts: evaluation, guideline roll-up and CAIQ derivation.
public enum AssessmentBuilder {
    /// Evaluates and rolls up.
    /// - Parameters:
    ///   - name: the assessment name (report folder name).
    ///   - toolVersion: injected so reports are reproducible.
    ///   - waivers: the waiver file in force, if any: its register becomes facts the AG-7 checks read, and matching
    ///     failures become `waived` before the roll-up (``WaiverStage``).
    public static func build(name: String, catalog: Catalog, facts: FactSet, engine: RulesEngine, toolVersion: String,
                             settings: AnalysisSettings = AnalysisSettings(), waivers: WaiverSet? = nil) -> AssessmentReport {
        let facts = waivers.map { WaiverStage.annotate(facts, waivers: $0, catalog: catalog, engine: engine) } ?? WaiverStage.noRegister(facts)
        var results = engine.evaluate(facts)
        let register = waivers.map { WaiverStage.apply(&results, facts: facts, waivers: $0, now: engine.now,
                                                        cap: WaiverStage.cap(catalog: catalog, engine: engine)) }
        let guidelines = catalog.guidelines.map { g -> GuidelineResult in
            let mine = results.filter { $0.guideline == g.id }
            let summaries: [CheckSummary] = g.checks.map { c in
                let rs = mine.filter { $0.check == c.id }
                return CheckSummary(id: c.id, title: c.title, severity: c.severity, verdict: Verdict.rollUp(rs.map(\.verdict)),
                                    counts: VerdictCounts(rs.map(\.verdict)), rationale: c.rationale, procedure: c.procedure,
                                    source: c.source ?? catalog.source, line: c.line)
            }
            return GuidelineResult(id: g.id, origin: g.origin, number: g.number, title: g.title, text: g.text,
                                   verdict: Verdict.rollUp(mine.map(\.verdict)), counts: VerdictCounts(mine.map(\.verdict)),
                                   checks: summaries, procedure: g.procedure)
        }
        let caiq = catalog.caiq.map { answer($0, guidelines: guidelines, results: results, facts: facts,
                                             catalogVersion: "\(catalog.control.framework.shortName) \(catalog.control.framework.version)") }
        var perType: [String: Int] = [:]
        for r in facts.resources { perType[r.type.rawValue, default: 0] += 1 }
        var params: [String: [String: FactValue]] = [:]
        for c in catalog.checks where !c.parameters.isEmpty { params[c.id] = engine.parameters(for: c) }
        let summary = AssessmentReport.Summary(verdict: Verdict.rollUp(guidelines.map(\.verdict)),
                                               results: VerdictCounts(results.map(\.verdict)),
                                               guidelines: VerdictCounts(guidelines.map(\.verdict)), resources: perType)
        return AssessmentReport(
            schemaVersion: AssessmentReport.schemaVersion, tool: .init(name: "cek-audit", version: toolVersion),
            assessment: name, generatedAt: engine.now,
            catalog: .init(source: catalog.source, sha256: catalog.sha256, control: catalog.control.id, title: catalog.control.title,
                           framework: catalog.control.framework.shortName, frameworkVersion: catalog.control.framework.version),
            parameters: params, summary: summary, caiq: caiq, guidelines: guidelines, results: results,
            resources: facts.resources.sorted { ($0.type, $0.id) < ($1.type, $1.id) }.map { r in var r = r; r.observed = nil; return r },
            evidence: facts.evidence.sorted { $0.locator < $1.locator },
            coverage: facts.coverage.sorted { $0.source < $1.source },
            diagnostics: (facts.diagnostics + catalogDiagnostics(catalog, facts: facts))
                .sorted { ($0.source, $0.line ?? 0, $0.message) < ($1.source, $1.line ?? 0, $1.message) },
            settings: settings, waivers: register)
    }

    /// Problems only visible with the catalog at hand: an attestation for a guideline that no check reads
    /// attestations for changes no verdict, which would otherwise go unnoticed (a typo such as AG-55, or a guideline
    /// judged from configuration only).
    public static func catalogDiagnostics(_ catalog: Catalog, facts: FactSet) -> [Diagnostic] {
        let readers = catalog.checks.filter { $0.subject == .attestation }
        // Guidelines a check's scope names (`where: {field: guideline, eq|in: …}`); nil when its scope is not
        // restricted by guideline, so it reads every attestation.
        func scope(_ check: Check) -> Set<String>? {
            guard case .aggregate(_, let w?, _, _, _) = check.kind else { return nil }
            var names: Set<String> = []
            func walk(_ c: Condition) {
                switch c {
                case .all(let cs), .any(let cs): cs.forEach(walk)
                case .not: break
                case .compare(let field, let op, .literal(let v)) where field == "guideline":
                    if op == .eq, case .string(let s) = v { names.insert(s) }
                    if op == .in, case .list(let l) = v { for case .string(let s) in l { names.insert(s) } }
                case .compare: break
                }
            }
            walk(w)
            return names.isEmpty ? nil : names
        }
        let scopes = readers.map(scope)
        if scopes.contains(where: { $0 == nil }) { return [] }
        let read = scopes.compactMap { $0 }.reduce(into: Set<String>()) { $0.formUnion($1) }
        let locators = Dictionary(facts.evidence.map { ($0.id, $0.locator) }, uniquingKeysWith: { a, _ in a })
        return facts.resources(of: .attestation).compactMap { r in
            guard case .string(let g) = r.value("guideline"), !read.contains(g) else { return nil }
            let place = r.provenance.first
            let known = catalog.guideline(g) != nil
            return Diagnostic(.warning, source: place.flatMap { locators[$0.evidence] } ?? r.id, line: place?.line,
                              message: "the attestation of \(r.name) names \(g), " + (known ? "for which no check of the catalog reads attestations" : "which is not a guideline of \(catalog.control.id)") + ", so it changes no verdict",
                              fix: "attest one of \(catalog.guidelines.map(\.id).filter(read.contains).joined(separator: ", "))")
        }
    }

    /// Derives the proposed answer: any required guideline failing → NO; all passing or not applicable (at least one
    /// passing) → YES; all not applicable → NA; otherwise UNDETERMINED, with the gaps that keep it open.
    static func answer(_ q: CAIQQuestion, guidelines: [GuidelineResult], results: [CheckResult], facts: FactSet,
                       catalogVersion: String) -> CAIQAnswer {
        // A reference is a guideline (its roll-up) or a single check (the roll-up of its results).
        func verdict(_ id: String) -> Verdict {
            if let g = guidelines.first(where: { $0.id == id }) { return g.verdict }
            let rs = results.filter { $0.check == id }
            return rs.isEmpty ? .inconclusive : Verdict.rollUp(rs.map(\.verdict))
        }
        func title(_ id: String) -> String {
            guidelines.first { $0.id == id }?.title ?? guidelines.flatMap(\.checks).first { $0.id == id }?.title ?? id
        }
        let required = q.requires.map { ($0, verdict($0)) }
        let verdicts = required.map(\.1)
        let answer: CAIQAnswer.Answer
        if verdicts.contains(.fail) { answer = .no }
        else if verdicts.allSatisfy({ $0 == .notApplicable }) { answer = .notApplicable }
        // Yes rests on at least one passing result: waivers and "not applicable" alone show nothing.
        else if verdicts.contains(.pass), verdicts.allSatisfy({ [.pass, .notApplicable, .waived].contains($0) }) { answer = .yes }
        else { answer = .undetermined }

        var supporting: [String] = []
        var gaps: [String] = []
        // A result is cited once, under the first reference that covers it (a required check before its guideline).
        var cited = Set<String>()
        for id in q.requires + q.supports {
            let rs = results.filter { ($0.guideline == id || $0.check == id) && !cited.contains($0.id) }
            cited.formUnion(rs.map(\.id))
            let title = title(id)
            // Aggregate passes say the most ("3 customer-managed keys: …"); per-resource passes are counted.
            let isAggregate: (CheckResult) -> Bool = { $0.subject?.id == "*" || $0.subject?.id.contains("=") == true }
            let passes = rs.filter { $0.verdict == .pass }
            for r in passes where isAggregate(r) { supporting.append("\(id): \(r.message)") }
            let perResource = passes.filter { !isAggregate($0) }
            if !perResource.isEmpty { supporting.append("\(id) (\(title)): \(perResource.count) resource(s) pass.") }
            for r in rs where r.verdict == .fail || r.verdict == .inconclusive { gaps.append("\(id) [\(r.verdict.rawValue)]: \(r.message)") }
            if verdict(id) == .manual && rs.contains(where: { $0.verdict == .manual }) {
                gaps.append("\(id) [manual]: \(title) needs an attestation or an auditor's review.")
            }
        }
        let claims = Self.claims(q, guidelines: guidelines, results: results, facts: facts)
        var description = claims.map(\.text).joined(separator: " ")
        switch answer {
        case .yes: description += " The evidence supports every part of the capability the question asks about."
        case .no: description += " The capability is not yet fully in place; the gaps listed are the provider's to close (\(q.ownership))."
        case .undetermined: description += " The answer stays open until the gaps listed are evidenced."
        case .notApplicable: description += " No part of the capability applies to the services assessed."
        }
        return CAIQAnswer(id: q.id, question: q.question, answer: answer, ownership: q.ownership, description: description,
                          requires: Dictionary(uniqueKeysWithValues: required),
                          supports: Dictionary(uniqueKeysWithValues: q.supports.map { ($0, verdict($0)) }),
                          supportingEvidence: supporting, gaps: gaps, catalogVersion: catalogVersion,
                          customerResponsibilities: Self.customerResponsibilities(facts), claims: claims)
    }

    /// The implementation description as claims a provider can paste: which custody models the evidence shows, then
    /// one sentence per guideline the question rests on, in the guideline's own title, with what the results showed —
    /// never a check id. Each claim lists the evidence items behind it.
    static func claims(_ q: CAIQQuestion, guidelines: [GuidelineResult], results: [CheckResult], facts: FactSet) -> [CAIQAnswer.Claim] {
        var out: [CAIQAnswer.Claim] = []
        let keys = facts.resources(of: .key)
        if keys.isEmpty {
            out.append(.init(text: "The evidence read describes no encryption keys.", evidence: []))
        } else {
            var custody: [String: Int] = [:]
            for k in keys { custody[k.value("custody").isKnown ? k.value("custody").displayText : "unknown", default: 0] += 1 }
            let names: [(String, String)] = [
                ("customer-generated", "generated by the key-management service under the customer's control"),
                ("imported", "holding key material the customer imported (bring your own key)"),
                ("hsm-key-store", "kept in a dedicated HSM"),
                ("external-key-store", "held in an external key manager the customer runs (hold your own key)"),
                ("provider-owned", "owned and managed by the provider"),
                ("unknown", "whose custody the evidence does not show"),
            ]
            let parts = names.compactMap { n, text in custody[n].map { "\($0) \(text)" } }
            let tenants = Set(keys.compactMap { k -> String? in if case .string(let t) = k.value("tenant") { return t }; return nil })
            let services = Set(keys.compactMap { k -> String? in if case .string(let t) = k.value("service") { return t }; return nil })
            let serviceNames = ["aws-kms": "AWS KMS", "gcp-kms": "Google Cloud KMS", "azure-keyvault": "Azure Key Vault", "openbao": "OpenBao / Vault"]
            let serviceText = services.sorted().map { serviceNames[$0] ?? $0 }.joined(separator: ", ")
            out.append(.init(
                text: "The evidence shows \(keys.count) key\(keys.count == 1 ? "" : "s") across \(tenants.count) tenant\(tenants.count == 1 ? "" : "s")"
                    + (serviceText.isEmpty ? "" : " in \(serviceText)") + ": " + parts.joined(separator: ", ") + ".",
                evidence: Array(Set(keys.flatMap { $0.provenance.map(\.evidence) })).sorted()))
        }
        for id in q.requires + q.supports {
            guard let g = guidelines.first(where: { $0.id == id }) else { continue }
            let rs = results.filter { $0.guideline == id }
            let counts = VerdictCounts(rs.map(\.verdict))
            let judged = rs.filter { $0.verdict != .notApplicable }
            let subjects = Set(judged.compactMap { $0.subject?.id }.filter { $0 != "*" }).count
            let over = subjects > 0 ? " over \(subjects) resource\(subjects == 1 ? "" : "s")" : ""
            let text: String
            switch g.verdict {
            case .pass: text = "\(g.title): shown — \(counts.pass) passing result\(counts.pass == 1 ? "" : "s")\(over)."
            case .waived: text = "\(g.title): shown, with \(counts.waived) recorded exception\(counts.waived == 1 ? "" : "s") under waiver."
            case .fail: text = "\(g.title): not yet — \(counts.fail) finding\(counts.fail == 1 ? "" : "s") and \(counts.pass) passing result\(counts.pass == 1 ? "" : "s")\(over)."
            case .inconclusive: text = "\(g.title): not decided — the evidence leaves \(counts.inconclusive) point\(counts.inconclusive == 1 ? "" : "s") open\(counts.pass > 0 ? " next to \(counts.pass) passing" : "")."
            case .manual: text = "\(g.title): needs an attestation or an auditor's review."
            case .notApplicable: text = "\(g.title): does not apply to the services assessed."
            }
            out.append(.init(text: text, evidence: Array(Set(judged.flatMap { $0.evidence.map(\.evidence) })).sorted()))
        }
        return out
    }

    /// The customer's side of the shared responsibility, from the custody models the keys show: deciding key
    /// policies, rotation and deletion and watching usage logs always; keeping and re-importing material for imported
    /// keys; running and securing the key manager for external keys.
    static func customerResponsibilities(_ facts: FactSet) -> String {
        var out = ["Customers create or import their keys, decide who may use and administer them, set rotation and deletion, and review their key-usage logs."]
        let custody = Set(facts.resources(of: .key).map { $0.value("custody").displayText })
        if custody.contains("imported") {
            out.append("For imported keys they keep a secure copy of the material, and re-import it before it expires.")
        }
        if custody.contains("external-key-store") {
            out.append("For keys held in their own external key manager they run it, keep it available and secure, and decide which access requests it honours.")
        }
        if custody.contains("hsm-key-store") {
            out.append("For keys in a dedicated HSM they manage the HSM's users and its availability.")
        }
        return out.joined(separator: " ")
    }
}
