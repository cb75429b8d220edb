@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import Foundation
import Testing

/// Credentials from the environment and the shared files, in the AWS CLI's order; errors name profiles and files,
/// never secrets.
struct AWSCredentialResolverTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        # shared credentials
        [default]
        aws_access_key_id = AKIADEFAULTEXAMPLE01
        aws_secret_access_key = defaultSecretEXAMPLEKEY0000000000000000

        [tenant-a]
        aws_access_key_id=ASIATENANTAEXAMPLE01
        aws_secret_access_key=tenantASecretEXAMPLEKEY00000000000000000
        aws_session_token = tenantASessionTokenEXAMPLE
        [broken]
        aws_access_key_id = AKIABROKENEXAMPLE001
        """.write(to: dir.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try """
        [default]
        region = eu-west-1
        [profile tenant-a]
        region = eu-central-1
        [profile tenant-b]
        role_arn = arn:aws:iam::444455556666:role/cek-audit
        source_profile = tenant-a
        external_id = example-external-id
        region = us-west-2
        s3 =
          max_concurrent_requests = 4
        [profile sso]
        sso_session = corp
        [profile loop-1]
        role_arn = arn:aws:iam::444455556666:role/x
        source_profile = loop-2
        [profile loop-2]
        role_arn = arn:aws:iam::444455556666:role/y
        source_profile = loop-1
        [sso-session corp]
        sso_region = us-east-1
        """.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
    }

    var files: [String: String] {
        ["AWS_SHARED_CREDENTIALS_FILE": dir.appendingPathComponent("credentials").path, "AWS_CONFIG_FILE": dir.appendingPathComponent("config").path,
         "HOME": "/nonexistent"]
    }

    func keys(_ plan: AWSCredentialPlan) -> AWSCredentials? {
        if case .credentials(let c) = plan { return c }
        return nil
    }

    @Test func environmentComesFirstWithoutAProfile() throws {
        var env = files
        env["AWS_ACCESS_KEY_ID"] = "AKIAENVEXAMPLE000001"
        env["AWS_SECRET_ACCESS_KEY"] = "envSecretEXAMPLEKEY00000000000000000000"
        env["AWS_SESSION_TOKEN"] = "envTokenEXAMPLE"
        let (plan, region) = try AWSCredentialResolver(environment: env).resolve(profile: nil)
        #expect(keys(plan)?.accessKeyId == "AKIAENVEXAMPLE000001")
        #expect(keys(plan)?.sessionToken == "envTokenEXAMPLE")
        #expect(keys(plan)?.origin == "environment")
        #expect(region == "eu-west-1")
    }

    @Test func aNamedProfileWinsOverTheEnvironment() throws {
        var env = files
        env["AWS_ACCESS_KEY_ID"] = "AKIAENVEXAMPLE000001"
        env["AWS_SECRET_ACCESS_KEY"] = "envSecretEXAMPLEKEY00000000000000000000"
        let (plan, region) = try AWSCredentialResolver(environment: env).resolve(profile: "tenant-a")
        #expect(keys(plan)?.accessKeyId == "ASIATENANTAEXAMPLE01")
        #expect(keys(plan)?.sessionToken == "tenantASessionTokenEXAMPLE")
        #expect(region == "eu-central-1")
    }

    @Test func awsProfileThenDefault() throws {
        var env = files
        #expect(keys(try AWSCredentialResolver(environment: env).resolve(profile: nil).plan)?.accessKeyId == "AKIADEFAULTEXAMPLE01")
        env["AWS_PROFILE"] = "tenant-a"
        #expect(keys(try AWSCredentialResolver(environment: env).resolve(profile: nil).plan)?.accessKeyId == "ASIATENANTAEXAMPLE01")
    }

    @Test func roleProfilesAssumeTheRoleWithTheSourceProfile() throws {
        let (plan, region) = try AWSCredentialResolver(environment: files).resolve(profile: "tenant-b")
        guard case let .assumeRole(role, external, session, source) = plan else { Issue.record("expected assume-role"); return }
        #expect(role == "arn:aws:iam::444455556666:role/cek-audit")
        #expect(external == "example-external-id")
        #expect(session == "cek-audit")
        #expect(keys(source)?.accessKeyId == "ASIATENANTAEXAMPLE01")
        #expect(region == "us-west-2")
        #expect(plan.secrets.contains("tenantASecretEXAMPLEKEY00000000000000000"))
    }

    @Test func aTargetRoleIsAssumedWithWhateverWasFound() throws {
        let (plan, _) = try AWSCredentialResolver(environment: files).resolve(profile: "default", roleArn: "arn:aws:iam::111122223333:role/audit")
        guard case let .assumeRole(role, _, _, source) = plan else { Issue.record("expected assume-role"); return }
        #expect(role == "arn:aws:iam::111122223333:role/audit")
        #expect(keys(source)?.accessKeyId == "AKIADEFAULTEXAMPLE01")
    }

    @Test func errorsNameTheProfileAndNeverASecret() {
        let r = AWSCredentialResolver(environment: files)
        #expect(throws: AWSCredentialError.profileNotFound(profile: "nope", files: [files["AWS_SHARED_CREDENTIALS_FILE"]!, files["AWS_CONFIG_FILE"]!])) {
            try r.resolve(profile: "nope")
        }
        #expect(throws: AWSCredentialError.incomplete(profile: "broken", missing: "aws_secret_access_key")) { try r.resolve(profile: "broken") }
        #expect(throws: AWSCredentialError.unsupported(profile: "sso", setting: "sso_session")) { try r.resolve(profile: "sso") }
        #expect(throws: AWSCredentialError.sourceProfileLoop(profile: "loop-1")) { try r.resolve(profile: "loop-1") }
        let none = AWSCredentialResolver(environment: ["HOME": "/nonexistent"])
        do { _ = try none.resolve(profile: nil); Issue.record("expected an error") } catch {
            let text = (error as? AWSCredentialError)?.errorDescription ?? ""
            #expect(text.contains("no AWS credentials found"))
            #expect(text.contains("AWS_ACCESS_KEY_ID"))
        }
        for e: AWSCredentialError in [.incomplete(profile: "broken", missing: "aws_secret_access_key"), .unsupported(profile: "sso", setting: "sso_session")] {
            #expect(!(e.errorDescription ?? "").contains("EXAMPLEKEY"))
        }
    }

    @Test func configFileSectionsFollowTheirConvention() {
        let config = AWSConfigFile(text: "[default]\nregion=a\n[profile x]\nregion = b ; comment\n[services y]\nregion=c\n[z]\nregion=d\n", isConfig: true)
        #expect(config.profiles["default"]?["region"] == "a")
        #expect(config.profiles["x"]?["region"] == "b")
        #expect(config.profiles["y"] == nil)
        #expect(config.profiles["z"] == nil)
        let creds = AWSConfigFile(text: "[profile x]\naws_access_key_id=1\n[x]\naws_access_key_id = 2\n", isConfig: false)
        #expect(creds.profiles["x"]?["aws_access_key_id"] == "2")
    }

    @Test func endpointsFollowTheOverrideOrder() {
        let target = URL(string: "http://127.0.0.1:5100")
        #expect(AWSEndpoints(override: target, environment: ["AWS_ENDPOINT_URL": "http://x"]).url(service: "kms", region: "eu-west-1") == target)
        let env = ["AWS_ENDPOINT_URL": "http://global.example.com", "AWS_ENDPOINT_URL_KMS": "http://kms.example.com"]
        #expect(AWSEndpoints(override: nil, environment: env).url(service: "kms", region: "eu-west-1")?.absoluteString == "http://kms.example.com")
        #expect(AWSEndpoints(override: nil, environment: env).url(service: "sts", region: "eu-west-1")?.absoluteString == "http://global.example.com")
        #expect(AWSEndpoints(override: nil, environment: [:]).url(service: "kms", region: "eu-west-1")?.absoluteString == "https://kms.eu-west-1.amazonaws.com/")
        #expect(AWSEndpoints(override: nil, environment: [:]).url(service: "kms", region: "cn-north-1")?.absoluteString == "https://kms.cn-north-1.amazonaws.com.cn/")
    }
}
