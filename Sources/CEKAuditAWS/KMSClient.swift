import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The read-only subset of the AWS KMS API the collector calls (AWS KMS API Reference; JSON 1.1 protocol,
/// `X-Amz-Target: TrentService.<Operation>`). Only `List*`, `Describe*` and `Get*` operations exist in
/// ``Operation``, so the collector cannot send a mutating request by construction.
public struct KMSClient: Sendable {
    /// Target prefix of the JSON 1.1 protocol for AWS KMS.
    public static let targetPrefix = "TrentService"

    /// The operations used, each read-only.
    public enum Operation: String, Sendable, CaseIterable {
        case listKeys = "ListKeys"
        case listAliases = "ListAliases"
        case describeKey = "DescribeKey"
        case getKeyRotationStatus = "GetKeyRotationStatus"
        case listKeyRotations = "ListKeyRotations"
        case getKeyPolicy = "GetKeyPolicy"
        case listGrants = "ListGrants"
        case listResourceTags = "ListResourceTags"
        case describeCustomKeyStores = "DescribeCustomKeyStores"

        /// The array member holding the items of a list operation, and the largest page size it accepts.
        var listing: (itemsKey: String, limit: Int)? {
            switch self {
            case .listKeys: return ("Keys", 1000)
            case .listAliases: return ("Aliases", 100)
            case .listKeyRotations: return ("Rotations", 1000)
            case .listGrants: return ("Grants", 100)
            case .listResourceTags: return ("Tags", 50)
            case .describeCustomKeyStores: return ("CustomKeyStores", 1000)
            default: return nil
            }
        }
    }

    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    public var region: String { client.region }

    /// Calls one operation.
    public func call(_ operation: Operation, _ parameters: [String: JSONValue] = [:]) async -> Result<AWSResponse, AWSCallFailure> {
        await client.callJSON(operation.rawValue, parameters)
    }

    /// Calls a list operation page by page (`Limit` / `Marker` → `NextMarker`, `Truncated`).
    public func list(_ operation: Operation, _ parameters: [String: JSONValue] = [:]) async -> AWSPages {
        let listing = operation.listing ?? ("Items", 100)
        var params = parameters
        params["Limit"] = .number(Double(listing.limit))
        return await AWSPages.collect(operation: operation.rawValue, itemsKey: listing.itemsKey, style: .marker, parameters: params) { p in
            await call(operation, p)
        }
    }
}
