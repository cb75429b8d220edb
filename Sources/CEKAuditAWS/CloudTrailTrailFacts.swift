import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Turns a trail from DescribeTrails plus its GetTrailStatus and GetEventSelectors answers into an `audit_trail`
/// resource (AWS CloudTrail API Reference, "Trail", "GetTrailStatus", "GetEventSelectors"). Whether KMS management
/// events are recorded is decided by ``TrailSelectors``, the same analysis the template collectors use. Pure.
public enum CloudTrailTrailFacts {
    /// - Parameters:
    ///   - trail: one member of DescribeTrails' `trailList`.
    ///   - listing: where DescribeTrails described it.
    public static func resource(trail: JSONValue, listing: Provenance?, status: AWSObservation<JSONValue>,
                                selectors: AWSObservation<JSONValue>) -> Resource {
        let arn = trail["TrailARN"]?.stringValue ?? ""
        let name = trail["Name"]?.stringValue ?? arn
        var f: [String: FactValue] = [
            "kind": .string("cloudtrail"),
            "name": .string(name),
            "account": ARN(parsing: arn).map { .string($0.account) } ?? .unknown(reason: "the trail ARN names no account"),
            "evidence_kind": .string("observed"),
        ]
        f["multi_region"] = trail["IsMultiRegionTrail"]?.boolValue.map(FactValue.bool) ?? .unknown(reason: "DescribeTrails returned no IsMultiRegionTrail")
        f["integrity_validation"] = trail["LogFileValidationEnabled"]?.boolValue.map(FactValue.bool)
            ?? .unknown(reason: "DescribeTrails returned no LogFileValidationEnabled")
        f["encrypted_with_cmk"] = .bool(!(trail["KmsKeyId"]?.stringValue ?? "").isEmpty)

        if let s = status.value {
            f["logging"] = s["IsLogging"]?.boolValue.map(FactValue.bool) ?? .unknown(reason: "GetTrailStatus returned no IsLogging")
        } else {
            f["logging"] = status.unknown
        }
        if let sel = selectors.value {
            f["kms_events_included"] = TrailSelectors.kmsManagementEventsIncluded(
                basic: (sel["EventSelectors"] ?? .null).asList.map { s in
                    (s["IncludeManagementEvents"]?.boolValue.map(FactValue.bool) ?? .bool(true),
                     (s["ExcludeManagementEventSources"] ?? .null).asList.compactMap(\.stringValue))
                },
                advanced: (sel["AdvancedEventSelectors"] ?? .null).asList.map { s in
                    (s["FieldSelectors"] ?? .null).asList.map { fs in
                        TrailSelectors.Field(field: fs["Field"]?.stringValue ?? "", equals: (fs["Equals"] ?? .null).asList.compactMap(\.stringValue),
                                             notEquals: (fs["NotEquals"] ?? .null).asList.compactMap(\.stringValue))
                    }
                })
        } else {
            f["kms_events_included"] = selectors.unknown
        }
        var provenance: [Provenance] = []
        if let listing { provenance.append(listing) }
        provenance += status.evidence.map(\.provenance) + selectors.evidence.map(\.provenance)
        return Resource(type: .auditTrail, id: arn.isEmpty ? name : arn, name: name, fields: f, provenance: provenance)
    }
}
