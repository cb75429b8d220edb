import CEKAuditCollectorKit
import CEKAuditCore
/// One line of an OpenBao / Vault file audit device log, decoded to the fields the collector reads (OpenBao
/// documentation, "Audit devices": each request writes a `request` entry and a `response` entry, both carrying
/// `auth`, `request` and, for responses, `response`; `error` holds the error text of a failed request).
///
/// Read by ``AuditLineReader`` straight from a line's bytes; `Decodable` too, with the same outcome (the tests hold
/// the two readers to each other).
struct AuditLogRecord: Decodable, Sendable {
    struct Auth: Decodable, Sendable {
        struct PolicyResults: Decodable, Sendable {
            var allowed: Bool?
        }
        var displayName: String?
        var entityID: String?
        var accessor: String?
        var policyResults: PolicyResults?

        enum CodingKeys: String, CodingKey {
            case displayName = "display_name"
            case entityID = "entity_id"
            case accessor
            case policyResults = "policy_results"
        }
    }

    struct Namespace: Decodable, Sendable {
        var id: String?
        var path: String?
    }

    struct Request: Decodable, Sendable {
        var id: String?
        var operation: String?
        var path: String?
        var mountPoint: String?
        var mountType: String?
        var namespace: Namespace?
        var clientTokenAccessor: String?
        var data: [String: AuditScalar]?

        enum CodingKeys: String, CodingKey {
            case id, operation, path, namespace, data
            case mountPoint = "mount_point"
            case mountType = "mount_type"
            case clientTokenAccessor = "client_token_accessor"
        }
    }

    struct Response: Decodable, Sendable {
        var data: [String: AuditScalar]?
    }

    var time: String?
    var type: String?
    var auth: Auth?
    var request: Request?
    var response: Response?
    var error: String?

    /// Whether policy denied the request (`auth.policy_results.allowed` is false).
    var denied: Bool { auth?.policyResults?.allowed == false }

    /// The error text of a failed request: the top-level `error`, or `response.data.error`.
    var errorText: String? {
        if let e = error, !e.isEmpty { return e }
        if case .string(let e)? = response?.data?["error"], !e.isEmpty { return e }
        return nil
    }

    /// Who made the request: the display name, else the entity id, else the (HMAC'd) token accessor.
    var principal: String? {
        for candidate in [auth?.displayName, auth?.entityID, auth?.accessor, request?.clientTokenAccessor] {
            if let c = candidate, !c.isEmpty { return c }
        }
        return nil
    }
}
