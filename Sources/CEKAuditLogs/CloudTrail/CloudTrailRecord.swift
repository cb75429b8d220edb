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
    var eventID: RawText?
    var requestID: RawText?
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
        /// Whether `type` is `AWSService` (the only type the audit reads; compared where it lies).
        var isAWSService = false
        var arn: String?
        var accountId: String?
        var invokedBy: String?
        /// The ``StringInterner`` ids of `arn` and `invokedBy` (`nil`: not interned).
        var arnID: Int32?
        var invokedByID: Int32?
    }

    /// A string member read where it lies: its contents' place in the record's buffer when it holds no escape, else
    /// the unescaped string. For values unique per record that are hashed, not kept.
    enum RawText {
        case bytes(Range<Int>)
        case string(String)

        /// The value as a `String` (`b`: the buffer the record was read from).
        func string(in b: UnsafeRawBufferPointer) -> String {
            switch self {
            case .bytes(let r): return String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self)
            case .string(let s): return s
            }
        }

        /// Calls `body` with the value's UTF-8 bytes.
        func withUTF8<R>(in b: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
            switch self {
            case .bytes(let r): return body(UnsafeRawBufferPointer(rebasing: b[r]))
            case .string(var s): return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
            }
        }
    }
    struct ResourceRef {
        var arn: String?
        /// Whether `type` is `AWS::KMS::Key` (compared where it lies, no string made).
        var isKMSKey = false
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
