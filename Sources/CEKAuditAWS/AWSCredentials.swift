import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// AWS security credentials: an access key id, its secret access key and, for temporary credentials, a session token
/// (AWS Identity and Access Management User Guide, "Temporary security credentials in IAM").
///
/// The secret and the token are only ever read by ``SigV4Signer``. Every textual form of this value (`description`,
/// `debugDescription`, reflection) redacts them, so interpolating credentials into a log line or an error cannot leak
/// them; the collector registers them with the run's ``CredentialScrubber``, which removes them, in every encoding, from
/// anything a server sends back and from every output.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Access key id (`AKIA…` long-term, `ASIA…` temporary); it names the key, and is still kept out of outputs.
    public var accessKeyId: String
    /// Secret access key: only ever used to derive the SigV4 signing key.
    public var secretAccessKey: String
    /// Session token of temporary credentials (STS), sent as `X-Amz-Security-Token`.
    public var sessionToken: String?
    /// Where the credentials came from, for messages: `environment`, `profile tenant-a (~/.aws/credentials)`, … Never secret.
    public var origin: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, origin: String = "explicit") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.origin = origin
    }

    /// The values that must never appear in evidence, logs or reports.
    public var secrets: [String] {
        [secretAccessKey, sessionToken, accessKeyId].compactMap { $0 }
    }

    public var description: String {
        "AWS credentials from \(origin) (secret redacted\(sessionToken == nil ? "" : ", session token redacted"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["origin": origin], displayStyle: .struct)
    }
}
