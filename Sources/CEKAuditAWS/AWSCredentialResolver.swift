import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// How to obtain the credentials for a target: static keys, or an STS `AssumeRole` made with other credentials.
public indirect enum AWSCredentialPlan: Sendable {
    case credentials(AWSCredentials)
    /// Call STS AssumeRole (AWS Security Token Service API Reference, "AssumeRole") with the `source` credentials.
    case assumeRole(roleArn: String, externalId: String?, sessionName: String, source: AWSCredentialPlan)

    /// Every secret the plan holds, for the run's ``CredentialScrubber``.
    public var secrets: [String] {
        switch self {
        case .credentials(let c): return c.secrets
        case .assumeRole(_, _, _, let source): return source.secrets
        }
    }
}

/// Why credentials could not be found. Messages name profiles and files, never a secret.
public enum AWSCredentialError: Error, LocalizedError, Sendable, Equatable {
    case noCredentials(checked: [String])
    case profileNotFound(profile: String, files: [String])
    case incomplete(profile: String, missing: String)
    case sourceProfileLoop(profile: String)
    case unsupported(profile: String, setting: String)

    public var errorDescription: String? {
        switch self {
        case .noCredentials(let checked):
            return "no AWS credentials found (looked at: \(checked.joined(separator: ", "))); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or `profile:` on the target"
        case .profileNotFound(let profile, let files):
            return "profile '\(profile)' is not in \(files.joined(separator: " or ")); add it or correct `profile:`"
        case .incomplete(let profile, let missing):
            return "profile '\(profile)' has no \(missing); add it to the credentials file"
        case .sourceProfileLoop(let profile):
            return "profile '\(profile)' takes part in a source_profile loop; point source_profile at a profile with keys"
        case .unsupported(let profile, let setting):
            return "profile '\(profile)' uses \(setting), which cek-audit does not read; export temporary credentials (e.g. `aws configure export-credentials --format env`) or use a profile with keys or role_arn"
        }
    }
}

/// Resolves credentials the way the AWS CLI does for the settings it supports (AWS SDKs and Tools Reference Guide,
/// "Standardized credential providers"), from an injected environment so tests never touch the process's:
///
/// 1. a named profile (`profile:` on the target) wins over everything;
/// 2. otherwise `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`;
/// 3. otherwise the profile in `AWS_PROFILE`, else `default`, from `AWS_SHARED_CREDENTIALS_FILE`
///    (default `~/.aws/credentials`) and `AWS_CONFIG_FILE` (default `~/.aws/config`); credentials-file values win.
///
/// A profile holds `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`, or `role_arn` with
/// `source_profile` (or `credential_source = Environment`), `external_id`, `role_session_name`. SSO, `credential_process`
/// and instance metadata are not read (an error says so). A target's own `role_arn:` is assumed with whatever the
/// steps above found.
public struct AWSCredentialResolver: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    var home: String { environment["HOME"] ?? NSHomeDirectory() }
    var credentialsPath: String { environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials" }
    var configPath: String { environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config" }

    /// The plan for a target and the region its profile names (config `region`), if any.
    /// - Throws: ``AWSCredentialError``.
    public func resolve(profile: String?, roleArn: String? = nil, externalId: String? = nil,
                        sessionName: String = "cek-audit") throws -> (plan: AWSCredentialPlan, region: String?) {
        var base: (AWSCredentialPlan, String?)
        if let profile {
            base = try fromProfile(profile, depth: 0)
        } else if let env = fromEnvironment() {
            base = (.credentials(env), try? profileRegion(environment["AWS_PROFILE"] ?? "default"))
        } else {
            let name = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            do { base = try fromProfile(name, depth: 0) } catch AWSCredentialError.profileNotFound where environment["AWS_PROFILE"] == nil {
                throw AWSCredentialError.noCredentials(checked: ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", credentialsPath, configPath])
            }
        }
        if let roleArn {
            base.0 = .assumeRole(roleArn: roleArn, externalId: externalId, sessionName: sessionName, source: base.0)
        }
        return base
    }

    func fromEnvironment() -> AWSCredentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else { return nil }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"], origin: "environment")
    }

    /// Merged settings of a profile: config file, overridden by the credentials file.
    func settings(_ name: String) -> [String: String]? {
        let config = AWSConfigFile.load(path: configPath, isConfig: true)?.profiles[name]
        let creds = AWSConfigFile.load(path: credentialsPath, isConfig: false)?.profiles[name]
        if config == nil && creds == nil { return nil }
        return (config ?? [:]).merging(creds ?? [:]) { _, c in c }
    }

    func profileRegion(_ name: String) throws -> String? {
        settings(name)?["region"]
    }

    func fromProfile(_ name: String, depth: Int) throws -> (AWSCredentialPlan, String?) {
        guard depth < 8 else { throw AWSCredentialError.sourceProfileLoop(profile: name) }
        guard let s = settings(name) else { throw AWSCredentialError.profileNotFound(profile: name, files: [credentialsPath, configPath]) }
        let region = s["region"]
        if let role = s["role_arn"] {
            let source: AWSCredentialPlan
            if let sp = s["source_profile"] {
                if sp == name, let keys = try staticKeys(name, s) { source = .credentials(keys) }   // role and keys in one profile
                else { source = try fromProfile(sp, depth: depth + 1).0 }
            } else if s["credential_source"]?.lowercased() == "environment", let env = fromEnvironment() {
                source = .credentials(env)
            } else {
                throw AWSCredentialError.incomplete(profile: name, missing: "source_profile (or credential_source = Environment) for role_arn")
            }
            return (.assumeRole(roleArn: role, externalId: s["external_id"], sessionName: s["role_session_name"] ?? "cek-audit", source: source), region)
        }
        if let keys = try staticKeys(name, s) { return (.credentials(keys), region) }
        for unsupported in ["sso_start_url", "sso_session", "credential_process", "web_identity_token_file"] where s[unsupported] != nil {
            throw AWSCredentialError.unsupported(profile: name, setting: unsupported)
        }
        throw AWSCredentialError.incomplete(profile: name, missing: "aws_access_key_id")
    }

    func staticKeys(_ name: String, _ s: [String: String]) throws -> AWSCredentials? {
        guard let id = s["aws_access_key_id"] else { return nil }
        guard let secret = s["aws_secret_access_key"] else { throw AWSCredentialError.incomplete(profile: name, missing: "aws_secret_access_key") }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: s["aws_session_token"], origin: "profile \(name)")
    }
}
