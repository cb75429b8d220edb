import AsyncHTTPClient
import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging
import NIOHTTP1

/// One run of ``GCPKMSCollector`` against one target: the access token, then every project concurrently (requests
/// bounded by the client's limiter), then the mapping of what was read (``GCPInventory``) to facts, evidence,
/// coverage and diagnostics.
struct GCPKMSCollection: Sendable {
    let target: AssessmentFile.Target
    let options: GCPTargetOptions
    let source: GCPCredentialSource
    let http: GCPHTTPClient
    let context: CollectionContext
    let logger: Logger
    let clock: @Sendable () -> Date
    let suppliedTypes: [ResourceType]

    static let collectorName = "gcp-kms"

    /// The APIs read, their base URL and their label in evidence locators.
    /// Bounds of the `parents:` walk (Google Cloud allows 10 levels of folders).
    static let maxFolderDepth = 10
    static let maxFolders = 10_000

    enum Service: String, Sendable {
        case kms = "cloudkms", resourceManager = "cloudresourcemanager", orgPolicy = "orgpolicy", asset = "cloudasset"
    }

    /// What one project, location or key ring contributed.
    struct Part: Sendable {
        var inventory = GCPInventory()
        var facts = FactSet()
        var succeeded = 0
        /// Listings that failed (`keyRings.list projects/p/locations/l: HTTP 500`): the inventory is incomplete.
        var listFailures: [String] = []
        var locations: [String] = []

        mutating func merge(_ o: Part) {
            inventory.merge(o.inventory)
            facts.merge(o.facts)
            succeeded += o.succeeded
            listFailures += o.listFailures
            locations += o.locations
        }

        mutating func fail(_ scope: String, _ call: String, _ f: GCPCallFailure, list: Bool) {
            inventory.failures.append(GCPInventory.Failure(scope: scope, call: call, reason: f.reason))
            if list { listFailures.append("\(call) \(scope): \(f.reason)") }
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
                                                        message: "target \(target.name) (gcp-kms): no access token: \(context.credentials.scrub(e.message))", fix: e.fix))
        }
        // `parents:`: every active project below those folders and organizations, at any depth.
        var projects = options.projects
        var discovery = Part()
        var discovered: [String] = [], skipped: [String] = [], discoveryFailures: [String] = []
        if !options.parents.isEmpty {
            var queue = options.parents.map { ($0, 0) }
            var visited = Set<String>()
            while !queue.isEmpty {
                let (parent, depth) = queue.removeFirst()
                guard visited.insert(parent).inserted else { continue }
                guard depth < Self.maxFolderDepth, visited.count <= Self.maxFolders else {
                    discoveryFailures.append("\(parent): deeper than \(Self.maxFolderDepth) levels or more than \(Self.maxFolders) folders; not walked")
                    continue
                }
                let found = await list(.resourceManager, ["v3", "projects"], itemsKey: "projects", query: [("parent", parent)], pageSize: 1000,
                                       token: token, part: &discovery)
                if let f = found.failure { discoveryFailures.append("projects.list \(parent): \(f.reason)") }
                for p in found.items {
                    guard let id = p.value["projectId"]?.stringValue, id.range(of: GCPTargetOptions.projectPattern, options: .regularExpression) != nil else { continue }
                    let state = p.value["state"]?.stringValue ?? "STATE_UNSPECIFIED"
                    if state == "ACTIVE" { if !projects.contains(id) { projects.append(id); discovered.append(id) } } else { skipped.append("\(id) (\(state))") }
                }
                let folders = await list(.resourceManager, ["v3", "folders"], itemsKey: "folders", query: [("parent", parent)], pageSize: 1000,
                                         token: token, part: &discovery)
                if let f = folders.failure { discoveryFailures.append("folders.list \(parent): \(f.reason)") }
                for folder in folders.items {
                    guard let name = folder.value["name"]?.stringValue, name.range(of: #"^folders/[0-9]{1,20}$"#, options: .regularExpression) != nil,
                          (folder.value["state"]?.stringValue ?? "ACTIVE") == "ACTIVE" else { continue }
                    queue.append((name, depth + 1))
                }
            }
        }
        // Sharded (`collect --shard i/N`) with `parents:`: every shard walked the same tree; it collects the projects
        // it owns (the target's tenant still lists them all).
        var collected = projects
        if let scope = context.shard, !options.parents.isEmpty {
            collected = projects.filter { scope.owns(target: target.name, member: $0, kind: Self.collectorName, resourceTypes: suppliedTypes) }
        }
        let parts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, p) in collected.enumerated() { group.addTask { (i, await collectProject(p, token: token)) } }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var facts = discovery.facts
        var succeeded = discovery.succeeded
        var locations: [String] = []
        if !options.parents.isEmpty {
            // Projects below a parent that could not be walked are unknown: every type the target supplies is only partly covered.
            facts.coverage.append(SourceCoverage(source: "gcp-kms://\(target.name)/parents", collector: Self.collectorName,
                                                 status: discoveryFailures.isEmpty ? .complete : (discovery.succeeded == 0 ? .failed : .partial),
                                                 resourceTypes: discoveryFailures.isEmpty ? [.target] : suppliedTypes, found: ["target": 1],
                                                 detail: "\(discovered.count) project(s) found below \(options.parents.joined(separator: ", "))"
                                                     + (skipped.isEmpty ? "" : "; not active, not collected: \(skipped.joined(separator: ", "))")
                                                     + (discoveryFailures.isEmpty ? "" : "; not walked completely: \(discoveryFailures.prefix(3).joined(separator: "; "))")))
            for f in discoveryFailures {
                facts.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                                    message: "target \(target.name) (gcp-kms): \(f); projects there are unknown",
                                                    fix: "grant resourcemanager.folders.list and resourcemanager.projects.list (roles/browser) on the parent"))
            }
        }
        var firstFailure: String?
        for (project, part) in zip(collected, parts) {
            succeeded += part.succeeded
            for l in part.locations where !locations.contains(l) { locations.append(l) }
            facts.merge(part.facts)
            var inventory = part.inventory
            inventory.evidenceKind = "observed"
            let resources = GCPFacts.resources(from: inventory)
            facts.resources += resources
            facts.diagnostics += diagnostics(inventory.failures)
            firstFailure = firstFailure ?? inventory.failures.first.map { "\($0.call) \($0.scope): \($0.reason)" }
            // The project's KMS inventory: complete when every listing was read to its end.
            let kmsTypes: [ResourceType] = [.key, .keyPolicy, .keyStore, .auditTrail, .orgPolicy]
            var row = SourceCoverage(source: "gcp-kms://\(target.name)/projects/\(project)", collector: Self.collectorName,
                                     status: part.succeeded == 0 ? .failed : (part.listFailures.isEmpty ? .complete : .partial),
                                     resourceTypes: kmsTypes,
                                     inventoryTypes: part.listFailures.isEmpty && part.succeeded > 0 ? [.key, .keyPolicy, .keyStore] : [],
                                     found: Self.count(resources.filter { $0.type != .dataStore }),
                                     detail: part.listFailures.isEmpty ? nil : "\(part.listFailures.count) listing(s) could not be read completely: "
                                         + part.listFailures.prefix(3).joined(separator: "; "))
            if part.succeeded == 0 { row.detail = "no call about this project succeeded" + (firstFailure.map { ": \($0)" } ?? "") }
            facts.coverage.append(row)
            if options.dataStores {
                let failed = inventory.failures.first { $0.call == "assets.list" }
                let stores = resources.filter { $0.type == .dataStore }
                facts.coverage.append(SourceCoverage(source: "gcp-kms://\(target.name)/projects/\(project)/assets", collector: Self.collectorName,
                                                     status: failed == nil ? .complete : (stores.isEmpty ? .failed : .partial),
                                                     resourceTypes: [.dataStore], inventoryTypes: failed == nil ? [.dataStore] : [],
                                                     found: Self.count(stores), detail: failed.map { "the data stores could not be listed: \($0.reason)" }))
            }
        }
        let fields: [String: FactValue] = [
            "kind": .string("gcp-kms"),
            "endpoint": .string(options.kmsEndpoint.absoluteString),
            "region": .strings(locations.sorted()),
            "tenant": projects.count == 1 ? .string(projects[0]) : .strings(projects),
            "caller": .string(source.caller),
        ]
        facts.resources.append(Resource(type: .target, id: "gcp-kms:\(target.name)", name: target.name, fields: fields))
        facts.coverage.append(SourceCoverage(source: "gcp-kms://\(target.name)", collector: Self.collectorName, status: .complete,
                                             resourceTypes: [.target], found: ["target": 1]))
        if succeeded == 0 {
            facts.unreachableTargets.append(target.name)
            facts.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                                message: "target \(target.name) (gcp-kms) could not be reached: no API call succeeded (first failure: \(firstFailure ?? "none"))",
                                                fix: "check the endpoints, the network and that the credentials may read the projects (roles/cloudkms.viewer)"))
        }
        logger.debug("gcp-kms target collected", metadata: ["target": .string(target.name), "resources": .stringConvertible(facts.resources.count),
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
        out.coverage.append(SourceCoverage(source: "gcp-kms://\(target.name)", collector: collectorName, status: .failed,
                                           resourceTypes: suppliedTypes, detail: diagnostic.message))
        out.resources.append(Resource(type: .target, id: "gcp-kms:\(target.name)", name: target.name, fields: [
            "kind": .string("gcp-kms"), "caller": .unknown(reason: diagnostic.message), "tenant": .unknown(reason: diagnostic.message),
        ]))
        out.unreachableTargets = [target.name]
        return out
    }

    // MARK: - Token

    /// The bearer token: given, or exchanged at the token endpoint (RFC 7523 JWT bearer grant; RFC 6749 §6 refresh).
    /// The assertion and the token are registered with the scrubber before anything else sees them.
    func accessToken() async -> Result<String, GCPCredentialError> {
        let form: [(name: String, value: String)]
        let uri: String
        switch source {
        case .accessToken(let t, _): return .success(t)
        case .serviceAccount(let key, _):
            let assertion: String
            do { assertion = try key.assertion(audience: key.tokenURI, issuedAt: clock()) } catch {
                return .failure(error as? GCPCredentialError ?? GCPCredentialError("the token assertion could not be made"))
            }
            context.credentials.register(assertion)
            form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
            uri = options.tokenEndpoint?.absoluteString ?? key.tokenURI
        case let .authorizedUser(clientId, secret, refresh, tokenURI, _):
            form = [("grant_type", "refresh_token"), ("client_id", clientId), ("client_secret", secret), ("refresh_token", refresh)]
            uri = options.tokenEndpoint?.absoluteString ?? tokenURI
        }
        guard let u = URL(string: uri), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host?.isEmpty == false else {
            return .failure(GCPCredentialError("the token endpoint from \(source.origin) is not an http(s) URL", fix: "check token_uri in the credentials file, or set token_endpoint"))
        }
        let r = await http.send(.POST, url: uri, call: "POST token endpoint", body: Data(PercentEncoding.query(form).utf8),
                                contentType: "application/x-www-form-urlencoded", token: nil)
        guard let status = r.status else {
            return .failure(GCPCredentialError("the token endpoint gave no answer: \(r.failure ?? "unknown")", fix: "check the network and token_endpoint"))
        }
        let json = try? JSONValue.parse(r.body, source: "token endpoint")
        guard status == 200, let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            var reason = "HTTP \(status)"
            if let e = json?["error"]?.stringValue { reason += " \(e.prefix(64))" }
            if let d = json?["error_description"]?.stringValue { reason += ": \(d.prefix(300))" }
            return .failure(GCPCredentialError("the token endpoint refused the \(source.origin) credentials: \(reason)",
                                               fix: "check that the key or refresh token is current and not revoked"))
        }
        context.credentials.register(token)
        return .success(token)
    }

    // MARK: - HTTP helpers

    func base(_ s: Service) -> String {
        switch s {
        case .kms: return options.kmsEndpoint.absoluteString
        case .resourceManager: return options.resourceManagerEndpoint.absoluteString
        case .orgPolicy: return options.orgPolicyEndpoint.absoluteString
        case .asset: return options.assetEndpoint.absoluteString
        }
    }

    /// `v1/projects/p/…[:verb]`, every segment percent-encoded (RFC 3986; names come from the server).
    static func path(_ segments: [String], verb: String?) -> String {
        segments.map { PercentEncoding.encode($0) }.joined(separator: "/") + (verb.map { ":" + $0 } ?? "")
    }

    /// Segments of a resource name (`projects/p/locations/l` → `[projects, p, locations, l]`).
    static func segments(_ name: String) -> [String] {
        name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    func locator(_ s: Service, _ path: String, page: Int) -> String {
        "gcp-kms://\(target.name)/\(s.rawValue)/\(path)" + (page > 1 ? "?page=\(page)" : "")
    }

    /// Records an answer (or its failure) as an evidence item; returns its id.
    func record(_ r: GCPAPIResponse, locator: String, into facts: inout FactSet) -> String {
        var bytes = r.body
        if r.status == nil { bytes = Data("{\"transport_error\":\(JSONValue.quote(r.failure ?? "no answer"))}".utf8) }
        bytes = context.credentials.scrub(bytes)
        let item = EvidenceItem(collector: Self.collectorName, locator: locator, kind: "gcp-api-response", bytes: bytes, collectedAt: context.now)
        if facts.payloads[item.id] == nil { facts.addEvidence(item, bytes: bytes) }
        return item.id
    }

    /// One call (no pagination): the JSON object, the evidence id, or the failure.
    func call(_ method: HTTPMethod, _ s: Service, _ segments: [String], verb: String? = nil, query: [(name: String, value: String)] = [],
              body: String? = nil, token: String, part: inout Part) async -> Result<(json: JSONValue, evidence: String), GCPCallFailure> {
        let p = Self.path(segments, verb: verb)
        let url = base(s) + "/" + p + (query.isEmpty ? "" : "?" + PercentEncoding.query(query))
        let r = await http.send(method, url: url, call: "\(method.rawValue) \(s.rawValue)/\(p)", body: body.map { Data($0.utf8) }, token: token)
        let id = record(r, locator: locator(s, p, page: 1), into: &part.facts)
        switch r.outcome {
        case .success(let json):
            part.succeeded += 1
            return .success((json, id))
        case .failure(let f):
            return .failure(f)
        }
    }

    /// A paginated list (`pageToken` / `nextPageToken`, Google AIP-158): every item with its page's evidence and
    /// pointer (`cryptoKeys[3]`), or the failure that ended it (after the pages before it). A repeated page token ends
    /// the listing as a failure; the request budget bounds any other endless walk.
    func list(_ s: Service, _ segments: [String], itemsKey: String, query: [(name: String, value: String)] = [], pageSize: Int? = 1000,
              token: String, part: inout Part) async -> (items: [GCPInventory.Item], failure: GCPCallFailure?) {
        let p = Self.path(segments, verb: nil)
        var items: [GCPInventory.Item] = []
        var pageToken: String?
        var seen = Set<String>()
        var page = 1
        while true {
            var q = query
            if let pageSize { q.append(("pageSize", String(pageSize))) }
            if let pageToken { q.append(("pageToken", pageToken)) }
            let r = await http.send(.GET, url: base(s) + "/" + p + "?" + PercentEncoding.query(q), call: "GET \(s.rawValue)/\(p)", token: token)
            let id = record(r, locator: locator(s, p, page: page), into: &part.facts)
            let json: JSONValue
            switch r.outcome {
            case .success(let j): json = j
            case .failure(let f): return (items, f)
            }
            part.succeeded += 1
            if let v = json[itemsKey] {
                guard case .array(let list) = v else {
                    return (items, GCPCallFailure(status: r.status, reason: "the answer to GET \(s.rawValue)/\(p) has a \(itemsKey) that is not a list"))
                }
                for (i, x) in list.enumerated() { items.append(GCPInventory.Item(x, evidence: id, pointer: "\(itemsKey)[\(i)]")) }
            }
            guard let next = json["nextPageToken"]?.stringValue, !next.isEmpty else { return (items, nil) }
            guard next.utf8.count <= 8192, seen.insert(next).inserted else {
                return (items, GCPCallFailure(status: r.status, reason: "the server repeated a page token (or sent one longer than 8 KiB) in GET \(s.rawValue)/\(p); the listing was ended"))
            }
            pageToken = next
            page += 1
        }
    }

    // MARK: - Project

    func collectProject(_ project: String, token: String) async -> Part {
        var part = Part()
        let scope = "projects/\(project)"
        async let meta = collectProjectMetadata(project, token: token)
        async let stores = collectDataStores(project, token: token)
        var locations = options.locations ?? []
        if options.locations == nil {
            let listed = await list(.kms, ["v1", "projects", project, "locations"], itemsKey: "locations", pageSize: nil, token: token, part: &part)
            if let f = listed.failure { part.fail(scope, "locations.list", f, list: true) }
            for item in listed.items {
                guard let id = item.value["locationId"]?.stringValue ?? item.value["name"]?.stringValue.flatMap({ Self.segments($0).last }),
                      id.range(of: #"^[a-z][a-z0-9-]{0,62}$"#, options: .regularExpression) != nil else {
                    part.facts.diagnostics.append(Diagnostic(.warning, source: locator(.kms, "v1/projects/\(PercentEncoding.encode(project))/locations", page: 1),
                                                             message: "a listed location has no usable locationId; it was skipped"))
                    part.listFailures.append("locations.list \(scope): a location without a usable id")
                    continue
                }
                if !locations.contains(id) { locations.append(id) }
            }
        }
        part.locations = locations
        let locs = locations
        let locationParts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, l) in locs.enumerated() { group.addTask { (i, await collectLocation(project, l, token: token)) } }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for p in locationParts { part.merge(p) }
        part.merge(await meta)
        part.merge(await stores)
        return part
    }

    /// Ancestry, the project's IAM policy (audit configuration) and the effective CMEK organization policies.
    func collectProjectMetadata(_ project: String, token: String) async -> Part {
        var part = Part()
        let scope = "projects/\(project)"
        switch await call(.POST, .resourceManager, ["v1", "projects", project], verb: "getAncestry", body: "{}", token: token, part: &part) {
        case .success(let (json, _)):
            var chain: [String] = []
            for a in json["ancestor"]?.asList ?? [] {
                guard let type = a["resourceId"]?["type"]?.stringValue, let rid = a["resourceId"]?["id"]?.stringValue, !rid.isEmpty, !rid.contains("/") else { continue }
                switch type {
                case "folder": chain.append("folders/\(rid)")
                case "organization": chain.append("organizations/\(rid)")
                default: continue   // the project itself
                }
            }
            part.inventory.ancestry[project] = chain
        case .failure(let f):
            part.fail(scope, "projects.getAncestry", f, list: false)
        }
        switch await call(.POST, .resourceManager, ["v1", "projects", project], verb: "getIamPolicy",
                          body: #"{"options":{"requestedPolicyVersion":3}}"#, token: token, part: &part) {
        case .success(let (json, id)): part.inventory.iamPolicies[scope] = GCPInventory.Item(json, evidence: id)
        case .failure(let f): part.fail(scope, "projects.getIamPolicy", f, list: false)
        }
        for constraint in GCPFacts.cmekConstraints {
            let short = String(constraint.dropFirst("constraints/".count))
            switch await call(.GET, .orgPolicy, ["v2", "projects", project, "policies", short], verb: "getEffectivePolicy", token: token, part: &part) {
            case .success(let (json, id)): part.inventory.orgPolicies.append(GCPInventory.Item(json, evidence: id))
            case .failure(let f): part.fail("\(scope)/policies/\(short)", "policies.getEffectivePolicy", f, list: false)
            }
        }
        return part
    }

    /// Data stores through Cloud Asset Inventory (`v1/projects/P/assets?contentType=RESOURCE&assetTypes=…`).
    func collectDataStores(_ project: String, token: String) async -> Part {
        var part = Part()
        guard options.dataStores else { return part }
        let types = GCPFacts.dataStoreKinds.keys.sorted()
        let listed = await list(.asset, ["v1", "projects", project, "assets"], itemsKey: "assets",
                                query: [("contentType", "RESOURCE")] + types.map { ("assetTypes", $0) }, token: token, part: &part)
        if let f = listed.failure { part.fail("projects/\(project)", "assets.list", f, list: false) }
        for item in listed.items {
            guard let type = item.value["assetType"]?.stringValue, GCPFacts.dataStoreKinds[type] != nil,
                  let data = item.value["resource"]?["data"] else { continue }
            part.inventory.dataStores.append(GCPInventory.DataStoreItem(
                assetType: type, item: GCPInventory.Item(data, evidence: item.evidence, pointer: (item.pointer ?? "") + ".resource.data"),
                assetName: item.value["name"]?.stringValue))
        }
        return part
    }

    // MARK: - Location and key ring

    func collectLocation(_ project: String, _ location: String, token: String) async -> Part {
        var part = Part()
        let parent = "projects/\(project)/locations/\(location)"
        let rings = await list(.kms, Self.segments("v1/" + parent + "/keyRings"), itemsKey: "keyRings", token: token, part: &part)
        if let f = rings.failure { part.fail(parent, "keyRings.list", f, list: true) }
        var ringNames: [String] = []
        for item in rings.items {
            guard let text = item.value["name"]?.stringValue, let name = GCPResourceName(text), name.cryptoKey == nil,
                  name.project == project, name.location == location else {
                part.facts.diagnostics.append(Diagnostic(.warning, source: "gcp-kms://\(target.name)/\(parent)",
                                                         message: "a listed key ring is not named under \(parent); it was skipped"))
                continue
            }
            if ringNames.contains(name.keyRingName) { continue }
            ringNames.append(name.keyRingName)
            part.inventory.keyRings.append(item)
        }
        let ekm = await list(.kms, Self.segments("v1/" + parent + "/ekmConnections"), itemsKey: "ekmConnections", token: token, part: &part)
        if let f = ekm.failure { part.fail(parent, "ekmConnections.list", f, list: true) }
        part.inventory.ekmConnections += ekm.items
        let handles = await list(.kms, Self.segments("v1/" + parent + "/keyHandles"), itemsKey: "keyHandles", pageSize: nil, token: token, part: &part)
        if let f = handles.failure {
            // Autokey not enabled or not offered here (400 / 404 / FAILED_PRECONDITION) is no failure of anything else.
            if f.status == 400 || f.status == 404 || f.code == "FAILED_PRECONDITION" {
                part.facts.diagnostics.append(Diagnostic(.info, source: "gcp-kms://\(target.name)/\(parent)/keyHandles",
                                                         message: "Autokey key handles are not available in \(parent): \(f.reason)"))
            } else {
                part.fail(parent, "keyHandles.list", f, list: true)
            }
        }
        part.inventory.keyHandles += handles.items
        let names = ringNames
        let ringParts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, r) in names.enumerated() { group.addTask { (i, await collectKeyRing(r, token: token)) } }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for p in ringParts { part.merge(p) }
        return part
    }

    func collectKeyRing(_ ring: String, token: String) async -> Part {
        var part = Part()
        let keys = await list(.kms, Self.segments("v1/" + ring + "/cryptoKeys"), itemsKey: "cryptoKeys", token: token, part: &part)
        if let f = keys.failure { part.fail(ring, "cryptoKeys.list", f, list: true) }
        let jobs = await list(.kms, Self.segments("v1/" + ring + "/importJobs"), itemsKey: "importJobs", token: token, part: &part)
        if let f = jobs.failure { part.fail(ring, "importJobs.list", f, list: true) }
        part.inventory.importJobs += jobs.items
        switch await call(.GET, .kms, Self.segments("v1/" + ring), verb: "getIamPolicy",
                          query: [("options.requestedPolicyVersion", "3")], token: token, part: &part) {
        case .success(let (json, id)): part.inventory.iamPolicies[ring] = GCPInventory.Item(json, evidence: id)
        case .failure(let f): part.fail(ring, "keyRings.getIamPolicy", f, list: false)
        }
        var keyNames: [String] = []
        for item in keys.items {
            guard let text = item.value["name"]?.stringValue, let name = GCPResourceName(text), let key = name.keyName, name.version == nil,
                  name.keyRingName == ring else {
                part.facts.diagnostics.append(Diagnostic(.warning, source: "gcp-kms://\(target.name)/\(ring)",
                                                         message: "a listed crypto key is not named under \(ring); it was skipped"))
                continue
            }
            if keyNames.contains(key) { continue }
            keyNames.append(key)
            part.inventory.cryptoKeys.append(item)
        }
        let names = keyNames
        // The progress line counts keys per target and location.
        let progress = context.progress, targetName = target.name
        let location = GCPResourceName(ring)?.location ?? ring
        progress?.keysListed(names.count, target: targetName, region: location)
        let keyParts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, k) in names.enumerated() {
                group.addTask {
                    var p = Part()
                    switch await call(.GET, .kms, Self.segments("v1/" + k), verb: "getIamPolicy",
                                      query: [("options.requestedPolicyVersion", "3")], token: token, part: &p) {
                    case .success(let (json, id)): p.inventory.iamPolicies[k] = GCPInventory.Item(json, evidence: id)
                    case .failure(let f): p.fail(k, "cryptoKeys.getIamPolicy", f, list: false)
                    }
                    return (i, p)
                }
            }
            var out: [(Int, Part)] = []
            for await p in group {
                out.append(p)
                progress?.keyDone(target: targetName, region: location)
            }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for p in keyParts { part.merge(p) }
        return part
    }

    // MARK: - Diagnostics

    /// The permission each call needs (Cloud KMS, Resource Manager, Organization Policy, Cloud Asset IAM permissions).
    static let permissions: [String: String] = [
        "locations.list": "cloudkms.locations.list", "keyRings.list": "cloudkms.keyRings.list", "cryptoKeys.list": "cloudkms.cryptoKeys.list",
        "cryptoKeys.getIamPolicy": "cloudkms.cryptoKeys.getIamPolicy", "keyRings.getIamPolicy": "cloudkms.keyRings.getIamPolicy",
        "importJobs.list": "cloudkms.importJobs.list", "ekmConnections.list": "cloudkms.ekmConnections.list",
        "keyHandles.list": "cloudkms.keyHandles.list", "projects.getAncestry": "resourcemanager.projects.get",
        "projects.getIamPolicy": "resourcemanager.projects.getIamPolicy", "policies.getEffectivePolicy": "orgpolicy.policy.get",
        "assets.list": "cloudasset.assets.listResource",
    ]

    /// One diagnostic per failed call name: how many resources, the first few, the first reason and a fix.
    func diagnostics(_ failures: [GCPInventory.Failure]) -> [Diagnostic] {
        var byCall: [String: [GCPInventory.Failure]] = [:]
        for f in failures { byCall[f.call, default: []].append(f) }
        return byCall.keys.sorted().map { call in
            let list = byCall[call] ?? []
            let first = list[0]
            let listing = call.hasSuffix(".list")
            let names = list.prefix(3).map(\.scope).joined(separator: ", ") + (list.count > 3 ? " and \(list.count - 3) more" : "")
            let message = "\(call) failed for \(list.count) resource(s) (\(names)): \(first.reason)"
                + (listing ? "; the inventory is incomplete" : "; the facts it supplies are unknown")
            let fix: String
            if first.reason.hasPrefix("HTTP 403") || first.reason.hasPrefix("HTTP 401") {
                fix = "grant \(Self.permissions[call] ?? "the read permission") to \(source.caller) (see the README's least-privilege roles)"
            } else {
                fix = "retry later, or raise timeout_seconds / max_attempts / max_requests"
            }
            return Diagnostic(listing ? .error : .warning, source: "gcp-kms://\(target.name)/\(first.scope)", message: context.credentials.scrub(message), fix: fix)
        }
    }
}
