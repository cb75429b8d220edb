import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// JSON members that hold credential material in some AWS answers (STS `Credentials`, an external key store's
/// `XksProxyAuthenticationCredential`), removed whole before an answer is kept as evidence.
///
/// Credential *values* the run knows (its keys, tokens and those of an assumed role) are removed in every encoding by
/// the run's ``CredentialScrubber`` before any of this; these members go regardless of their value, because they may
/// hold credentials the run has never seen.
public enum AWSCredentialMembers {
    /// Member names whose values are replaced.
    public static let names: Set<String> = [
        "SecretAccessKey", "SessionToken", "AccessKeyId", "RawSecretAccessKey", "XksProxyAuthenticationCredential", "Credentials",
    ]

    /// `data` with the values of ``names`` replaced by ``CredentialScrubber/marker``. Bytes without such members
    /// (every answer the collector keeps, in practice) are returned unchanged, so their SHA-256 matches what the
    /// service sent.
    public static func scrub(_ data: Data) -> Data {
        guard let value = try? JSONValue.parse(data, source: "response") else { return data }
        var found = false
        func walk(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let o):
                var out: [String: JSONValue] = [:]
                for (k, child) in o {
                    if names.contains(k) { out[k] = .string(CredentialScrubber.marker); found = true } else { out[k] = walk(child) }
                }
                return .object(out)
            case .array(let a): return .array(a.map(walk))
            default: return v
            }
        }
        let cleaned = walk(value)
        return found ? Data(cleaned.compactText.utf8) : data
    }
}
