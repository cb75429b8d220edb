import Testing
@testable import CEKAuditCollectorKit
@testable import CEKAuditCore
@testable import CEKAuditOpenBao
@testable import CEKAuditAWS

/// Transit rotates every key type (unlike AWS KMS): asymmetric and HMAC keys are applicable; imported keys without
/// allow_rotation, managed keys and soft-deleted keys are not.
struct TransitRotationApplicabilityTests {
    @Test(arguments: ["aes256-gcm96", "chacha20-poly1305", "rsa-4096", "ecdsa-p256", "ed25519", "hmac"])
    func everyGeneratedKeyTypeRotates(_ type: String) {
        let o = TransitRotationApplicability.decide(type: type, imported: false, importedAllowsRotation: nil, softDeleted: false)
        #expect(o.applicable == true)
        #expect(o.reason.contains("every key type"))
    }

    @Test func importedKeysRotateOnlyWithAllowRotation() {
        #expect(TransitRotationApplicability.decide(type: "aes256-gcm96", imported: true, importedAllowsRotation: false, softDeleted: false).applicable == false)
        #expect(TransitRotationApplicability.decide(type: "aes256-gcm96", imported: true, importedAllowsRotation: true, softDeleted: false).applicable == true)
        #expect(TransitRotationApplicability.decide(type: "aes256-gcm96", imported: true, importedAllowsRotation: nil, softDeleted: false).applicable == nil)
    }

    @Test func softDeletedAndManagedKeysAreOutOfScopeEvenWhenOtherFactsAreUnknown() {
        let soft = TransitRotationApplicability.decide(type: nil, imported: nil, importedAllowsRotation: nil, softDeleted: true)
        #expect(soft.applicable == false)
        #expect(soft.reason.contains("soft-deleted"))
        #expect(TransitRotationApplicability.decide(type: "managed_key", imported: nil, importedAllowsRotation: nil, softDeleted: nil).applicable == false)
    }

    @Test func unknownFactsGiveUnknown() {
        let o = TransitRotationApplicability.decide(type: nil, imported: false, importedAllowsRotation: nil, softDeleted: false)
        #expect(o.applicable == nil)
        #expect(o.reason.contains("type"))
    }

    @Test func keyClasses() {
        #expect(TransitKeyClass.classify(type: "aes128-gcm96") == .symmetric)
        #expect(TransitKeyClass.classify(type: "xchacha20-poly1305") == .symmetric)
        #expect(TransitKeyClass.classify(type: "rsa-2048") == .asymmetric)
        #expect(TransitKeyClass.classify(type: "hmac") == .hmac)
        #expect(TransitKeyClass.classify(type: "managed_key") == nil)
        #expect(TransitKeyClass.usage(type: "rsa-4096", supportsEncryption: true, supportsSigning: true) == "ENCRYPT_DECRYPT,SIGN_VERIFY")
        #expect(TransitKeyClass.usage(type: "hmac", supportsEncryption: false, supportsSigning: false) == "GENERATE_VERIFY_MAC")
    }

    @Test func openBaoKeysGetTheTransitDecisionAndAWSKeysTheAWSOne() {
        var bao = Resource(type: .key, id: "k", fields: ["service": .string("openbao"), "origin": .string("OPENBAO"), "spec": .string("ed25519"),
                                                        "state": .string("Enabled")], observed: ["imported_key_allow_rotation": .null])
        OpenBaoKeyAnalysis.derive(&bao)
        #expect(bao.fields["rotation.applicable"] == .bool(true))
        #expect(bao.fields["custody"] == .string("customer-generated"))
        #expect(bao.fields["exportable"] == nil)
        var aws = Resource(type: .key, id: "a", fields: ["service": .string("aws-kms"), "manager": .string("customer"), "origin": .string("AWS_KMS"),
                                                        "spec": .string("RSA_2048")])
        AWSKeyAnalysis.derive(&aws)
        #expect(aws.fields["rotation.applicable"] == .bool(false))
        #expect(aws.fields["exportable"] == .bool(false))
    }
}
