import CEKAuditCore
import Crypto
import Foundation

/// Name-based UUIDs, version 5 (SHA-1), RFC 9562 §5.5: the same namespace and name always give the same UUID, so the
/// OSCAL documents are byte-identical between runs over the same evidence (OSCAL requires version 4 or 5 UUIDs).
public enum NameBasedUUID {
    /// The project's namespace UUID for every OSCAL identifier (a fixed random version 4 UUID, RFC 9562 §6.6).
    public static let namespace = UUID(uuidString: "5d0c6f0e-3b0a-4c8e-9f7e-0c3a6b1e2d44")!

    /// The version 5 UUID of `name` in `namespace`, lowercase (RFC 9562 §5.5): SHA-1 over the namespace's 16 bytes
    /// followed by the name's UTF-8 bytes, the first 16 bytes of the digest with the version nibble set to `0101`
    /// and the variant bits to `10`.
    public static func v5(_ name: String, namespace: UUID = NameBasedUUID.namespace) -> String {
        var bytes = Data()
        withUnsafeBytes(of: namespace.uuid) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(name.utf8))
        var d = Array(Insecure.SHA1.hash(data: bytes)).prefix(16).map { $0 }
        d[6] = (d[6] & 0x0F) | 0x50
        d[8] = (d[8] & 0x3F) | 0x80
        let hex = LowerHex.encode(d)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}
