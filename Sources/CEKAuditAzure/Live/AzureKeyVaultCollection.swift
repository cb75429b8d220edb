import AsyncHTTPClient
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging
import NIOHTTP1

/// One run of ``AzureKeyVaultCollector`` against one target: the access token, then every subscription concurrently
/// (requests bounded by the client's limiter), then the mapping of what was read (``AzureInventory``) to facts,
/// evidence, coverage and diagnostics.
struct AzureKeyVaultCollection: Sendable {
    let target: AssessmentFile.Target
    let options: AzureTargetOptions
    let source: AzureCredentialSource
    let http: AzureHTTPClient
    let context: CollectionContext
    let logger: Logger
    let suppliedTypes: [ResourceType]

    static let collectorName = "azure-keyvault"

    /// Pinned API versions (Azure REST API reference).
    enum APIVersion {
        static let keyVault = "2023-07-01"
        static let diagnosticSettings = "2021-05-01-preview"
        static let roleAssignments = "2022-04-01"
    }

    /// Data-store types read per subscription (`GET /subscriptions/{s}/providers/{type}`) and their API versions.
    /// ARM "Subscriptions - List" API version.
    static let subscriptionsAPIVersion = "2022-12-01"
    static let dataStoreTypes: [(type: String, apiVersion: String)] = [
        ("Microsoft.Storage/storageAccounts", "2023-05-01"),
        ("Microsoft.CognitiveServices/accounts", "2024-10-01"),
        ("Microsoft.MachineLearningServices/workspaces", "2024-10-01"),
        ("Microsoft.DocumentDB/databaseAccounts", "2024-11-15"),
        ("Microsoft.Compute/diskEncryptionSets", "2024-03-02"),
        ("Microsoft.ContainerService/managedClusters", "2024-09-01"),
    ]

    /// Calls whose failure leaves the key inventory (vaults, pools, keys) incomplete.
    static let inventoryCalls: Set<String> = ["vaults.list", "managedHSMs.list", "keys.list"]

    /// What one subscription or vault contributed.
    struct Part: Sendable {
        var inventory = AzureInventory()
        var facts = FactSet()
        var succeeded = 0
        /// Listings that failed (`keys.list /subscriptions/…/vaults/kv1: HTTP 500`).
        var listFailures: [String] = []
        var inventoryComplete = true

        mutating func merge(_ o: Part) {
            inventory.merge(o.inventory)
            facts.merge(o.facts)
            succeeded += o.succeeded
            listFailures += o.listFailures
            inventoryComplete = inventoryComplete && o.inventoryComplete
        }

        mutating func fail(_ scope: String, _ call: String, _ f: AzureCallFailure) {
            inventory.failures.append(AzureInventory.Failure(scope: scope.lowercased(), call: call, reason: f.reason))
            if call != "dataStores.list" { listFailures.append("\(call) \(scope.lowercased()): \(f.reason)") }
            if AzureKeyVaultCollection.inventoryCalls.contains(call) { inventoryComplete = false }
        }
    }

    // MARK: - Run

    func run() async -> FactSet {
        let token: String
        switch await accessToken() {
        case .success(let t): token = t
        case .failure(let e):
            return Self.unusable(target, suppliedTypes: suppliedTypes,
                                 diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                        message: "target \(target.name) (azure-keyvault): no access token: \(context.credentials.scrub(e.message))", fix: e.fix))
        }
        // `subscriptions: all`: the enabled subscriptions the identity can see (ARM "Subscriptions - List").
        var subscriptions = options.subscriptions
        var listing = Part()
        var notEnabled: [String] = []
        if options.allSubscriptions {
            let listed = await list("/subscriptions", apiVersion: Self.subscriptionsAPIVersion, token: token, part: &listing)
            if let f = listed.failure {
                var out = Self.unusable(target, suppliedTypes: suppliedTypes,
                                        diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                               message: "target \(target.name) (azure-keyvault): the subscriptions could not be listed (GET /subscriptions: \(f.reason)); nothing was collected",
                                                               fix: "list the subscriptions in `subscriptions:`, or give the identity Reader on them"))
                out.merge(listing.facts)
                return out
            }
            for item in listed.items {
                guard let id = item.value["subscriptionId"]?.stringValue?.lowercased(), id.range(of: AzureTargetOptions.guid, options: .regularExpression) != nil else { continue }
                let state = item.value["state"]?.stringValue ?? "unknown"
                if options.excludeSubscriptions.contains(id) || subscriptions.contains(id) { continue }
                if state.caseInsensitiveCompare("Enabled") == .orderedSame { subscriptions.append(id) } else { notEnabled.append("\(id) (\(state))") }
            }
            subscriptions.sort()
        }
        // Sharded (`collect --shard i/N`) with `subscriptions: all`: every shard listed the same subscriptions; it
        // collects those it owns (the target's tenant still lists them all).
        var collected = subscriptions
        if let scope = context.shard, options.allSubscriptions {
            collected = subscriptions.filter { scope.owns(target: target.name, member: $0, kind: Self.collectorName, resourceTypes: suppliedTypes) }
        }
        let parts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, s) in collected.enumerated() { group.addTask { (i, await collectSubscription(s, token: token)) } }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var facts = listing.facts
        var succeeded = listing.succeeded
        var firstFailure: String?
        var regions: Set<String> = []
        if options.allSubscriptions {
            facts.coverage.append(SourceCoverage(source: "azure-keyvault://\(target.name)/subscriptions", collector: Self.collectorName, status: .complete,
                                                 resourceTypes: [.target], found: ["target": 1],
                                                 detail: "\(subscriptions.count) enabled subscription(s) listed"
                                                     + (notEnabled.isEmpty ? "" : "; not enabled, not collected: \(notEnabled.joined(separator: ", "))")
                                                     + (options.excludeSubscriptions.isEmpty ? "" : "; excluded: \(options.excludeSubscriptions.joined(separator: ", "))")))
        }
        for (subscription, part) in zip(collected, parts) {
            succeeded += part.succeeded
            facts.merge(part.facts)
            var inventory = part.inventory
            inventory.evidenceKind = "observed"
            for v in inventory.vaults + inventory.managedHSMs { if let l = v.value["location"]?.stringValue { regions.insert(l) } }
            let resources = AzureFacts.resources(from: inventory)
            facts.resources += resources
            facts.diagnostics += diagnostics(inventory.failures)
            firstFailure = firstFailure ?? inventory.failures.first.map { "\($0.call) \($0.scope): \($0.reason)" }
            let vaultTypes: [ResourceType] = [.key, .keyPolicy, .keyStore, .auditTrail]
            let complete = part.listFailures.isEmpty
            var row = SourceCoverage(source: "azure-keyvault://\(target.name)/subscriptions/\(subscription)", collector: Self.collectorName,
                                     status: part.succeeded == 0 ? .failed : (complete ? .complete : .partial),
                                     resourceTypes: vaultTypes,
                                     inventoryTypes: part.inventoryComplete && part.succeeded > 0 ? [.key, .keyPolicy, .keyStore] : [],
                                     found: Self.count(resources.filter { $0.type != .dataStore }),
                                     detail: complete ? nil : "\(part.listFailures.count) listing(s) could not be read completely: "
                                         + part.listFailures.prefix(3).joined(separator: "; "))
            if part.succeeded == 0 { row.detail = "no call about this subscription succeeded" + (firstFailure.map { ": \($0)" } ?? "") }
            facts.coverage.append(row)
            let storeFailures = inventory.failures.filter { $0.call == "dataStores.list" }
            let stores = resources.filter { $0.type == .dataStore }
            facts.coverage.append(SourceCoverage(source: "azure-keyvault://\(target.name)/subscriptions/\(subscription)/datastores", collector: Self.collectorName,
                                                 status: storeFailures.isEmpty ? .complete : (storeFailures.count == Self.dataStoreTypes.count ? .failed : .partial),
                                                 resourceTypes: [.dataStore], inventoryTypes: storeFailures.isEmpty ? [.dataStore] : [],
                                                 found: Self.count(stores),
                                                 detail: storeFailures.isEmpty ? nil : "\(storeFailures.count) data-store type(s) could not be listed: "
                                                     + storeFailures.prefix(3).map { "\($0.scope): \($0.reason)" }.joined(separator: "; ")))
        }
        var fields: [String: FactValue] = [
            "kind": .string("azure-keyvault"),
            "endpoint": .string(options.armEndpoint.absoluteString),
            "region": .strings(regions.sorted()),
            "tenant": subscriptions.count == 1 ? .string(subscriptions[0]) : .strings(subscriptions),
            "caller": .string(source.caller),
        ]
        if let t = options.tenantId { fields["entra_tenant"] = .string(t) }
        facts.resources.append(Resource(type: .target, id: "azure-keyvault:\(target.name)", name: target.name, fields: fields))
        facts.coverage.append(SourceCoverage(source: "azure-keyvault://\(target.name)", collector: Self.collectorName, status: .complete,
                                             resourceTypes: [.target], found: ["target": 1]))
        if succeeded == 0 {
            facts.unreachableTargets.append(target.name)
            facts.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                                message: "target \(target.name) (azure-keyvault) could not be reached: no API call succeeded (first failure: \(firstFailure ?? "none"))",
                                                fix: "check arm_endpoint, the network and that the credentials may read the subscriptions (the built-in Reader role)"))
        }
        logger.debug("azure-keyvault target collected", metadata: ["target": .string(target.name), "resources": .stringConvertible(facts.resources.count),
                                                                   "evidence": .stringConvertible(facts.evidence.count)])
        return facts
    }

    static func count(_ resources: [Resource]) -> [String: Int] {
        var found: [String: Int] = [:]
        for r in resources { found[r.type.rawValue, default: 0] += 1 }
        return found
    }

    /// The facts of a target that could not be used at all: a failed coverage row, a `target` with unknown caller and
    /// tenant, and the target listed as unreachable.
    static func unusable(_ target: AssessmentFile.Target, suppliedTypes: [ResourceType], diagnostic: Diagnostic) -> FactSet {
        var out = FactSet(diagnostics: [diagnostic])
        out.coverage.append(SourceCoverage(source: "azure-keyvault://\(target.name)", collector: collectorName, status: .failed,
                                           resourceTypes: suppliedTypes, detail: diagnostic.message))
        out.resources.append(Resource(type: .target, id: "azure-keyvault:\(target.name)", name: target.name, fields: [
            "kind": .string("azure-keyvault"), "caller": .unknown(reason: diagnostic.message), "tenant": .unknown(reason: diagnostic.message),
        ]))
        out.unreachableTargets = [target.name]
        return out
    }

    // MARK: - Token

    /// The bearer token: given, or from the client-credentials grant (RFC 6749 §4.4; Microsoft identity platform
    /// v2.0 token endpoint, `application/x-www-form-urlencoded`, answer `{"access_token", "expires_in", "token_type"}`
    /// or `{"error", "error_description"}`). The token is registered with the scrubber before anything else sees it.
    func accessToken() async -> Result<String, AzureCredentialError> {
        guard case let .clientCredentials(tenant, clientId, secret, origin) = source else {
            if case .accessToken(let t, _) = source { return .success(t) }
            return .failure(AzureCredentialError("no credentials"))
        }
        let uri = options.authority.absoluteString + "/" + PercentEncoding.encode(tenant) + "/oauth2/v2.0/token"
        let form: [(name: String, value: String)] = [("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret),
                                                     ("scope", AzureCredentialSource.scope)]
        let r = await http.send(.POST, url: uri, call: "POST token endpoint", body: Data(PercentEncoding.query(form).utf8),
                                contentType: "application/x-www-form-urlencoded", token: nil)
        guard let status = r.status else {
            return .failure(AzureCredentialError("the token endpoint gave no answer: \(r.failure ?? "unknown")", fix: "check the network and authority"))
        }
        let json = try? JSONValue.parse(r.body, source: "token endpoint")
        guard status == 200, let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            var reason = "HTTP \(status)"
            if let e = json?["error"]?.stringValue { reason += " \(e.prefix(64))" }
            if let d = json?["error_description"]?.stringValue { reason += ": \(d.prefix(300).replacingOccurrences(of: "\n", with: " "))" }
            return .failure(AzureCredentialError("the token endpoint refused the \(origin) for client \(clientId): \(reason)",
                                                 fix: "check tenant_id, client_id and that the client secret is current"))
        }
        context.credentials.register(token)
        return .success(token)
    }

    // MARK: - HTTP helpers

    /// The segments of an ARM id (`/subscriptions/s/resourceGroups/rg/…`), or `nil` when one is empty, `.` or `..`.
    static func segments(_ id: String) -> [String]? {
        guard id.hasPrefix("/") else { return nil }
        let parts = id.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        return parts
    }

    /// `/a/b/c`, every segment percent-encoded (RFC 3986; names come from the server).
    static func path(_ segments: [String]) -> String {
        "/" + segments.map { PercentEncoding.encode($0) }.joined(separator: "/")
    }

    func locator(_ path: String, page: Int) -> String {
        "azure-keyvault://\(target.name)\(path)" + (page > 1 ? "?page=\(page)" : "")
    }

    /// Records an answer (or its failure) as an evidence item; returns its id.
    func record(_ r: AzureAPIResponse, locator: String, into facts: inout FactSet) -> String {
        var bytes = r.body
        if r.status == nil { bytes = Data("{\"transport_error\":\(JSONValue.quote(r.failure ?? "no answer"))}".utf8) }
        bytes = context.credentials.scrub(bytes)
        let item = EvidenceItem(collector: Self.collectorName, locator: locator, kind: "azure-api-response", bytes: bytes, collectedAt: context.now)
        if facts.payloads[item.id] == nil { facts.addEvidence(item, bytes: bytes) }
        return item.id
    }

    /// Whether a `nextLink` may be followed: same scheme, host and port as `arm_endpoint` (the bearer token goes
    /// nowhere else), no user information.
    func followable(_ link: String) -> Bool {
        guard let u = URL(string: link), let base = URLComponents(url: options.armEndpoint, resolvingAgainstBaseURL: false),
              let c = URLComponents(url: u, resolvingAgainstBaseURL: false) else { return false }
        return c.scheme?.lowercased() == base.scheme?.lowercased() && c.host?.lowercased() == base.host?.lowercased()
            && c.port == base.port && c.user == nil && c.password == nil && c.fragment == nil
    }

    /// A listing (`{"value": [...], "nextLink": "…"}`, Azure REST API guidelines, "Pagination"): every item with its
    /// page's evidence and pointer (`value[3]`), or the failure that ended it (after the pages before it). A `nextLink`
    /// to another host, a repeated one or one longer than 8 KiB ends the listing as a failure; the request budget bounds
    /// any other endless walk.
    func list(_ path: String, apiVersion: String, token: String, part: inout Part) async -> (items: [AzureInventory.Item], failure: AzureCallFailure?) {
        var items: [AzureInventory.Item] = []
        var url = options.armEndpoint.absoluteString + path + "?" + PercentEncoding.query([("api-version", apiVersion)])
        var seen = Set<String>()
        var page = 1
        while true {
            let r = await http.send(.GET, url: url, call: "GET \(path)", token: token)
            let id = record(r, locator: locator(path, page: page), into: &part.facts)
            let json: JSONValue
            switch r.outcome {
            case .success(let j): json = j
            case .failure(let f): return (items, f)
            }
            part.succeeded += 1
            if let v = json["value"] {
                guard case .array(let list) = v else {
                    return (items, AzureCallFailure(status: r.status, reason: "the answer to GET \(path) has a value that is not a list"))
                }
                for (i, x) in list.enumerated() { items.append(AzureInventory.Item(x, evidence: id, pointer: "value[\(i)]")) }
            }
            guard let next = json["nextLink"]?.stringValue, !next.isEmpty else { return (items, nil) }
            guard next.utf8.count <= 8192, followable(next), seen.insert(next).inserted else {
                return (items, AzureCallFailure(status: r.status, reason: "the server sent a nextLink to another endpoint, a repeated one or one longer than 8 KiB in GET \(path); the listing was ended"))
            }
            url = next
            page += 1
        }
    }

    // MARK: - Subscription

    func collectSubscription(_ subscription: String, token: String) async -> Part {
        var part = Part()
        async let roles = collectRoleAssignments(subscription, token: token)
        async let stores = collectDataStores(subscription, token: token)
        async let hsms = collectPools(subscription, type: "managedHSMs", token: token)
        var vaultPart = await collectPools(subscription, type: "vaults", token: token)
        if !vaultPart.inventory.failures.contains(where: { $0.call == "vaults.list" }) { vaultPart.inventory.completeListing = true }
        part.merge(vaultPart)
        part.merge(await hsms)
        part.merge(await roles)
        part.merge(await stores)
        return part
    }

    /// Vaults or Managed HSM pools of a subscription, then per vault its keys and diagnostic settings.
    func collectPools(_ subscription: String, type: String, token: String) async -> Part {
        var part = Part()
        let scope = "/subscriptions/\(subscription)"
        let call = "\(type).list"
        let listed = await list(Self.path(["subscriptions", subscription, "providers", "Microsoft.KeyVault", type]),
                                apiVersion: APIVersion.keyVault, token: token, part: &part)
        if let f = listed.failure {
            if type == "managedHSMs", f.code == "MissingSubscriptionRegistration" {
                part.facts.diagnostics.append(Diagnostic(.info, source: locator(scope, page: 1),
                                                         message: "Microsoft.KeyVault is not registered in subscription \(subscription): it has no Managed HSM pool"))
            } else {
                part.fail(scope, call, f)
            }
        }
        var pools: [(id: String, segments: [String])] = []
        var seen = Set<String>()
        for item in listed.items {
            guard let id = item.value["id"]?.stringValue, let segments = Self.segments(id), let arm = AzureFacts.ARMID(id),
                  arm.subscription?.lowercased() == subscription, arm.provider?.lowercased() == "microsoft.keyvault",
                  arm.segments.count == 1, arm.segments[0].type.lowercased() == type.lowercased(),
                  item.value["name"]?.stringValue?.lowercased() == arm.segments[0].name.lowercased() else {
                part.facts.diagnostics.append(Diagnostic(.warning, source: locator(scope, page: 1),
                                                         message: "a listed \(type == "vaults" ? "key vault" : "Managed HSM pool") has no usable id in subscription \(subscription); it was skipped"))
                part.listFailures.append("\(call) \(scope): an entry without a usable id")
                part.inventoryComplete = false
                continue
            }
            guard seen.insert(id.lowercased()).inserted else { continue }
            pools.append((id, segments))
            if type == "vaults" { part.inventory.vaults.append(item) } else { part.inventory.managedHSMs.append(item) }
        }
        let found = pools
        let vaultParts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, p) in found.enumerated() { group.addTask { (i, await collectPool(p.id, segments: p.segments, type: type, token: token)) } }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for p in vaultParts { part.merge(p) }
        return part
    }

    /// One vault's or pool's keys (`{id}/keys`) and diagnostic settings (`{id}/providers/Microsoft.Insights/diagnosticSettings`).
    func collectPool(_ id: String, segments: [String], type: String, token: String) async -> Part {
        var part = Part()
        let name = segments.last ?? ""
        let keys = await list(Self.path(segments + ["keys"]), apiVersion: APIVersion.keyVault, token: token, part: &part)
        if let f = keys.failure { part.fail(id, "keys.list", f) }
        for item in keys.items {
            guard let keyID = item.value["id"]?.stringValue, let arm = AzureFacts.ARMID(keyID),
                  arm.name(of: type)?.lowercased() == name.lowercased(), arm.name(of: "keys")?.isEmpty == false else {
                part.facts.diagnostics.append(Diagnostic(.warning, source: locator(Self.path(segments + ["keys"]), page: 1),
                                                         message: "a listed key is not named under \(name); it was skipped"))
                part.listFailures.append("keys.list \(id.lowercased()): a key not named under its vault")
                part.inventoryComplete = false
                continue
            }
            part.inventory.keys.append(item)
        }
        // The progress line counts keys per target and vault (a vault's listing describes its keys whole).
        if let progress = context.progress {
            progress.keysListed(part.inventory.keys.count, target: target.name, region: name)
            for _ in part.inventory.keys { progress.keyDone(target: target.name, region: name) }
        }
        let settings = await list(Self.path(segments + ["providers", "Microsoft.Insights", "diagnosticSettings"]),
                                  apiVersion: APIVersion.diagnosticSettings, token: token, part: &part)
        if let f = settings.failure {
            part.fail(id, "diagnosticSettings.list", f)
        } else {
            // A complete listing: no setting here is evidence of none.
            part.inventory.diagnosticListings.insert(id.lowercased())
            part.inventory.diagnosticSettings[id.lowercased(), default: []] += settings.items
        }
        return part
    }

    /// Every role assignment of the subscription (``AzureFacts`` keeps those whose scope reaches a vault).
    func collectRoleAssignments(_ subscription: String, token: String) async -> Part {
        var part = Part()
        let listed = await list(Self.path(["subscriptions", subscription, "providers", "Microsoft.Authorization", "roleAssignments"]),
                                apiVersion: APIVersion.roleAssignments, token: token, part: &part)
        // The scope is a prefix of every vault id in the subscription, as AzureFacts compares them.
        if let f = listed.failure { part.fail("/subscriptions/\(subscription)", "roleAssignments.list", f) }
        else { part.inventory.roleAssignmentScopes.insert("/subscriptions/\(subscription.lowercased())") }
        part.inventory.roleAssignments += listed.items
        return part
    }

    /// The data stores of ``dataStoreTypes``; a resource provider the subscription has not registered has none.
    func collectDataStores(_ subscription: String, token: String) async -> Part {
        var part = Part()
        for (type, version) in Self.dataStoreTypes {
            let parts = type.split(separator: "/").map(String.init)
            let path = Self.path(["subscriptions", subscription, "providers"] + parts)
            let listed = await list(path, apiVersion: version, token: token, part: &part)
            if let f = listed.failure {
                if f.code == "MissingSubscriptionRegistration" {
                    part.facts.diagnostics.append(Diagnostic(.info, source: locator(path, page: 1),
                                                             message: "\(parts[0]) is not registered in subscription \(subscription): it has no \(type)"))
                } else {
                    part.fail("/subscriptions/\(subscription)/providers/\(type)", "dataStores.list", f)
                }
            }
            part.inventory.dataStores += listed.items
        }
        return part
    }

    // MARK: - Diagnostics

    /// The Azure RBAC action each call needs (all in the built-in Reader role's `*/read`).
    static let permissions: [String: String] = [
        "vaults.list": "Microsoft.KeyVault/vaults/read", "managedHSMs.list": "Microsoft.KeyVault/managedHSMs/read",
        "keys.list": "Microsoft.KeyVault/vaults/keys/read (Managed HSM: Microsoft.KeyVault/managedHSMs/keys/read)",
        "diagnosticSettings.list": "Microsoft.Insights/diagnosticSettings/read",
        "roleAssignments.list": "Microsoft.Authorization/roleAssignments/read",
        "dataStores.list": "the data store type's read action (e.g. Microsoft.Storage/storageAccounts/read)",
    ]

    /// One diagnostic per failed call name: how many resources, the first few, the first reason and a fix.
    func diagnostics(_ failures: [AzureInventory.Failure]) -> [Diagnostic] {
        var byCall: [String: [AzureInventory.Failure]] = [:]
        for f in failures { byCall[f.call, default: []].append(f) }
        return byCall.keys.sorted().compactMap { call in
            guard let list = byCall[call], let first = list.first else { return nil }
            let inventory = Self.inventoryCalls.contains(call)
            let names = list.prefix(3).map(\.scope).joined(separator: ", ") + (list.count > 3 ? " and \(list.count - 3) more" : "")
            let message = "\(call) failed for \(list.count) resource(s) (\(names)): \(first.reason)"
                + (inventory ? "; the inventory is incomplete" : "; the facts it supplies are unknown")
            let fix: String
            if first.reason.hasPrefix("HTTP 403") || first.reason.hasPrefix("HTTP 401") {
                fix = "grant \(Self.permissions[call] ?? "the read permission") to \(source.caller) — the built-in Reader role at subscription scope includes it (see the README)"
            } else {
                fix = "retry later, or raise timeout_seconds / max_attempts / max_requests"
            }
            return Diagnostic(inventory ? .error : .warning, source: "azure-keyvault://\(target.name)\(first.scope)",
                              message: context.credentials.scrub(message), fix: fix)
        }
    }
}
