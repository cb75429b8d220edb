import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What the KMS events of a set of CloudTrail files say, aggregated per key. Mergeable, so files can be scanned
/// in parallel and combined; its size grows with the number of keys, not with the number of events.
///
/// Order-independent: adding the same events in any order, split over any number of aggregates merged in any
/// order, gives the same result (capped lists keep their smallest members, ties are broken by value), so the
/// facts do not depend on which worker read which file.
struct LogAggregate: Sendable {
    /// Most failed-attempt kinds kept per key (the smallest, in sorting order).
    static let failedCap = 50
    /// Most principals kept per key (the smallest, in sorting order).
    static let principalCap = 200

    struct KeyStats: Sendable {
        var account: String?
        var region: String?
        var usage: [String: Int] = [:]
        var lifecycle: Set<String> = []
        var failed: [String] = []
        /// Who used or managed the key: the ``LogAggregate/principalCap`` smallest. Read whole for merges and facts;
        /// below the cap a set, at the cap kept only as ``principalsSorted`` (the set is built when read).
        var principals: Set<String> {
            get { principalsSorted.map { Set($0) } ?? principalSet }
            _modify {
                if let sorted = principalsSorted {
                    principalSet = Set(sorted)
                    principalsSorted = nil
                }
                yield &principalSet
            }
        }
        /// The principals while fewer than the cap (empty once ``principalsSorted`` holds them).
        private var principalSet: Set<String> = []
        var first: String?
        var last: String?
        /// Latest rotation switch event: (time, enabled).
        var rotationSwitch: (String, Bool)?
        var lastRotated: String?
        var deletedAt: String?
        var eventsAfterDeletion = 0
        var keyStores: Set<String> = []
        /// Whether `account` and `region` come from the key's own ARN (then they are final); otherwise they are the
        /// smallest seen on the key's events.
        var placeFromARN = false
        /// The principals sorted, once there are ``LogAggregate/principalCap`` of them (`nil`: fewer, in the set).
        /// A newcomer is then placed by binary search, or dropped when larger than the largest: one list kept in
        /// order costs less than a set kept beside it (two hashes of an ARN per replacement).
        private(set) var principalsSorted: [String]?

        /// How many principals are kept.
        var principalCount: Int { principalsSorted?.count ?? principalSet.count }

        /// The kept principals in sorting order.
        func sortedPrincipals() -> [String] { principalsSorted ?? principalSet.sorted() }
        /// The files holding the key's first and last event (time, locator), for provenance.
        var firstFile: (String, String)?
        var lastFile: (String, String)?
        /// Interner ids (of the aggregate's ``LogAggregate/interner``) of the principals already offered to
        /// ``LogAggregate/addPrincipal(_:to:)``: offering one again changes nothing (it is kept, or it was larger than
        /// the largest kept, and the largest only decreases), so a repeat costs one integer lookup. Not merged: ids
        /// are the scanning worker's own.
        var offeredPrincipals: Set<Int32> = []

        /// Adds `p`, keeping the ``LogAggregate/principalCap`` smallest (see ``principalsSorted``).
        mutating func addPrincipal(_ p: String) {
            if principalsSorted == nil {
                if principalSet.count < LogAggregate.principalCap { principalSet.insert(p); return }
                principalsSorted = principalSet.sorted()
                principalSet = []
            }
            guard let largest = principalsSorted!.last, p < largest else { return }
            var low = 0, high = principalsSorted!.count
            while low < high {
                let mid = (low + high) / 2
                if principalsSorted![mid] < p { low = mid + 1 } else { high = mid }
            }
            if principalsSorted![low] == p { return }
            principalsSorted!.removeLast()
            principalsSorted!.insert(p, at: low)
        }

        mutating func merge(_ o: KeyStats) {
            if let f = o.firstFile, firstFile.map({ ($0.0, $0.1) > (f.0, f.1) }) ?? true { firstFile = f }
            if let l = o.lastFile, lastFile.map({ ($0.0, $0.1) < (l.0, l.1) }) ?? true { lastFile = l }
            if o.placeFromARN, !placeFromARN {
                account = o.account
                region = o.region
                placeFromARN = true
            } else if !placeFromARN {
                account = LogAggregate.min(account, o.account)
                region = LogAggregate.min(region, o.region)
            }
            usage.merge(o.usage, uniquingKeysWith: +)
            lifecycle.formUnion(o.lifecycle)
            // Sorted and capped, so the outcome does not depend on the order files finish in.
            // Both lists are sorted, distinct and capped (``addFailed(_:to:)``): a linear merge keeps the smallest.
            if !o.failed.isEmpty { failed = failed.isEmpty ? o.failed : LogAggregate.smallestUnion(failed, o.failed, cap: LogAggregate.failedCap) }
            if o.principalCount > 0 {
                if principalCount == 0 {
                    // The first worker's key merged into the total: taken whole, at the cap as its sorted list.
                    principalSet = o.principalSet
                    principalsSorted = o.principalsSorted
                } else if principalsSorted == nil, o.principalsSorted == nil, principalSet.count + o.principalSet.count <= LogAggregate.principalCap {
                    principalSet.formUnion(o.principalSet)
                } else {
                    // Both sides hold their smallest principals, mostly already sorted at the cap: a linear merge of the
                    // two sorted lists keeps the smallest of the union (sorting the union per key was the larger part
                    // of merging the workers' aggregates, and that merge is serial).
                    let kept = LogAggregate.smallestUnion(sortedPrincipals(), o.sortedPrincipals(), cap: LogAggregate.principalCap)
                    if kept.count == LogAggregate.principalCap {
                        principalsSorted = kept
                        principalSet = []
                    } else {
                        principalSet = Set(kept)
                        principalsSorted = nil
                    }
                }
            }
            first = LogAggregate.min(first, o.first)
            last = LogAggregate.max(last, o.last)
            rotationSwitch = LogAggregate.latestSwitch(rotationSwitch, o.rotationSwitch)
            lastRotated = LogAggregate.max(lastRotated, o.lastRotated)
            deletedAt = LogAggregate.min(deletedAt, o.deletedAt)
            eventsAfterDeletion += o.eventsAfterDeletion
            keyStores.formUnion(o.keyStores)
        }
    }

    var files = 0
    var digestFiles = 0
    var records = 0
    var kmsRecords = 0
    var parseErrors = 0
    var duplicates = 0
    var idCollisions = 0
    var outsideWindow = 0
    var failedAttempts = 0
    var unattributed = 0
    var first: String?
    var last: String?
    var categories: Set<String> = []
    var accounts: Set<String> = []
    var customKeyStoreEvents = 0
    var externalKeyStoreEvents = 0
    var keys: [String: KeyStats] = [:]
    /// Alias → (time of the latest alias event, target key).
    var aliases: [String: (String, String)] = [:]
    /// Repeated records reported one by one per file: a file's warnings show no more.
    static let repeatedReportedPerFile = 5
    /// Most ids shared by different records kept for their warnings (the smallest); ``idCollisions`` counts them all.
    static let collidedIDsKept = 1_000
    /// The ids of repeated records to report (``CloudTrailCollector/Dedupe``), per file index: the
    /// ``repeatedReportedPerFile`` smallest, sorted. A trail copied whole costs a few strings per file, not one per
    /// record; the smallest of a set do not depend on the order it was met in.
    private(set) var repeatedIDs: [Int: [String]] = [:]
    /// Event ids met with more than one record: hash (``CloudTrailCollector/Dedupe``) → id as written; the
    /// ``collidedIDsKept`` smallest ids once trimmed (``trimCollidedIDs()``).
    private(set) var collidedIDs: [UInt64: String] = [:]

    /// Notes a repeated record of event `id` to be reported on file index `file`.
    mutating func noteRepeated(_ id: String, file: Int) {
        var ids = repeatedIDs[file, default: []]
        if ids.count >= Self.repeatedReportedPerFile, let largest = ids.last, id >= largest { return }
        ids.insert(id, at: ids.firstIndex { $0 > id } ?? ids.endIndex)
        if ids.count > Self.repeatedReportedPerFile { ids.removeLast() }
        repeatedIDs[file] = ids
    }

    /// Notes event id `id` (hash `hash`) as shared by different records.
    mutating func noteCollided(_ id: String, hash: UInt64) {
        collidedIDs[hash] = id
        if collidedIDs.count > 2 * Self.collidedIDsKept { trimCollidedIDs() }
    }

    /// Keeps the ``collidedIDsKept`` smallest collided ids.
    mutating func trimCollidedIDs() {
        guard collidedIDs.count > Self.collidedIDsKept else { return }
        collidedIDs = Dictionary(uniqueKeysWithValues: collidedIDs.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(Self.collidedIDsKept).map { ($0.key, $0.value) })
    }
    /// The strings of the records this aggregate's worker reads (``CloudTrailRecordReader``); not merged.
    var interner = StringInterner()
    /// The account and category inserted last: most events repeat them, and comparing is cheaper than hashing.
    private var lastAccount: String?
    private var lastCategory: String?

    mutating func merge(_ o: LogAggregate) {
        files += o.files; digestFiles += o.digestFiles; records += o.records; kmsRecords += o.kmsRecords
        parseErrors += o.parseErrors; duplicates += o.duplicates; idCollisions += o.idCollisions
        outsideWindow += o.outsideWindow; failedAttempts += o.failedAttempts; unattributed += o.unattributed
        first = LogAggregate.min(first, o.first); last = LogAggregate.max(last, o.last)
        categories.formUnion(o.categories); accounts.formUnion(o.accounts)
        customKeyStoreEvents += o.customKeyStoreEvents; externalKeyStoreEvents += o.externalKeyStoreEvents
        for (k, v) in o.keys { keys[k, default: KeyStats()].merge(v) }
        aliases.merge(o.aliases) { a, b in a >= b ? a : b }
        for (file, ids) in o.repeatedIDs { for id in ids { noteRepeated(id, file: file) } }
        collidedIDs.merge(o.collidedIDs) { a, b in Swift.min(a, b) }
        trimCollidedIDs()
    }

    /// The later of two rotation switches; at the same time, the one that disables rotation (the conservative
    /// reading, whatever order the events were read in).
    static func latestSwitch(_ a: (String, Bool)?, _ b: (String, Bool)?) -> (String, Bool)? {
        guard let a else { return b }
        guard let b else { return a }
        if a.0 != b.0 { return a.0 > b.0 ? a : b }
        return a.1 ? b : a
    }

    /// The smallest `cap` distinct values of two sorted lists of distinct values, sorted.
    static func smallestUnion(_ a: [String], _ b: [String], cap: Int) -> [String] {
        var out: [String] = []
        out.reserveCapacity(Swift.min(cap, a.count + b.count))
        var i = 0, j = 0
        while out.count < cap, i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
            else if i == a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }

    /// Adds `p` to the principals of `stats`, keeping the ``principalCap`` smallest.
    static func addPrincipal(_ p: String, to stats: inout KeyStats) {
        stats.addPrincipal(p)
    }

    /// Adds `attempt` to the failed attempts of `stats` (sorted), keeping the ``failedCap`` smallest.
    static func addFailed(_ attempt: String, to stats: inout KeyStats) {
        if stats.failed.count >= failedCap, let last = stats.failed.last, attempt >= last { return }
        let at = stats.failed.firstIndex(where: { $0 >= attempt }) ?? stats.failed.endIndex
        if at < stats.failed.endIndex, stats.failed[at] == attempt { return }
        stats.failed.insert(attempt, at: at)
        if stats.failed.count > failedCap { stats.failed.removeLast() }
    }

    static func min(_ a: String?, _ b: String?) -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return a < b ? a : b
    }
    static func max(_ a: String?, _ b: String?) -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return a > b ? a : b
    }

    /// Adds one decoded KMS record. Failed calls (errorCode) are attempts, never evidence of the action.
    /// `deletedInFile` holds the deletion time of keys deleted earlier in the same file: a later event of such a key
    /// in that file counts as an event after deletion (each entry, so a copy in another file counts there too).
    /// `repeated`: a copy of a record added before (``CloudTrailCollector/Dedupe``): it adds to no count of events,
    /// but minimums, maximums, sets and its file's deletion rule see it, so the outcome does not depend on which copy
    /// came first.
    mutating func add(_ r: CloudTrailRecord, window: ClosedRange<String>?, file: String, deletedInFile: inout [String: String],
                      repeated: Bool = false) {
        let time = r.eventTime ?? ""
        if let window, !time.isEmpty, !window.contains(time) { if !repeated { outsideWindow += 1 }; return }
        if !repeated { kmsRecords += 1 }
        first = LogAggregate.min(first, time.isEmpty ? nil : time)
        last = LogAggregate.max(last, time.isEmpty ? nil : time)
        if let a = r.recipientAccountId ?? r.userIdentity?.accountId, lastAccount != a {
            accounts.insert(a)
            lastAccount = a
        }
        let name = r.eventName ?? ""
        let kind = KMSEventCatalog.classify(name)
        let principal = Principal(r.userIdentity)
        if !repeated, r.additionalEventData?.customKeyStoreId != nil { customKeyStoreEvents += 1 }
        if !repeated, r.additionalEventData?.xksKeyId != nil { externalKeyStoreEvents += 1 }

        // Alias map from successful alias events, to resolve alias-addressed calls later (the latest event wins;
        // at the same time, the larger target, so the order of reading does not matter).
        if r.errorCode == nil, name == "CreateAlias" || name == "UpdateAlias",
           let alias = r.requestParameters?.aliasName, let target = r.requestParameters?.targetKeyId {
            if aliases[alias].map({ $0 <= (time, target) }) ?? true { aliases[alias] = (time, target) }
        }
        guard let keyRef = keyReference(r) else {
            if !repeated, r.errorCode != nil { failedAttempts += 1 }
            if !repeated, case .usage = kind, !principal.present { unattributed += 1 }
            return
        }
        if !repeated {
            if r.errorCode != nil { failedAttempts += 1 } else if !principal.present, case .usage = kind { unattributed += 1 }
        }
        switch kind {
        case .usage(let c): if r.errorCode == nil { insertCategory(c) }
        case .lifecycle: if r.errorCode == nil { insertCategory("lifecycle") }
        case .access: if r.errorCode == nil { insertCategory("access") }
        case .other: break
        }
        var afterDeletion = false
        if r.errorCode == nil, !deletedInFile.isEmpty, let deleted = deletedInFile[keyRef], time > deleted { afterDeletion = true }
        if r.errorCode == nil, case .lifecycle("delete") = kind {
            deletedInFile[keyRef] = LogAggregate.min(deletedInFile[keyRef], time)
        }
        // Updated in place in the table (one hash of the key, no copy of its sets and dictionaries).
        Self.update(&keys[keyRef, default: KeyStats()], keyRef: keyRef, r, time: time, name: name, kind: kind, principal: principal,
                    file: file, afterDeletion: afterDeletion, repeated: repeated)
    }

    /// Inserts a category unless it is the one inserted last (most events repeat it).
    private mutating func insertCategory(_ c: String) {
        guard lastCategory != c else { return }
        categories.insert(c)
        lastCategory = c
    }

    /// Who made a call: the identity's ARN, else the AWS service that invoked it (`service:<invokedBy>`), else
    /// `service:aws` for an `AWSService` identity; with the interner id the string was read under. The
    /// `service:` string is made only when the principal is new to the key.
    struct Principal {
        /// Whether the record names a principal at all.
        let present: Bool
        /// An id unique to the principal within the worker (arn ids, invokedBy ids tagged with bit 30, one id for
        /// `service:aws`), or `nil` when its string was not interned.
        let id: Int32?

        init(_ u: CloudTrailRecord.UserIdentity?) {
            if let u, u.arn != nil {
                present = true
                id = u.arnID
            } else if let u, u.invokedBy != nil {
                present = true
                id = u.invokedByID.map { $0 | 0x4000_0000 }
            } else if u?.isAWSService == true {
                present = true
                id = Int32.max
            } else {
                present = false
                id = nil
            }
        }

        /// The principal of identity `u` as facts show it (`nil` when none). A function of the record, not a stored
        /// copy of its identity: most records offer a principal the key already has, and copying the identity's
        /// strings for them was reference counting for nothing.
        func string(_ u: CloudTrailRecord.UserIdentity?) -> String? {
            u?.arn ?? u?.invokedBy.map { "service:\($0)" } ?? (present ? "service:aws" : nil)
        }
    }

    private static func update(_ stats: inout KeyStats, keyRef: String, _ r: CloudTrailRecord, time: String, name: String,
                               kind: KMSEventCatalog.Kind, principal: Principal, file: String, afterDeletion: Bool, repeated: Bool) {
        if !stats.placeFromARN {
            // Parsed until the key's ARN gives its place: once per key and worker for ARN references.
            if let arn = ARN(parsing: keyRef) {
                stats.account = arn.account
                stats.region = arn.region
                stats.placeFromARN = true
            } else {
                stats.account = LogAggregate.min(stats.account, r.recipientAccountId)
                stats.region = LogAggregate.min(stats.region, r.awsRegion)
            }
        }
        stats.first = LogAggregate.min(stats.first, time)
        stats.last = LogAggregate.max(stats.last, time)
        if stats.firstFile.map({ ($0.0, $0.1) > (time, file) }) ?? true { stats.firstFile = (time, file) }
        if stats.lastFile.map({ ($0.0, $0.1) < (time, file) }) ?? true { stats.lastFile = (time, file) }
        if let ks = r.additionalEventData?.customKeyStoreId { stats.keyStores.insert(ks) }
        if let code = r.errorCode {
            addFailed("\(name) (\(code))", to: &stats)
            return
        }
        if principal.present, principal.id.map({ stats.offeredPrincipals.insert($0).inserted }) ?? true, let p = principal.string(r.userIdentity) {
            addPrincipal(p, to: &stats)
        }
        if afterDeletion { stats.eventsAfterDeletion += 1 }
        switch kind {
        case .usage(let c):
            if !repeated { stats.usage[c, default: 0] += 1 }
        case .lifecycle(let l):
            stats.lifecycle.insert(l)
            if l == "enable-rotation" || l == "disable-rotation" {
                stats.rotationSwitch = LogAggregate.latestSwitch(stats.rotationSwitch, (time, l == "enable-rotation"))
            }
            if l == "rotate" { stats.lastRotated = LogAggregate.max(stats.lastRotated, time) }
            if l == "delete" { stats.deletedAt = LogAggregate.min(stats.deletedAt, time) }
        case .access, .other:
            break
        }
    }

    /// The key an event is about: its resources entry, the request's key id (qualified to an ARN when the account
    /// and region are known), the service event's key id, the created key, or an ARN inside the error message.
    func keyReference(_ r: CloudTrailRecord) -> String? {
        if let arn = r.resources?.first(where: \.isKMSKey)?.arn { return arn }
        if let arn = r.responseElements?.keyMetadata?.arn { return arn }
        let id = r.requestParameters?.keyId ?? r.serviceEventDetails?.keyId ?? r.responseElements?.keyId
        if let id {
            if id.hasPrefix("arn:") { return id }
            if id.hasPrefix("alias/") { return id }
            if let account = r.recipientAccountId, let region = r.awsRegion { return "arn:aws:kms:\(region):\(account):key/\(id)" }
            return id
        }
        if let message = r.errorMessage, let arn = ARN.firstKMSKey(in: message) { return arn }
        return nil
    }
}
