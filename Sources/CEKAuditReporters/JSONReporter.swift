import CEKAuditCore
import Foundation

/// Renders `report.json`: the ``AssessmentReport`` model with sorted keys, two-space indentation, RFC 3339 UTC
/// dates and unescaped slashes, ending in a newline. The schema is `Schemas/report.schema.json` (JSON Schema
/// draft 2020-12), versioned by `schema_version`.
public struct JSONReporter: Sendable {
    public init() {}

    /// Encodes the report.
    /// - Throws: `EncodingError` if a value cannot be encoded (non-finite numbers).
    public func render(_ report: AssessmentReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(DateParsing.iso(date))
        }
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }
}
