import _CryptoExtras
import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation

/// Where a `gcp-kms` target's access token comes from, resolved in this order:
///
/// 1. `access_token_env: NAME` (the variable must be set); `access_token_file: PATH`; `credentials_file: PATH`;
/// 2. otherwise `CLOUDSDK_AUTH_ACCESS_TOKEN`, then `GOOGLE_OAUTH_ACCESS_TOKEN`;
/// 3. otherwise the file `GOOGLE_APPLICATION_CREDENTIALS` names, then Application Default Credentials
///    (`$CLOUDSDK_CONFIG/application_default_credentials.json`, else `~/.config/gcloud/application_default_credentials.json`).
///
/// A credentials file is a service-account key (`"type": "service_account"`: exchanged with the OAuth 2.0 JWT bearer
/// grant, RFC 7523 §2.1, Google Identity "Using OAuth 2.0 for Server to Server Applications") or an authorized user
/// (`"type": "authorized_user"`: the refresh-token grant, RFC 6749 §6). Other types (workload identity federation,
/// impersonation) are refused with a fix.
public enum GCPCredentialSource: Sendable, Equatable {
    /// A ready access token and where it came from (`environment variable X`), for messages.
    case accessToken(String, origin: String)
    /// A service-account key.
    case serviceAccount(GCPServiceAccountKey, origin: String)
    /// An authorized user's refresh token.
    case authorizedUser(clientId: String, clientSecret: String, refreshToken: String, tokenURI: String, origin: String)

    /// The OAuth 2.0 scope every token is asked for.
    public static let scope = "https://www.googleapis.com/auth/cloud-platform"
    /// Google's token endpoint, when a file names none.
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// Every secret this source holds, to register with the run's ``CredentialScrubber`` before any request: tokens,
    /// the private key (whole, and each line of its base64 body), the client secret, the refresh token.
    public var secrets: [String] {
        switch self {
        case .accessToken(let t, _): return [t]
        case .serviceAccount(let k, _):
            let lines = k.privateKeyPEM.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("-----") }
            return [k.privateKeyPEM, lines.joined()] + lines
        case let .authorizedUser(_, secret, refresh, _, _): return [secret, refresh]
        }
    }

    /// Who collects, for the `target` resource's `caller`: the service account's e-mail, `access token`, or
    /// `authorized user (client CLIENT_ID)`.
    public var caller: String {
        switch self {
        case .accessToken: return "access token"
        case .serviceAccount(let k, _): return k.clientEmail
        case let .authorizedUser(clientId, _, _, _, _): return "authorized user (client \(clientId))"
        }
    }

    /// Where the credentials came from, for messages; never a secret.
    public var origin: String {
        switch self {
        case .accessToken(_, let o), .serviceAccount(_, let o): return o
        case let .authorizedUser(_, _, _, _, o): return o
        }
    }

    /// Resolves the source for `options` in the documented order.
    /// - Throws: ``GCPCredentialError`` naming what was tried and the fix.
    public static func resolve(_ options: GCPTargetOptions, environment: [String: String]) throws -> GCPCredentialSource {
        func nonEmpty(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
            return t
        }
        if let name = options.accessTokenEnv {
            guard let t = nonEmpty(environment[name]) else { throw GCPCredentialError("the environment variable \(name) (access_token_env) is not set", fix: "export \(name)=\"$(gcloud auth print-access-token)\"") }
            return .accessToken(t, origin: "environment variable \(name)")
        }
        if let file = options.accessTokenFile {
            guard let t = nonEmpty(try? String(contentsOfFile: file, encoding: .utf8)) else {
                throw GCPCredentialError("the access token file \((file as NSString).lastPathComponent) is empty or unreadable", fix: "write a current access token into it")
            }
            return .accessToken(t, origin: "access token file \((file as NSString).lastPathComponent)")
        }
        if let file = options.credentialsFile { return try fromFile(file, origin: "credentials_file \((file as NSString).lastPathComponent)") }
        for name in ["CLOUDSDK_AUTH_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"] {
            if let t = nonEmpty(environment[name]) { return .accessToken(t, origin: "environment variable \(name)") }
        }
        if let file = nonEmpty(environment["GOOGLE_APPLICATION_CREDENTIALS"]) {
            return try fromFile(file, origin: "GOOGLE_APPLICATION_CREDENTIALS")
        }
        let folder = nonEmpty(environment["CLOUDSDK_CONFIG"]) ?? nonEmpty(environment["HOME"]).map { $0 + "/.config/gcloud" }
        if let folder, FileManager.default.fileExists(atPath: folder + "/application_default_credentials.json") {
            return try fromFile(folder + "/application_default_credentials.json", origin: "application default credentials")
        }
        throw GCPCredentialError("no Google Cloud credentials were found (access_token_env, access_token_file, credentials_file, CLOUDSDK_AUTH_ACCESS_TOKEN, GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_APPLICATION_CREDENTIALS, application default credentials)",
                                 fix: "set credentials_file: to a service-account key, or run `gcloud auth application-default login`")
    }

    /// Reads a credentials file (`service_account` or `authorized_user`).
    /// - Throws: ``GCPCredentialError`` when it cannot be read, is not JSON, lacks a member or has another type.
    public static func fromFile(_ path: String, origin: String) throws -> GCPCredentialSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GCPCredentialError("the credentials file from \(origin) cannot be read", fix: "check the path and its permissions")
        }
        guard let json = try? JSONValue.parse(data, source: origin), case .object = json else {
            throw GCPCredentialError("the credentials file from \(origin) is not a JSON object", fix: "use a key file downloaded from IAM, or an application default credentials file")
        }
        func member(_ k: String) throws -> String {
            guard let s = json[k]?.stringValue, !s.isEmpty else { throw GCPCredentialError("the credentials file from \(origin) has no \(k)", fix: "use an unmodified key file") }
            return s
        }
        switch json["type"]?.stringValue {
        case "service_account":
            let key = GCPServiceAccountKey(clientEmail: try member("client_email"), privateKeyPEM: try member("private_key"),
                                           privateKeyId: json["private_key_id"]?.stringValue,
                                           tokenURI: json["token_uri"]?.stringValue ?? defaultTokenURI)
            return .serviceAccount(key, origin: origin)
        case "authorized_user":
            return .authorizedUser(clientId: try member("client_id"), clientSecret: try member("client_secret"), refreshToken: try member("refresh_token"),
                                   tokenURI: json["token_uri"]?.stringValue ?? defaultTokenURI, origin: origin)
        case let other:
            throw GCPCredentialError("the credentials file from \(origin) has type \(other.map { "'\($0.prefix(40))'" } ?? "none"), which this tool does not read",
                                     fix: "use a service_account key or authorized_user file, or pass an access token (access_token_env)")
        }
    }
}

/// Why credentials could not be resolved or exchanged: a sentence and a fix, never a secret.
public struct GCPCredentialError: Error, LocalizedError, Sendable, Equatable {
    public var message: String
    public var fix: String?

    public init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }

    public var errorDescription: String? { message }
}

/// The members of a service-account key file the token exchange needs.
public struct GCPServiceAccountKey: Sendable, Equatable {
    public var clientEmail: String
    /// PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`). A secret: registered with the scrubber, never logged.
    public var privateKeyPEM: String
    public var privateKeyId: String?
    public var tokenURI: String

    public init(clientEmail: String, privateKeyPEM: String, privateKeyId: String?, tokenURI: String) {
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyId = privateKeyId
        self.tokenURI = tokenURI
    }

    /// The signed JWT assertion of the JWT bearer grant (RFC 7523 §2.1, §3; RFC 7519; JWS RS256, RFC 7518 §3.3 —
    /// RSASSA-PKCS1-v1_5 with SHA-256): header `{"alg":"RS256","typ":"JWT","kid":private_key_id}`, claims `iss` = the
    /// client e-mail, `scope`, `aud` = the token URI, `iat` and `exp` = `iat` + 3600 (seconds since the epoch).
    /// - Throws: ``GCPCredentialError`` when the private key cannot be read or signing fails.
    public func assertion(audience: String, scope: String = GCPCredentialSource.scope, issuedAt: Date) throws -> String {
        let iat = Int(issuedAt.timeIntervalSince1970)
        var header = #"{"alg":"RS256","typ":"JWT""#
        if let kid = privateKeyId { header += #","kid":"# + JSONValue.quote(kid) }
        header += "}"
        let claims = "{\"aud\":\(JSONValue.quote(audience)),\"exp\":\(iat + 3600),\"iat\":\(iat),\"iss\":\(JSONValue.quote(clientEmail)),\"scope\":\(JSONValue.quote(scope))}"
        let input = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(claims.utf8))
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM) } catch {
            throw GCPCredentialError("the service account's private key cannot be read (expected an RSA key of at least 2048 bits in PEM)",
                                     fix: "use the key file as downloaded from IAM")
        }
        do {
            let signature = try key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
            return input + "." + Self.base64URL(signature.rawRepresentation)
        } catch {
            throw GCPCredentialError("the token assertion could not be signed", fix: "use the key file as downloaded from IAM")
        }
    }

    /// Base64url without padding (RFC 4648 §5, as JWS requires).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
