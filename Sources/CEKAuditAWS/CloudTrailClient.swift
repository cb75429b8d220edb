import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The read-only subset of the AWS CloudTrail API the collector calls (AWS CloudTrail API Reference; JSON 1.1,
/// `X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`).
public struct CloudTrailClient: Sendable {
    public static let targetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

    /// The operations used, each read-only.
    public enum Operation: String, Sendable, CaseIterable {
        case describeTrails = "DescribeTrails"
        case getTrailStatus = "GetTrailStatus"
        case getEventSelectors = "GetEventSelectors"
    }

    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    public var region: String { client.region }

    /// DescribeTrails for every trail visible in the region, shadow copies of multi-Region trails included
    /// (`includeShadowTrails: true`); the API has no pagination.
    public func describeTrails() async -> Result<AWSResponse, AWSCallFailure> {
        await client.callJSON(Operation.describeTrails.rawValue, ["includeShadowTrails": .bool(true)])
    }

    /// GetTrailStatus (`IsLogging` …) for a trail ARN.
    public func trailStatus(_ trailARN: String) async -> Result<AWSResponse, AWSCallFailure> {
        await client.callJSON(Operation.getTrailStatus.rawValue, ["Name": .string(trailARN)])
    }

    /// GetEventSelectors (basic or advanced) for a trail ARN.
    public func eventSelectors(_ trailARN: String) async -> Result<AWSResponse, AWSCallFailure> {
        await client.callJSON(Operation.getEventSelectors.rawValue, ["TrailName": .string(trailARN)])
    }
}
