import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// An attestation file (schema version 1): documents that answer guidelines an auditor would otherwise check by
/// hand, each pinned by its SHA-256.
///
/// ```yaml
/// schema_version: 1
/// description: Key-management governance documents, Acme AI   # optional
/// attestations:
///   - guideline: AG-9                         # AG-1 … AG-10, CCM-1 … CCM-4
///     document: docs/key-management-review-2026.md   # relative to this file
///     sha256: 3b5d…                           # 64 hex digits: `sha256sum docs/key-management-review-2026.md`
///     owner_role: Head of Cryptographic Services
///     approved_by: CISO
///     reviewed_on: 2026-09-15                 # date or RFC 3339 date-time
///     expires: 2027-09-15                     # optional
/// ```
///
/// Strict like the catalog: unknown keys, missing keys, a malformed guideline id, hash or date are errors naming
/// `file:line:column` and a fix.
struct AttestationFile {
    static let supportedSchemaVersion = 1

    struct Entry {
        var guideline: String
        /// As written: relative to the attestation file.
        var document: String
        /// Lowercase hex.
        var sha256: String
        var ownerRole: String
        var approvedBy: String
        var reviewedOn: Date
        var expires: Date?
        var line: Int?
    }

    var entries: [Entry]

    static let entryKeys = ["guideline", "document", "sha256", "owner_role", "approved_by", "reviewed_on", "expires"]

    /// Reads the composed document.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` at the offending node.
    static func read(_ root: YAMLCursor) throws -> AttestationFile {
        let m = try root.mapping(allowed: ["schema_version", "description", "attestations"], required: ["schema_version", "attestations"])
        let version = try m["schema_version"]!.int()
        guard version == supportedSchemaVersion else {
            throw m["schema_version"]!.error("schema_version \(version) is not supported",
                                             fix: "this build reads attestation files with schema_version: \(supportedSchemaVersion)")
        }
        _ = try m["description"]?.string()
        let entries = try m["attestations"]!.list().map { c -> Entry in
            let e = try c.mapping(allowed: entryKeys, required: entryKeys.filter { $0 != "expires" })
            let guideline = try e["guideline"]!.nonEmptyString()
            guard guideline.range(of: #"^(AG|CCM)-[1-9][0-9]*$"#, options: .regularExpression) != nil else {
                throw e["guideline"]!.error("'\(guideline)' is not a guideline id", fix: "write it as in the catalog, e.g. AG-5 or CCM-1")
            }
            let document = try e["document"]!.nonEmptyString()
            if document.hasPrefix("/") || document.hasPrefix("~") || document.contains("://") {
                throw e["document"]!.error("document '\(document)' is not a relative path",
                                           fix: "give the path relative to the attestation file, e.g. docs/policy.md")
            }
            let hash = try e["sha256"]!.string().lowercased()
            guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
                throw e["sha256"]!.error("'\(hash)' is not a SHA-256 (64 hexadecimal digits)",
                                         fix: "compute it with `sha256sum \(document)` (macOS: `shasum -a 256 \(document)`)")
            }
            let reviewed = try e["reviewed_on"]!.date()
            let expires = try e["expires"]?.date()
            if let expires, expires < reviewed {
                throw e["expires"]!.error("expires (\(DateParsing.iso(expires))) is before reviewed_on (\(DateParsing.iso(reviewed)))",
                                          fix: "correct one of the two dates")
            }
            return Entry(guideline: guideline, document: document, sha256: hash, ownerRole: try e["owner_role"]!.nonEmptyString(),
                         approvedBy: try e["approved_by"]!.nonEmptyString(), reviewedOn: reviewed, expires: expires, line: c.line)
        }
        return AttestationFile(entries: entries)
    }
}
