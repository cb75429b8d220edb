import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Removes secret values (secret access keys, session tokens, access key ids) from text and bytes before they reach
/// evidence, diagnostics, logs or reports.
///
/// AWS responses carry no credentials, but some error messages echo request material (an S3 or STS
/// `SignatureDoesNotMatch` message can quote the canonical request, which holds `x-amz-security-token`). The collector
/// therefore passes every server-supplied string and every evidence payload through the redactor. Values shorter
/// than ``minimumLength`` are ignored so that a test credential such as `testing` does not blank out ordinary words.
public struct SecretRedactor: Sendable {
    /// Replacement text.
    public static let marker = "[redacted]"
    /// Shortest value that is redacted.
    public static let minimumLength = 12

    let secrets: [String]

    public init(secrets: [String]) {
        // Longest first, so a token that contains a shorter secret is removed whole.
        self.secrets = Array(Set(secrets.filter { $0.count >= SecretRedactor.minimumLength })).sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by ``marker``.
    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: SecretRedactor.marker) }
        return out
    }

    /// `data` with every secret replaced; bytes that are not UTF-8 are returned unchanged unless they contain a secret's
    /// bytes, in which case those bytes are replaced too.
    public func redact(_ data: Data) -> Data {
        guard !secrets.isEmpty else { return data }
        var out = data
        for s in secrets {
            let needle = Data(s.utf8)
            let replacement = Data(SecretRedactor.marker.utf8)
            while let r = out.range(of: needle) { out.replaceSubrange(r, with: replacement) }
        }
        return out
    }

    /// JSON members that hold credential material in some AWS answers (STS `Credentials`, an external key store's
    /// `XksProxyAuthenticationCredential`); their values are replaced before an answer is kept as evidence.
    public static let credentialMembers: Set<String> = [
        "SecretAccessKey", "SessionToken", "AccessKeyId", "RawSecretAccessKey", "XksProxyAuthenticationCredential", "Credentials",
    ]

    /// `data` with the values of ``credentialMembers`` replaced by ``marker``. Bytes without such members (every
    /// answer the collector keeps, in practice) are returned unchanged, so their SHA-256 matches what the service sent.
    public func scrubCredentialMembers(_ data: Data) -> Data {
        guard let value = try? JSONValue.parse(data, source: "response") else { return data }
        var found = false
        func walk(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let o):
                var out: [String: JSONValue] = [:]
                for (k, child) in o {
                    if SecretRedactor.credentialMembers.contains(k) { out[k] = .string(SecretRedactor.marker); found = true } else { out[k] = walk(child) }
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
