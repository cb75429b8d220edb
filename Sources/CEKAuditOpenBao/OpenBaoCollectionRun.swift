import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// One collection from one OpenBao / Vault target (the work behind ``OpenBaoTargetCollector``), read-only:
///
/// 1. `sys/health` (unauthenticated; no answer at all → the target is unreachable) and `sys/seal-status` → the seal
///    as a `key_store` (Shamir, HSM / PKCS#11, or auto-unseal through an upstream KMS: AG-10, CCM-4 evidence).
/// 2. `auth/token/lookup-self` → who collected (display name and policies only; the response holds the token and is
///    not kept).
/// 3. `sys/namespaces?list=true`, recursively from the target's namespace → the tenants, at most `max_namespace_depth`
///    levels down and `max_namespaces` in all; children with unusable names (control characters, dot-segments) are
///    not followed. What was cut off is a failed source, so the key inventory is incomplete.
/// 4. per namespace `sys/mounts` (or `sys/internal/ui/mounts`) → every transit mount; per mount
///    `<mount>/keys?list=true` (paginated with `after` / `limit`, the `import/` pseudo-entry of the wrapping-key
///    endpoint dropped) and `<mount>/keys/:name` → one `key` per listed key, observed.
/// 5. per namespace `sys/policies/acl` → the ACL policies, for ``NamespaceIsolationAnalyzer``.
/// 6. `sys/audit` → one `audit_trail` per audit device.
/// 7. optionally the isolation probe: another tenant's token reads every key outside its namespace and must get 403.
///
/// A call that fails makes exactly the facts it should have supplied unknown, with the endpoint and status in the
/// reason and a diagnostic; a listing that fails adds a failed coverage row so checks over that type are
/// inconclusive; a key whose read fails is kept with unknown facts. Every name from the server is a path segment of
/// its own (``OpenBaoPath``), never spliced into a URL or a header; the target's ``RequestBudget`` (`max_requests`)
/// ends any walk the server could stretch further.
struct OpenBaoCollectionRun {
    let name: String
    let options: OpenBaoTargetOptions
    let client: OpenBaoClient
    let token: (token: String?, origin: String)
    let probe: (token: String?, origin: String)?
    let context: CollectionContext
    let logger: Logger
    var evidence: OpenBaoEvidence
    private var facts = FactSet()
    private var targetFields: [String: FactValue] = [:]
    private var targetProvenance: [Provenance] = []
    private var targetObserved: [String: JSONValue]?

    /// How many keys are read at once.
    static let concurrency = 8
    /// Keys asked for per listing page.
    static let pageSize = 1000
    /// Listing pages read per mount.
    static let maxPages = 1000

    init(name: String, options: OpenBaoTargetOptions, client: OpenBaoClient, token: (token: String?, origin: String),
         probe: (token: String?, origin: String)?, context: CollectionContext, logger: Logger) {
        self.name = name
        self.options = options
        self.client = client
        self.token = token
        self.probe = probe
        self.context = context
        self.logger = logger
        self.evidence = OpenBaoEvidence(target: name, scrubber: client.scrubber, now: context.now)
    }

    var rootID: String { "openbao://\(name)" }

    // MARK: run

    mutating func run() async -> FactSet {
        targetFields = [
            "kind": .string("openbao"), "endpoint": .string(options.address.absoluteString), "region": .null,
            "tenant": .string(ACLPolicy.displayName(namespace: options.namespace)),
        ]
        let health = await client.get("sys/health", query: [
            URLQueryItem(name: "standbyok", value: "true"), URLQueryItem(name: "perfstandbyok", value: "true"),
            URLQueryItem(name: "sealedcode", value: "200"), URLQueryItem(name: "uninitcode", value: "200"),
        ], authenticated: false)
        targetProvenance.append(evidence.record(health, path: "sys/health", namespace: ""))
        guard health.status != nil else {
            unreachable(health.reason)
            return finish()
        }
        readHealth(health)
        await readSeal()
        guard token.token != nil else {
            let reason = "no token was found (\(token.origin))"
            diagnose(.error, "\(reason); only the unauthenticated health and seal status were read",
                     fix: "export BAO_TOKEN (or set token_env / token_file on the target)")
            failRows([.key, .auditTrail], reason: reason)
            targetFields["caller"] = .unknown(reason: reason)
            return finish()
        }
        await readCaller()
        let (namespaces, namespaceFailures) = await listNamespaces()
        targetFields["namespaces"] = .strings(namespaces.map { ACLPolicy.displayName(namespace: $0) })
        var keyFailures: [(String, String)] = namespaceFailures.map { ("\(evidence.locator(path: "sys/namespaces", namespace: $0.key, list: true))", $0.value) }
        var mounts: [(namespace: String, mount: String)] = []
        for ns in namespaces {
            switch await transitMounts(in: ns) {
            case .success(let listing):
                mounts += listing.mounts.map { (ns, $0) }
                // The UI mount list shows only what the token may see: read, but not an inventory.
                if listing.filtered {
                    keyFailures.append((evidence.locator(path: "sys/internal/ui/mounts", namespace: ns, list: false),
                                        "sys/mounts was refused; the mount list the token can see may leave mounts out"))
                }
                if !listing.unusable.isEmpty {
                    keyFailures.append((evidence.locator(path: "sys/mounts", namespace: ns, list: false),
                                        "\(listing.unusable.count) transit mount(s) with unusable paths were not read"))
                }
            case .failure(let f): keyFailures.append((f.locator, f.reason))
            }
        }
        targetFields["transit_mounts"] = .strings(mounts.map { ACLPolicy.normalize(namespace: $0.namespace) + $0.mount })
        var keys: [Resource] = []
        for m in mounts {
            switch await listKeys(namespace: m.namespace, mount: m.mount) {
            case .success(let names): keys += await readKeys(namespace: m.namespace, mount: m.mount, names: names)
            case .failure(let f): keyFailures.append((f.locator, f.reason))
            }
        }
        let policies = await readPolicies(namespaces: namespaces)
        // The ACL policies are observations: namespace isolation is analysed after the bundle, with the trusted
        // namespaces in force (``OpenBaoNamespaceIsolationAnalysis``).
        targetObserved = OpenBaoNamespaceIsolationAnalysis.observation(policies: policies.read, unreadable: policies.unreadable,
                                                                       trustedNamespaces: options.trustedNamespaces)
        let probeResults = await runProbe(keys: keys)
        for i in keys.indices { keys[i].fields["isolation.probe"] = probeResults[keys[i].id] ?? .null }
        facts.resources += keys
        var found: [String: Int] = [ResourceType.key.rawValue: keys.count]
        found[ResourceType.keyPolicy.rawValue] = 0
        found[ResourceType.grant.rawValue] = 0
        // OpenBao has no key policies or grants: tenant isolation is judged per key from the ACL policies, so a
        // successful listing also says "there are none" for those types.
        facts.coverage.append(SourceCoverage(source: "\(rootID) (transit keys)", collector: "openbao",
                                             status: keyFailures.isEmpty ? .complete : .partial,
                                             resourceTypes: [.key, .keyPolicy, .grant], inventoryTypes: keyFailures.isEmpty ? [.key] : [],
                                             found: found, detail: keyFailures.isEmpty ? nil : "\(keyFailures.count) listing(s) failed"))
        for (locator, reason) in keyFailures {
            facts.coverage.append(SourceCoverage(source: locator, collector: "openbao", status: .failed, resourceTypes: [.key], detail: reason))
        }
        await readAuditDevices()
        return finish()
    }

    private mutating func finish() -> FactSet {
        facts.resources.append(Resource(type: .target, id: rootID, name: name, fields: targetFields, provenance: targetProvenance,
                                        observed: targetObserved))
        facts.coverage.append(SourceCoverage(source: rootID, collector: "openbao", status: .complete, resourceTypes: [.target],
                                             inventoryTypes: [], found: [ResourceType.target.rawValue: 1]))
        facts.evidence += evidence.items
        facts.payloads.merge(evidence.payloads) { a, _ in a }
        return facts
    }

    // MARK: steps

    private mutating func unreachable(_ reason: String) {
        facts.unreachableTargets.append(name)
        diagnose(.error, "cannot reach \(options.address.absoluteString): \(reason)",
                 fix: "check the address, that the server is running and, for https, the CA (ca_file)")
        for (k, v) in ["version", "sealed", "initialized", "caller", "namespaces", "transit_mounts"] .map({ ($0, FactValue.unknown(reason: "the target is unreachable: \(reason)")) }) {
            targetFields[k] = v
        }
        failRows([.key, .auditTrail, .keyStore], reason: "the target is unreachable: \(reason)")
    }

    private mutating func readHealth(_ r: OpenBaoAPIResponse) {
        guard r.ok, let j = r.json else {
            for k in ["version", "sealed", "initialized"] { targetFields[k] = .unknown(reason: r.reason) }
            diagnose(.warning, "health status unreadable: \(r.reason)")
            return
        }
        targetFields["version"] = j["version"]?.stringValue.map(FactValue.string) ?? .unknown(reason: "\(r.endpoint) did not return version")
        targetFields["sealed"] = j["sealed"]?.boolValue.map(FactValue.bool) ?? .unknown(reason: "\(r.endpoint) did not return sealed")
        targetFields["initialized"] = j["initialized"]?.boolValue.map(FactValue.bool) ?? .unknown(reason: "\(r.endpoint) did not return initialized")
    }

    /// `sys/seal-status` → the seal as the server's upstream key store.
    private mutating func readSeal() async {
        let r = await client.get("sys/seal-status", authenticated: false)
        let p = evidence.record(r, path: "sys/seal-status", namespace: "")
        var f: [String: FactValue] = ["kind": .string("openbao-seal"), "name": .string("\(name) seal"), "hsm_cluster": .null,
                                      "proxy_endpoint": .null]
        if r.ok, let j = r.json, let type = j["type"]?.stringValue {
            let sealed = j["sealed"]?.boolValue
            let klass = OpenBaoCollectionRun.sealClass(type)
            f["seal_type"] = .string(type)
            f["seal_class"] = .string(klass)
            f["sealed"] = sealed.map(FactValue.bool) ?? .unknown(reason: "\(r.endpoint) did not return sealed")
            // A Shamir seal has no upstream to be connected to. An HSM or auto-unseal seal is in use while the server
            // is unsealed (its keyring was decrypted through it); a sealed server cannot use its keys.
            if klass == "shamir" {
                f["connection_state"] = .null
            } else {
                f["connection_state"] = sealed.map { .string($0 ? "SEALED" : "CONNECTED") } ?? .unknown(reason: "\(r.endpoint) did not return sealed")
            }
            facts.coverage.append(SourceCoverage(source: "\(rootID) (seal)", collector: "openbao", status: .complete, resourceTypes: [.keyStore],
                                                 inventoryTypes: [.keyStore], found: [ResourceType.keyStore.rawValue: 1]))
        } else {
            for k in ["seal_type", "seal_class", "sealed", "connection_state"] { f[k] = .unknown(reason: r.reason) }
            diagnose(.warning, "seal status unreadable: \(r.reason)")
            facts.coverage.append(SourceCoverage(source: "\(rootID) (seal)", collector: "openbao", status: .partial, resourceTypes: [.keyStore],
                                                 found: [ResourceType.keyStore.rawValue: 1], detail: r.reason))
        }
        facts.resources.append(Resource(type: .keyStore, id: "\(rootID)#seal", name: "\(name) seal", fields: f, provenance: [p]))
    }

    /// `shamir`, `hsm` (PKCS#11, KMIP) or `auto-unseal` (a cloud KMS, another server's transit …).
    static func sealClass(_ type: String) -> String {
        switch type.lowercased() {
        case "shamir": return "shamir"
        case "pkcs11", "kmip", "hsm": return "hsm"
        default: return "auto-unseal"
        }
    }

    private mutating func readCaller() async {
        let r = await client.get("auth/token/lookup-self", namespace: options.namespace)
        guard r.ok, let d = r.data else {
            targetFields["caller"] = .unknown(reason: r.reason)
            if r.status == 403 || r.status == 401 {
                diagnose(.error, "the token from \(token.origin) was refused: \(r.reason)", fix: "use a valid token for namespace \(ACLPolicy.displayName(namespace: options.namespace))")
            }
            return
        }
        // Keep only who the caller is: the response also holds the token itself and its accessor.
        let display = d["display_name"]?.stringValue ?? "unknown"
        let policies = (d["policies"]?.asList ?? []).compactMap(\.stringValue).sorted()
        targetFields["caller"] = .string("\(display) (policies: \(policies.joined(separator: ", ")))")
        let reduced = JSONValue.object(["display_name": .string(display), "policies": .array(policies.map(JSONValue.string))]).compactText
        targetProvenance.append(evidence.record(bytes: Data(reduced.utf8),
                                                locator: evidence.locator(path: "auth/token/lookup-self", namespace: options.namespace, list: false)))
    }

    /// Every namespace from the target's namespace down, breadth first, at most `max_namespace_depth` levels below it
    /// and `max_namespaces` in all; and per namespace, why what lies below it is not known (its listing failed, a limit
    /// cut it off, or child names were unusable).
    private mutating func listNamespaces() async -> ([String], [String: String]) {
        let start = options.namespace
        var all = [start]
        var known: Set<String> = [start]
        var failures: [String: String] = [:]
        var queue: [(namespace: String, depth: Int)] = [(start, 0)]
        var next = 0
        while next < queue.count {
            let (ns, depth) = queue[next]
            next += 1
            let r = await client.get("sys/namespaces", namespace: ns, list: true)
            _ = evidence.record(r, path: "sys/namespaces", namespace: ns, list: true)
            if r.status == 404 { continue }   // no child namespaces (or a server without namespaces)
            guard r.ok, let d = r.data else {
                failures[ns] = r.reason
                diagnose(.warning, "child namespaces of \(ACLPolicy.displayName(namespace: ns)) unknown: \(r.reason)")
                continue
            }
            guard case .array(let children)? = d["keys"] else {
                failures[ns] = "the answer has no keys list"
                diagnose(.warning, "child namespaces of \(ACLPolicy.displayName(namespace: ns)) unknown: the answer has no keys list")
                continue
            }
            var unusable = 0, tooDeep = 0, tooMany = 0
            for child in children.compactMap(\.stringValue).sorted() {
                // A listed child is one path segment followed by `/`.
                let name = child.hasSuffix("/") ? String(child.dropLast()) : child
                if let why = OpenBaoPath.unusableReason(name) ?? (name.contains("/") ? "the name holds a '/'" : nil) {
                    unusable += 1
                    diagnose(.warning, "child namespace \(JSONValue.quote(child)) of \(ACLPolicy.displayName(namespace: ns)) was not read: \(why)",
                             fix: "rename the namespace; a name that cannot be sent as it is would be read as another namespace")
                    continue
                }
                let full = ns + name + "/"
                guard known.insert(full).inserted else { continue }
                if depth >= options.maxNamespaceDepth { tooDeep += 1; continue }
                if all.count >= options.maxNamespaces { tooMany += 1; continue }
                all.append(full)
                queue.append((full, depth + 1))
            }
            var cut: [String] = []
            if unusable > 0 { cut.append("\(unusable) child namespace(s) with unusable names were not read") }
            if tooDeep > 0 { cut.append("\(tooDeep) child namespace(s) deeper than max_namespace_depth (\(options.maxNamespaceDepth)) were not read") }
            if tooMany > 0 { cut.append("\(tooMany) child namespace(s) beyond max_namespaces (\(options.maxNamespaces)) were not read") }
            if !cut.isEmpty {
                failures[ns] = cut.joined(separator: "; ")
                if tooDeep + tooMany > 0 {
                    diagnose(.warning, "namespaces below \(ACLPolicy.displayName(namespace: ns)) were cut off: \(failures[ns] ?? "")",
                             fix: "raise max_namespace_depth or max_namespaces on the target if the server really has that many")
                }
            }
        }
        return (all, failures)
    }

    struct ListingFailure: Error {
        var locator: String
        var reason: String
    }

    /// The transit mounts of one namespace.
    struct MountListing {
        /// Mount paths as listed (`transit/`, `team/transit/`).
        var mounts: [String]
        /// Whether they come from the token-filtered UI list.
        var filtered: Bool
        /// Transit mounts whose paths cannot be requested (control characters, dot-segments), not read.
        var unusable: [String]
    }

    /// Transit mounts of a namespace (`sys/mounts`, or `sys/internal/ui/mounts` for tokens without read on it).
    private mutating func transitMounts(in ns: String) async -> Result<MountListing, ListingFailure> {
        let r = await client.get("sys/mounts", namespace: ns)
        _ = evidence.record(r, path: "sys/mounts", namespace: ns)
        var table = r.ok ? r.data?.objectValue : nil
        var filtered = false
        var reason = r.ok ? "\(r.endpoint) answered without a mount table" : r.reason
        if !r.ok {
            let ui = await client.get("sys/internal/ui/mounts", namespace: ns)
            _ = evidence.record(ui, path: "sys/internal/ui/mounts", namespace: ns)
            if ui.ok {
                table = ui.data?["secret"]?.objectValue
                filtered = true
                if table == nil { reason += "; \(ui.endpoint) answered without a secret mount table" }
            }
        }
        guard let mounts = table else {
            diagnose(.warning, "transit mounts of namespace \(ACLPolicy.displayName(namespace: ns)) unknown: \(reason)")
            return .failure(ListingFailure(locator: evidence.locator(path: "sys/mounts", namespace: ns, list: false), reason: reason))
        }
        var listing = MountListing(mounts: [], filtered: filtered, unusable: [])
        for path in mounts.filter({ $0.value["type"]?.stringValue == "transit" }).keys.sorted() {
            let segments = OpenBaoPath.mount(path).segments
            if let why = segments.isEmpty ? "the path is empty" : segments.lazy.compactMap(OpenBaoPath.unusableReason).first {
                listing.unusable.append(path)
                diagnose(.warning, "transit mount \(JSONValue.quote(path)) in namespace \(ACLPolicy.displayName(namespace: ns)) was not read: \(why)")
                continue
            }
            listing.mounts.append(segments.joined(separator: "/") + "/")
        }
        return .success(listing)
    }

    /// Key names of a transit mount, paginated; names ending in `/` (the `import/` entry the wrapping-key endpoint
    /// leaves) are not keys.
    private mutating func listKeys(namespace ns: String, mount: String) async -> Result<[String], ListingFailure> {
        var names: [String] = []
        var seen: Set<String> = []
        var after: String?
        let path = OpenBaoPath.mount(mount) + "keys"
        for page in 0..<OpenBaoCollectionRun.maxPages {
            var query = [URLQueryItem(name: "limit", value: String(OpenBaoCollectionRun.pageSize))]
            if let after { query.append(URLQueryItem(name: "after", value: after)) }
            let r = await client.get(path, namespace: ns, list: true, query: query)
            _ = evidence.record(r, path: path, namespace: ns, list: true, tag: page == 0 ? nil : "page=\(page + 1)")
            // 404 with `{"errors":[]}`: no keys (an empty mount, or nothing after the previous page's last name when a
            // mount holds a multiple of the page size) — the listing is complete. Any other 404 (a mount gone, a proxy
            // with a wrong path prefix: "no handler for route", an HTML page) is a failed listing, never "no keys".
            if r.status == 404, case .array(let errors)? = r.json?["errors"], errors.isEmpty { return .success(names.sorted()) }
            guard r.ok, let d = r.data else {
                diagnose(.warning, "keys of \(ns)\(mount) unknown: \(r.reason)")
                return .failure(ListingFailure(locator: evidence.locator(path: path, namespace: ns, list: true), reason: r.reason))
            }
            // A listing answer without its `keys` list is not an empty mount.
            guard case .array(let entries)? = d["keys"] else {
                diagnose(.warning, "keys of \(ns)\(mount) unknown: the answer has no keys list")
                return .failure(ListingFailure(locator: evidence.locator(path: path, namespace: ns, list: true), reason: "the answer has no keys list"))
            }
            let page = entries.compactMap(\.stringValue)
            let fresh = page.filter { !seen.contains($0) }
            for n in fresh { seen.insert(n) }
            names += fresh.filter { !$0.hasSuffix("/") }
            // Servers that ignore `limit` return everything at once; a page with nothing new ends the loop too.
            guard page.count >= OpenBaoCollectionRun.pageSize, !fresh.isEmpty, let last = page.last else { return .success(names.sorted()) }
            after = last
        }
        let reason = "the listing did not end within \(OpenBaoCollectionRun.maxPages) pages"
        diagnose(.warning, "keys of \(ns)\(mount) cut off: \(reason)")
        return .failure(ListingFailure(locator: evidence.locator(path: path, namespace: ns, list: true), reason: reason))
    }

    /// Reads every listed key, a few at a time; a failed read keeps the key with unknown facts, and so does a name
    /// that cannot be requested as it is (control characters, a `/`, a dot-segment).
    private mutating func readKeys(namespace ns: String, mount: String, names: [String]) async -> [Resource] {
        let client = self.client
        let mountPath = OpenBaoPath.mount(mount)
        var responses: [String: OpenBaoAPIResponse] = [:]
        var unusable: [String: String] = [:]
        for n in names {
            if let why = OpenBaoPath.unusableReason(n) ?? (n.contains("/") ? "the name holds a '/'" : nil) { unusable[n] = why }
        }
        let readable = names.filter { unusable[$0] == nil }
        // The progress line counts transit keys per target and mount (the mount stands where a cloud's region does).
        let progress = context.progress, where_ = ACLPolicy.normalize(namespace: ns) + mount
        progress?.keysListed(readable.count, target: name, region: where_)
        // A sliding window of `concurrency` reads: the next key is asked as soon as one answers (batches of 8 that
        // each waited for their slowest answer left connections idle).
        await withTaskGroup(of: (String, OpenBaoAPIResponse).self) { group in
            var next = 0
            while next < min(OpenBaoCollectionRun.concurrency, readable.count) {
                let n = readable[next]
                next += 1
                group.addTask { (n, await client.get(mountPath + OpenBaoPath(["keys", n]), namespace: ns)) }
            }
            while let (n, r) = await group.next() {
                responses[n] = r
                progress?.keyDone(target: name, region: where_)
                if next < readable.count {
                    let m = readable[next]
                    next += 1
                    group.addTask { (m, await client.get(mountPath + OpenBaoPath(["keys", m]), namespace: ns)) }
                }
            }
        }
        var out: [Resource] = []
        for n in names {
            let keyPath = TransitKeyFacts.path(namespace: ns, mount: mount, name: n)
            var f = TransitKeyFacts.base(namespace: ns, mount: mount, name: n)
            var observed: [String: JSONValue]?
            var provenance: [Provenance] = []
            if let why = unusable[n] {
                let reason = "key \(JSONValue.quote(n)) was not read: \(why)"
                f.merge(TransitKeyFacts.unknown(reason)) { _, new in new }
                diagnose(.warning, "key \(JSONValue.quote(keyPath)) unreadable: \(why)")
            } else if let r = responses[n] {
                provenance.append(evidence.record(r, path: mountPath + OpenBaoPath(["keys", n]), namespace: ns, pointer: "data"))
                if r.ok, let d = r.data {
                    f.merge(TransitKeyFacts.fields(from: d, endpoint: r.endpoint)) { _, new in new }
                    observed = [OpenBaoKeyAnalysis.allowRotationKey: d["imported_key_allow_rotation"] ?? .null]
                } else {
                    f.merge(TransitKeyFacts.unknown(r.reason)) { _, new in new }
                    diagnose(.warning, "key \(keyPath) unreadable: \(r.reason)")
                }
            } else {
                continue
            }
            out.append(Resource(type: .key, id: "\(rootID)/\(keyPath)", name: keyPath, fields: f, provenance: provenance, observed: observed))
        }
        return out
    }

    /// ACL policies of every namespace; namespaces whose policies could not all be read (and, when the target starts
    /// below the root, the namespaces above it) are reported as unreadable to the analysis.
    private mutating func readPolicies(namespaces: [String]) async -> (read: [ACLPolicy], unreadable: [String: String]) {
        var read: [ACLPolicy] = []
        var unreadable: [String: String] = [:]
        var above = options.namespace
        while !above.isEmpty {
            var parts = above.split(separator: "/").map(String.init)
            parts.removeLast()
            above = parts.isEmpty ? "" : parts.joined(separator: "/") + "/"
            unreadable[above] = "the target starts at namespace \(ACLPolicy.displayName(namespace: options.namespace)), so policies above it were not collected"
        }
        for ns in namespaces {
            let list = await client.get("sys/policies/acl", namespace: ns, list: true)
            _ = evidence.record(list, path: "sys/policies/acl", namespace: ns, list: true)
            // Every namespace has at least the `default` policy: an error, a 404 included, leaves its policies unknown.
            guard list.ok, let d = list.data, case .array? = d["keys"] else {
                unreadable[ns] = list.ok ? "the answer has no keys list" : list.reason
                diagnose(.warning, "ACL policies of namespace \(ACLPolicy.displayName(namespace: ns)) unknown: \(list.reason)")
                continue
            }
            for policyName in (d["keys"]?.asList ?? []).compactMap(\.stringValue).sorted() {
                if ns.isEmpty && policyName == "root" { continue }
                if let why = OpenBaoPath.unusableReason(policyName) ?? (policyName.contains("/") ? "the name holds a '/'" : nil) {
                    unreadable[ns] = "policy \(JSONValue.quote(policyName)) was not read: \(why)"
                    diagnose(.warning, "ACL policy \(JSONValue.quote(policyName)) in namespace \(ACLPolicy.displayName(namespace: ns)) unreadable: \(why)")
                    continue
                }
                let path = OpenBaoPath(["sys", "policies", "acl", policyName])
                let r = await client.get(path, namespace: ns)
                _ = evidence.record(r, path: path, namespace: ns, pointer: "data.policy")
                guard r.ok, let text = r.data?["policy"]?.stringValue else {
                    unreadable[ns] = "policy \(policyName): \(r.reason)"
                    diagnose(.warning, "ACL policy \(policyName) in namespace \(ACLPolicy.displayName(namespace: ns)) unreadable: \(r.reason)")
                    continue
                }
                do {
                    read.append(ACLPolicy(name: policyName, namespace: ns, rules: try ACLPolicyParser.parse(text)))
                } catch {
                    unreadable[ns] = "policy \(policyName) could not be parsed (\(error))"
                    diagnose(.warning, "ACL policy \(policyName) in namespace \(ACLPolicy.displayName(namespace: ns)) could not be parsed: \(error)")
                }
            }
        }
        return (read, unreadable)
    }

    /// Probe outcome per key id: `denied`, `allowed`, or unknown with the reason.
    private mutating func runProbe(keys: [Resource]) async -> [String: FactValue] {
        guard let probe, let probeNamespace = options.probeNamespace else { return [:] }
        var out: [String: FactValue] = [:]
        let outside = keys.filter { k in
            guard case .string(let t) = k.value("tenant") else { return false }
            return !ACLPolicy.normalize(namespace: t).hasPrefix(probeNamespace)
        }
        guard let probeToken = probe.token else {
            let reason = "the probe token was not found (\(probe.origin))"
            diagnose(.error, reason, fix: "export the variable named by probe_token_env, or fix probe_token_file")
            for k in outside { out[k.id] = .unknown(reason: reason) }
            return out
        }
        let probeClient = client.with(token: probeToken)
        // A 403 only shows isolation if the token itself is valid: check it in its own namespace first.
        let me = await probeClient.get("auth/token/lookup-self", namespace: probeNamespace)
        guard me.ok else {
            let reason = "the probe token is not valid in namespace \(ACLPolicy.displayName(namespace: probeNamespace)) (\(me.reason))"
            diagnose(.error, reason, fix: "give a current token of that tenant")
            for k in outside { out[k.id] = .unknown(reason: reason) }
            return out
        }
        _ = evidence.record(bytes: Data("{\"probe_token_valid\":true}".utf8),
                            locator: evidence.locator(path: "auth/token/lookup-self", namespace: probeNamespace, list: false, tag: "probe"))
        for k in outside {
            guard case .string(let mount) = k.value("mount"), case .string(let keyName) = k.value("key_id"),
                  case .string(let tenant) = k.value("tenant") else { continue }
            guard OpenBaoPath.unusableReason(keyName) == nil, !keyName.contains("/") else {
                out[k.id] = .unknown(reason: "probe: the key name cannot be requested as it is")
                continue
            }
            let path = OpenBaoPath.mount(mount) + OpenBaoPath(["keys", keyName])
            let ns = ACLPolicy.normalize(namespace: tenant)
            let r = await probeClient.get(path, namespace: ns)
            _ = evidence.record(r, path: path, namespace: ns, tag: "probe")
            switch r.status {
            case 403?: out[k.id] = .string("denied")
            case let s? where (200..<300).contains(s): out[k.id] = .string("allowed")
            default: out[k.id] = .unknown(reason: "probe: \(r.reason)")
            }
        }
        return out
    }

    /// `sys/audit` → one `audit_trail` per audit device (OpenBao API docs, "/sys/audit").
    private mutating func readAuditDevices() async {
        let r = await client.get("sys/audit")
        let p = evidence.record(r, path: "sys/audit", namespace: "")
        let source = "\(rootID) (audit devices)"
        guard r.ok, let table = r.data?.objectValue else {
            diagnose(.warning, "audit devices unknown: \(r.reason)", fix: "the token needs read (sudo) on sys/audit in the root namespace")
            facts.coverage.append(SourceCoverage(source: source, collector: "openbao", status: .failed, resourceTypes: [.auditTrail], detail: r.reason))
            return
        }
        var count = 0
        for (path, device) in table.sorted(by: { $0.key < $1.key }) {
            guard let type = device["type"]?.stringValue else { continue }
            count += 1
            let options = device["options"]?.objectValue ?? [:]
            var f: [String: FactValue] = [
                "kind": .string("openbao-audit-device"), "name": .string(path), "account": .null, "tenant": .string("root"),
                "evidence_kind": .string("observed"), "device_type": .string(type),
                "file_path": options["file_path"]?.stringValue.map(FactValue.string) ?? .null,
                // Listed devices are enabled; a device that cannot write blocks requests rather than dropping entries.
                "logging": .bool(true),
                "multi_region": .null,
                "encrypted_with_cmk": .unknown(reason: "OpenBao audit devices do not encrypt the log; it depends on where the log is stored"),
            ]
            if options["filter"] != nil {
                f["kms_events_included"] = .unknown(reason: "audit device \(path) has a filter; whether transit requests pass it is not evaluated")
            } else {
                f["kms_events_included"] = .bool(true)
            }
            f["integrity_validation"] = type == "file"
                ? .bool(false)
                : .unknown(reason: "a \(type) audit device forwards entries; their integrity depends on the receiving log store")
            facts.resources.append(Resource(type: .auditTrail, id: "\(rootID)/sys/audit/\(path)", name: "\(name) \(path)", fields: f,
                                            provenance: [Provenance(evidence: p.evidence, pointer: "data.\(path)")]))
        }
        facts.coverage.append(SourceCoverage(source: source, collector: "openbao", status: .complete, resourceTypes: [.auditTrail],
                                             inventoryTypes: [.auditTrail], found: [ResourceType.auditTrail.rawValue: count]))
    }

    // MARK: helpers

    private mutating func failRows(_ types: [ResourceType], reason: String) {
        for t in types {
            facts.coverage.append(SourceCoverage(source: "\(rootID) (\(t.displayName))", collector: "openbao", status: .failed,
                                                 resourceTypes: t == .key ? [.key, .keyPolicy, .grant] : [t], detail: reason))
        }
    }

    private mutating func diagnose(_ severity: Diagnostic.Severity, _ message: String, fix: String? = nil) {
        facts.diagnostics.append(Diagnostic(severity, source: "target \(name) (openbao)", message: message, fix: fix))
        logger.debug("openbao", metadata: ["target": .string(name), "message": .string(message)])
    }
}
