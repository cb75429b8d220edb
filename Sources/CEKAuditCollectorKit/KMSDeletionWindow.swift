import CEKAuditCore

/// The waiting period AWS KMS keeps before it deletes a key: 7 to 30 days, 30 when none is given (AWS KMS API
/// Reference, ScheduleKeyDeletion, `PendingWindowInDays`; AWS CloudFormation `AWS::KMS::Key` `PendingWindowInDays`
/// and the Terraform AWS provider's `aws_kms_key` `deletion_window_in_days` take the same range). The service accepts
/// no other, so a key whose deletion is scheduled keeps at least the minimum even where the exact window is not
/// reported: DescribeKey returns `PendingDeletionWindowInDays` only for a multi-Region primary key waiting for its
/// replicas (AWS KMS API Reference, KeyMetadata).
public enum KMSDeletionWindow {
    /// The windows AWS KMS accepts, in days.
    public static let days: ClosedRange<Double> = 7...30
    /// The window when none is given, in days.
    public static let defaultDays: Double = 30

    /// The `deletion.window_min_days` fact of a key that certainly has a waiting period whose length is not known.
    public static var minimum: FactValue { .number(days.lowerBound) }
}
