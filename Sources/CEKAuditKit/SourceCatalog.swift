import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What `cek-audit sources` prints, derived from the registry: one row per collector kind.
public enum SourceCatalog {
    /// One kind.
    public struct Row: Sendable, Hashable {
        public var kind: String
        /// `source` (under `sources:`, or recognised by content) or `target` (under `targets:`).
        public var placement: String
        public var reads: String
        public var supplies: [String]
        public var example: String
    }

    /// Every kind of `registry`, in registry order.
    public static func rows(_ registry: CollectorRegistry) -> [Row] {
        registry.collectors.map { c in
            Row(kind: c.kind, placement: c.input == .live ? "target" : "source", reads: c.reads,
                supplies: c.suppliedTypes.map(\.rawValue).sorted(), example: c.example)
        }
    }

    /// Plain text: a paragraph per kind.
    public static func text(_ rows: [Row]) -> String {
        rows.map { r in
            """
            \(r.kind) (\(r.placement))
              reads:    \(r.reads)
              supplies: \(r.supplies.joined(separator: ", "))
              example:  \(r.example)
            """
        }.joined(separator: "\n\n")
    }

    /// The README's Markdown table.
    public static func markdown(_ rows: [Row]) -> String {
        var lines = ["| kind | where | reads | supplies | example |", "| --- | --- | --- | --- | --- |"]
        for r in rows {
            let cells = [ "`\(r.kind)`", r.placement, r.reads, r.supplies.map { "`\($0)`" }.joined(separator: ", "), "`\(r.example)`"]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
