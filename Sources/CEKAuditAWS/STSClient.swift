import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The AWS Security Token Service calls the collector makes (AWS STS API Reference; Query protocol, version
/// 2011-06-15, XML answers read with FoundationXML): `GetCallerIdentity` to record who collected the evidence, and
/// `AssumeRole` when a profile or target names a role. Neither changes any resource.
public struct STSClient: Sendable {
    public static let version = "2011-06-15"

    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    /// The identity behind the credentials (`GetCallerIdentityResult`: `Account`, `Arn`, `UserId`).
    public struct CallerIdentity: Sendable, Hashable {
        public var account: String
        public var arn: String
        public var userId: String?
    }

    /// Calls GetCallerIdentity and parses the answer.
    public func callerIdentity() async -> Result<(CallerIdentity, AWSResponse), AWSCallFailure> {
        switch await client.callQuery("GetCallerIdentity") {
        case .failure(let f): return .failure(f)
        case .success(let r):
            guard let identity = Self.parseCallerIdentity(r.body) else {
                return .failure(AWSCallFailure(operation: "GetCallerIdentity", region: client.region,
                                               error: .invalidResponse("no Account and Arn in the answer"), attempts: r.attempts))
            }
            return .success((identity, r))
        }
    }

    /// Reads `<GetCallerIdentityResult>` from an answer.
    public static func parseCallerIdentity(_ data: Data) -> CallerIdentity? {
        guard let doc = AWSXML.document(data), let account = AWSXML.firstText(doc, named: "Account"),
              let arn = AWSXML.firstText(doc, named: "Arn") else { return nil }
        return CallerIdentity(account: account, arn: arn, userId: AWSXML.firstText(doc, named: "UserId"))
    }

    /// Calls AssumeRole and returns the temporary credentials. The answer holds secrets: it is never kept as
    /// evidence, and the caller registers the new secrets with the run's ``CredentialScrubber``.
    public func assumeRole(roleArn: String, sessionName: String, externalId: String?) async -> Result<AWSCredentials, AWSCallFailure> {
        var params = [("RoleArn", roleArn), ("RoleSessionName", sessionName), ("DurationSeconds", "3600")]
        if let externalId { params.append(("ExternalId", externalId)) }
        switch await client.callQuery("AssumeRole", params) {
        case .failure(let f): return .failure(f)
        case .success(let r):
            guard let doc = AWSXML.document(r.body), let id = AWSXML.firstText(doc, named: "AccessKeyId"),
                  let secret = AWSXML.firstText(doc, named: "SecretAccessKey") else {
                return .failure(AWSCallFailure(operation: "AssumeRole", region: client.region,
                                               error: .invalidResponse("no credentials in the answer"), attempts: r.attempts))
            }
            return .success(AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: AWSXML.firstText(doc, named: "SessionToken"),
                                           origin: "assumed role \(roleArn)"))
        }
    }
}
