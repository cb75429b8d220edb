import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The shared AWS `credentials` and `config` files: INI-style sections of `key = value` pairs (AWS SDKs and Tools
/// Reference Guide, "Shared config and credentials files"). In `config`, profiles are `[profile NAME]` except
/// `[default]`; in `credentials` they are `[NAME]`. Comments start with `#` or `;`; indented lines continue a nested
/// block (`s3 =` sub-settings), which is skipped.
public struct AWSConfigFile: Sendable, Hashable {
    /// Settings per profile name, keys lower-cased.
    public var profiles: [String: [String: String]]

    public init(profiles: [String: [String: String]] = [:]) {
        self.profiles = profiles
    }

    /// Parses `text`. `isConfig` selects the `[profile NAME]` convention of the config file.
    public init(text: String, isConfig: Bool) {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        var inNested = false
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                inNested = false
                guard let close = trimmed.firstIndex(of: "]") else { current = nil; continue }
                var name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                if isConfig {
                    if name.hasPrefix("profile ") { name = String(name.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces) }
                    else if name != "default" { current = nil; continue }   // [sso-session x], [services x]
                }
                current = name
                if profiles[name] == nil { profiles[name] = [:] }
                continue
            }
            guard let profile = current else { continue }
            if line.first == " " || line.first == "\t" {
                if inNested { continue }
            }
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            for marker in [" #", " ;"] { if let r = value.range(of: marker) { value = String(value[..<r.lowerBound]).trimmingCharacters(in: .whitespaces) } }
            inNested = value.isEmpty
            if !value.isEmpty { profiles[profile]?[key] = value }
        }
        self.profiles = profiles
    }

    /// Reads and parses a file; `nil` when it does not exist or cannot be read.
    public static func load(path: String, isConfig: Bool) -> AWSConfigFile? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        return AWSConfigFile(text: text, isConfig: isConfig)
    }
}
