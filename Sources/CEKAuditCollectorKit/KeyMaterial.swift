import CEKAuditCore
import Foundation

/// Key material written into an input file (a local key in a Kubernetes encryption configuration, the imported
/// material of a Terraform `aws_kms_external_key`): it must never reach an evidence bundle or a report. Collectors
/// find it in the parsed document and keep a redacted copy of the file as the evidence item.
public enum KeyMaterial {
    /// Every non-empty string under a member named one of `keys`, anywhere in `value`.
    public static func values(in value: JSONValue, under keys: Set<String>) -> [String] {
        switch value {
        case .object(let o):
            var out: [String] = []
            for (k, v) in o {
                if keys.contains(k), let s = v.stringValue, !s.isEmpty { out.append(s) } else { out += values(in: v, under: keys) }
            }
            return out
        case .array(let a): return a.flatMap { values(in: $0, under: keys) }
        default: return []
        }
    }

    /// The file with every secret replaced by `REDACTED` (line structure kept, so provenance line numbers hold).
    /// Fails closed: bytes that are not UTF-8 cannot be searched, so they are not kept at all.
    public static func redact(_ data: Data, secrets: [String]) -> Data {
        guard !secrets.isEmpty else { return data }
        guard var text = String(data: data, encoding: .utf8) else { return Data("REDACTED: not UTF-8 text\n".utf8) }
        for s in Set(secrets).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: s, with: "REDACTED")
        }
        return Data(text.utf8)
    }
}
