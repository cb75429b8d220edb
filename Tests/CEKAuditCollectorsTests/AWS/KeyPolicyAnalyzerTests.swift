import Foundation
import Testing
@testable import CEKAuditCollectorKit
@testable import CEKAuditCore
@testable import CEKAuditAWS
@testable import CEKAuditInfraCode

/// Key-policy analysis, pinned on the shapes the field's tools misread (corpus cases 07 and 08, Prowler #970,
/// Checkov #4394, Steampipe #866) and on the project's own fixtures (account 111122223333, foreign 444455556666).
struct KeyPolicyAnalyzerTests {
    func policy(_ json: String) throws -> JSONValue { try JSONValue.parse(Data(json.utf8), source: "test") }

    @Test func wildcardBoundByCallerAccountIsNotPublic() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*",
          "Condition":{"StringEquals":{"kms:ViaService":"rds.eu-north-1.amazonaws.com","kms:CallerAccount":"111122223333"}}},
         {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Describe*","kms:Get*"],"Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.isPublic == false)
        #expect(a.crossTenant == .false)
        #expect(a.owner == .id("111122223333"))
        #expect(a.ownerInferred)
        #expect(a.foreignAccounts.isEmpty)
    }

    @Test func denyWithWildcardPrincipalIsNotPublic() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
         {"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-example"}}},
         {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}
        """)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.isPublic == false)
        #expect(a.crossTenant == .false)
        #expect(a.customerControlsLifecycle == .true)
    }

    @Test func unconditionalWildcardAllowIsPublic() throws {
        let p = try policy(#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}}"#)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.isPublic)
        #expect(a.crossTenant == .true)
    }

    @Test func describeOnlyWildcardIsStillPublicButForeignAccountsNeedUseOrManage() throws {
        let p = try policy(#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:DescribeKey","Resource":"*"}]}"#)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.isPublic)
    }

    @Test func foreignAccountPrincipalIsCrossTenant() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
         {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:role/partner"]},"Action":["kms:Decrypt"],"Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.crossTenant == .true)
        #expect(a.foreignAccounts == ["444455556666"])
        let trusted = KeyPolicyAnalyzer(owner: .id("111122223333"), trustedAccounts: ["444455556666"]).analyze(p)
        #expect(trusted.crossTenant == .false)
    }

    @Test func placeholdersAreUnknownNeverPublic() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::account-id:root"]},"Action":"kms:*","Resource":"*"},
         {"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"account-id"}}},
         {"Effect":"Allow","Principal":{"AWS":"arn:${this.partition}:iam::${this.account-id}:root"},"Action":"kms:*","Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.isPublic == false)
        #expect(a.crossTenant == .unknown)
        #expect(!a.unresolved.isEmpty)
        #expect(a.facts["cross_tenant"]?.isKnown == false)
    }

    @Test func templateSelfAccountResolvesThroughSubAndJoin() throws {
        let p = JSONValue.object(["Statement": .array([
            .object(["Effect": .string("Allow"), "Action": .string("kms:*"), "Resource": .string("*"),
                     "Principal": .object(["AWS": .object(["Fn::Sub": .string("arn:aws:iam::${AWS::AccountId}:root")])])]),
            .object(["Effect": .string("Allow"), "Action": .string("kms:Decrypt"), "Resource": .string("*"),
                     "Principal": .object(["AWS": .object(["Fn::Join": .array([.string(""), .array([
                        .string("arn:aws:iam::"), .object(["Ref": .string("AWS::AccountId")]), .string(":role/App")])])])])]),
        ])])
        let a = KeyPolicyAnalyzer(owner: .current, dialect: CloudFormationPolicyDialect()).analyze(p)
        #expect(a.crossTenant == .false)
        #expect(a.customerControlsLifecycle == .true)
        #expect(a.isPublic == false)
    }

    @Test func viaServiceWithoutCallerAccountIsUnknown() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt"],"Resource":"*",
          "Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}}]}
        """)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.isPublic == false)
        #expect(a.crossTenant == .unknown)
    }

    @Test func iamUsersAsAdministratorsAreListed() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/jdoe"},"Action":["kms:Put*","kms:ScheduleKeyDeletion"],"Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.adminUsers == ["arn:aws:iam::111122223333:user/jdoe"])
        #expect(a.customerControlsLifecycle == .false)
    }

    @Test func unconditionalDenyOfLifecycleRemovesCustomerControl() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
         {"Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.customerControlsLifecycle == .false)
    }

    @Test func orgBoundWildcardNeedsTrustedOrganization() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3"}}}]}
        """)
        #expect(KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p).crossTenant == .unknown)
        #expect(KeyPolicyAnalyzer(owner: .id("111122223333"), trustedOrganizations: ["o-a1b2c3"]).analyze(p).crossTenant == .false)
    }

    @Test func conditionalStatementsCountBothBranchesAndNeverSilentlyDrop() throws {
        let root = JSONValue.object(["Effect": .string("Allow"), "Action": .string("kms:*"), "Resource": .string("*"),
                                     "Principal": .object(["AWS": .string("arn:aws:iam::111122223333:root")])])
        let partner = JSONValue.object(["Effect": .string("Allow"), "Action": .string("kms:Decrypt"), "Resource": .string("*"),
                                        "Principal": .object(["AWS": .string("arn:aws:iam::444455556666:root")])])
        let p = JSONValue.object(["Statement": .array([
            root,
            .object(["Fn::If": .array([.string("ShareWithPartner"), partner, .object(["Ref": .string("AWS::NoValue")])])]),
        ])])
        let a = KeyPolicyAnalyzer(owner: .id("111122223333"), dialect: CloudFormationPolicyDialect()).analyze(p)
        #expect(a.statementCount == 2)
        #expect(a.crossTenant == .true)
        #expect(a.foreignAccounts == ["444455556666"])
        #expect(a.findings.contains { $0.contains("Fn::If") })
        // Lifecycle control that exists only in a conditional branch is not proven.
        let onlyConditionalRoot = JSONValue.object(["Statement": .object(["Fn::If": .array([.string("C"), root, .object(["Ref": .string("AWS::NoValue")])])])])
        #expect(KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(onlyConditionalRoot).customerControlsLifecycle == .unknown)
    }

    @Test func statementWithoutReadableEffectIsUnknown() throws {
        let p = try policy(#"{"Statement":[{"Principal":"*","Action":"kms:*","Resource":"*"}]}"#)
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.crossTenant == .unknown)
        #expect(a.isPublic == false)
    }

    // MARK: an owner that is not known

    /// The key belongs to one account; two untrusted accounts certainly admitted leave at least one foreign.
    static let twoAccounts = """
    {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
     {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/partner"},"Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]}
    """

    @Test func twoAdmittedAccountsAreCrossTenantWhicheverOwnsTheKey() throws {
        let a = KeyPolicyAnalyzer(owner: nil).analyze(try policy(Self.twoAccounts))
        #expect(a.owner == nil)
        #expect(a.crossTenant == .true)
        #expect(a.foreignAccounts == ["111122223333", "444455556666"])
        #expect(a.findings.contains { $0.contains("whichever account owns it") })
        #expect(a.facts["cross_tenant"] == .bool(true))
        #expect(a.facts["account"]?.unknownReason?.contains("owner account not known") == true)
        // The same holds for each account as the owner, which is why the decision is sound.
        for owner in ["111122223333", "444455556666"] {
            #expect(KeyPolicyAnalyzer(owner: .id(owner)).analyze(try policy(Self.twoAccounts)).crossTenant == .true)
        }
        // A template: the deploying account is one account too.
        #expect(KeyPolicyAnalyzer(owner: .current).analyze(try policy(Self.twoAccounts)).crossTenant == .true)
    }

    @Test func aTrustedAccountLeavesOneCandidateOwnerSoItStaysUnknown() throws {
        let a = KeyPolicyAnalyzer(owner: nil, trustedAccounts: ["444455556666"]).analyze(try policy(Self.twoAccounts))
        #expect(a.crossTenant == .unknown)
        #expect(a.foreignAccounts.isEmpty)
    }

    @Test(arguments: [
        // Bound by a condition on the caller's organization: the partner may not be in it.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3"}}}"#,
        // Bound to two callers that do not include the named account: nobody.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":["111122223333","777788889999"]}}}"#,
        // A negated test of the caller's ARN may exclude every principal of the account.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:*"}}}"#,
        // Only read actions: nothing to use or manage.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:DescribeKey","Resource":"*"}"#,
        // A wildcard tied to the account by aws:SourceAccount describes a service's resource, not the caller.
        #"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}}}"#,
        // NotAction may grant nothing of KMS at all.
        #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"NotAction":"kms:*","Resource":"*"}"#,
    ])
    func aSecondAccountThatMayNotBeAdmittedDecidesNothing(_ second: String) throws {
        let p = try policy(#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},"# + second + "]}")
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.crossTenant != .true, "\(second)")
        #expect(!a.findings.contains { $0.contains("whichever account owns it") })
    }

    @Test func aDenyThatMayRemoveTheSecondAccountKeepsItUnknown() throws {
        let deny = #"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#
        let withDeny = Self.twoAccounts.replacingOccurrences(of: "}]}", with: "},\(deny)]}")
        #expect(KeyPolicyAnalyzer(owner: nil).analyze(try policy(withDeny)).crossTenant == .unknown)
        // A Deny of other actions leaves Decrypt: still decided.
        let narrow = withDeny.replacingOccurrences(of: #""Deny","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt""#,
                                                   with: #""Deny","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:ScheduleKeyDeletion""#)
        #expect(KeyPolicyAnalyzer(owner: nil).analyze(try policy(narrow)).crossTenant == .true)
    }

    @Test func aMalformedStatementMayBeADenyOfEitherAccount() throws {
        let malformed = Self.twoAccounts.replacingOccurrences(of: "}]}", with: #"},{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}"#)
        #expect(KeyPolicyAnalyzer(owner: nil).analyze(try policy(malformed)).crossTenant == .unknown)
    }

    @Test func aWildcardBoundToTwoCallerAccountsAdmitsBoth() throws {
        let p = try policy(#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":["444455556666","777788889999"]}}}]}"#)
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.isPublic == false)
        #expect(a.crossTenant == .true)
        #expect(a.foreignAccounts == ["444455556666", "777788889999"])
    }

    @Test func lifecycleNoStatementAllowsIsHeldByNoOwner() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/app"},"Action":["kms:Encrypt","kms:Decrypt","kms:DisableKey"],"Resource":"*"},
         {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777788889999:root"},"Action":["kms:Describe*","kms:PutKeyPolicy"],"Resource":"*"}]}
        """)
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.customerControlsLifecycle == .false)
        #expect(a.findings.contains { $0.contains("kms:EnableKeyRotation, kms:ScheduleKeyDeletion") && $0.contains("whichever account") })
        // Actions written as an expression may include them: not decided.
        let templated = JSONValue.object(["Statement": .array([.object([
            "Effect": .string("Allow"), "Resource": .string("*"), "Principal": .object(["AWS": .string("arn:aws:iam::444455556666:root")]),
            "Action": .array([.string("kms:Decrypt"), .object(["Ref": .string("AdminActions")])])])])])
        #expect(KeyPolicyAnalyzer(owner: nil, dialect: CloudFormationPolicyDialect()).analyze(templated).customerControlsLifecycle == .unknown)
        #expect(KeyPolicyAnalyzer(owner: .id("444455556666"), dialect: CloudFormationPolicyDialect()).analyze(templated).customerControlsLifecycle == .unknown)
    }

    @Test func aDenyOfOneRoleLeavesTheOwnerAccountItsLifecycle() throws {
        let p = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
         {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
        """)
        #expect(KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p).customerControlsLifecycle == .true)
        let wholeAccount = try policy("""
        {"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
         {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
        """)
        #expect(KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(wholeAccount).customerControlsLifecycle == .false)
    }

    @Test func actionWildcardsExpand() {
        #expect(KMSActions.expand(.string("kms:ReEncrypt*")) == ["kms:ReEncryptFrom", "kms:ReEncryptTo"])
        #expect(KMSActions.expand(.string("KMS:describekey")) == ["kms:DescribeKey"])
        #expect(KMSActions.expand(.string("*")).count == KMSActions.all.count)
        #expect(KMSActions.expand(.string("s3:GetObject")).isEmpty)
    }
}

struct RotationApplicabilityTests {
    @Test(arguments: [
        ("customer", "RSA_3072", "AWS_KMS", "Enabled", "none", false),
        ("customer", "HMAC_256", "AWS_KMS", "Enabled", "none", false),
        ("customer", "ECC_NIST_P521", "AWS_KMS", "Enabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "EXTERNAL", "Enabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_CLOUDHSM", "Enabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "EXTERNAL_KEY_STORE", "Enabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_KMS", "PendingDeletion", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_KMS", "Disabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled", "replica", false),
        ("aws", "SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled", "none", false),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled", "none", true),
        ("customer", "SYMMETRIC_DEFAULT", "AWS_KMS", "Enabled", "primary", true),
    ])
    func decides(manager: String, spec: String, origin: String, state: String, role: String, expected: Bool) {
        let o = RotationApplicability.decide(manager: manager, spec: spec, origin: origin, state: state, multiRegionRole: role)
        #expect(o.applicable == expected, "\(o.reason)")
    }

    @Test func knownExclusionDecidesDespiteUnknowns() {
        #expect(RotationApplicability.decide(manager: nil, spec: "HMAC_256", origin: nil, state: nil, multiRegionRole: nil).applicable == false)
        #expect(RotationApplicability.decide(manager: "customer", spec: "SYMMETRIC_DEFAULT", origin: nil, state: "Enabled", multiRegionRole: "none").applicable == nil)
    }

    @Test func custody() {
        #expect(Custody.classify(manager: "AWS", origin: nil) == .providerOwned)
        #expect(Custody.classify(manager: "CUSTOMER", origin: "EXTERNAL") == .imported)
        #expect(Custody.classify(manager: "customer", origin: "EXTERNAL_KEY_STORE") == .externalKeyStore)
        #expect(Custody.classify(manager: "CUSTOMER", origin: "AWS_CLOUDHSM") == .hsmKeyStore)
        #expect(Custody.classify(manager: "CUSTOMER", origin: "AWS_KMS") == .customerGenerated)
        #expect(Custody.classify(manager: "CUSTOMER", origin: nil) == nil)
        #expect(Custody.classify(manager: nil, origin: "AWS_KMS") == nil)
    }
}

/// Hardening found by trying hostile inputs.
struct KeyPolicyAnalyzerHardeningTests {
    func policy(_ json: String) throws -> JSONValue { try JSONValue.parse(Data(json.utf8), source: "test") }

    @Test func aWildcardBoundToOneAccountDoesNotNameTheOwner() throws {
        // No account root in the policy: whose key this is stays unknown, so isolation cannot pass.
        let p = try policy(#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"444455556666"}}}]}"#)
        let a = KeyPolicyAnalyzer(owner: nil).analyze(p)
        #expect(a.owner == nil)
        #expect(a.crossTenant == .unknown)
    }

    @Test func anAdministratorGivenByExpressionMayBeAUser() throws {
        let p = JSONValue.object(["Statement": .array([.object([
            "Effect": .string("Allow"), "Action": .string("kms:*"), "Resource": .string("*"),
            "Principal": .object(["AWS": .object(["Ref": .string("AdminArn")])])])])])
        let a = KeyPolicyAnalyzer(owner: .current).analyze(p)
        #expect(a.facts["admin_users"]?.isKnown == false)
    }

    @Test func aLiteralAccountInATemplateLeavesLifecycleUnknown() throws {
        let p = try policy(#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#)
        let a = KeyPolicyAnalyzer(owner: .current).analyze(p)
        #expect(a.customerControlsLifecycle == .unknown)
    }

    /// A statement without Principal or Action (or Effect) is malformed: AWS rejects the policy. It is never dropped
    /// silently — a foreign grant it might hold keeps isolation unknown, and lifecycle control is not proven.
    @Test(arguments: ["Principal", "Action", "Effect"])
    func aMalformedStatementIsNeverDropped(_ element: String) throws {
        var partner: [String: JSONValue] = ["Effect": .string("Allow"), "Action": .string("kms:Decrypt"), "Resource": .string("*"),
                                            "Principal": .object(["AWS": .string("arn:aws:iam::444455556666:root")])]
        partner[element] = nil
        let p = JSONValue.object(["Statement": .array([
            .object(["Effect": .string("Allow"), "Action": .string("kms:*"), "Resource": .string("*"),
                     "Principal": .object(["AWS": .string("arn:aws:iam::111122223333:root")])]),
            .object(partner),
        ])])
        let a = KeyPolicyAnalyzer(owner: .id("111122223333")).analyze(p)
        #expect(a.crossTenant == .unknown, "the dropped statement may admit another account")
        #expect(a.customerControlsLifecycle == .unknown)
        #expect(a.malformed == ["statement 2"])
        #expect(a.facts["admin_users"]?.isKnown == false)
        #expect(a.facts["cross_tenant"]?.isKnown == false)
    }

    /// The normalize stage names the file and line of a policy with a malformed statement.
    @Test func aMalformedStatementIsADiagnosticWithItsPlace() throws {
        let text = #"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Sid":"Partner","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#
        let facts = try Fixtures.run(KeyPolicyCollector(), data: Data(text.utf8), locator: "policies/partner.json", account: "111122223333")
        let d = try #require(facts.diagnostics.first { $0.message.contains("statement 'Partner'") })
        #expect(d.source == "policies/partner.json")
        #expect(d.line == 1)
        #expect(facts.resources(of: .keyPolicy).first?["cross_tenant"]?.isKnown == false)
    }
}
