import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The evidence of one OpenBao target: one item per API call, its locator naming the call
/// (`openbao://bao-prod/v1/tenant-a/transit/keys/orders`), its bytes the response body with every secret this run
/// holds (the collection and probe tokens) replaced by `[redacted]` before hashing or storing.
struct OpenBaoEvidence {
    let target: String
    let secrets: [Data]
    let now: Date
    private(set) var items: [EvidenceItem] = []
    private(set) var payloads: [String: Data] = [:]

    init(target: String, secrets: [String], now: Date) {
        self.target = target
        self.secrets = secrets.filter { !$0.isEmpty }.map { Data($0.utf8) }
        self.now = now
    }

    /// The locator of a call: the namespace as a path prefix, as the API accepts it.
    func locator(path: String, namespace: String, list: Bool, tag: String? = nil) -> String {
        "openbao://\(target)/v1/\(ACLPolicy.normalize(namespace: namespace))\(path)" + (list ? "?list=true" : "") + (tag.map { "#\($0)" } ?? "")
    }

    /// Records a response (or its failure) and returns the provenance facts derived from it point to.
    mutating func record(_ response: OpenBaoAPIResponse, path: String, namespace: String, list: Bool = false, tag: String? = nil,
                         pointer: String? = nil) -> Provenance {
        let locator = locator(path: path, namespace: namespace, list: list, tag: tag)
        var bytes = redact(response.body)
        if response.status == nil {
            bytes = Data("{\"transport_error\":\(JSONValue.quote(String(decoding: redact(Data(response.reason.utf8)), as: UTF8.self)))}".utf8)
        }
        let item = EvidenceItem(collector: "openbao", locator: locator, kind: "openbao-api-response", bytes: bytes, collectedAt: now)
        if payloads[item.id] == nil { items.append(item) }
        payloads[item.id] = bytes
        return Provenance(evidence: item.id, pointer: pointer)
    }

    /// Records bytes the collector built itself (a reduced response that must not be kept whole).
    mutating func record(bytes: Data, locator: String) -> Provenance {
        let clean = redact(bytes)
        let item = EvidenceItem(collector: "openbao", locator: locator, kind: "openbao-api-response", bytes: clean, collectedAt: now)
        if payloads[item.id] == nil { items.append(item) }
        payloads[item.id] = clean
        return Provenance(evidence: item.id)
    }

    /// `data` with every secret replaced.
    func redact(_ data: Data) -> Data {
        var out = data
        for s in secrets {
            while let r = out.range(of: s) { out.replaceSubrange(r, with: Data("[redacted]".utf8)) }
        }
        return out
    }
}
