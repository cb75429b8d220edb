import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// One API response kept as evidence: the item (locator, SHA-256, size), its bytes, and where in it the facts were
/// read (`KeyMetadata`, `Grants[2]`).
public struct AWSEvidence: Sendable {
    public var item: EvidenceItem
    public var bytes: Data
    public var pointer: String?

    public init(item: EvidenceItem, bytes: Data, pointer: String? = nil) {
        self.item = item
        self.bytes = bytes
        self.pointer = pointer
    }

    /// The provenance link for facts read from this response.
    public var provenance: Provenance { Provenance(evidence: item.id, pointer: pointer) }
}

/// What one API call (or listing) told the collector: a value with its evidence, a failure, or why the call was not
/// made. A listing that failed after some pages has both a value (the items so far) and a failure.
public struct AWSObservation<Value: Sendable>: Sendable {
    public var value: Value?
    public var evidence: [AWSEvidence]
    public var failure: AWSCallFailure?
    /// Why the call was not made (`nil` when it was).
    public var skipped: String?

    public init(value: Value?, evidence: [AWSEvidence] = [], failure: AWSCallFailure? = nil, skipped: String? = nil) {
        self.value = value
        self.evidence = evidence
        self.failure = failure
        self.skipped = skipped
    }

    /// A complete answer.
    public static func observed(_ value: Value, evidence: [AWSEvidence]) -> AWSObservation { AWSObservation(value: value, evidence: evidence) }
    /// A failed call.
    public static func failed(_ failure: AWSCallFailure, partial: Value? = nil, evidence: [AWSEvidence] = []) -> AWSObservation {
        AWSObservation(value: partial, evidence: evidence, failure: failure)
    }
    /// A call deliberately not made.
    public static func notRequested(_ reason: String) -> AWSObservation { AWSObservation(value: nil, skipped: reason) }

    /// Whether the value is complete.
    public var isComplete: Bool { value != nil && failure == nil && skipped == nil }

    /// The reason for the facts this call should have supplied, when they are unknown: names the API and the error.
    public var unknownReason: String {
        if let failure { return failure.description }
        if let skipped { return skipped }
        return "not collected"
    }

    /// `.unknown` with ``unknownReason``.
    public var unknown: FactValue { .unknown(reason: unknownReason) }
}
