@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// `targets:` entries of kind aws-kms: options read and checked, errors naming the file, the entry's line and a fix.
struct AWSTargetOptionsTests {
    func load(_ targets: String) throws -> AssessmentFile {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-targets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("audit.yaml")
        try "schema_version: 1\nname: t\ntargets:\n\(targets)".write(to: path, atomically: true, encoding: .utf8)
        return try AssessmentFile.load(path: path.path, sourceKinds: CollectorRegistry.builtIn.sourceKinds)
    }

    func error(_ targets: String) throws -> String {
        let file = try load(targets)
        do { try CollectorRegistry.builtIn.validate(file.targets) } catch let e as CEKAuditError { return e.errorDescription ?? "" }
        return ""
    }

    /// Target names are shard unit ids and prefixes of organization members (`org/111122223333`): a name used twice
    /// or holding a '/' is refused at its line, with a fix.
    @Test func targetNamesAreUniqueAndHoldNoSlash() throws {
        func message(_ targets: String) -> String {
            do { _ = try load(targets); return "" } catch let e as CEKAuditError { return e.errorDescription ?? "" } catch { return "\(error)" }
        }
        let twice = message("  - {kind: aws-kms, name: prod, regions: [us-east-1]}\n  - {kind: openbao, name: prod, address: http://127.0.0.1:8200}\n")
        #expect(twice.contains("audit.yaml") && twice.contains(":5") && twice.contains("\"prod\" is used twice (also on line 4)"), "\(twice)")
        let slash = message("  - {kind: aws-kms, name: org/111122223333, regions: [us-east-1]}\n")
        #expect(slash.contains("contains '/'") && slash.contains("org-111122223333"), "\(slash)")
        #expect(message("  - {kind: aws-kms, regions: [us-east-1]}\n  - {kind: aws-kms, regions: [eu-west-1]}\n").isEmpty, "default names differ")
    }

    @Test func theDocumentedOptionsAreRead() throws {
        let file = try load("""
          - kind: aws-kms
            name: tenant-a
            regions: [us-east-1, eu-west-1, us-east-1]
            endpoint: http://127.0.0.1:5100
            profile: tenant-a
            role_arn: arn:aws:iam::111122223333:role/cek-audit
            external_id: example-external-id
            account: "111122223333"
            tenant: acme
            concurrency: 8
            timeout_seconds: 2.5
            max_attempts: 4
            backoff_base_ms: 50
            backoff_max_ms: 2000
            max_requests: 500
            required: false
        """)
        try CollectorRegistry.builtIn.validate(file.targets)
        let t = try #require(file.targets.first)
        #expect(t.required == false)
        #expect(t.line == 4)
        let o = try AWSTargetOptions(t)
        #expect(o.regions == ["us-east-1", "eu-west-1"])
        #expect(o.endpoint?.absoluteString == "http://127.0.0.1:5100")
        #expect(o.profile == "tenant-a")
        #expect(o.roleArn == "arn:aws:iam::111122223333:role/cek-audit")
        #expect(o.account == "111122223333")
        #expect(o.concurrency == 8)
        #expect(o.timeoutSeconds == 2.5)
        #expect(o.retry == RetryPolicy(maxAttempts: 4, baseDelay: 0.05, maximumDelay: 2))
        #expect(o.maxRequests == 500)
        let all = try AWSTargetOptions(try #require(try load("  - {kind: aws-kms, regions: all}\n").targets.first))
        #expect(all.allRegions)
        #expect(CollectorRegistry.builtIn.collector(for: "aws-kms") is AWSKMSCollector)
    }

    @Test func theLiveAccountExampleIsValid() throws {
        let file = try AssessmentFile.load(path: Fixtures.packageRoot.appendingPathComponent("examples/aws-account/audit.yaml").path, sourceKinds: CollectorRegistry.builtIn.sourceKinds)
        try CollectorRegistry.builtIn.validate(file.targets)
        #expect(file.targets.map(\.name) == ["platform", "tenant-a"])
        #expect(try AWSTargetOptions(file.targets[1]).allRegions)
        #expect(file.targets[1].required == false)
    }

    @Test(arguments: [
        ("  - {kind: aws-kms, name: a, regoins: [us-east-1]}\n", "audit.yaml:4", "unknown option 'regoins'", "did you mean 'regions'?"),
        ("  - {kind: aws-kms, name: a, regions: [us-east-1], concurrency: 0}\n", "audit.yaml:4", "concurrency must be a whole number from 1 to 64", nil),
        ("  - {kind: aws-kms, name: a, regions: [us-east-1], concurrency: 2.5}\n", "audit.yaml:4", "concurrency must be a whole number", nil),
        ("  - {kind: aws-kms, name: a, regions: [Virginia]}\n", "audit.yaml:4", "'Virginia' is not an AWS region name", "us-east-1"),
        ("  - {kind: aws-kms, name: a, regions: []}\n", "audit.yaml:4", "regions is empty", nil),
        ("  - {kind: aws-kms, name: a, endpoint: 'ftp://x'}\n", "audit.yaml:4", "is not an http(s) URL", nil),
        ("  - {kind: aws-kms, name: a, account: 111122223333}\n", "audit.yaml:4", "account must be quoted", "\"111122223333\""),
        ("  - {kind: aws-kms, name: a, account: '12345'}\n", "audit.yaml:4", "is not a 12-digit AWS account id", nil),
        ("  - {kind: aws-kms, name: a, timeout_seconds: 0}\n", "audit.yaml:4", "timeout_seconds must be a number", nil),
        ("  - {kind: aws-kms, name: a, max_attempts: 11}\n", "audit.yaml:4", "max_attempts must be a whole number from 1 to 10", nil),
        ("  - {kind: aws-kms, name: a, max_requests: 0}\n", "audit.yaml:4", "max_requests must be a whole number from 1 to 10000000", nil),
        ("  - {kind: aws-kms, name: a, role_arn: 'arn:aws:s3:::bucket'}\n", "audit.yaml:4", "is not an IAM role ARN", nil),
        ("  - {kind: aws-kms, name: a}\n  - {kind: aws-kms, name: b, profile: ''}\n", "audit.yaml:5", "target b (aws-kms): profile must be a non-empty string", nil),
        ("  - {kind: aws-kmz, name: a}\n", "audit.yaml:4", "unknown target kind", "aws-kms"),
    ] as [(String, String, String, String?)])
    func invalidOptionsNameTheLineAndAFix(_ yaml: String, _ place: String, _ message: String, _ fix: String?) throws {
        let text = try error(yaml)
        #expect(text.contains(place), "\(text)")
        #expect(text.contains(message), "\(text)")
        if let fix { #expect(text.contains(fix), "\(text)") }
    }
}
