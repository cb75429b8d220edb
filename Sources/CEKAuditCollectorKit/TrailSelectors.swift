import CEKAuditCore
import Foundation

/// Whether a trail's event selectors record AWS KMS management events (AWS CloudTrail User Guide, "Logging
/// management events": `ExcludeManagementEventSources: [kms.amazonaws.com]` or advanced selectors with
/// `eventSource NotEquals kms.amazonaws.com` drop them; no selectors at all means all management events).
public enum TrailSelectors {
    public struct Field: Sendable {
        public var field: String
        public var equals: [String]
        public var notEquals: [String]
        public init(field: String, equals: [String], notEquals: [String]) {
            self.field = field
            self.equals = equals
            self.notEquals = notEquals
        }
    }

    /// - Parameters:
    ///   - basic: per basic selector, its `IncludeManagementEvents` fact and excluded sources.
    ///   - advanced: per advanced selector, its field selectors.
    public static func kmsManagementEventsIncluded(basic: [(FactValue, [String])], advanced: [[Field]]) -> FactValue {
        if !advanced.isEmpty {
            for selector in advanced {
                let category = selector.first { $0.field == "eventCategory" }
                guard category?.equals.contains("Management") == true else { continue }
                let source = selector.first { $0.field == "eventSource" }
                if source?.notEquals.contains("kms.amazonaws.com") == true { continue }
                if let eq = source?.equals, !eq.isEmpty, !eq.contains("kms.amazonaws.com") { continue }
                return .bool(true)
            }
            return .bool(false)
        }
        if basic.isEmpty { return .bool(true) }
        var unknown = false
        for (include, excluded) in basic {
            if include == .bool(true), !excluded.contains("kms.amazonaws.com") { return .bool(true) }
            if !include.isKnown { unknown = true }
        }
        return unknown ? .unknown(reason: "IncludeManagementEvents is an expression") : .bool(false)
    }
}
