import CEKAuditCore
import Foundation

/// A Cloud KMS resource name (Cloud KMS REST v1, "Resource names"):
/// `projects/{project}/locations/{location}/keyRings/{keyRing}/cryptoKeys/{cryptoKey}[/cryptoKeyVersions/{version}]`,
/// also as a Cloud Asset Inventory full name (`//cloudkms.googleapis.com/projects/…`). A key ring name stops after
/// `keyRings/{keyRing}`; an import job name continues with `importJobs/{id}`.
public struct GCPResourceName: Sendable, Hashable {
    /// Project id or number, as written.
    public var project: String
    /// Location (`global`, `us`, `europe-west4` …).
    public var location: String
    /// Key ring id.
    public var keyRing: String
    /// Crypto key id, `nil` for a key ring or an import job name.
    public var cryptoKey: String?
    /// Key version id, when the name points at a version.
    public var version: String?

    /// Reads a name; `nil` when it is not a Cloud KMS key ring, key or key version name. A full asset name's
    /// `//cloudkms.googleapis.com/` prefix is dropped. Names are case-sensitive and read as written.
    public init?(_ text: String) {
        var s = Substring(text)
        if s.hasPrefix("//cloudkms.googleapis.com/") { s = s.dropFirst("//cloudkms.googleapis.com/".count) }
        let p = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard p.count >= 6, p[0] == "projects", p[2] == "locations", p[4] == "keyRings",
              [p[1], p[3], p[5]].allSatisfy({ !$0.isEmpty }) else { return nil }
        project = p[1]
        location = p[3]
        keyRing = p[5]
        if p.count == 6 { return }
        guard p.count >= 8, !p[7].isEmpty else { return nil }
        switch p[6] {
        case "cryptoKeys":
            cryptoKey = p[7]
            if p.count == 8 { return }
            guard p.count == 10, p[8] == "cryptoKeyVersions", !p[9].isEmpty else { return nil }
            version = p[9]
        case "importJobs":
            guard p.count == 8 else { return nil }
        default:
            return nil
        }
    }

    /// The key ring's name: `projects/P/locations/L/keyRings/R`.
    public var keyRingName: String { "projects/\(project)/locations/\(location)/keyRings/\(keyRing)" }

    /// The crypto key's name (without a version), `nil` for a key ring name.
    public var keyName: String? { cryptoKey.map { keyRingName + "/cryptoKeys/\($0)" } }
}

/// Google Cloud durations and principals as the REST APIs write them.
public enum GCPValues {
    /// Seconds of a protobuf `Duration` in its JSON form (`"7776000s"`, `"86400.5s"`); `nil` for anything else or a
    /// negative or non-finite value.
    public static func seconds(_ v: JSONValue?) -> Double? {
        guard case .string(let s)? = v, s.hasSuffix("s"), let d = Double(s.dropLast()), d.isFinite, d >= 0 else { return nil }
        return d
    }

    /// Whole days of a duration (rounded down), as the deletion window and rotation period facts count them.
    public static func days(_ v: JSONValue?) -> Int? {
        guard let s = seconds(v), s < 1e12 else { return nil }
        return Int(s / 86_400)
    }

    /// The project a Google service account belongs to, read from its e-mail: `name@PROJECT.iam.gserviceaccount.com`
    /// (user-managed), `PROJECT@appspot.gserviceaccount.com` (App Engine default); `nil` for other addresses, which
    /// name a Google-managed project (service agents, `NUMBER-compute@developer…`).
    public static func serviceAccountProject(_ email: String) -> String? {
        let parts = email.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[1].hasSuffix(".iam.gserviceaccount.com") {
            let project = String(parts[1].dropLast(".iam.gserviceaccount.com".count))
            return project.isEmpty ? nil : project
        }
        if parts[1] == "appspot.gserviceaccount.com" { return parts[0] }
        return nil
    }

    /// Whether an e-mail is a Google-managed service agent (`service-PROJECT_NUMBER@gcp-sa-….iam.gserviceaccount.com`,
    /// `…@compute-system.iam.gserviceaccount.com`, `bq-PROJECT_NUMBER@bigquery-encryption.iam.gserviceaccount.com`,
    /// `service-PROJECT_NUMBER@gs-project-accounts.iam.gserviceaccount.com` …), and the project number it acts for.
    /// Cloud KMS documentation, "Using CMEK": these agents hold `roles/cloudkms.cryptoKeyEncrypterDecrypter` so that
    /// a service can use the customer's key for the customer's data.
    public static func serviceAgentProjectNumber(_ email: String) -> String? {
        let parts = email.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let (local, domain) = (parts[0], parts[1])
        let agentDomains = ["gcp-sa-", "compute-system.", "gs-project-accounts.", "bigquery-encryption.", "container-engine-robot.",
                            "cloud-ml.google.com", "gcp-gae-service.", "dataflow-service-producer-prod.", "cloudsqladmin."]
        guard agentDomains.contains(where: { domain.hasPrefix($0) || domain.contains($0) }) else { return nil }
        for prefix in ["service-", "bq-", ""] where local.hasPrefix(prefix) {
            let number = String(local.dropFirst(prefix.count))
            if !number.isEmpty, number.allSatisfy(\.isNumber) { return number }
        }
        return nil
    }
}
