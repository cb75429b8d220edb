import CEKAuditCore
import Foundation

/// Builds scenarios for ``FakeAWSServer``: a whole AWS account (identity, keys with their metadata, rotation, policy,
/// grants, tags and aliases, custom key stores, one CloudTrail trail) with the project's placeholder ids, plus
/// overrides placed in front of the generated routes (first match wins).
public struct FakeAWSScenario {
    /// One key and what the API says about it.
    public struct Key {
        public var metadata: [String: Any]
        /// GetKeyRotationStatus answer, or nil to answer with `rotationError`.
        public var rotation: [String: Any]? = ["KeyRotationEnabled": false]
        public var rotationError: (status: Int, code: String, message: String)?
        public var rotationDates: [String] = []
        public var policy: String?
        public var grants: [[String: Any]] = []
        public var tags: [[String: Any]] = []
        public var aliases: [String] = []

        public init(metadata: [String: Any]) {
            self.metadata = metadata
        }

        public var id: String { metadata["KeyId"] as? String ?? "" }
        public var arn: String { metadata["Arn"] as? String ?? "" }
    }

    public var account = "111122223333"
    public var region = "us-east-1"
    public var callerArn = "arn:aws:iam::111122223333:role/cek-audit"
    public var keys: [Key] = []
    public var trails: [[String: Any]] = [FakeAWSScenario.goodTrail()]
    public var overrides: [[String: Any]] = []

    public init() {}

    /// A symmetric customer-managed key with AWS KMS material, enabled.
    public static func symmetricKey(_ id: String, account: String = "111122223333", region: String = "us-east-1",
                             created: Double = 1_780_000_000) -> [String: Any] {
        ["AWSAccountId": account, "KeyId": id, "Arn": "arn:aws:kms:\(region):\(account):key/\(id)", "CreationDate": created, "Enabled": true,
         "Description": "", "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS", "KeyManager": "CUSTOMER",
         "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
         "MultiRegion": false]
    }

    /// The default key policy AWS KMS applies (AWS KMS Developer Guide, "Default key policy").
    public static func defaultPolicy(_ account: String) -> String {
        #"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::\#(account):root"},"Action":"kms:*","Resource":"*"}]}"#
    }

    /// A multi-Region trail with log-file validation and no event selectors (all management events).
    public static func goodTrail(account: String = "111122223333", region: String = "us-east-1", name: String = "org-audit") -> [String: Any] {
        ["Name": name, "S3BucketName": "audit-logs.example.com", "IncludeGlobalServiceEvents": true, "IsMultiRegionTrail": true,
         "HomeRegion": region, "TrailARN": "arn:aws:cloudtrail:\(region):\(account):trail/\(name)", "LogFileValidationEnabled": true,
         "HasCustomEventSelectors": false, "IsOrganizationTrail": false]
    }

    /// One route.
    public static func route(_ op: String, service: String? = nil, region: String? = nil, match: [String: Any] = [:],
                      _ responses: [[String: Any]]) -> [String: Any] {
        var r: [String: Any] = ["op": op, "responses": responses]
        if let service { r["service"] = service }
        if let region { r["region"] = region }
        if !match.isEmpty { r["match"] = match }
        return r
    }

    public static func ok(_ json: [String: Any]) -> [String: Any] { ["status": 200, "json": json] }

    public static func error(_ status: Int, _ code: String, _ message: String = "") -> [String: Any] {
        ["status": status, "json": ["__type": code, "message": message], "headers": ["X-Amzn-ErrorType": code]]
    }

    /// An STS GetCallerIdentity answer (Query protocol XML).
    public static func callerIdentity(account: String, arn: String) -> [String: Any] {
        ["status": 200, "content_type": "text/xml", "body": """
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <GetCallerIdentityResult><Arn>\(arn)</Arn><UserId>AROAEXAMPLEID:cek-audit</UserId><Account>\(account)</Account></GetCallerIdentityResult>
          <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
        </GetCallerIdentityResponse>
        """]
    }

    /// The scenario document.
    public var document: [String: Any] {
        var routes = overrides
        routes.append(Self.route("GetCallerIdentity", [Self.callerIdentity(account: account, arn: callerArn)]))
        routes.append(Self.route("ListKeys", region: region, [Self.ok(["Keys": keys.map { ["KeyId": $0.id, "KeyArn": $0.arn] }, "Truncated": false])]))
        let aliases = keys.flatMap { k in k.aliases.map { ["AliasName": $0, "AliasArn": "arn:aws:kms:\(region):\(account):\($0)", "TargetKeyId": k.id] } }
        routes.append(Self.route("ListAliases", region: region, [Self.ok(["Aliases": aliases, "Truncated": false])]))
        routes.append(Self.route("DescribeCustomKeyStores", region: region, [Self.ok(["CustomKeyStores": [], "Truncated": false])]))
        for k in keys {
            let m: [String: Any] = ["KeyId": k.id]
            routes.append(Self.route("DescribeKey", region: region, match: m, [Self.ok(["KeyMetadata": k.metadata])]))
            if let e = k.rotationError {
                routes.append(Self.route("GetKeyRotationStatus", region: region, match: m, [Self.error(e.status, e.code, e.message)]))
            } else if let r = k.rotation {
                routes.append(Self.route("GetKeyRotationStatus", region: region, match: m, [Self.ok(r)]))
            }
            routes.append(Self.route("ListKeyRotations", region: region, match: m, [Self.ok([
                "Rotations": k.rotationDates.map { ["KeyId": k.arn, "RotationDate": $0, "RotationType": "AUTOMATIC"] }, "Truncated": false])]))
            routes.append(Self.route("GetKeyPolicy", region: region, match: m,
                                     [Self.ok(["Policy": k.policy ?? Self.defaultPolicy(account), "PolicyName": "default"])]))
            routes.append(Self.route("ListGrants", region: region, match: m, [Self.ok(["Grants": k.grants, "Truncated": false])]))
            routes.append(Self.route("ListResourceTags", region: region, match: m, [Self.ok(["Tags": k.tags, "Truncated": false])]))
        }
        routes.append(Self.route("DescribeTrails", region: region, [Self.ok(["trailList": trails])]))
        routes.append(Self.route("GetTrailStatus", [Self.ok(["IsLogging": true, "LatestDeliveryTime": 1_790_000_000])]))
        routes.append(Self.route("GetEventSelectors", [Self.ok(["TrailARN": "arn", "EventSelectors": [
            ["ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [], "ExcludeManagementEventSources": []]]])]))
        return ["routes": routes]
    }

    /// Reads a case file (`Fixtures/aws/cases/*.json`): `{"account", "region", "keys": [{"metadata", "rotation" |
    /// "rotation_error": {"status", "code", "message"}, "rotation_dates"}]}`.
    public static func fromCase(_ value: [String: Any]) -> FakeAWSScenario {
        var s = FakeAWSScenario()
        s.account = value["account"] as? String ?? s.account
        s.region = value["region"] as? String ?? s.region
        s.callerArn = "arn:aws:iam::\(s.account):role/cek-audit"
        s.trails = [goodTrail(account: s.account, region: s.region)]
        for k in value["keys"] as? [[String: Any]] ?? [] {
            var key = Key(metadata: k["metadata"] as? [String: Any] ?? [:])
            key.rotation = k["rotation"] as? [String: Any]
            if let e = k["rotation_error"] as? [String: Any] {
                key.rotationError = (e["status"] as? Int ?? 400, e["code"] as? String ?? "Error", e["message"] as? String ?? "")
            }
            key.rotationDates = k["rotation_dates"] as? [String] ?? []
            s.keys.append(key)
        }
        return s
    }
}
