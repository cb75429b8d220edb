import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Everything the collector learned about one AWS KMS key: one observation per API call (AWS KMS API Reference:
/// DescribeKey, GetKeyRotationStatus, ListKeyRotations, GetKeyPolicy, ListGrants, ListResourceTags) plus the aliases
/// ListAliases named for it. ``KMSKeyFacts`` turns it into `key`, `key_policy` and `grant` resources.
public struct KMSKeyObservation: Sendable {
    public var keyId: String
    public var arn: String
    public var region: String
    /// Where ListKeys listed the key.
    public var listing: Provenance?
    /// `KeyMetadata` of DescribeKey.
    public var metadata: AWSObservation<JSONValue>
    /// The GetKeyRotationStatus answer.
    public var rotationStatus: AWSObservation<JSONValue>
    /// `Rotations` of ListKeyRotations, every page.
    public var rotations: AWSObservation<[JSONValue]>
    /// The `Policy` text of GetKeyPolicy (policy name `default`).
    public var policy: AWSObservation<String>
    /// `Grants` of ListGrants, every page, each with the page it came from.
    public var grants: AWSObservation<[AWSListedItem]>
    /// `Tags` of ListResourceTags, every page.
    public var tags: AWSObservation<[JSONValue]>
    /// Alias names from ListAliases.
    public var aliases: AWSObservation<[String]>

    public init(keyId: String, arn: String, region: String, listing: Provenance? = nil,
                metadata: AWSObservation<JSONValue> = .notRequested("not collected"),
                rotationStatus: AWSObservation<JSONValue> = .notRequested("not collected"),
                rotations: AWSObservation<[JSONValue]> = .notRequested("not collected"),
                policy: AWSObservation<String> = .notRequested("not collected"),
                grants: AWSObservation<[AWSListedItem]> = .notRequested("not collected"),
                tags: AWSObservation<[JSONValue]> = .notRequested("not collected"),
                aliases: AWSObservation<[String]> = .notRequested("not collected")) {
        self.keyId = keyId
        self.arn = arn
        self.region = region
        self.listing = listing
        self.metadata = metadata
        self.rotationStatus = rotationStatus
        self.rotations = rotations
        self.policy = policy
        self.grants = grants
        self.tags = tags
        self.aliases = aliases
    }

    /// The account that owns the key: DescribeKey's `AWSAccountId`, else the ARN's account field.
    public var account: String? {
        if let a = metadata.value?["AWSAccountId"]?.stringValue, !a.isEmpty { return a }
        return ARN(parsing: arn)?.account
    }

    /// Whether AWS KMS supports automatic rotation for this kind of key, judged from DescribeKey alone (customer
    /// managed, SYMMETRIC_DEFAULT, AWS_KMS origin; state and replica role do not matter for *asking*): the collector
    /// calls GetKeyRotationStatus and ListKeyRotations only then. `nil` when DescribeKey failed.
    public static func rotationSupported(_ metadata: JSONValue?) -> RotationApplicability.Outcome? {
        guard let md = metadata else { return nil }
        let o = RotationApplicability.decide(manager: md["KeyManager"]?.stringValue, spec: (md["KeySpec"] ?? md["CustomerMasterKeySpec"])?.stringValue,
                                             origin: md["Origin"]?.stringValue, state: "Enabled", multiRegionRole: "none")
        return o
    }
}
