import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Turns a DescribeCustomKeyStores entry into a `key_store` resource (AWS KMS API Reference,
/// "CustomKeyStoresListEntry": CustomKeyStoreType, CloudHsmClusterId, XksProxyConfiguration.UriEndpoint,
/// ConnectionState). The XKS proxy's authentication credential is never read. Pure.
public enum KMSKeyStoreFacts {
    /// - Parameters:
    ///   - account: the account the store belongs to, for its id.
    public static func resource(_ entry: AWSListedItem, account: String, region: String) -> Resource {
        let s = entry.value
        let id = s["CustomKeyStoreId"]?.stringValue ?? "unknown"
        let name = s["CustomKeyStoreName"]?.stringValue ?? id
        let f: [String: FactValue] = [
            "kind": .string(s["CustomKeyStoreType"]?.stringValue ?? "AWS_CLOUDHSM"),
            "name": .string(name),
            "hsm_cluster": s["CloudHsmClusterId"]?.stringValue.map(FactValue.string) ?? .null,
            "proxy_endpoint": s["XksProxyConfiguration"]?["UriEndpoint"]?.stringValue.map(FactValue.string) ?? .null,
            "connection_state": s["ConnectionState"]?.stringValue.map(FactValue.string)
                ?? .unknown(reason: "DescribeCustomKeyStores returned no ConnectionState"),
        ]
        return Resource(type: .keyStore, id: "aws-kms://\(account)/\(region)/custom-key-store/\(id)", name: name, fields: f,
                        provenance: [entry.provenance])
    }
}
