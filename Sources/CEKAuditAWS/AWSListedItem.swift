import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// One item of a paginated listing, with the provenance of the page it came from (`Grants[3]` of page 2).
public struct AWSListedItem: Sendable {
    public var value: JSONValue
    public var provenance: Provenance

    public init(value: JSONValue, provenance: Provenance) {
        self.value = value
        self.provenance = provenance
    }
}
