import CEKAuditCore
import Foundation

/// A realistic ``AssessmentReport`` built in code for the HTML reporter tests: one tenant (account `111122223333`),
/// four KMS keys, a CloudFormation template, a Terraform plan, a key policy and a failed KMS API read. Every verdict
/// occurs, one result points at an evidence item the report does not hold, and a guideline without checks has the
/// engine's `-MANUAL` result.
///
/// The report types have no public memberwise initializers, so values are decoded from a minimal JSON skeleton and
/// then filled in through their public properties.
enum HTMLReportFixture {
    static let account = "111122223333"
    static let clock = Date(timeIntervalSince1970: 1_795_968_000)  // 2026-11-29T16:00:00Z

    static func keyARN(_ id: String) -> String { "arn:aws:kms:eu-west-1:\(account):key/\(id)" }

    static let appKey = "1234abcd-12ab-34cd-56ef-1234567890ab"
    static let logsKey = "2345bcde-23bc-45de-67fa-234567890abc"
    static let signingKey = "3456cdef-34cd-56ef-78ab-34567890abcd"
    static let opaqueKey = "4567defa-45de-67fa-89bc-4567890abcde"

    // MARK: Evidence

    static let template = EvidenceItem(collector: "cloudformation", locator: "cloudformation/tenant-keys.yaml",
                                       kind: "cloudformation-template", bytes: Data("AWSTemplateFormatVersion: '2010-09-09'\n".utf8),
                                       collectedAt: clock)
    static let plan = EvidenceItem(collector: "terraform", locator: "terraform/plan.json", kind: "terraform-plan",
                                   bytes: Data(#"{"format_version":"1.2","resource_changes":[]}"#.utf8), collectedAt: clock)
    static let policy = EvidenceItem(collector: "key-policy", locator: "policies/shared-support-key.json", kind: "key-policy",
                                     bytes: Data(#"{"Version":"2012-10-17","Statement":[]}"#.utf8), collectedAt: clock)
    static let describe = EvidenceItem(collector: "aws-kms",
                                       locator: "https://kms.eu-west-1.amazonaws.com/?Action=DescribeKey&KeyId=\(opaqueKey)",
                                       kind: "kms-describe-key", bytes: Data(#"{"KeyMetadata":{}}"#.utf8), collectedAt: clock)

    // MARK: Resources

    static func resources() -> [Resource] {
        [
            Resource(type: .key, id: keyARN(appKey), name: "alias/app-data", fields: [
                "account": .string(account), "manager": .string("customer"), "custody": .string("customer"),
                "spec": .string("SYMMETRIC_DEFAULT"), "state": .string("Enabled"), "rotation.enabled": .bool(true),
                "rotation.period_days": .int(365), "deletion.scheduled_for": .null,
                "description": .string("Encrypts tenant data at rest for app.example.com"),
                "aliases": .strings(["alias/app-data"]), "policy.external_principals": .list([]),
            ], provenance: [Provenance(evidence: template.id, pointer: "Resources.AppDataKey", line: 12)]),
            Resource(type: .key, id: keyARN(logsKey), name: "alias/logs", fields: [
                "account": .string(account), "manager": .string("customer"), "custody": .string("customer"),
                "spec": .string("SYMMETRIC_DEFAULT"), "state": .string("Enabled"), "rotation.enabled": .bool(false),
                "rotation.period_days": .null, "deletion.window_days": .int(7),
                "policy.external_principals": .strings(["arn:aws:iam::444455556666:root"]),
            ], provenance: [Provenance(evidence: plan.id, pointer: "resource_changes[2]"),
                            Provenance(evidence: policy.id, pointer: "Statement[1]", line: 14)]),
            Resource(type: .key, id: keyARN(signingKey), name: "alias/signing", fields: [
                "account": .string(account), "manager": .string("customer"), "custody": .string("customer"),
                "spec": .string("RSA_2048"), "state": .string("Enabled"), "rotation.enabled": .bool(false),
            ], provenance: [Provenance(evidence: template.id, pointer: "Resources.SigningKey", line: 40)]),
            Resource(type: .key, id: keyARN(opaqueKey), name: opaqueKey, fields: [
                "account": .string(account), "manager": .string("customer"),
                "custody": .unknown(reason: "DescribeKey failed: AccessDeniedException"),
                "rotation.enabled": .unknown(reason: "GetKeyRotationStatus was not called: DescribeKey failed"),
                "state": .unknown(reason: "DescribeKey failed: AccessDeniedException"),
            ], provenance: [Provenance(evidence: describe.id)]),
            Resource(type: .dataStore, id: "arn:aws:s3:::example-tenant-data", name: "example-tenant-data", fields: [
                "encryption.key": .string(keyARN(appKey)), "encryption.algorithm": .string("aws:kms"),
            ], provenance: [Provenance(evidence: template.id, pointer: "Resources.TenantBucket", line: 71)]),
        ]
    }

    // MARK: Results

    static func subject(_ id: String, _ name: String) -> SubjectRef { SubjectRef(type: "key", id: keyARN(id), name: name) }

    static func results() throws -> [CheckResult] {
        [
            try result("AG1-CMK-EXISTS", "AG-1", .pass, .high, SubjectRef(type: "key", id: "*", name: "keys"),
                       "3 customer-managed keys: alias/app-data, alias/logs, alias/signing.",
                       ["count(key where manager = customer) = 3 ≥ min 1"],
                       [Provenance(evidence: template.id), Provenance(evidence: plan.id)]),
            try result("AG2-POLICY-TENANT", "AG-2", .pass, .critical, subject(appKey, "alias/app-data"),
                       "Key alias/app-data admits no principal outside account 111122223333.",
                       ["policy.external_principals is empty"], [Provenance(evidence: template.id, pointer: "Resources.AppDataKey.Properties.KeyPolicy", line: 18)]),
            try result("AG2-POLICY-TENANT", "AG-2", .fail, .critical, subject(logsKey, "alias/logs"),
                       "Key alias/logs in eu-west-1 lets arn:aws:iam::444455556666:root use and administer it.",
                       ["policy.external_principals = arn:aws:iam::444455556666:root", "account 444455556666 is not the key's tenant"],
                       [Provenance(evidence: policy.id, pointer: "Statement[1].Principal", line: 14)]),
            try result("AG2-POLICY-TENANT", "AG-2", .inconclusive, .critical, subject(opaqueKey, opaqueKey),
                       "The key policy of \(opaqueKey) could not be read.",
                       ["policy.external_principals is unknown: DescribeKey failed: AccessDeniedException"],
                       [Provenance(evidence: describe.id)]),
            try result("AG3-ROTATION", "AG-3", .pass, .medium, subject(appKey, "alias/app-data"),
                       "Key alias/app-data rotates every 365 days.", ["rotation.enabled = true", "rotation.period_days = 365 ≤ 365"],
                       [Provenance(evidence: template.id, pointer: "Resources.AppDataKey.Properties.EnableKeyRotation", line: 15)]),
            try result("AG3-ROTATION", "AG-3", .fail, .medium, subject(logsKey, "alias/logs"),
                       "Key alias/logs has automatic rotation disabled.", ["rotation.enabled = false"],
                       [Provenance(evidence: plan.id, pointer: "resource_changes[2].change.after.enable_key_rotation"),
                        Provenance(evidence: "ev-000000000000", pointer: "KeyRotationEnabled")]),
            try result("AG3-ROTATION", "AG-3", .notApplicable, .medium, subject(signingKey, "alias/signing"),
                       "Key alias/signing is asymmetric (RSA_2048); KMS cannot rotate it automatically.", ["spec = RSA_2048"],
                       [Provenance(evidence: template.id, pointer: "Resources.SigningKey.Properties.KeySpec", line: 43)]),
            try result("AG3-ROTATION", "AG-3", .inconclusive, .medium, subject(opaqueKey, opaqueKey),
                       "Rotation of key \(opaqueKey) is unknown.",
                       ["rotation.enabled is unknown: GetKeyRotationStatus was not called: DescribeKey failed"],
                       [Provenance(evidence: describe.id)]),
            try result("AG3-DELETION-WINDOW", "AG-3", .waived, .low, subject(logsKey, "alias/logs"),
                       "Key alias/logs keeps a 7-day deletion window (waived until 2027-03-31: log key, re-creatable).",
                       ["deletion.window_days = 7 < 30", "waiver W-12 by security@example.com"],
                       [Provenance(evidence: plan.id, pointer: "resource_changes[2].change.after.deletion_window_in_days")]),
            try result("AG3-DELETION-WINDOW", "AG-3", .pass, .low, subject(appKey, "alias/app-data"),
                       "Key alias/app-data keeps a 30-day deletion window.", ["deletion.window_days = 30 ≥ 30"], []),
            try result("AG5-SCOPE-DOCUMENTED", "AG-5", .manual, .medium, nil,
                       "Needs an auditor's review: read the customer documentation of key-control rights and limits.",
                       ["this check needs an attestation or an auditor's procedure"], []),
            try result("AG-9-MANUAL", "AG-9", .manual, .medium, nil,
                       "AG-9 needs an auditor's review: ask for the last review of customer key features.",
                       ["no automated evidence covers this guideline"], []),
        ]
    }

    static func result(_ check: String, _ guideline: String, _ verdict: Verdict, _ severity: Severity, _ subject: SubjectRef?,
                       _ message: String, _ reasons: [String], _ evidence: [Provenance]) throws -> CheckResult {
        var r: CheckResult = try decode(#"{"id":"","check":"","guideline":"","verdict":"pass","severity":"info","message":"","reasons":[],"evidence":[]}"#)
        r.id = check + ":" + String(SHA256Hex.digest(Data((subject?.id ?? "*").utf8)).prefix(12))
        r.check = check
        r.guideline = guideline
        r.verdict = verdict
        r.severity = severity
        r.subject = subject
        r.message = message
        r.reasons = reasons
        r.evidence = evidence
        return r
    }

    // MARK: Guidelines

    static func guidelines(for results: [CheckResult]) throws -> [GuidelineResult] {
        let checks: [(guideline: String, id: String, title: String, severity: Severity, rationale: String?, procedure: String?)] = [
            ("AG-1", "AG1-CMK-EXISTS", "At least one customer-managed key exists", .high,
             "Without a customer-managed key the customer cannot manage any key.", nil),
            ("AG-2", "AG2-POLICY-TENANT", "Key policy admits no principal outside the key's tenant", .critical,
             "A principal from another account can use or administer the customer's key.", nil),
            ("AG-3", "AG3-ROTATION", "Automatic rotation is on with a period within the maximum", .medium, nil, nil),
            ("AG-3", "AG3-DELETION-WINDOW", "Key deletion keeps a waiting period", .low, nil, nil),
            ("AG-5", "AG5-SCOPE-DOCUMENTED", "Customer key-control rights and limits are written down", .medium, nil,
             "Read the customer-facing documentation.\nConfirm it lists which key operations customers control."),
        ]
        let defs: [(id: String, origin: String, number: Int, title: String, text: String, procedure: String?)] = [
            ("AG-1", "aicm", 1, "Customers can manage their own keys", "Verify that customers can create and manage their own data encryption keys.", nil),
            ("AG-2", "aicm", 2, "Customer keys stay inside their tenant", "Verify that no principal outside the tenant can use or administer a customer's key.", nil),
            ("AG-3", "aicm", 3, "Key lifecycle is under customer control", "Verify rotation, deletion and revocation are customer actions.", nil),
            ("AG-5", "aicm", 5, "The scope of customer key control is documented", "Verify that documentation states what customers control.", nil),
            ("AG-7", "aicm", 7, "Exceptions are documented and compensated", "Verify exceptions are recorded.", nil),
            ("AG-9", "aicm", 9, "The capability is reviewed periodically", "Verify the capability is reviewed at least yearly.",
             "Ask for the minutes of the last review of customer key features."),
        ]
        var out: [GuidelineResult] = []
        for d in defs {
            var g: GuidelineResult = try decode(#"{"id":"","origin":"","number":0,"title":"","text":"","verdict":"pass","counts":\#(zeroCounts),"checks":[]}"#)
            let mine = results.filter { $0.guideline == d.id }
            g.id = d.id
            g.origin = d.origin
            g.number = d.number
            g.title = d.title
            g.text = d.text
            g.procedure = d.procedure
            g.verdict = Verdict.rollUp(mine.map(\.verdict))
            g.counts = VerdictCounts(mine.map(\.verdict))
            for (line, c) in checks.enumerated() where c.guideline == d.id {
                var s: CheckSummary = try decode(#"{"id":"","title":"","severity":"info","verdict":"pass","counts":\#(zeroCounts)}"#)
                let rs = mine.filter { $0.check == c.id }
                s.id = c.id
                s.title = c.title
                s.severity = c.severity
                s.verdict = Verdict.rollUp(rs.map(\.verdict))
                s.counts = VerdictCounts(rs.map(\.verdict))
                s.rationale = c.rationale
                s.procedure = c.procedure
                s.line = 140 + 40 * line
                // AG-3's checks sit in a checks file of a split catalog; the others name no file (the catalog's).
                if d.id == "AG-3" { s.source = "Controls/CEK-08/checks/AG-3.yaml" }
                g.checks.append(s)
            }
            out.append(g)
        }
        return out
    }

    static let zeroCounts = #"{"pass":0,"fail":0,"not_applicable":0,"inconclusive":0,"manual":0,"waived":0}"#

    // MARK: Report

    static func report() throws -> AssessmentReport {
        let results = try results()
        let guidelines = try guidelines(for: results)
        var report: AssessmentReport = try decode(#"""
        {"schema_version":"1.1.0","tool":{"name":"cek-audit","version":"0.4.0"},"assessment":"acme-ai-platform",
         "generated_at":"2026-11-29T16:00:00Z",
         "catalog":{"source":"Controls/CEK-08.yaml","sha256":"9f2c4e1b7a3d5f60c8e2a4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5",
                    "control":"CEK-08","title":"Customer Key Management Capability","framework":"AICM","framework_version":"1.0.3"},
         "parameters":{},
         "summary":{"verdict":"pass","results":\#(zeroCounts),"guidelines":\#(zeroCounts),"resources":{}},
         "caiq":[{"id":"CEK-08.1","question":"","answer":"UNDETERMINED","ownership":"","description":"","requires":{},"supports":{},
                  "supporting_evidence":[],"gaps":[]}],
         "guidelines":[],"results":[],"resources":[],"evidence":[],"coverage":[],"diagnostics":[],
         "settings":{"trusted_accounts":[],"trusted_organizations":[],"trusted_namespaces":{},"origins":{}}}
        """#)
        report.results = results
        report.guidelines = guidelines
        report.resources = resources()
        report.evidence = [template, plan, policy, describe].sorted { $0.locator < $1.locator }
        report.parameters = [
            "AG3-ROTATION": ["max_period_days": .int(365)],
            "AG3-DELETION-WINDOW": ["min_window_days": .int(30), "applies_to": .strings(["customer", "imported"])],
        ]
        report.summary.results = VerdictCounts(results.map(\.verdict))
        report.summary.guidelines = VerdictCounts(guidelines.map(\.verdict))
        report.summary.verdict = Verdict.rollUp(guidelines.map(\.verdict))
        report.summary.resources = ["key": 4, "data_store": 1]
        report.caiq[0].question = "Are CSCs provided with the capability to manage their own data encryption keys?"
        report.caiq[0].answer = .no
        report.caiq[0].ownership = "CSP-owned"
        report.caiq[0].description = "Evidence covers 4 key(s) (3 customer, 1 unknown). AG-1 Customers can manage their own keys: pass; "
            + "AG-2 Customer keys stay inside their tenant: fail. Remediation is owned by the provider (CSP-owned)."
        report.caiq[0].requires = ["AG-1": .pass, "AG-2": .fail]
        report.caiq[0].supports = ["AG-3": .fail, "AG-5": .manual, "AG-10": .notApplicable]
        report.caiq[0].supportingEvidence = ["AG-1: 3 customer-managed keys: alias/app-data, alias/logs, alias/signing."]
        report.caiq[0].gaps = ["AG-2 [fail]: Key alias/logs in eu-west-1 lets arn:aws:iam::444455556666:root use and administer it.",
                               "AG-5 [manual]: The scope of customer key control is documented needs an attestation or an auditor's review."]
        report.coverage = [
            SourceCoverage(source: "cloudformation/tenant-keys.yaml", collector: "cloudformation", status: .complete,
                           resourceTypes: [.key, .keyPolicy, .dataStore], found: ["key": 2, "data_store": 1]),
            SourceCoverage(source: "terraform/plan.json", collector: "terraform", status: .partial, resourceTypes: [.key, .alias],
                           found: ["key": 1], detail: "2 attribute values are unknown until apply."),
            SourceCoverage(source: "aws-kms:eu-west-1", collector: "aws-kms", status: .failed, resourceTypes: [.key, .grant],
                           detail: "DescribeKey returned AccessDeniedException for 1 key."),
            SourceCoverage(source: "README.md", collector: "none", status: .skipped, resourceTypes: [],
                           detail: "Not a recognised input."),
        ]
        report.diagnostics = [
            Diagnostic(.warning, source: "terraform/plan.json", line: 212, column: 11,
                       message: "aws_kms_key.logs enable_key_rotation is unknown until apply.",
                       fix: "Run terraform apply, then collect terraform show -json of the state."),
            Diagnostic(.error, source: "aws-kms:eu-west-1", message: "DescribeKey was denied for \(keyARN(opaqueKey)).",
                       fix: "Grant kms:DescribeKey to the audit role."),
        ]
        return report
    }

    static func decode<T: Decodable>(_ json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(json.utf8))
    }
}
