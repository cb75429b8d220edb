import Foundation

/// The name every Azure source gives a Key Vault or Managed HSM key: its versionless key URI
/// (`https://kv1.vault.azure.net/keys/k1`), host lower-cased, name as written. Shared by the management-plane mapping,
/// the azurerm Terraform and ARM template readers and the AuditEvent log reader, so a key read any way is one key.
/// Key Vault documentation, "About keys" (key identifiers); hosts of the public, China and US Government clouds.
public enum AzureKeyURI {
    /// The versionless URI of a key URI with or without version; with `deleted`, also of a `deletedkeys/<name>` URI
    /// (recover and purge requests); `nil` for anything else.
    public static func versionless(_ text: String, deleted: Bool = false) -> String? {
        guard let url = URL(string: text), let host = url.host?.lowercased(), url.scheme?.lowercased() == "https",
              host.hasSuffix(".vault.azure.net") || host.hasSuffix(".managedhsm.azure.net") || host.hasSuffix(".vault.azure.cn")
                || host.hasSuffix(".vault.usgovcloudapi.net") else { return nil }
        let parts = url.path.split(separator: "/").map(String.init)
        let collections = deleted ? ["keys", "deletedkeys"] : ["keys"]
        guard parts.count >= 2, collections.contains(parts[0].lowercased()), !parts[1].isEmpty else { return nil }
        return "https://\(host)/keys/\(parts[1])"
    }
}

/// ISO 8601 durations as Key Vault rotation policies write them (`P90D`, `P1Y`, `P2M`, `P1Y6M`, `PT12H` …).
public enum ISO8601Duration {
    /// Whole days (years as 365, months as 30 days, as Key Vault counts them), or `nil` for anything else.
    public static func days(_ text: String?) -> Int? {
        guard var s = text?.uppercased(), s.hasPrefix("P") else { return nil }
        s.removeFirst()
        var days = 0.0
        var number = ""
        var inTime = false
        var any = false
        for c in s {
            if c == "T" { inTime = true; continue }
            if c.isNumber || c == "." { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            number = ""
            any = true
            switch (c, inTime) {
            case ("Y", false): days += n * 365
            case ("M", false): days += n * 30
            case ("W", false): days += n * 7
            case ("D", false): days += n
            case ("H", true): days += n / 24
            case ("M", true): days += n / 1440
            case ("S", true): days += n / 86_400
            default: return nil
            }
        }
        guard any, number.isEmpty, days.isFinite, days < 1e7 else { return nil }
        return Int(days)
    }
}
