import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Where each service is called: a per-target `endpoint:` (moto, LocalStack, a VPC endpoint) for every service, else
/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` (AWS SDKs and Tools Reference Guide, "Service-specific
/// endpoints"), else the public regional endpoint `https://<service>.<region>.amazonaws.com` (`.amazonaws.com.cn`
/// in the China regions).
public struct AWSEndpoints: Sendable, Hashable {
    public var override: URL?
    public var environment: [String: String]

    public init(override: URL?, environment: [String: String]) {
        self.override = override
        self.environment = environment
    }

    /// The endpoint for `service` (signing name: `kms`, `cloudtrail`, `sts`, `ec2`) in `region`; `nil` when `region`
    /// is not a region name (a region a server names — a trail's `HomeRegion`, a `DescribeRegions` entry — becomes a
    /// host name here, and must not be able to name another host).
    public func url(service: String, region: String) -> URL? {
        if let override { return override }
        guard AWSEndpoints.isRegionName(region) else { return nil }
        if let specific = environment["AWS_ENDPOINT_URL_\(service.uppercased())"], !specific.isEmpty, let u = URL(string: specific) { return u }
        if let global = environment["AWS_ENDPOINT_URL"], !global.isEmpty, let u = URL(string: global) { return u }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return URL(string: "https://\(service).\(region).\(suffix)/")
    }

    /// Whether `name` has the shape of an AWS Region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`.
    public static func isRegionName(_ name: String) -> Bool {
        name.range(of: #"^[a-z]{2}(-[a-z]+)+-\d{1,2}$"#, options: .regularExpression) != nil
    }

    /// Whether any service goes to a custom endpoint (reported on the `target` resource).
    public var isCustom: Bool {
        override != nil || environment.keys.contains { $0 == "AWS_ENDPOINT_URL" || $0.hasPrefix("AWS_ENDPOINT_URL_") }
    }
}
