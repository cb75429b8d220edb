import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// One run of ``AWSKMSCollector`` against one target: credentials, identity, regions, keys, trails, and the
/// assembly of evidence, resources, coverage and diagnostics.
struct AWSKMSCollection: Sendable {
    let target: AssessmentFile.Target
    let options: AWSTargetOptions
    let context: CollectionContext
    let logger: Logger
    let environment: [String: String]
    let transport: any AWSTransport
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let suppliedTypes: [ResourceType]
    /// Requests this target may still send (`max_requests`), shared by every region and key.
    let budget: RequestBudget
    /// The credentials to use instead of those the options name (a member account of an organization target).
    var credentialPlan: AWSCredentialPlan? = nil

    static let collectorName = "aws-kms"

    /// Credentials and plumbing shared by every call of the run.
    struct Session: Sendable {
        var credentials: AWSCredentials
        var limiter: RequestLimiter
        var endpoints: AWSEndpoints
        /// Account label for locators: the caller's account, else the target's `account:`, else its name.
        var label: String
        /// Where the bytes of the answers go as they arrive (``FactSet/addEvidence(_:bytes:spillingTo:)``); `nil`
        /// keeps them in memory.
        var spill: PayloadSpillFile? = nil
    }

    /// What one region (or one step) contributed.
    struct Part: Sendable {
        var facts = FactSet()
        var failures = AWSFailureDiagnostics()
        var succeeded = 0
        var trails: [(trail: JSONValue, region: String, listing: Provenance)] = []
    }

    // MARK: run

    func run() async -> FactSet {
        let resolver = AWSCredentialResolver(environment: environment)
        let plan: AWSCredentialPlan
        let profileRegion: String?
        do {
            if let credentialPlan { (plan, profileRegion) = (credentialPlan, nil) } else {
                (plan, profileRegion) = try resolver.resolve(profile: options.profile, roleArn: options.roleArn, externalId: options.externalId)
            }
        } catch {
            let message = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
            return Self.unusable(target, suppliedTypes: suppliedTypes,
                                 diagnostic: Diagnostic(.error, source: target.file, line: target.line, message: "target \(target.name) (aws-kms): \(message)"))
        }
        let envRegion = environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 }
        let homeRegion = options.regions?.first ?? profileRegion ?? envRegion
        guard let homeRegion = homeRegion ?? (options.allRegions ? "us-east-1" : nil) else {
            return Self.unusable(target, suppliedTypes: suppliedTypes,
                                 diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                        message: "target \(target.name) (aws-kms): no region is configured",
                                                        fix: "add regions: [us-east-1, …] (or regions: all) to the target, or set AWS_REGION"))
        }
        let endpoints = AWSEndpoints(override: options.endpoint, environment: environment)
        let limiter = RequestLimiter(limit: options.concurrency)
        var total = Part()
        // The answers' bytes go to a scratch file as they arrive (issue 16: 60,000 answers at 10,000 keys); without
        // one they stay in memory, and the run says so.
        var spill: PayloadSpillFile?
        do { spill = try PayloadSpillFile() } catch {
            total.facts.diagnostics.append(Diagnostic(.warning, source: target.file, line: target.line,
                                                      message: "target \(target.name) (aws-kms): \((error as? any LocalizedError)?.errorDescription ?? "\(error)"); the evidence bytes are kept in memory instead",
                                                      fix: "set TMPDIR to a writable folder with room"))
        }

        // Credentials (assume a role when asked), then the identity that collects the evidence. Every credential is
        // registered with the run's scrubber first, so no answer, message or report can carry it.
        for secret in plan.secrets { context.credentials.register(secret) }
        let credentials: AWSCredentials
        switch await materialize(plan, region: homeRegion, endpoints: endpoints, limiter: limiter) {
        case .success(let c): credentials = c
        case .failure(let f):
            return Self.unusable(target, suppliedTypes: suppliedTypes,
                                 diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                        message: "target \(target.name) (aws-kms): could not assume the role: \(f)",
                                                        fix: AWSFailureDiagnostics.fix(for: f)))
        }
        var session = Session(credentials: credentials, limiter: limiter, endpoints: endpoints,
                              label: options.account ?? target.name, spill: spill)
        let sts = STSClient(client: client("sts", homeRegion, .query(version: STSClient.version), session))
        var identity: STSClient.CallerIdentity?
        var identityFailure: AWSCallFailure?
        var identityEvidence: AWSEvidence?
        switch await sts.callerIdentity() {
        case .success(let (id, response)):
            identity = id
            session.label = id.account
            identityEvidence = evidence(response, locator: locator(session, homeRegion, "sts/GetCallerIdentity"), pointer: "GetCallerIdentityResult")
            total.succeeded += 1
        case .failure(let f):
            identityFailure = f
            total.failures.record(f, source: locator(session, homeRegion, "sts/GetCallerIdentity"))
        }
        if let expected = options.account, let actual = identity?.account, expected != actual {
            return Self.unusable(target, suppliedTypes: suppliedTypes,
                                 diagnostic: Diagnostic(.error, source: target.file, line: target.line,
                                                        message: "target \(target.name) (aws-kms): the credentials belong to account \(actual), not \(expected); nothing was collected",
                                                        fix: "use credentials of account \(expected), or correct `account:`"))
        }

        // Regions.
        var regions = options.regions ?? [homeRegion]
        if options.allRegions {
            let ec2 = EC2RegionsClient(client: client("ec2", homeRegion, .query(version: EC2RegionsClient.version), session))
            switch await ec2.enabledRegions() {
            case .success(let (list, response)):
                regions = list
                total.succeeded += 1
                let ev = evidence(response, locator: locator(session, homeRegion, "ec2/DescribeRegions"), pointer: "regionInfo")
                total.facts.addEvidence(ev.item, bytes: ev.bytes, spillingTo: spill)
            case .failure(let f):
                regions = [homeRegion]
                let source = locator(session, homeRegion, "ec2/DescribeRegions")
                total.failures.record(f, source: source)
                total.facts.coverage.append(SourceCoverage(source: source, collector: Self.collectorName, status: .failed,
                                                           resourceTypes: [.key, .keyPolicy, .grant, .keyStore, .auditTrail],
                                                           detail: "the region list could not be read, so only \(homeRegion) was collected: \(f)"))
            }
        }

        // Every region at once; requests are bounded by the shared limiter.
        let session0 = session
        let parts = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, region) in regions.enumerated() {
                group.addTask { (i, await collectRegion(region, session0)) }
            }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var trails: [(trail: JSONValue, region: String, listing: Provenance)] = []
        for p in parts {
            total.facts.merge(p.facts)
            total.succeeded += p.succeeded
            total.failures.merge(p.failures)
            trails += p.trails
        }
        let trailPart = await collectTrails(trails, session)
        total.facts.merge(trailPart.facts)
        total.succeeded += trailPart.succeeded
        total.failures.merge(trailPart.failures)

        // The target: who collected, where, for which tenant.
        let stsSource = locator(session, homeRegion, "sts/GetCallerIdentity")
        let targetFields: [String: FactValue] = [
            "kind": .string("aws-kms"),
            "endpoint": .string(Self.displayEndpoint(options.endpoint) ?? (endpoints.isCustom ? "custom endpoint from AWS_ENDPOINT_URL" : "AWS public endpoints")),
            "region": .strings(regions),
            "tenant": options.tenant.map(FactValue.string) ?? identity.map { .string($0.account) } ?? .unknown(reason: identityFailure?.description ?? "unknown"),
            "caller": identity.map { .string($0.arn) } ?? .unknown(reason: identityFailure?.description ?? "GetCallerIdentity was not called"),
        ]
        total.facts.resources.append(Resource(type: .target, id: "aws-kms:\(target.name)", name: target.name, fields: targetFields,
                                              provenance: identityEvidence.map { [$0.provenance] } ?? []))
        if let identityEvidence { total.facts.addEvidence(identityEvidence.item, bytes: identityEvidence.bytes, spillingTo: spill) }
        total.facts.coverage.append(SourceCoverage(source: stsSource, collector: Self.collectorName, status: identity == nil ? .failed : .complete,
                                                   resourceTypes: [.target], found: ["target": 1],
                                                   detail: identityFailure.map { "the caller identity is unknown: \($0)" }))
        total.facts.diagnostics += total.failures.diagnostics(target: target.name)
        if total.succeeded == 0 {
            total.facts.unreachableTargets.append(target.name)
            total.facts.diagnostics.append(Diagnostic(.error, source: target.file, line: target.line,
                                                      message: "target \(target.name) (aws-kms) could not be reached: no API call succeeded (first failure: \(total.failures.first?.description ?? "none"))",
                                                      fix: total.failures.first.flatMap(AWSFailureDiagnostics.fix(for:))))
        }
        logger.debug("aws-kms target collected", metadata: ["target": .string(target.name), "resources": .stringConvertible(total.facts.resources.count),
                                                            "evidence": .stringConvertible(total.facts.evidence.count)])
        return total.facts
    }

    /// The credentials to sign with: static ones, or those of an assumed role (recursively).
    func materialize(_ plan: AWSCredentialPlan, region: String, endpoints: AWSEndpoints,
                     limiter: RequestLimiter) async -> Result<AWSCredentials, AWSCallFailure> {
        switch plan {
        case .credentials(let c): return .success(c)
        case let .assumeRole(roleArn, externalId, sessionName, source):
            let base: AWSCredentials
            switch await materialize(source, region: region, endpoints: endpoints, limiter: limiter) {
            case .success(let c): base = c
            case .failure(let f): return .failure(f)
            }
            let session = Session(credentials: base, limiter: limiter, endpoints: endpoints, label: target.name)
            let sts = STSClient(client: client("sts", region, .query(version: STSClient.version), session))
            let result = await sts.assumeRole(roleArn: roleArn, sessionName: sessionName, externalId: externalId)
            if case .success(let c) = result { for secret in c.secrets { context.credentials.register(secret) } }
            return result
        }
    }

    // MARK: region

    func collectRegion(_ region: String, _ session: Session) async -> Part {
        var part = Part()
        let kms = KMSClient(client: client("kms", region, .json11(targetPrefix: KMSClient.targetPrefix), session))
        let trailsClient = CloudTrailClient(client: client("cloudtrail", region, .json11(targetPrefix: CloudTrailClient.targetPrefix), session))
        async let keysListing = kms.list(.listKeys)
        async let aliasListing = kms.list(.listAliases)
        async let storeListing = kms.list(.describeCustomKeyStores)
        async let trailListing = trailsClient.describeTrails()

        // Keys and their aliases.
        let keys = listed(await keysListing, itemsKey: "Keys", path: "ListKeys", region: region, session)
        part.succeeded += keys.evidence.count
        let aliasPages = listed(await aliasListing, itemsKey: "Aliases", path: "ListAliases", region: region, session)
        part.succeeded += aliasPages.evidence.count
        for e in keys.evidence + aliasPages.evidence { part.facts.addEvidence(e.item, bytes: e.bytes, spillingTo: session.spill) }
        if let f = keys.failure { part.failures.record(f, source: locator(session, region, "ListKeys")) }
        if let f = aliasPages.failure { part.failures.record(f, source: locator(session, region, "ListAliases")) }
        // Aliases are provenance for keys; their bytes are recorded once above.
        let aliasEvidence = aliasPages.evidence.map { AWSEvidence(item: $0.item, bytes: Data(), pointer: "Aliases") }
        var aliasesByKey: [String: [String]] = [:]
        for a in aliasPages.value ?? [] {
            if let target = a.value["TargetKeyId"]?.stringValue, let name = a.value["AliasName"]?.stringValue { aliasesByKey[target, default: []].append(name) }
        }
        func aliases(for keyId: String) -> AWSObservation<[String]> {
            if let f = aliasPages.failure {
                return .failed(f, partial: aliasesByKey[keyId] ?? [], evidence: aliasEvidence)
            }
            return .observed(aliasesByKey[keyId] ?? [], evidence: aliasEvidence)
        }

        let listedKeys = keys.value ?? []
        let items = listedKeys.compactMap { item -> (AWSListedItem, String, String)? in
            guard let id = item.value["KeyId"]?.stringValue ?? item.value["KeyArn"]?.stringValue.flatMap({ ARN(parsing: $0)?.resource })
                .map({ $0.hasPrefix("key/") ? String($0.dropFirst(4)) : $0 }), !id.isEmpty else { return nil }
            let arn = item.value["KeyArn"]?.stringValue ?? "arn:aws:kms:\(region):\(session.label):key/\(id)"
            return (item, id, arn)
        }
        // A listed key that names neither id nor ARN cannot be described; the listing then does not account for every key.
        let unidentified = listedKeys.count - items.count
        let window = max(1, options.concurrency * 2)
        let progress = context.progress, name = target.name
        progress?.keysListed(items.count, target: name, region: region)
        // Each key's observation becomes resources and evidence (its answers' bytes spilled) as soon as every key
        // before it is done, in listing order: only the keys in flight and those waiting for an earlier one are held.
        var found: [String: Int] = ["key": 0, "key_policy": 0, "grant": 0]
        func absorb(_ o: KMSKeyObservation) {
            let key = KMSKeyFacts.key(o, tenant: options.tenant)
            let policy = KMSKeyFacts.policy(o, key: key)
            let grants = KMSKeyFacts.grants(o, key: key)
            part.facts.resources += [key, policy] + grants
            found["key", default: 0] += 1
            found["key_policy", default: 0] += 1
            found["grant", default: 0] += grants.count
            for obs in [o.metadata.evidence, o.rotationStatus.evidence, o.rotations.evidence, o.policy.evidence, o.grants.evidence, o.tags.evidence] {
                for e in obs { part.facts.addEvidence(e.item, bytes: e.bytes, spillingTo: session.spill); part.succeeded += 1 }
            }
            let calls: [(String, AWSCallFailure?)] = [("DescribeKey", o.metadata.failure), ("GetKeyRotationStatus", o.rotationStatus.failure),
                                                      ("ListKeyRotations", o.rotations.failure), ("GetKeyPolicy", o.policy.failure),
                                                      ("ListGrants", o.grants.failure), ("ListResourceTags", o.tags.failure)]
            for (op, f) in calls {
                guard let f else { continue }
                part.failures.record(f, source: locator(session, region, op), subject: o.keyId)
            }
            if let f = o.grants.failure {
                // Grants beyond the failure are unknown: checks over grants are inconclusive for this key.
                part.facts.coverage.append(SourceCoverage(source: locator(session, region, "ListGrants/\(o.keyId)"), collector: Self.collectorName,
                                                          status: .failed, resourceTypes: [.grant], found: ["grant": grants.count],
                                                          detail: "the grants of key \(key.name) could not be listed completely: \(f)"))
            }
        }
        await withTaskGroup(of: (Int, KMSKeyObservation).self) { group in
            var next = 0
            var waiting: [Int: KMSKeyObservation] = [:]
            var absorbed = 0
            while next < items.count && next < window {
                let i = next, (item, id, arn) = items[i], al = aliases(for: id)
                group.addTask { (i, await collectKey(kms, keyId: id, arn: arn, listing: item, aliases: al, session)) }
                next += 1
            }
            while let (i, o) = await group.next() {
                waiting[i] = o
                while let ready = waiting.removeValue(forKey: absorbed) {
                    absorb(ready)
                    absorbed += 1
                }
                progress?.keyDone(target: name, region: region)
                if next < items.count {
                    let j = next, (item, id, arn) = items[j], al = aliases(for: id)
                    group.addTask { (j, await collectKey(kms, keyId: id, arn: arn, listing: item, aliases: al, session)) }
                    next += 1
                }
            }
        }
        part.facts.coverage.append(SourceCoverage(
            source: locator(session, region, "ListKeys"), collector: Self.collectorName,
            status: keys.isComplete ? (unidentified == 0 ? .complete : .partial) : .failed,
            resourceTypes: [.key, .keyPolicy, .grant], inventoryTypes: keys.isComplete && unidentified == 0 ? [.key, .keyPolicy] : [], found: found,
            detail: keys.failure.map { "the key list is incomplete: \($0)" }
                ?? (unidentified > 0 ? "\(unidentified) listed key(s) named neither KeyId nor KeyArn" : nil)))

        // Custom key stores.
        let stores = listed(await storeListing, itemsKey: "CustomKeyStores", path: "DescribeCustomKeyStores", region: region, session)
        part.succeeded += stores.evidence.count
        for e in stores.evidence { part.facts.addEvidence(e.item, bytes: e.bytes, spillingTo: session.spill) }
        let storeResources = (stores.value ?? []).map { KMSKeyStoreFacts.resource($0, account: session.label, region: region) }
        part.facts.resources += storeResources
        if let f = stores.failure { part.failures.record(f, source: locator(session, region, "DescribeCustomKeyStores")) }
        part.facts.coverage.append(SourceCoverage(
            source: locator(session, region, "DescribeCustomKeyStores"), collector: Self.collectorName, status: stores.isComplete ? .complete : .failed,
            resourceTypes: [.keyStore], inventoryTypes: stores.isComplete ? [.keyStore] : [], found: ["key_store": storeResources.count],
            detail: stores.failure.map { "the custom key stores could not be listed: \($0)" }))

        // Trails (details are read once per trail after every region answered).
        let trailSource = locator(session, region, "cloudtrail/DescribeTrails")
        switch await trailListing {
        case .success(let response):
            part.succeeded += 1
            let ev = evidence(response, locator: trailSource, pointer: "trailList")
            part.facts.addEvidence(ev.item, bytes: ev.bytes, spillingTo: session.spill)
            // Without its trailList the answer lists nothing; it must not read as "no trails".
            guard case .array(let list)? = response.json?["trailList"] else {
                part.facts.coverage.append(SourceCoverage(source: trailSource, collector: Self.collectorName, status: .failed,
                                                          resourceTypes: [.auditTrail], detail: "DescribeTrails answered without a trailList"))
                part.facts.diagnostics.append(Diagnostic(.warning, source: trailSource, message: "DescribeTrails answered without a trailList; trails unknown"))
                return part
            }
            for (i, t) in list.enumerated() {
                part.trails.append((t, region, Provenance(evidence: ev.item.id, pointer: "trailList[\(i)]")))
            }
            part.facts.coverage.append(SourceCoverage(source: trailSource, collector: Self.collectorName, status: .complete,
                                                      resourceTypes: [.auditTrail], inventoryTypes: [.auditTrail], found: ["audit_trail": list.count]))
        case .failure(let f):
            part.failures.record(f, source: trailSource)
            part.facts.coverage.append(SourceCoverage(source: trailSource, collector: Self.collectorName, status: .failed,
                                                      resourceTypes: [.auditTrail], detail: "the trails could not be listed: \(f)"))
        }
        return part
    }

    // MARK: key

    func collectKey(_ kms: KMSClient, keyId: String, arn: String, listing: AWSListedItem, aliases: AWSObservation<[String]>,
                    _ session: Session) async -> KMSKeyObservation {
        let region = kms.region
        async let describe = kms.call(.describeKey, ["KeyId": .string(keyId)])
        async let policy = kms.call(.getKeyPolicy, ["KeyId": .string(keyId), "PolicyName": .string("default")])
        async let grantPages = kms.list(.listGrants, ["KeyId": .string(keyId)])
        async let tagPages = kms.list(.listResourceTags, ["KeyId": .string(keyId)])

        var o = KMSKeyObservation(keyId: keyId, arn: arn, region: region, listing: listing.provenance, aliases: aliases)
        switch await describe {
        case .success(let r):
            let ev = evidence(r, locator: locator(session, region, "DescribeKey/\(keyId)"), pointer: "KeyMetadata")
            if let md = r.json?["KeyMetadata"], case .object = md {
                o.metadata = .observed(md, evidence: [ev])
            } else {
                o.metadata = .failed(AWSCallFailure(operation: "DescribeKey", region: region, error: .invalidResponse("no KeyMetadata in the answer"),
                                                    attempts: r.attempts), evidence: [ev])
            }
        case .failure(let f):
            o.metadata = .failed(f)
        }
        if let support = KMSKeyObservation.rotationSupported(o.metadata.value) {
            if support.applicable == true {
                async let status = kms.call(.getKeyRotationStatus, ["KeyId": .string(keyId)])
                async let rotations = kms.list(.listKeyRotations, ["KeyId": .string(keyId)])
                switch await status {
                case .success(let r):
                    let ev = evidence(r, locator: locator(session, region, "GetKeyRotationStatus/\(keyId)"), pointer: nil)
                    o.rotationStatus = .observed(r.json ?? .object([:]), evidence: [ev])
                case .failure(let f): o.rotationStatus = .failed(f)
                }
                let r = listed(await rotations, itemsKey: "Rotations", path: "ListKeyRotations/\(keyId)", region: region, session)
                o.rotations = r.failure.map { .failed($0, partial: r.value?.map(\.value), evidence: r.evidence) }
                    ?? .observed((r.value ?? []).map(\.value), evidence: r.evidence)
            } else {
                o.rotationStatus = .notRequested("not requested: \(support.reason)")
                o.rotations = .notRequested("not requested: \(support.reason)")
            }
        } else {
            o.rotationStatus = .notRequested("not requested: \(o.metadata.unknownReason)")
            o.rotations = .notRequested("not requested: \(o.metadata.unknownReason)")
        }
        switch await policy {
        case .success(let r):
            let ev = evidence(r, locator: locator(session, region, "GetKeyPolicy/\(keyId)"), pointer: "Policy")
            if let text = r.json?["Policy"]?.stringValue {
                o.policy = .observed(text, evidence: [ev])
            } else {
                o.policy = .failed(AWSCallFailure(operation: "GetKeyPolicy", region: region, error: .invalidResponse("no Policy in the answer"),
                                                  attempts: r.attempts), evidence: [ev])
            }
        case .failure(let f):
            o.policy = .failed(f)
        }
        let g = listed(await grantPages, itemsKey: "Grants", path: "ListGrants/\(keyId)", region: region, session)
        o.grants = g
        let t = listed(await tagPages, itemsKey: "Tags", path: "ListResourceTags/\(keyId)", region: region, session)
        o.tags = t.failure.map { .failed($0, partial: t.value?.map(\.value), evidence: t.evidence) } ?? .observed((t.value ?? []).map(\.value), evidence: t.evidence)
        return o
    }

    // MARK: trails

    func collectTrails(_ seen: [(trail: JSONValue, region: String, listing: Provenance)], _ session: Session) async -> Part {
        // One trail per ARN; prefer the copy described in its home region over shadow copies.
        var unique: [String: (trail: JSONValue, region: String, listing: Provenance)] = [:]
        var order: [String] = []
        for s in seen {
            let arn = s.trail["TrailARN"]?.stringValue ?? s.trail["Name"]?.stringValue ?? UUID().uuidString
            if let existing = unique[arn] {
                if existing.trail["HomeRegion"]?.stringValue != existing.region, s.trail["HomeRegion"]?.stringValue == s.region { unique[arn] = s }
            } else {
                unique[arn] = s
                order.append(arn)
            }
        }
        let results = await withTaskGroup(of: (Int, Part).self) { group in
            for (i, arn) in order.sorted().enumerated() {
                guard let s = unique[arn] else { continue }
                group.addTask {
                    var part = Part()
                    // A home region that is not a region name would become part of a host name: the listing's region is used.
                    let region = s.trail["HomeRegion"]?.stringValue.flatMap { AWSEndpoints.isRegionName($0) ? $0 : nil } ?? s.region
                    let ct = CloudTrailClient(client: client("cloudtrail", region, .json11(targetPrefix: CloudTrailClient.targetPrefix), session))
                    let name = s.trail["Name"]?.stringValue ?? arn
                    async let statusCall = ct.trailStatus(arn)
                    async let selectorCall = ct.eventSelectors(arn)
                    var status: AWSObservation<JSONValue>
                    var selectors: AWSObservation<JSONValue>
                    switch await statusCall {
                    case .success(let r):
                        let ev = evidence(r, locator: locator(session, region, "cloudtrail/GetTrailStatus/\(name)"), pointer: nil)
                        status = .observed(r.json ?? .object([:]), evidence: [ev])
                        part.succeeded += 1
                    case .failure(let f):
                        status = .failed(f)
                        part.failures.record(f, source: locator(session, region, "cloudtrail/GetTrailStatus"), subject: name)
                    }
                    switch await selectorCall {
                    case .success(let r):
                        let ev = evidence(r, locator: locator(session, region, "cloudtrail/GetEventSelectors/\(name)"), pointer: nil)
                        selectors = .observed(r.json ?? .object([:]), evidence: [ev])
                        part.succeeded += 1
                    case .failure(let f):
                        selectors = .failed(f)
                        part.failures.record(f, source: locator(session, region, "cloudtrail/GetEventSelectors"), subject: name)
                    }
                    for e in status.evidence + selectors.evidence { part.facts.addEvidence(e.item, bytes: e.bytes, spillingTo: session.spill) }
                    part.facts.resources.append(CloudTrailTrailFacts.resource(trail: s.trail, listing: s.listing, status: status, selectors: selectors))
                    return (i, part)
                }
            }
            var out: [(Int, Part)] = []
            for await p in group { out.append(p) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var total = Part()
        for p in results {
            total.facts.merge(p.facts)
            total.succeeded += p.succeeded
            total.failures.merge(p.failures)
        }
        return total
    }

    // MARK: helpers

    func client(_ service: String, _ region: String, _ wire: AWSServiceClient.WireProtocol, _ session: Session) -> AWSServiceClient {
        let url = session.endpoints.url(service: service, region: region) ?? URL(fileURLWithPath: "/")
        return AWSServiceClient(service: service, region: region, endpoint: url, wire: wire, credentials: session.credentials,
                                transport: transport, retry: options.retry, timeout: options.timeoutSeconds, limiter: session.limiter,
                                scrubber: context.credentials, budget: budget, logger: logger, clock: clock, random: random)
    }

    /// `aws-kms://<account>/<region>/<path>`, with `?page=N` for pages after the first.
    func locator(_ session: Session, _ region: String, _ path: String, page: Int = 0) -> String {
        "aws-kms://\(session.label)/\(region)/\(path)" + (page > 0 ? "?page=\(page + 1)" : "")
    }

    /// The evidence item for a response (credential members scrubbed, bytes already redacted by the client).
    func evidence(_ response: AWSResponse, locator: String, pointer: String?) -> AWSEvidence {
        let bytes = AWSCredentialMembers.scrub(response.body)
        let kind = response.json == nil ? "aws-api-response-xml" : "aws-api-response"
        return AWSEvidence(item: EvidenceItem(collector: Self.collectorName, locator: locator, kind: kind, bytes: bytes, collectedAt: context.now),
                           bytes: bytes, pointer: pointer)
    }

    /// A listing as items with per-page provenance, and its evidence.
    func listed(_ pages: AWSPages, itemsKey: String, path: String, region: String, _ session: Session) -> AWSObservation<[AWSListedItem]> {
        var items: [AWSListedItem] = []
        var evidence: [AWSEvidence] = []
        for (i, page) in pages.pages.enumerated() {
            let ev = self.evidence(page, locator: locator(session, region, path, page: i), pointer: itemsKey)
            evidence.append(ev)
            for (j, item) in (page.json?[itemsKey] ?? .null).asList.enumerated() {
                items.append(AWSListedItem(value: item, provenance: Provenance(evidence: ev.item.id, pointer: "\(itemsKey)[\(j)]")))
            }
        }
        if let f = pages.failure { return .failed(f, partial: items, evidence: evidence) }
        return .observed(items, evidence: evidence)
    }

    /// An endpoint as shown in reports: without any user-info part.
    static func displayEndpoint(_ url: URL?) -> String? {
        guard let url, var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        c.user = nil
        c.password = nil
        return c.string
    }

    /// The facts of a target that could not be used at all (no credentials, no region, bad options).
    static func unusable(_ target: AssessmentFile.Target, suppliedTypes: [ResourceType], diagnostic: Diagnostic) -> FactSet {
        var out = FactSet(diagnostics: [diagnostic])
        out.coverage.append(SourceCoverage(source: "aws-kms://\(target.name)", collector: collectorName, status: .failed,
                                           resourceTypes: suppliedTypes, detail: diagnostic.message))
        out.resources.append(Resource(type: .target, id: "aws-kms:\(target.name)", name: target.name, fields: [
            "kind": .string("aws-kms"), "caller": .unknown(reason: diagnostic.message), "tenant": .unknown(reason: diagnostic.message),
        ]))
        out.unreachableTargets = [target.name]
        return out
    }
}
