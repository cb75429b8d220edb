import CEKAuditCollectorKit
import CEKAuditCore
/// The members of a CloudTrail event record that the KMS audit reads (AWS CloudTrail User Guide, "CloudTrail
/// record contents"; AWS KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail"). Any member may be
/// missing, `null` or of an unexpected type in real trails; it then reads as absent. Read by
/// ``CloudTrailRecordReader``.
struct CloudTrailRecord {
    var eventTime: String?
    var eventSource: String?
    var eventName: String?
    var awsRegion: String?
    var eventID: String?
    var requestID: String?
    var errorCode: String?
    var errorMessage: String?
    var recipientAccountId: String?
    var userIdentity: UserIdentity?
    var resources: [ResourceRef]?
    var requestParameters: RequestParameters?
    var responseElements: ResponseElements?
    var additionalEventData: AdditionalEventData?
    var serviceEventDetails: ServiceEventDetails?

    struct UserIdentity {
        var type: String?
        var arn: String?
        var accountId: String?
        var invokedBy: String?
    }
    struct ResourceRef {
        var arn: String?
        var type: String?
    }
    struct RequestParameters {
        var keyId: String?
        var targetKeyId: String?
        var aliasName: String?
        var rotationPeriodInDays: String?
    }
    struct ResponseElements {
        var keyMetadata: KeyMetadata?
        var keyId: String?
    }
    struct KeyMetadata {
        var arn: String?
        var keyId: String?
        var origin: String?
        var keyManager: String?
    }
    struct AdditionalEventData {
        var customKeyStoreId: String?
        var xksKeyId: String?
    }
    struct ServiceEventDetails {
        var keyId: String?
    }
}
