import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// The attestation collector on `Fixtures/attestations/` (assessment time 2026-11-01): AG-5 current, AG-6 changed
/// document, AG-7 missing document, AG-9 stale review, CCM-1 expired; AG-8, AG-10 and CCM-4 not attested.
struct AttestationCollectorTests {
    let collector = AttestationCollector()
    static let file = "attestations/attestations.yaml"

    func attestation(_ facts: FactSet, _ guideline: String) throws -> Resource {
        try #require(facts.resources.first { $0.type == .attestation && $0["guideline"] == .string(guideline) })
    }

    @Test func currentAttestationMatchesItsDocument() async throws {
        let facts = try Fixtures.run(collector, Self.file)
        #expect(facts.resources.count == 5)
        let r = try attestation(facts, "AG-5")
        #expect(r.id == "attestations/attestations.yaml#attestations[0]")
        #expect(r.name == "attestations/docs/key-control-scope.md", "named by its path in the assessment")
        #expect(r["document"] == .string("docs/key-control-scope.md"))
        #expect(r["present"] == .bool(true))
        #expect(r["hash_matches"] == .bool(true))
        #expect(r["sha256_actual"] == r["sha256_expected"])
        #expect(r["owner_role"] == .string("Product Security lead"))
        #expect(r["approved_by"] == .string("CISO"))
        #expect(r["reviewed_on"] == .string("2026-05-04T00:00:00Z"))
        #expect(r["expires"] == .string("2027-05-04T00:00:00Z"))
        // The entry's line in the attestation file, and the document as an evidence item of its own.
        #expect(r.provenance.first?.line == 6)
        let doc = try #require(facts.evidence.first { $0.locator == "attestations/docs/key-control-scope.md" })
        #expect(doc.kind == "attested-document")
        #expect(doc.collector == "attestations")
        #expect(r.provenance.contains { $0.evidence == doc.id })
        #expect(facts.payloads[doc.id] != nil)
    }

    @Test func changedDocumentDoesNotMatch() async throws {
        let r = try attestation(try Fixtures.run(collector, Self.file), "AG-6")
        #expect(r["present"] == .bool(true))
        #expect(r["hash_matches"] == .bool(false))
        #expect(r["sha256_actual"] != r["sha256_expected"])
        #expect(r["expires"] == .null)
    }

    @Test func missingDocumentIsAbsentAndItsHashUnknownWithTheReason() async throws {
        let facts = try Fixtures.run(collector, Self.file)
        let r = try attestation(facts, "AG-7")
        #expect(r["present"] == .bool(false))
        #expect(r["hash_matches"]?.unknownReason == "attestations/docs/exception-register.md does not exist, so its hash cannot be compared")
        #expect(r["sha256_actual"]?.isKnown == false)
        #expect(facts.diagnostics.contains { $0.severity == .warning && $0.line == 19 && $0.message.contains("exception-register.md") })
    }

    @Test func pathsAreNormalisedAndHashesCompareCaseInsensitively() async throws {
        let r = try attestation(try Fixtures.run(collector, Self.file), "AG-9")
        #expect(r.name == "attestations/docs/annual-review-2025.md")
        #expect(r["document"] == .string("./docs/../docs/annual-review-2025.md"), "kept as written")
        #expect(r["hash_matches"] == .bool(true), "the file records the hash in upper case")
        #expect(r["reviewed_on"] == .string("2025-06-30T09:00:00Z"))
    }

    @Test func theAttestationFilesAreTheInventoryOfAttestations() async throws {
        let facts = try Fixtures.run(collector, Self.file)
        let c = try #require(facts.coverage.first)
        #expect(c.status == .complete)
        #expect(c.resourceTypes == [.attestation])
        #expect(c.inventoryTypes == [.attestation])
        #expect(c.found == ["attestation": 5])
        // Each document read once, plus the attestation file itself.
        #expect(facts.evidence.count == 5)
    }

    @Test func recognisedByContent() async throws {
        let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent(Self.file))
        #expect(try Fixtures.recognizedKind("anything.yaml", data: data) == "attestations")
        let other = Data("schema_version: 1\nname: x\nsources: []\n".utf8)
        #expect(try Fixtures.recognizedKind("x.yaml", data: other) == nil, "not an attestation file")
    }

    @Test func aFolderIsNotADocument() async throws {
        let data = Data("""
        schema_version: 1
        attestations:
          - {guideline: AG-5, document: docs, sha256: \(String(repeating: "a", count: 64)), owner_role: o, approved_by: a, reviewed_on: 2026-01-01}
        """.utf8)
        let facts = try Fixtures.run(collector, data: data, locator: "a.yaml", path: Fixtures.path("attestations/a.yaml"))
        #expect(facts.resources.first?["present"] == .bool(false))
        #expect(facts.resources.first?["hash_matches"]?.unknownReason?.contains("is a folder") == true)
    }

    @Test func withoutAPathOnDiskDocumentsAreUnknownNeverAbsent() async throws {
        let data = try Data(contentsOf: Fixtures.folder.appendingPathComponent(Self.file))
        let facts = try Fixtures.run(collector, data: data, locator: "attestations.yaml", path: nil)
        for r in facts.resources {
            #expect(r["present"]?.isKnown == false)
            #expect(r["hash_matches"]?.isKnown == false)
        }
    }

    // MARK: strictness: file:line:column, and a broken file fails as a whole

    static let valid = """
    schema_version: 1
    attestations:
      - guideline: AG-5
        document: docs/key-control-scope.md
        sha256: 5005bb05cdf58510e921ec5ada504578f7e7d960c2432e02fe128c275139bbff
        owner_role: Product Security lead
        approved_by: CISO
        reviewed_on: 2026-05-04
    """

    struct Breakage: Sendable, CustomTestStringConvertible {
        var name: String
        var from: String
        var to: String
        var line: Int
        var column: Int
        var says: String
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        .init(name: "unknown key", from: "owner_role:", to: "owner_rol:", line: 6, column: 5, says: "unknown key 'owner_rol'"),
        .init(name: "missing key", from: "    approved_by: CISO\n", to: "", line: 3, column: 5, says: "missing required key 'approved_by'"),
        .init(name: "hash too short", from: "sha256: 5005bb05", to: "sha256: 5005bb", line: 5, column: 13, says: "is not a SHA-256"),
        .init(name: "hash not hex", from: "sha256: 5005bb05", to: "sha256: x005bb05", line: 5, column: 13, says: "is not a SHA-256"),
        .init(name: "not a date", from: "reviewed_on: 2026-05-04", to: "reviewed_on: last spring", line: 8, column: 18, says: "is not a date"),
        .init(name: "a day that does not exist", from: "reviewed_on: 2026-05-04", to: "reviewed_on: 2026-02-30", line: 8, column: 18, says: "is not a date"),
        .init(name: "a bare year is not a date", from: "reviewed_on: 2026-05-04", to: "reviewed_on: 2026", line: 8, column: 18, says: "is not a date"),
        .init(name: "expiry before review", from: "reviewed_on: 2026-05-04", to: "reviewed_on: 2026-05-04\n    expires: 2026-01-01",
              line: 9, column: 14, says: "is before reviewed_on"),
        .init(name: "guideline id", from: "guideline: AG-5", to: "guideline: AG5", line: 3, column: 16, says: "is not a guideline id"),
        .init(name: "absolute document path", from: "document: docs/", to: "document: /etc/", line: 4, column: 15, says: "is not a relative path"),
        .init(name: "schema version", from: "schema_version: 1", to: "schema_version: 2", line: 1, column: 17, says: "schema_version 2 is not supported"),
    ]

    @Test(arguments: breakages)
    func brokenFileFailsWithItsPlace(_ b: Breakage) async throws {
        #expect(Self.valid.contains(b.from))
        let data = Data(Self.valid.replacingOccurrences(of: b.from, with: b.to).utf8)
        let facts = try Fixtures.run(collector, data: data, locator: "attestations.yaml", path: Fixtures.path("attestations/attestations.yaml"))
        #expect(facts.resources.isEmpty)
        #expect(facts.coverage.map(\.status) == [.failed])
        #expect(facts.coverage.first?.resourceTypes == [.attestation])
        let d = try #require(facts.diagnostics.first)
        #expect(d.severity == .error)
        #expect(d.source == "attestations.yaml")
        #expect(d.message.contains(b.says), "\(d)")
        #expect(d.line == b.line && d.column == b.column, "\(d)")
        #expect(d.fix != nil)
    }

    @Test func validBaselineReads() async throws {
        let facts = try Fixtures.run(collector, data: Data(Self.valid.utf8), locator: "attestations.yaml",
                                     path: Fixtures.path("attestations/attestations.yaml"))
        #expect(facts.diagnostics.isEmpty)
        #expect(facts.resources.first?["hash_matches"] == .bool(true))
    }
}

/// Verdicts: attestations turn manual guidelines into pass / fail on presence, hash and freshness; a guideline
/// without one stays manual and keeps its procedure in the report.
struct AttestationVerdictTests {
    @Test func eachOutcomeOfTheFixture() async throws {
        let r = try await Fixtures.assess("attestations")
        func verdict(_ check: String) -> Verdict? { r.first { $0.check == check }?.verdict }
        #expect(verdict("CEK08-AG5-SCOPE-DOCUMENTED") == .pass)
        #expect(verdict("CEK08-AG6-RESPONSIBILITY-ASSIGNED") == .fail)   // hash mismatch
        #expect(verdict("CEK08-AG7-EXCEPTIONS-DOCUMENTED") == .fail)     // document missing
        #expect(verdict("CEK08-AG9-PERIODIC-REVIEW") == .fail)           // reviewed 16 months ago
        #expect(verdict("CEK08-CCM1-ENCRYPTION-POLICY") == .fail)        // expired a month ago
        for check in ["CEK08-AG8-PREPRODUCTION-TEST", "CEK08-AG10-UPSTREAM-REVIEW", "CEK08-CCM4-HSM-VALIDATION"] {
            #expect(verdict(check) == .manual, "\(check) has no attestation")
        }
        // Each failure says which attestation failed and why.
        let why = r.filter { $0.verdict == .fail }.map { $0.reasons.joined(separator: " | ") }
        #expect(why.contains { $0.contains("key-management-raci.md does not qualify: hash_matches = false") })
        #expect(why.contains { $0.contains("exception-register.md does not qualify: present = false") })
        #expect(why.contains { $0.contains("annual-review-2025.md does not qualify: reviewed_on = 2025-06-30T09:00:00Z (required on_or_after 2025-11-01T00:00:00Z)") })
        #expect(why.contains { $0.contains("encryption-policy.md does not qualify") && $0.contains("expires = 2026-10-01T00:00:00Z") })
    }

    @Test func theReviewPeriodIsAParameter() async throws {
        let report = try await Fixtures.report("attestations", parameters: ["max_review_age_days": .number(730)])
        let ag9 = try #require(report.guidelines.first { $0.id == "AG-9" })
        #expect(ag9.verdict == .pass)
        #expect(report.parameters["CEK08-AG9-PERIODIC-REVIEW"]?["max_review_age_days"] == .number(730))
    }

    /// Without any attestation source, every attestation check is manual, never inconclusive, and the report keeps
    /// the procedure an auditor follows.
    @Test func withoutAttestationsGuidelinesStayManualWithTheirProcedure() async throws {
        let report = try await Fixtures.report("k8s/kms-v2.yaml")
        let attested = ["AG-5", "AG-6", "AG-7", "AG-8", "AG-9", "AG-10", "CCM-1", "CCM-4"]
        for id in attested {
            let g = try #require(report.guidelines.first { $0.id == id })
            // Guidelines with only attestation checks are manual; AG-6 and AG-10 also have configuration checks.
            if !["AG-6", "AG-10"].contains(id) { #expect(g.verdict == .manual, "\(id) is \(g.verdict.rawValue)") }
            let c = try #require(g.checks.first { $0.procedure != nil })
            #expect(c.verdict == .manual, "\(c.id) is \(c.verdict.rawValue)")
            #expect(c.procedure?.hasPrefix("1. ") == true, "\(c.id) must show its procedure")
        }
        let r = try #require(report.results.first { $0.check == "CEK08-AG5-SCOPE-DOCUMENTED" })
        #expect(r.message == "The documented scope of customer key control needs an auditor's review or an attestation.")
        #expect(r.reasons.first == "no source in this assessment supplies attestations")
        #expect(report.caiq.first?.gaps.contains { $0.hasPrefix("AG-5 [manual]") } == true)
    }

    /// An attestation file that cannot be read leaves the attestation checks inconclusive: "could not collect" is
    /// neither a pass nor the quiet manual of a guideline nobody attested.
    @Test func brokenAttestationFileIsInconclusiveNotManual() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cek-attest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("schema_version: 1\nattestations:\n  - guideline: AG-5\n    sha256: nope\n".utf8)
            .write(to: folder.appendingPathComponent("attestations.yaml"))
        let plan = try AssessmentPlan.make(path: folder.path)
        let facts = await Fixtures.runPlan(plan).0
        let results = RulesEngine(catalog: try Fixtures.catalog(), now: Fixtures.now).evaluate(facts)
        let ag5 = results.filter { $0.check == "CEK08-AG5-SCOPE-DOCUMENTED" }
        #expect(!ag5.isEmpty)
        #expect(ag5.allSatisfy { $0.verdict == .inconclusive }, "\(ag5.map(\.message))")
    }

    @Test func attestationsNoCheckReadsAreReported() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cek-attest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("doc\n".utf8).write(to: folder.appendingPathComponent("doc.md"))
        let hash = SHA256Hex.digest(Data("doc\n".utf8))
        try Data("""
        schema_version: 1
        attestations:
          - {guideline: AG-1, document: doc.md, sha256: \(hash), owner_role: o, approved_by: a, reviewed_on: 2026-06-01}
          - {guideline: AG-55, document: doc.md, sha256: \(hash), owner_role: o, approved_by: a, reviewed_on: 2026-06-01}
          - {guideline: CCM-4, document: doc.md, sha256: \(hash), owner_role: o, approved_by: a, reviewed_on: 2026-06-01}
        """.utf8).write(to: folder.appendingPathComponent("attestations.yaml"))
        let facts = await Fixtures.runPlan(try AssessmentPlan.make(path: folder.path)).0
        let d = AssessmentBuilder.catalogDiagnostics(try Fixtures.catalog(), facts: facts)
        #expect(d.count == 2)
        #expect(d.contains { $0.line == 3 && $0.message.contains("AG-1, for which no check of the catalog reads attestations") })
        #expect(d.contains { $0.line == 4 && $0.message.contains("AG-55, which is not a guideline of CEK-08") })
        #expect(d.allSatisfy { $0.source == "attestations.yaml" && $0.severity == .warning })
    }
}
