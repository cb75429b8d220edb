import Foundation
import Testing
@testable import CEKAuditAWS
@testable import CEKAuditCore

/// The catalog's key checks run on keys described by raw KMS facts, with the derived fields (`custody`,
/// `rotation.applicable`, `rotation.reason`) filled by the real analysis of the normalize stage (``AWSKeyAnalysis``), not
/// written by hand as in the examples. This pins the behaviour DESIGN.md insists on: a key the customer disabled or
/// scheduled for deletion is revocation evidence, never a failure; keys that cannot rotate are not applicable.
@Suite("Catalog key lifecycle")
struct CatalogKeyLifecycleTests {
    static let account = "111122223333"

    /// A live (observed) symmetric customer-managed key with KMS-generated material, old and never rotated,
    /// rotation off: everything a naive tool would flag.
    static func staleKey(id: String, state: String, origin: String = "AWS_KMS", spec: String = "SYMMETRIC_DEFAULT",
                         extra: [String: FactValue] = [:]) -> Resource {
        var fields: [String: FactValue] = [
            "account": .string(account), "tenant": .string(account), "manager": .string("customer"),
            "origin": .string(origin), "spec": .string(spec), "state": .string(state),
            "enabled": .bool(state == "Enabled"), "multi_region_role": .string("none"),
            "evidence_kind": .string("observed"), "service": .string("aws-kms"), "rotation.enabled": .bool(false), "rotation.period_days": .null,
            "rotation.last_rotated": .null, "created": .string("2021-06-01T00:00:00Z"),
            "material.expires": .bool(false), "material.valid_to": .null,
            "deletion.window_days": .null, "deletion.window_min_days": .null, "deletion.scheduled_for": .null,
        ]
        for (k, v) in extra { fields[k] = v }
        var key = Resource(type: .key, id: "arn:aws:kms:eu-west-1:\(account):key/\(id)", name: id, fields: fields)
        AWSKeyAnalysis.derive(&key)
        return key
    }

    static func facts(_ keys: [Resource]) -> FactSet {
        FactSet(resources: keys, coverage: [SourceCoverage(source: "kms", collector: "aws-kms", status: .complete,
                                                           resourceTypes: [.key], inventoryTypes: [.key],
                                                           found: ["key": keys.count])])
    }

    static func keyChecks() throws -> [Check] {
        try CatalogFixture.loaded.get().checks.filter { $0.subject == .key }
    }

    static func verdicts(on key: Resource) throws -> [String: Verdict] {
        var out: [String: Verdict] = [:]
        for check in try keyChecks() where isPerResource(check) {
            let rs = CatalogFixture.results(check, facts: facts([key]), parameters: [:])
            out[check.id] = Verdict.rollUp(rs.map(\.verdict))
        }
        return out
    }

    static func isPerResource(_ check: Check) -> Bool {
        if case .resource = check.kind { return true }
        return false
    }

    @Test func anEnabledStaleKeyFailsTheRotationChecks() throws {
        // The control case: without it the tests below could pass because the checks never fail at all.
        let v = try Self.verdicts(on: Self.staleKey(id: "stale", state: "Enabled"))
        #expect(v["CEK08-AG3-ROTATION-PERIOD"] == .fail)
        #expect(v["CEK08-AG3-ROTATION-RECENT"] == .fail)
    }

    /// (state, origin, facts that differ from the stale key): a revoked key, a key on its way out, and a revoked
    /// imported key whose material has already expired.
    static let revokedKeys: [(String, String, [String: FactValue])] = [
        ("Disabled", "AWS_KMS", [:]),
        ("PendingDeletion", "AWS_KMS", ["deletion.window_days": .int(7), "deletion.scheduled_for": .string("2026-01-08T00:00:00Z")]),
        ("Disabled", "EXTERNAL", ["material.expires": .bool(true), "material.valid_to": .string("2025-12-24T00:00:00Z")]),
    ]

    @Test(arguments: revokedKeys)
    func revokedKeysNeverFail(state: String, origin: String, extra: [String: FactValue]) throws {
        let key = Self.staleKey(id: "revoked", state: state, origin: origin, extra: extra)
        let v = try Self.verdicts(on: key)
        #expect(!v.isEmpty)
        for (check, verdict) in v {
            #expect(verdict != .fail, "\(check) fails a \(state) key (origin \(origin)): revocation is the capability working")
            #expect(verdict != .inconclusive, "\(check) cannot decide on a fully described \(state) key")
        }
        #expect(v["CEK08-AG3-ROTATION-PERIOD"] == .notApplicable)
        #expect(v["CEK08-AG3-ROTATION-RECENT"] == .notApplicable)
    }

    @Test func aDisabledCustomerKeyStillEvidencesTheCapability() throws {
        let catalog = try CatalogFixture.loaded.get()
        let check = try #require(catalog.checks.first { $0.id == "CEK08-AG1-CMK-EXISTS" })
        let revoked = Self.staleKey(id: "revoked", state: "Disabled")
        #expect(CatalogFixture.verdict(check, facts: Self.facts([revoked]), parameters: [:]) == .pass)
    }

    @Test(arguments: [("RSA_2048", "AWS_KMS"), ("HMAC_256", "AWS_KMS"), ("SYMMETRIC_DEFAULT", "EXTERNAL"),
                      ("SYMMETRIC_DEFAULT", "AWS_CLOUDHSM"), ("SYMMETRIC_DEFAULT", "EXTERNAL_KEY_STORE")])
    func keysThatCannotRotateAreNotApplicableWithTheReason(spec: String, origin: String) throws {
        let catalog = try CatalogFixture.loaded.get()
        let check = try #require(catalog.checks.first { $0.id == "CEK08-AG3-ROTATION-PERIOD" })
        let key = Self.staleKey(id: "norotate", state: "Enabled", origin: origin, spec: spec)
        let results = CatalogFixture.results(check, facts: Self.facts([key]), parameters: [:])
        #expect(results.map(\.verdict) == [.notApplicable])
        let reason = key.value("rotation.reason").displayText
        #expect(results.first?.message.contains(reason) == true, "the finding gives the reason: \(results.first?.message ?? "")")
    }

    /// DESIGN.md's own case: with the default maximum of 365 days, a 730-day period fails and a 90-day one passes.
    @Test(arguments: [(730, Verdict.fail), (365, .pass), (366, .fail), (90, .pass)])
    func rotationPeriodAgainstTheDefaultMaximum(period: Int, expected: Verdict) throws {
        let catalog = try CatalogFixture.loaded.get()
        let check = try #require(catalog.checks.first { $0.id == "CEK08-AG3-ROTATION-PERIOD" })
        #expect(check.parameters["max_rotation_days"] == .int(365))
        let key = Self.staleKey(id: "rotating", state: "Enabled",
                                extra: ["rotation.enabled": .bool(true), "rotation.period_days": .int(period)])
        #expect(key.value("rotation.applicable") == .bool(true))
        #expect(CatalogFixture.verdict(check, facts: Self.facts([key]), parameters: [:]) == expected)
    }

    /// The assessment file overrides a parameter for every check that declares it (RulesEngine.globalParameters).
    @Test func oneRotationMaximumGovernsBothRotationChecks() throws {
        let catalog = try CatalogFixture.loaded.get()
        let period = try #require(catalog.checks.first { $0.id == "CEK08-AG3-ROTATION-PERIOD" })
        let recent = try #require(catalog.checks.first { $0.id == "CEK08-AG3-ROTATION-RECENT" })
        let key = Self.staleKey(id: "biennial", state: "Enabled", extra: [
            "rotation.enabled": .bool(true), "rotation.period_days": .int(730),
            "rotation.last_rotated": .string("2024-06-01T00:00:00Z"),
        ])
        let strict = RulesEngine(catalog: catalog, now: CatalogFixture.examplesNow)
        let relaxed = RulesEngine(catalog: catalog, globalParameters: ["max_rotation_days": .int(730)], now: CatalogFixture.examplesNow)
        for check in [period, recent] {
            #expect(Verdict.rollUp(strict.evaluate(check, facts: Self.facts([key])).map(\.verdict)) == .fail)
            #expect(Verdict.rollUp(relaxed.evaluate(check, facts: Self.facts([key])).map(\.verdict)) == .pass)
        }
    }
}

/// The catalog and the examples clock for these tests.
private enum CatalogFixture {
    static let loaded: Result<Catalog, any Error> = Result { try Fixtures.catalog() }
    /// The examples clock (stated at the top of the catalog): example dates are read against it.
    static let examplesNow = DateParsing.parse("2026-01-01T00:00:00Z") ?? Date(timeIntervalSince1970: 1_767_225_600)

    static func results(_ check: Check, facts: FactSet, parameters: [String: FactValue]) -> [CheckResult] {
        guard let catalog = try? loaded.get() else { return [] }
        return RulesEngine(catalog: catalog, now: examplesNow).evaluate(check, facts: facts, parameterOverrides: parameters)
    }

    static func verdict(_ check: Check, facts: FactSet, parameters: [String: FactValue]) -> Verdict {
        Verdict.rollUp(results(check, facts: facts, parameters: parameters).map(\.verdict))
    }
}
