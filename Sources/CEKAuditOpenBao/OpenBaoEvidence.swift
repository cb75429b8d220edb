import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The evidence of one OpenBao target: one item per API call, its locator naming the call
/// (`openbao://bao-prod/v1/tenant-a/transit/keys/orders`, every segment percent-encoded), its bytes the response body
/// with every credential the run holds (the collection and probe tokens, in any encoding) replaced by
/// ``CredentialScrubber/marker`` before hashing or storing.
struct OpenBaoEvidence {
    let target: String
    let scrubber: CredentialScrubber
    let now: Date
    private(set) var items: [EvidenceItem] = []
    private(set) var payloads: [String: Data] = [:]

    init(target: String, scrubber: CredentialScrubber, now: Date) {
        self.target = target
        self.scrubber = scrubber
        self.now = now
    }

    /// The locator of a call: the namespace as a path prefix, as the API accepts it.
    func locator(path: OpenBaoPath, namespace: String, list: Bool, tag: String? = nil) -> String {
        "openbao://\(target)/v1/\((OpenBaoPath.namespace(namespace) + path).encoded)" + (list ? "?list=true" : "") + (tag.map { "#\($0)" } ?? "")
    }

    /// Records a response (or its failure) and returns the provenance facts derived from it point to.
    mutating func record(_ response: OpenBaoAPIResponse, path: OpenBaoPath, namespace: String, list: Bool = false, tag: String? = nil,
                         pointer: String? = nil) -> Provenance {
        let locator = locator(path: path, namespace: namespace, list: list, tag: tag)
        var bytes = scrubber.scrub(response.body)
        if response.status == nil {
            bytes = Data("{\"transport_error\":\(JSONValue.quote(scrubber.scrub(response.reason)))}".utf8)
        }
        let item = EvidenceItem(collector: "openbao", locator: locator, kind: "openbao-api-response", bytes: bytes, collectedAt: now)
        // The first answer at a locator is kept: its bytes are the ones the item's SHA-256 was computed from.
        if payloads[item.id] == nil {
            items.append(item)
            payloads[item.id] = bytes
        }
        return Provenance(evidence: item.id, pointer: pointer)
    }

    /// Records bytes the collector built itself (a reduced response that must not be kept whole).
    mutating func record(bytes: Data, locator: String) -> Provenance {
        let clean = scrubber.scrub(bytes)
        let item = EvidenceItem(collector: "openbao", locator: locator, kind: "openbao-api-response", bytes: clean, collectedAt: now)
        if payloads[item.id] == nil {
            items.append(item)
            payloads[item.id] = clean
        }
        return Provenance(evidence: item.id)
    }
}
