import _CryptoExtras
import CEKAuditCore
import Foundation

/// Runs `fake_gcp.py` (beside this file) — scripted Cloud KMS, Resource Manager, Organization Policy, Cloud Asset and
/// OAuth token endpoints on 127.0.0.1 — and reads its request log (``LoopbackScriptServer``).
public final class FakeGCPServer: @unchecked Sendable {
    let server: LoopbackScriptServer
    public var port: Int { server.port }
    public var endpoint: String { server.endpoint }

    /// Starts a server answering `config` (`{"routes": [...], "token": {...}}`, see fake_gcp.py).
    public init(config: [String: Any], maxSeconds: Int = 300) throws {
        server = try LoopbackScriptServer(script: "fake_gcp.py", config: config, maxSeconds: maxSeconds)
    }

    /// Every request the server saw, in order: `method`, `path`, `query`, `auth` (`ok` / `wrong` / `missing`), `status`,
    /// `time`; token requests carry `grant`, `check` and `ok`.
    public func requests() -> [JSONValue] { server.requests() }

    /// Requests to one path (percent-decoded), in order.
    public func requests(path: String) -> [JSONValue] { requests().filter { $0["path"]?.stringValue == path } }

    public func stop() { server.stop() }
}

/// A service-account key made at run time (never committed): the key file's JSON and the public key for the fake
/// token endpoint to verify RS256 signatures with.
public struct TestServiceAccount: Sendable {
    public var clientEmail = "cek-audit@example-project.iam.gserviceaccount.com"
    public var privateKeyId = "0123456789abcdef0123456789abcdef01234567"
    public var tokenURI = "https://oauth2.example.com/token"
    public let privateKeyPEM: String
    public let publicKeyPEM: String

    /// A fresh 2048-bit RSA key.
    public init() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        privateKeyPEM = key.pkcs8PEMRepresentation
        publicKeyPEM = key.publicKey.pemRepresentation
    }

    /// The key file, as IAM hands it out (`"type": "service_account"`).
    public var keyFile: Data {
        let object: [String: Any] = ["type": "service_account", "project_id": "example-project", "private_key_id": privateKeyId,
                                     "private_key": privateKeyPEM, "client_email": clientEmail, "client_id": "100000000000000000001",
                                     "token_uri": tokenURI]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// The base64 lines of the private key (each a secret that must never leak).
    public var privateKeyLines: [String] {
        privateKeyPEM.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("-----") }
    }

    /// Whether `jwt` is an RS256 JWS signed by this key (RFC 7515 compact serialization).
    public func verifies(_ jwt: String) -> Bool {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let signature = Self.base64URL(parts[2]),
              let key = try? _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM) else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: Data((parts[0] + "." + parts[1]).utf8),
                                    padding: .insecurePKCS1v1_5)
    }

    /// Decodes base64url without padding.
    public static func base64URL(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// The scenario the gcp-kms tests share: project `example-project` (folder 111111111111, organization 222222222222)
/// with locations `global` and `europe-west4`; key ring `ring-a` with six keys over three pages (HSM with 90-day
/// rotation, software without rotation, EXTERNAL_VPC through an EKM connection, an asymmetric signing key, one whose IAM
/// policy is denied (403, the token reflected raw), one whose IAM policy is throttled once (429, `Retry-After: 1`));
/// key ring `ring-b` whose key list always fails (500), whose import-job list is cut short and whose IAM policy answers
/// too late; a malformed EKM listing in europe-west4 and Autokey not enabled there; Data Access logs on for Cloud KMS;
/// both CMEK organization policies; two data stores over two pages. Reflected token forms: raw (403 message),
/// JSON-escaped (an IAM condition's description), percent-encoded (an EKM connection's service directory name).
public enum FakeGCPScenario {
    public static let project = "example-project"
    public static let accessToken = "ya29.PlantedGcpToken-EXAMPLE_doNotLeak/x+y=="
    public static let ringA = "projects/example-project/locations/global/keyRings/ring-a"
    public static let ringB = "projects/example-project/locations/global/keyRings/ring-b"
    /// Seconds the slow answer waits (longer than the test target's timeout).
    public static let slowSeconds = 12.0

    public static func route(_ path: String, method: String = "GET", query: [String: Any] = [:], _ responses: [[String: Any]]) -> [String: Any] {
        var r: [String: Any] = ["method": method, "path": path, "responses": responses]
        if !query.isEmpty { r["query"] = query }
        return r
    }

    public static func ok(_ json: [String: Any]) -> [String: Any] { ["status": 200, "json": json] }

    /// Google's error shape (`google.rpc.Status`).
    public static func error(_ status: Int, _ name: String, _ message: String) -> [String: Any] {
        ["status": status, "json": ["error": ["code": status, "message": message, "status": name]]]
    }

    static func key(_ ring: String, _ id: String, purpose: String = "ENCRYPT_DECRYPT", level: String, algorithm: String = "GOOGLE_SYMMETRIC_ENCRYPTION",
                    rotation: String? = nil, primary: Bool = true, extra: [String: Any] = [:]) -> [String: Any] {
        let name = "\(ring)/cryptoKeys/\(id)"
        var k: [String: Any] = ["name": name, "purpose": purpose, "createTime": "2026-01-10T00:00:00Z",
                                "versionTemplate": ["protectionLevel": level, "algorithm": algorithm], "destroyScheduledDuration": "2592000s"]
        if primary {
            k["primary"] = ["name": "\(name)/cryptoKeyVersions/1", "state": "ENABLED", "protectionLevel": level, "algorithm": algorithm,
                            "createTime": "2026-10-01T00:00:00Z"]
        }
        if let rotation {
            k["rotationPeriod"] = rotation
            k["nextRotationTime"] = "2026-12-30T00:00:00Z"
        }
        for (a, b) in extra { k[a] = b }
        return k
    }

    static func policy(_ role: String, _ member: String) -> [String: Any] {
        ["version": 1, "etag": "BwYAAAAAAAA=", "bindings": [["role": role, "members": [member]]]]
    }

    /// The server configuration for `account`.
    public static func config(_ account: TestServiceAccount) -> [String: Any] {
        let p = "/v1/projects/\(project)"
        let global = "\(p)/locations/global", europe = "\(p)/locations/europe-west4"
        let iamQuery: [String: Any] = ["options.requestedPolicyVersion": "3"]
        let ekm = "\(ringA.replacingOccurrences(of: "/keyRings/ring-a", with: ""))/ekmConnections/ekm-1"
        let keysA: [[String: Any]] = [
            key(ringA, "key-hsm", level: "HSM", rotation: "7776000s"),
            key(ringA, "key-soft", level: "SOFTWARE", extra: ["labels": ["env": "prod"]]),
            key(ringA, "key-ext", level: "EXTERNAL_VPC", rotation: nil, extra: ["cryptoKeyBackend": ekm]),
            key(ringA, "key-sign", purpose: "ASYMMETRIC_SIGN", level: "HSM", algorithm: "EC_SIGN_P256_SHA256", primary: false),
            key(ringA, "key-denied", level: "SOFTWARE"),
            key(ringA, "key-flaky", level: "SOFTWARE", rotation: "2592000s"),
        ]
        var routes: [[String: Any]] = [
            route(p + "/locations", [ok(["locations": [["name": "projects/\(project)/locations/global", "locationId": "global"],
                                                        ["name": "projects/\(project)/locations/europe-west4", "locationId": "europe-west4"]]])]),
            route(global + "/keyRings", [ok(["keyRings": [["name": ringA, "createTime": "2026-01-01T00:00:00Z"],
                                                         ["name": ringB, "createTime": "2026-01-01T00:00:00Z"]]])]),
            route(europe + "/keyRings", [ok([:])]),
            // Three pages of keys.
            route("/v1/\(ringA)/cryptoKeys", query: ["pageToken": NSNull()], [ok(["cryptoKeys": Array(keysA[0..<2]), "nextPageToken": "page-2"])]),
            route("/v1/\(ringA)/cryptoKeys", query: ["pageToken": "page-2"], [ok(["cryptoKeys": Array(keysA[2..<4]), "nextPageToken": "page-3"])]),
            route("/v1/\(ringA)/cryptoKeys", query: ["pageToken": "page-3"], [ok(["cryptoKeys": Array(keysA[4..<6])])]),
            route("/v1/\(ringA)/importJobs", [ok(["importJobs": [["name": "\(ringA)/importJobs/job-1", "importMethod": "RSA_OAEP_3072_SHA256",
                                                                   "protectionLevel": "HSM", "state": "ACTIVE"]]])]),
            route("/v1/\(ringA):getIamPolicy", query: iamQuery, [ok(policy("roles/cloudkms.admin", "group:kms-admins@example.com"))]),
            route("/v1/\(ringA)/cryptoKeys/key-hsm:getIamPolicy", query: iamQuery,
                  [ok(policy("roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:app@example-project.iam.gserviceaccount.com"))]),
            route("/v1/\(ringA)/cryptoKeys/key-soft:getIamPolicy", query: iamQuery, [["status": 200, "reflect": true, "json": [
                "version": 3, "etag": "BwYAAAAAAAB=", "bindings": [["role": "roles/cloudkms.cryptoKeyDecrypter", "members": ["user:alice@example.com"],
                                                                    "condition": ["title": "until 2027", "description": "{{TOKEN_JSON}}",
                                                                                  "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"]]]]]]),
            route("/v1/\(ringA)/cryptoKeys/key-ext:getIamPolicy", query: iamQuery, [ok(policy("roles/cloudkms.viewer", "user:bob@example.com"))]),
            route("/v1/\(ringA)/cryptoKeys/key-sign:getIamPolicy", query: iamQuery, [ok(policy("roles/cloudkms.signer", "user:carol@example.com"))]),
            route("/v1/\(ringA)/cryptoKeys/key-denied:getIamPolicy", query: iamQuery, [[
                "status": 403, "reflect": true,
                "json": ["error": ["code": 403, "status": "PERMISSION_DENIED",
                                   "message": "Permission 'cloudkms.cryptoKeys.getIamPolicy' denied on resource (or it may not exist); request token {{TOKEN}}"]]]]),
            route("/v1/\(ringA)/cryptoKeys/key-flaky:getIamPolicy", query: iamQuery, [
                error(429, "RESOURCE_EXHAUSTED", "Quota exceeded") .merging(["headers": ["Retry-After": "1"]]) { a, _ in a },
                ok(policy("roles/cloudkms.cryptoKeyEncrypter", "user:dave@example.com"))]),
            // Key ring B: a list that always fails, a body cut short, an answer too late.
            route("/v1/\(ringB)/cryptoKeys", [error(500, "INTERNAL", "Internal error encountered.")]),
            route("/v1/\(ringB)/importJobs", [["status": 200, "json": ["importJobs": [["name": "\(ringB)/importJobs/job-2", "state": "ACTIVE"]]], "truncate": 20]]),
            route("/v1/\(ringB):getIamPolicy", query: iamQuery, [["status": 200, "delay": slowSeconds, "json": policy("roles/cloudkms.admin", "user:erin@example.com")]]),
            route(global + "/ekmConnections", [["status": 200, "reflect": true, "json": ["ekmConnections": [[
                "name": ekm, "keyManagementMode": "MANUAL",
                "serviceResolvers": [["hostname": "ekm.example.com", "serviceDirectoryService": "projects/\(project)/locations/global/namespaces/ekm/services/{{TOKEN_PCT}}"]]]]]]]),
            route(europe + "/ekmConnections", [["status": 200, "body": "{\"ekmConnections\": [ this is not json"]]),
            route(global + "/keyHandles", [ok(["keyHandles": [["name": "projects/\(project)/locations/global/keyHandles/kh-1",
                                                               "kmsKey": "\(ringA)/cryptoKeys/key-hsm", "resourceTypeSelector": "storage.googleapis.com/Bucket"]]])]),
            route(europe + "/keyHandles", [error(400, "FAILED_PRECONDITION", "Autokey is not enabled for this folder.")]),
            // Resource Manager, Organization Policy, Cloud Asset Inventory.
            route("/v1/projects/\(project):getAncestry", method: "POST", [ok(["ancestor": [
                ["resourceId": ["type": "project", "id": project]], ["resourceId": ["type": "folder", "id": "111111111111"]],
                ["resourceId": ["type": "organization", "id": "222222222222"]]]])]),
            route("/v1/projects/\(project):getIamPolicy", method: "POST", [ok([
                "version": 1, "bindings": [["role": "roles/owner", "members": ["user:owner@example.com"]]],
                "auditConfigs": [["service": "cloudkms.googleapis.com", "auditLogConfigs": [["logType": "DATA_READ"], ["logType": "DATA_WRITE"], ["logType": "ADMIN_READ"]]]]])]),
            route("/v2/projects/\(project)/policies/gcp.restrictNonCmekServices:getEffectivePolicy", [ok([
                "name": "projects/\(project)/policies/gcp.restrictNonCmekServices",
                "spec": ["rules": [["values": ["deniedValues": ["storage.googleapis.com", "bigquery.googleapis.com"]]]]]])]),
            route("/v2/projects/\(project)/policies/gcp.restrictCmekCryptoKeyProjects:getEffectivePolicy", [ok([
                "name": "projects/\(project)/policies/gcp.restrictCmekCryptoKeyProjects",
                "spec": ["rules": [["values": ["allowedValues": ["under:organizations/222222222222"]]]]]])]),
            route("\(p)/assets", query: ["pageToken": NSNull()], [ok(["assets": [[
                "name": "//storage.googleapis.com/example-bucket", "assetType": "storage.googleapis.com/Bucket",
                "resource": ["data": ["name": "example-bucket", "projectNumber": "333333333333",
                                      "encryption": ["defaultKmsKeyName": "\(ringA)/cryptoKeys/key-hsm"]]]]], "nextPageToken": "assets-2"])]),
            route("\(p)/assets", query: ["pageToken": "assets-2"], [ok(["assets": [[
                "name": "//compute.googleapis.com/projects/\(project)/zones/europe-west4-a/disks/disk-1", "assetType": "compute.googleapis.com/Disk",
                "resource": ["data": ["name": "disk-1", "selfLink": "https://www.googleapis.com/compute/v1/projects/\(project)/zones/europe-west4-a/disks/disk-1"]]]]])]),
        ]
        routes.append(route("/v1/projects/unreachable-project/locations", [error(404, "NOT_FOUND", "Project not found.")]))
        return ["routes": routes, "token": [
            "access_token": accessToken, "client_email": account.clientEmail, "audience": account.tokenURI, "kid": account.privateKeyId,
            "public_key_pem": account.publicKeyPEM, "refresh_token": "1//plantedRefreshToken-EXAMPLE-doNotLeak",
            "client_id": "100000000000-example.apps.googleusercontent.com", "client_secret": "plantedClientSecret-EXAMPLE",
        ]]
    }

    /// A `gcp-kms` target entry (flow YAML) pointing every endpoint at `server`.
    public static func targetYAML(name: String, server: String, credentialsFile: String, extra: String = "") -> String {
        "{kind: gcp-kms, name: \(name), projects: [\(project)], credentials_file: \"\(credentialsFile)\", data_stores: true, "
            + "kms_endpoint: \"\(server)\", resource_manager_endpoint: \"\(server)\", org_policy_endpoint: \"\(server)\", "
            + "asset_endpoint: \"\(server)\", token_endpoint: \"\(server)/token\", timeout_seconds: 4, max_attempts: 2, "
            + "backoff_base_ms: 10, backoff_max_ms: 3000\(extra.isEmpty ? "" : ", " + extra)}"
    }
}
