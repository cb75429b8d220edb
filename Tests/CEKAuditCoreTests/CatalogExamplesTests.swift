import Foundation
import Testing
@testable import CEKAuditCore

/// The shipped catalog (`Controls/CEK-08.yaml` and the checks and template files it includes from
/// `Controls/CEK-08/`), loaded once for every catalog test, and the harness that turns a check's example into a fact
/// set (DESIGN.md, "Rules as data": a check's examples are its tests; a template's examples are tests of every check
/// derived from it).
enum CatalogFixture {
    /// The package root: the nearest folder above this file that holds `Package.swift`.
    static let packageRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()

    static let catalogPath = packageRoot.appendingPathComponent("Controls/CEK-08.yaml").path

    /// The load outcome; tests that need the catalog fail with the loader's message when it does not load.
    static let loaded: Result<Catalog, CEKAuditError> = {
        do { return .success(try CatalogLoader.load(path: catalogPath)) } catch let e as CEKAuditError {
            return .failure(e)
        } catch {
            return .failure(.unreadable(file: catalogPath, detail: "\(error)"))
        }
    }()

    static var catalog: Catalog? { try? loaded.get() }

    /// The examples clock (stated at the top of `Controls/CEK-08.yaml`): example dates are read against it.
    static let examplesNow = DateParsing.parse("2026-01-01T00:00:00Z") ?? Date(timeIntervalSince1970: 1_767_225_600)

    /// One example of one check, the unit of the parameterized tests.
    struct ExampleCase: Sendable, CustomTestStringConvertible {
        let check: Check
        let example: CheckExample
        var testDescription: String { "\(check.id) · \(example.name) → \(example.expect.rawValue)" }
        /// Where the example is written (the check's file, or its template's).
        var place: String { "\(example.source ?? "?"):\(example.line ?? 0)" }
    }

    /// The probe-backed checks (`Controls/CEK-08-probes.yaml`, added only under `assess --probe`): their examples are
    /// tests like every other check's.
    static let probeChecks: [Check] = {
        guard let catalog, let withProbes = try? CatalogLoader.addingProbeChecks(to: catalog, path: CatalogLoader.probeChecksPath(forCatalog: catalogPath))
        else { return [] }
        return withProbes.checks.filter { check in !catalog.checks.contains { $0.id == check.id } }
    }()

    static let exampleCases: [ExampleCase] = ((catalog?.checks ?? []) + probeChecks).flatMap { check in
        check.examples.map { ExampleCase(check: check, example: $0) }
    }

    static let passCases: [ExampleCase] = exampleCases.filter { $0.example.expect == .pass }

    /// Builds the fact set an example describes: resources of the check's subject with the example's fields
    /// (ids `example-1`, `example-2` …) and the source coverage the example names (``CheckExample/Coverage``):
    /// `complete` lists the subject type completely (an inventory), `declared` supplies it without listing all of it
    /// (a template or plan), `failed` is a source of the type that could not be read, `none` is no source at all.
    static func factSet(for check: Check, facts: [[String: FactValue]], coverage: CheckExample.Coverage) -> FactSet {
        guard let subject = check.subject else { return FactSet() }
        let resources = facts.enumerated().map { Resource(type: subject, id: "example-\($0.offset + 1)", fields: $0.element) }
        let found = [subject.rawValue: resources.count]
        let sources: [SourceCoverage]
        switch coverage {
        case .complete:
            sources = [SourceCoverage(source: "example-inventory", collector: "example", status: .complete,
                                      resourceTypes: [subject], inventoryTypes: [subject], found: found)]
        case .declared:
            sources = [SourceCoverage(source: "example-template", collector: "example", status: .complete,
                                      resourceTypes: [subject], found: found)]
        case .failed:
            sources = [SourceCoverage(source: "example-failed", collector: "example", status: .failed,
                                      resourceTypes: [subject], detail: "simulated collector failure")]
        case .none:
            sources = []
        }
        return FactSet(resources: resources, coverage: sources)
    }

    static func results(_ check: Check, facts: FactSet, parameters: [String: FactValue]) -> [CheckResult] {
        guard let catalog else { return [] }
        return RulesEngine(catalog: catalog, now: examplesNow).evaluate(check, facts: facts, parameterOverrides: parameters)
    }

    /// The roll-up verdict of one check on a fact set.
    static func verdict(_ check: Check, facts: FactSet, parameters: [String: FactValue]) -> Verdict {
        Verdict.rollUp(results(check, facts: facts, parameters: parameters).map(\.verdict))
    }

    static func verdict(of c: ExampleCase) -> Verdict {
        verdict(c.check, facts: factSet(for: c.check, facts: c.example.facts, coverage: c.example.coverage),
                parameters: c.example.parameters)
    }
}

@Suite("Catalog examples")
struct CatalogExamplesTests {
    // MARK: (1) identity of the control, exact ids and numbering

    @Test func probeChecksLoadAndTheAttestationOfAG8StepsAside() throws {
        let catalog = try CatalogFixture.loaded.get()
        let path = CatalogLoader.probeChecksPath(forCatalog: CatalogFixture.catalogPath)
        let withProbes = try CatalogLoader.addingProbeChecks(to: catalog, path: path)
        #expect(CatalogFixture.probeChecks.map(\.id).sorted() == ["CEK08-AG1-PROBE-IMPORT", "CEK08-AG2-PROBE-ISOLATION", "CEK08-AG3-PROBE-LIFECYCLE", "CEK08-AG8-PROBE-RUN"])
        #expect(withProbes.checks.first { $0.id == "CEK08-AG8-PREPRODUCTION-TEST" }?.unlessSupplied == .capability)
        #expect(catalog.checks.first { $0.id == "CEK08-AG8-PREPRODUCTION-TEST" }?.unlessSupplied == nil)
        #expect(withProbes.sha256 != catalog.sha256)
    }

    @Test func catalogLoads() throws {
        let catalog = try CatalogFixture.loaded.get()
        #expect(catalog.schemaVersion == 1)
        #expect(catalog.sha256.count == 64)
        #expect(!CatalogFixture.exampleCases.isEmpty)
    }

    @Test func controlIdentityIsExact() throws {
        let c = try CatalogFixture.loaded.get().control
        #expect(c.id == "CEK-08")
        #expect(c.domainID == "CEK")
        #expect(c.title == "Customer Key Management Capability")
        #expect(c.framework.shortName == "AICM")
        #expect(c.framework.version == "1.0.3")
        let note = try #require(c.versionNotes.first { $0.version == "1.1.0" })
        #expect(note.title == "Service Customer Key Management Capability")
        #expect(c.implementationGuidelines.map(\.id) == (1...6).map { "IG-\($0)" })
        #expect(c.ownership.map(\.actor) == ["csp", "model_provider", "orchestrated", "application_provider"])
        #expect(c.ownership.map(\.owner) == ["CSP-Owned", "MP-Owned", "Shared Across the Supply Chain", "AP-Owned"])
        #expect(c.lifecycle.map(\.phase) == ["preparation", "development", "evaluation", "deployment", "delivery", "retirement"])
    }

    @Test func standardMappingsKeepExactReferences() throws {
        let mappings = try CatalogFixture.loaded.get().control.mappings
        func mapping(_ name: String) -> ControlInfo.Mapping? { mappings.first { $0.standard.contains(name) } }
        let iso42001 = try #require(mapping("42001"))
        #expect(iso42001.gap == "partial")
        #expect(iso42001.references == ["ISO 27001 A.8.24", "ISO 27002 8.24"])
        #expect(try #require(mapping("EU AI Act")).gap == "full")
        #expect(try #require(mapping("NIST AI 600-1")).gap == "full")
        let bsi = try #require(mapping("BSI AIC4"))
        #expect(bsi.gap == "none")
        #expect(bsi.references == ["C4 DM-04", "C5 CRY-03"])
    }

    @Test func guidelinesAreTenAICMAndFourCCMWithExactNumbers() throws {
        let guidelines = try CatalogFixture.loaded.get().guidelines
        let aicm = guidelines.filter { $0.origin == "aicm" }
        let ccm = guidelines.filter { $0.origin == "ccm" }
        #expect(aicm.map(\.id) == (1...10).map { "AG-\($0)" })
        #expect(aicm.map(\.number) == Array(1...10))
        #expect(ccm.map(\.id) == (1...4).map { "CCM-\($0)" })
        #expect(ccm.map(\.number) == Array(1...4))
        #expect(guidelines.count == 14)
    }

    @Test func caiqQuestionDerivesFromEveryGuidelineOnce() throws {
        let catalog = try CatalogFixture.loaded.get()
        #expect(catalog.caiq.map(\.id) == ["CEK-08.1"])
        let q = try #require(catalog.caiq.first)
        #expect(q.ownership == "CSP-Owned")
        // Requirements name guidelines or single checks; the capability checks of AG-1 and AG-3 and all of AG-2.
        #expect(Set(["CEK08-AG1-CMK-EXISTS", "AG-2", "CEK08-AG3-OWNER-HOLDS-LIFECYCLE"]).isSubset(of: Set(q.requires)))
        #expect(Set(q.requires).isDisjoint(with: Set(q.supports)), "a reference is either required or supporting")
        let guidelineRefs = (q.requires + q.supports).filter { ref in catalog.guidelines.contains { $0.id == ref } }
        #expect(guidelineRefs.sorted() == catalog.guidelines.map(\.id).sorted(), "every guideline informs the answer exactly once")
        let checkRefs = (q.requires + q.supports).filter { ref in catalog.checks.contains { $0.id == ref } }
        for ref in checkRefs {
            let guideline = try #require(catalog.checks.first { $0.id == ref }?.guideline)
            #expect(q.supports.contains(guideline), "\(ref) is required on its own, so its guideline \(guideline) is a support")
        }
    }

    // MARK: (2) every example gives the verdict it documents

    @Test(arguments: CatalogFixture.exampleCases)
    func exampleGivesExpectedVerdict(_ c: CatalogFixture.ExampleCase) {
        let facts = CatalogFixture.factSet(for: c.check, facts: c.example.facts, coverage: c.example.coverage)
        let results = CatalogFixture.results(c.check, facts: facts, parameters: c.example.parameters)
        let verdict = Verdict.rollUp(results.map(\.verdict))
        #expect(verdict == c.example.expect,
                "\(c.check.id) example '\(c.example.name)' (\(c.place)): \(results.map { "\($0.verdict.rawValue): \($0.message)" })")
    }

    /// Every finding is one sentence; a per-resource finding names its resource (Prowler style, STYLE.md habit 4).
    @Test(arguments: CatalogFixture.exampleCases)
    func findingsAreOneSentenceNamingTheSubject(_ c: CatalogFixture.ExampleCase) {
        let facts = CatalogFixture.factSet(for: c.check, facts: c.example.facts, coverage: c.example.coverage)
        for r in CatalogFixture.results(c.check, facts: facts, parameters: c.example.parameters) {
            #expect(!r.message.contains("{") && !r.message.contains("}"), "placeholder left in: \(r.message)")
            #expect(!r.message.contains("\n"), "\(r.message)")
            #expect(r.message.hasSuffix("."), "\(r.message)")
            if case .resource = c.check.kind, let subject = r.subject, subject.type == c.check.subject?.rawValue {
                #expect(r.message.contains(subject.name), "\(c.check.id): '\(r.message)' does not name \(subject.name)")
            }
        }
    }

    // MARK: (3) missing evidence never yields pass

    /// For each pass example, every fact it lists must matter: without it (removed from all resources) the check
    /// must no longer pass. Without any source for the subject, or with the only source failed, it must not pass.
    /// (A fact set that holds resources but no coverage entry for them cannot come out of the normalizer, so "no
    /// source" is modelled as no coverage and no resources.)
    @Test(arguments: CatalogFixture.passCases)
    func missingFactsNeverPass(_ c: CatalogFixture.ExampleCase) {
        let fields = Set(c.example.facts.flatMap(\.keys)).sorted()
        for field in fields {
            let stripped = c.example.facts.map { $0.filter { $0.key != field } }
            let facts = CatalogFixture.factSet(for: c.check, facts: stripped, coverage: c.example.coverage)
            let v = CatalogFixture.verdict(c.check, facts: facts, parameters: c.example.parameters)
            #expect(v != .pass, "\(c.check.id) '\(c.example.name)' still passes without \(field)")
            #expect(v != .fail, "\(c.check.id) '\(c.example.name)' fails without \(field): missing evidence is not a failure")
        }
        // Without any source an aggregate with `when_absent: manual` keeps its procedure, a check with
        // `when_unsupplied: not_applicable` says it was not assessed, and every other check is inconclusive. None
        // of them passes.
        let none = CatalogFixture.factSet(for: c.check, facts: [], coverage: .none)
        let withoutSource: Verdict = c.check.whenAbsent != nil ? .manual : (c.check.whenUnsupplied ?? .inconclusive)
        #expect(CatalogFixture.verdict(c.check, facts: none, parameters: c.example.parameters) == withoutSource,
                "\(c.check.id) must be \(withoutSource.rawValue) when no source supplies \(c.check.subject?.rawValue ?? "-")")
        let failed = CatalogFixture.factSet(for: c.check, facts: [], coverage: .failed)
        #expect(CatalogFixture.verdict(c.check, facts: failed, parameters: c.example.parameters) == .inconclusive,
                "\(c.check.id) must be inconclusive when its only source failed")
        if case .resource = c.check.kind {
            // The passing resource is found, but a second source of the same type failed: something may be hidden.
            var partial = CatalogFixture.factSet(for: c.check, facts: c.example.facts, coverage: .complete)
            partial.coverage += CatalogFixture.factSet(for: c.check, facts: [], coverage: .failed).coverage
            #expect(CatalogFixture.verdict(c.check, facts: partial, parameters: c.example.parameters) == .inconclusive)
        }
    }

    /// A template or plan is not an inventory: that it declares no customer-managed key or no trail says nothing
    /// about the account. An aggregate that fails on an inventory must be inconclusive on the same declared facts.
    @Test(arguments: CatalogFixture.exampleCases.filter {
        if case .aggregate = $0.check.kind { return $0.example.expect == .fail && $0.example.coverage == .complete }
        return false
    })
    func aggregatesNeverFailOnAbsenceFromDeclaredSources(_ c: CatalogFixture.ExampleCase) {
        let declared = CatalogFixture.factSet(for: c.check, facts: c.example.facts, coverage: .declared)
        #expect(CatalogFixture.verdict(c.check, facts: declared, parameters: c.example.parameters) == .inconclusive)
    }

    // MARK: (4) every guideline is covered, every automated check documents itself

    @Test func everyGuidelineHasAChecksOrAProcedure() throws {
        for g in try CatalogFixture.loaded.get().guidelines {
            #expect(!g.checks.isEmpty || g.procedure?.isEmpty == false, "\(g.id) has neither checks nor a procedure")
            for check in g.checks {
                if let procedure = check.procedure {
                    #expect(procedure.contains("1.") && procedure.contains("2."), "\(check.id): a procedure is numbered steps")
                    #expect(check.messages[.manual] != nil, "\(check.id) needs a one-sentence manual message")
                }
            }
        }
    }

    @Test func automatedChecksHaveExamplesForEveryOutcomeTheyCanGive() throws {
        for check in try CatalogFixture.loaded.get().checks where check.subject != nil {
            let expected = Set(check.examples.map(\.expect))
            #expect(expected.contains(.pass), "\(check.id) has no pass example")
            #expect(expected.contains(.fail), "\(check.id) has no fail example")
            #expect(expected.contains(.inconclusive), "\(check.id) has no inconclusive example")
            if check.whenAbsent != nil {
                #expect(expected.contains(.manual), "\(check.id) keeps a procedure while nothing is in scope but has no manual example")
            }
            if check.applicable != nil {
                #expect(expected.contains(.notApplicable), "\(check.id) has an applicability condition but no not_applicable example")
                #expect(check.messages[.notApplicable] != nil, "\(check.id) needs a not_applicable message giving the reason")
            }
            for v in [Verdict.pass, .fail, .inconclusive] {
                #expect(check.messages[v] != nil, "\(check.id) has no \(v.rawValue) message")
            }
            #expect(check.rationale?.isEmpty == false, "\(check.id) has no rationale")
        }
    }

    @Test func checkIDsNameTheirGuideline() throws {
        for check in try CatalogFixture.loaded.get().checks {
            let prefix = "CEK08-" + check.guideline.replacingOccurrences(of: "-", with: "") + "-"
            #expect(check.id.hasPrefix(prefix), "\(check.id) should start with \(prefix)")
            #expect(check.id.range(of: #"^CEK08-(AG|CCM)\d+-[A-Z0-9]+(-[A-Z0-9]+)*$"#, options: .regularExpression) != nil,
                    "\(check.id) is not of the form CEK08-AG3-ROTATION-PERIOD")
        }
    }

    /// The loader checks the fields a condition reads, not the placeholders of a message: a typo there would print
    /// "unknown" or a raw `{…}` in every report. Every placeholder must be a fact field of the subject, a declared
    /// parameter, or (aggregates) one of the aggregate values.
    @Test func messagePlaceholdersResolve() throws {
        let aggregateValues: Set<String> = ["count", "matched", "total", "min", "max", "group", "undecided"]
        for check in try CatalogFixture.loaded.get().checks {
            for (verdict, template) in check.messages {
                for name in Self.placeholders(template) {
                    let ok: Bool
                    if name.hasPrefix("param.") {
                        ok = check.parameters[String(name.dropFirst(6))] != nil
                    } else {
                        switch check.kind {
                        case .resource(let subject): ok = FactSchema.knows(name, for: subject)
                        case .aggregate: ok = aggregateValues.contains(name)
                        case .manual: ok = false
                        }
                    }
                    #expect(ok, "\(check.id) \(verdict.rawValue) message uses {\(name)}, which nothing fills")
                }
            }
        }
    }

    /// A declared parameter that no condition reads is a knob that does nothing.
    @Test func everyParameterIsUsed() throws {
        for check in try CatalogFixture.loaded.get().checks {
            var used = (check.applicable?.parameters ?? []) + (check.require?.parameters ?? [])
            if case .aggregate(_, let w, _, let mn, let mx) = check.kind {
                used += (w?.parameters ?? []) + (mn.map { Self.operandParameters($0) } ?? []) + (mx.map { Self.operandParameters($0) } ?? [])
            }
            for name in check.parameters.keys {
                #expect(used.contains(name), "\(check.id) declares parameter \(name) but no condition reads it")
            }
        }
    }

    // MARK: (5) layout: a checks file per guideline, attestation checks from one template

    @Test func everyGuidelinesChecksAreInItsOwnFile() throws {
        let catalog = try CatalogFixture.loaded.get()
        let folder = CatalogFixture.packageRoot.appendingPathComponent("Controls/CEK-08").path
        for check in catalog.checks {
            #expect(check.source == "\(folder)/checks/\(check.guideline).yaml", "\(check.id) is written in \(check.source ?? "?")")
        }
        #expect(catalog.files.first == CatalogFixture.catalogPath)
        #expect(Set(catalog.files.dropFirst()) == Set(["\(folder)/templates.yaml"] + catalog.guidelines.map { "\(folder)/checks/\($0.id).yaml" }))
    }

    /// The attestation checks are not cloned: every aggregate over attestations that stays manual while nothing is
    /// attested is derived from `attestation_check`.
    @Test func attestationChecksAreDerivedFromTheTemplate() throws {
        let catalog = try CatalogFixture.loaded.get()
        let attestation = catalog.checks.filter { $0.subject == .attestation && $0.whenAbsent != nil }
        #expect(attestation.map(\.guideline) == ["AG-5", "AG-6", "AG-7", "AG-8", "AG-9", "AG-10", "CCM-1", "CCM-4"])
        for check in attestation { #expect(check.template == "attestation_check", "\(check.id) is written out instead of derived") }
        let template = try #require(catalog.templates.first { $0.name == "attestation_check" })
        #expect(template.checks == attestation.map(\.id))
    }

    /// The template's examples run for every derived check, with the check's guideline filled in (and another
    /// guideline where the example is about one).
    @Test func theTemplatesExamplesRunForEveryDerivedCheck() throws {
        let catalog = try CatalogFixture.loaded.get()
        let template = try #require(catalog.templates.first { $0.name == "attestation_check" })
        var shared: [String]?
        for id in template.checks {
            let check = try #require(catalog.checks.first { $0.id == id })
            let fromTemplate = check.examples.filter { $0.source == template.source }
            #expect(fromTemplate.count >= 10, "\(id) runs \(fromTemplate.count) of the template's examples")
            let names = fromTemplate.map { $0.name.replacingOccurrences(of: check.guideline, with: "<guideline>") }
            if let shared { #expect(names == shared, "\(id) runs other template examples") } else { shared = names }
            #expect(fromTemplate.contains { $0.name.contains(check.guideline) })
            for example in fromTemplate {
                let named = Set(example.facts.compactMap { $0["guideline"] })
                if example.expect == .manual && !example.facts.isEmpty {
                    #expect(!named.contains(.string(check.guideline)), "\(id) '\(example.name)' should use another guideline")
                } else if !example.facts.isEmpty {
                    #expect(named == [.string(check.guideline)], "\(id) '\(example.name)' names \(named)")
                }
            }
            #expect(CatalogFixture.exampleCases.filter { $0.check.id == id }.count == check.examples.count)
        }
    }

    static func placeholders(_ template: String) -> [String] {
        var out: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    static func operandParameters(_ o: Operand) -> [String] {
        switch o {
        case .param(let p): return [p]
        case .daysAgo(let inner), .daysAhead(let inner): return operandParameters(inner)
        default: return []
        }
    }
}
