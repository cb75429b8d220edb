import Foundation

/// The fields of a CloudTrail event record that the KMS audit reads (AWS CloudTrail User Guide, "CloudTrail record
/// contents"; AWS KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail"). Decoding is lenient: any
/// field may be missing, `null`, or of an unexpected type (then it reads as absent) — real trails hold all three.
/// Free-form sub-objects are not decoded beyond the few members used, which keeps decoding fast.
struct CloudTrailRecord: Decodable {
    var eventTime: String?
    var eventSource: String?
    var eventName: String?
    var awsRegion: String?
    var eventID: String?
    var requestID: String?
    var errorCode: String?
    var errorMessage: String?
    var eventType: String?
    var recipientAccountId: String?
    var userIdentity: UserIdentity?
    var resources: [ResourceRef]?
    var requestParameters: RequestParameters?
    var responseElements: ResponseElements?
    var additionalEventData: AdditionalEventData?
    var serviceEventDetails: ServiceEventDetails?

    struct UserIdentity: Decodable {
        var type: String?
        var arn: String?
        var accountId: String?
        var invokedBy: String?
        var principalId: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            type = c.lenient("type"); arn = c.lenient("arn"); accountId = c.lenient("accountId")
            invokedBy = c.lenient("invokedBy"); principalId = c.lenient("principalId")
        }
    }
    struct ResourceRef: Decodable {
        var arn: String?
        var type: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            arn = c.lenient("ARN"); type = c.lenient("type")
        }
    }
    struct RequestParameters: Decodable {
        var keyId: String?
        var targetKeyId: String?
        var aliasName: String?
        var enabledRotation: String?
        var rotationPeriodInDays: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            keyId = c.lenient("keyId"); targetKeyId = c.lenient("targetKeyId"); aliasName = c.lenient("aliasName")
            rotationPeriodInDays = c.lenient("rotationPeriodInDays")
        }
    }
    struct ResponseElements: Decodable {
        var keyMetadata: KeyMetadata?
        var keyId: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            keyMetadata = try? c.decodeIfPresent(KeyMetadata.self, forKey: Key("keyMetadata"))
            keyId = c.lenient("keyId")
        }
    }
    struct KeyMetadata: Decodable {
        var arn: String?
        var keyId: String?
        var origin: String?
        var keyManager: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            arn = c.lenient("arn"); keyId = c.lenient("keyId"); origin = c.lenient("origin"); keyManager = c.lenient("keyManager")
        }
    }
    struct AdditionalEventData: Decodable {
        var customKeyStoreId: String?
        var xksKeyId: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            customKeyStoreId = c.lenient("customKeyStoreId"); xksKeyId = c.lenient("xksKeyId")
        }
    }
    struct ServiceEventDetails: Decodable {
        var keyId: String?
        init(from d: any Decoder) throws {
            let c = try d.container(keyedBy: Key.self)
            keyId = c.lenient("keyId")
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from d: any Decoder) throws {
        let c = try d.container(keyedBy: Key.self)
        eventTime = c.lenient("eventTime"); eventSource = c.lenient("eventSource"); eventName = c.lenient("eventName")
        awsRegion = c.lenient("awsRegion"); eventID = c.lenient("eventID"); requestID = c.lenient("requestID"); errorCode = c.lenient("errorCode")
        errorMessage = c.lenient("errorMessage"); eventType = c.lenient("eventType"); recipientAccountId = c.lenient("recipientAccountId")
        userIdentity = try? c.decodeIfPresent(UserIdentity.self, forKey: Key("userIdentity"))
        resources = try? c.decodeIfPresent([ResourceRef].self, forKey: Key("resources"))
        requestParameters = try? c.decodeIfPresent(RequestParameters.self, forKey: Key("requestParameters"))
        responseElements = try? c.decodeIfPresent(ResponseElements.self, forKey: Key("responseElements"))
        additionalEventData = try? c.decodeIfPresent(AdditionalEventData.self, forKey: Key("additionalEventData"))
        serviceEventDetails = try? c.decodeIfPresent(ServiceEventDetails.self, forKey: Key("serviceEventDetails"))
    }
}

extension KeyedDecodingContainer where K == CloudTrailRecord.Key {
    /// A string member; numbers and booleans read as their text; anything else (or null) as absent.
    func lenient(_ name: String) -> String? {
        let key = CloudTrailRecord.Key(name)
        if let s = try? decodeIfPresent(String.self, forKey: key) { return s }
        if let i = try? decodeIfPresent(Int.self, forKey: key) { return String(i) }
        if let b = try? decodeIfPresent(Bool.self, forKey: key) { return b ? "true" : "false" }
        return nil
    }
}
