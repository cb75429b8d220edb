import CEKAuditCore
import Foundation

/// A log-aggregation query shipped in `Queries/`, whose result ``LogQueryResultCollector`` reads: its text (byte for
/// byte; `ShippedQuery+Text.swift` is generated from the `.sql` file), the engines it is written for and the result
/// columns it produces, in order.
public struct ShippedQuery: Sendable {
    /// Path in the repository (`Queries/…`).
    public var path: String
    /// Engines (the source's `engine` option) the text runs on unchanged.
    public var engines: [String]
    /// The query text, byte for byte as shipped (UTF-8).
    public var text: String
    /// Result columns, in the order the query selects them.
    public var columns: [String]
    /// The built-in scanner whose facts the result stands for: `cloudtrail` or `gcp-audit-log`.
    public var scanner: String

    /// Lowercase hex SHA-256 of the UTF-8 text.
    public var sha256: String { SHA256Hex.digest(Data(text.utf8)) }

    /// Per-key AWS KMS usage from the Athena CloudTrail table (Athena engine v3, Trino).
    public static let cloudTrailKMSUsage = ShippedQuery(
        path: "Queries/cloudtrail_kms_usage.sql", engines: ["athena", "trino"], text: cloudTrailKMSUsageText,
        columns: ["record", "key", "account", "region", "events", "usage_encrypt", "usage_decrypt", "usage_generate_data_key",
                  "usage_re_encrypt", "usage_sign_verify_mac", "access_events", "lifecycle", "failed_events", "failed_attempts",
                  "principals", "unattributed", "first_event", "last_event", "last_rotated", "rotation_switched_at", "rotation_switch",
                  "deleted_at", "events_after_deletion", "key_stores", "accounts", "custom_key_store_events",
                  "external_key_store_events", "alias_target", "files", "records", "duplicates", "id_collisions"],
        scanner: "cloudtrail")

    /// Per-key Cloud KMS usage from the BigQuery export of Cloud Audit Logs: the CloudTrail query's columns plus
    /// `log_types` on the source row.
    public static let cloudAuditLogsKMSUsage = ShippedQuery(
        path: "Queries/cloud_audit_logs_kms_usage.sql", engines: ["bigquery"], text: cloudAuditLogsKMSUsageText,
        columns: cloudTrailKMSUsage.columns + ["log_types"], scanner: "gcp-audit-log")

    /// Every shipped query.
    public static let all = [cloudTrailKMSUsage, cloudAuditLogsKMSUsage]
}
