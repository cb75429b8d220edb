import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Where an `azure-keyvault` target's Azure Resource Manager access token comes from, resolved in this order:
///
/// 1. `access_token_env: NAME` (the variable must be set);
/// 2. `access_token_file: PATH` — a raw token, or the JSON `az account get-access-token` prints (`accessToken`,
///    `expiresOn` local time / `expires_on` seconds since the epoch; an expired token is refused);
/// 3. `client_id` + `client_secret_env` + `tenant_id` — the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) at
///    `{authority}/{tenant}/oauth2/v2.0/token` with scope `https://management.azure.com/.default` (Microsoft identity
///    platform, "OAuth 2.0 client credentials flow", shared secret);
/// 4. otherwise the environment variable `AZURE_ACCESS_TOKEN`.
///
/// Options 1–3 exclude each other (``AzureTargetOptions`` refuses two).
public enum AzureCredentialSource: Sendable, Equatable {
    /// A ready access token and where it came from (`environment variable X`), for messages.
    case accessToken(String, origin: String)
    /// A service principal's client id and secret, for the client-credentials grant.
    case clientCredentials(tenant: String, clientId: String, secret: String, origin: String)

    /// The scope every token is asked for: Azure Resource Manager.
    public static let scope = "https://management.azure.com/.default"
    /// The environment variable read when no option names a credential.
    public static let defaultTokenVariable = "AZURE_ACCESS_TOKEN"

    /// Every secret this source holds, to register with the run's ``CredentialScrubber`` before any request.
    public var secrets: [String] {
        switch self {
        case .accessToken(let t, _): return [t]
        case let .clientCredentials(_, _, secret, _): return [secret]
        }
    }

    /// Who collects, for the `target` resource's `caller`: the client id, or `access token`.
    public var caller: String {
        switch self {
        case .accessToken: return "access token"
        case let .clientCredentials(_, clientId, _, _): return clientId
        }
    }

    /// Where the credentials came from, for messages; never a secret.
    public var origin: String {
        switch self {
        case .accessToken(_, let o): return o
        case let .clientCredentials(_, _, _, o): return o
        }
    }

    /// Resolves the source for `options` in the documented order.
    /// - Parameter now: the time an `az account get-access-token` file's expiry is compared with.
    /// - Throws: ``AzureCredentialError`` naming what was tried and the fix (never a secret).
    public static func resolve(_ options: AzureTargetOptions, environment: [String: String], now: Date = Date()) throws -> AzureCredentialSource {
        func nonEmpty(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
            return t
        }
        if let name = options.accessTokenEnv {
            guard let t = nonEmpty(environment[name]) else {
                throw AzureCredentialError("the environment variable \(name) (access_token_env) is not set",
                                           fix: "export \(name)=\"$(az account get-access-token --query accessToken -o tsv)\"")
            }
            return .accessToken(t, origin: "environment variable \(name)")
        }
        if let file = options.accessTokenFile {
            let label = (file as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: file), let text = nonEmpty(String(data: data, encoding: .utf8)) else {
                throw AzureCredentialError("the access token file \(label) is empty or unreadable", fix: "write `az account get-access-token` into it")
            }
            return .accessToken(try fileToken(text, label: label, now: now), origin: "access token file \(label)")
        }
        if let clientId = options.clientId, let variable = options.clientSecretEnv, let tenant = options.tenantId {
            guard let secret = nonEmpty(environment[variable]) else {
                throw AzureCredentialError("the environment variable \(variable) (client_secret_env) is not set",
                                           fix: "export \(variable) with the service principal's client secret")
            }
            return .clientCredentials(tenant: tenant, clientId: clientId, secret: secret, origin: "client secret in \(variable)")
        }
        if let t = nonEmpty(environment[defaultTokenVariable]) { return .accessToken(t, origin: "environment variable \(defaultTokenVariable)") }
        throw AzureCredentialError("no Azure credentials were found (access_token_env, access_token_file, client_id + client_secret_env, \(defaultTokenVariable))",
                                   fix: "set client_id, client_secret_env and tenant_id, or export \(defaultTokenVariable)=\"$(az account get-access-token --query accessToken -o tsv)\"")
    }

    /// The token in an access token file: the whole text, or the `accessToken` member of `az account
    /// get-access-token` JSON. `expires_on` (seconds since the epoch) is compared exactly; `expiresOn` is the CLI's
    /// local time without zone, so it is compared with 14 hours of slack.
    /// - Throws: ``AzureCredentialError`` for JSON without `accessToken` or a token that has expired.
    static func fileToken(_ text: String, label: String, now: Date) throws -> String {
        guard text.hasPrefix("{") else { return text }
        guard let json = try? JSONValue.parse(Data(text.utf8), source: label), let token = json["accessToken"]?.stringValue,
              !token.isEmpty else {
            throw AzureCredentialError("the access token file \(label) is JSON without accessToken", fix: "write `az account get-access-token` into it unchanged")
        }
        let expiry: Date?
        if let epoch = json["expires_on"]?.numberValue ?? json["expires_on"]?.stringValue.flatMap(Double.init) {
            expiry = Date(timeIntervalSince1970: epoch)
        } else if let local = json["expiresOn"]?.stringValue, let d = DateParsing.parse(local.replacingOccurrences(of: " ", with: "T")) {
            expiry = d.addingTimeInterval(14 * 3600)
        } else {
            expiry = nil
        }
        if let expiry, expiry < now {
            throw AzureCredentialError("the access token in \(label) has expired (\(DateParsing.iso(expiry)))",
                                       fix: "run `az account get-access-token > \(label)` again")
        }
        return token
    }
}

/// Why credentials could not be resolved or exchanged: a sentence and a fix, never a secret.
public struct AzureCredentialError: Error, LocalizedError, Sendable, Equatable {
    public var message: String
    public var fix: String?

    public init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }

    public var errorDescription: String? { message }
}
