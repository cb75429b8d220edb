import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Lists the regions enabled for an account with Amazon EC2 `DescribeRegions` (Amazon EC2 API Reference; Query
/// protocol, version 2016-11-15), for targets with `regions: all`. Read-only.
public struct EC2RegionsClient: Sendable {
    public static let version = "2016-11-15"

    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    /// The enabled regions, sorted.
    public func enabledRegions() async -> Result<([String], AWSResponse), AWSCallFailure> {
        switch await client.callQuery("DescribeRegions") {
        case .failure(let f): return .failure(f)
        case .success(let r):
            guard let doc = AWSXML.document(r.body) else {
                return .failure(AWSCallFailure(operation: "DescribeRegions", region: client.region, error: .invalidResponse("not XML"), attempts: r.attempts))
            }
            let names = AWSXML.allTexts(doc, named: "regionName").filter { !$0.isEmpty }
            guard !names.isEmpty else {
                return .failure(AWSCallFailure(operation: "DescribeRegions", region: client.region, error: .invalidResponse("no regions listed"), attempts: r.attempts))
            }
            // Each name becomes part of a host name: one that is not a region name makes the list unusable.
            if let odd = names.first(where: { !AWSEndpoints.isRegionName($0) }) {
                return .failure(AWSCallFailure(operation: "DescribeRegions", region: client.region,
                                               error: .invalidResponse("\(JSONValue.quote(odd)) is not a region name"), attempts: r.attempts))
            }
            return .success((Array(Set(names)).sorted(), r))
        }
    }
}
