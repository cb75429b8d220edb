import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What the KMS events of a set of CloudTrail files say, aggregated per key. Mergeable, so files can be scanned
/// in parallel and combined; its size grows with the number of keys, not with the number of events.
struct LogAggregate: Sendable {
    struct KeyStats: Sendable {
        var account: String?
        var region: String?
        var usage: [String: Int] = [:]
        var lifecycle: Set<String> = []
        var failed: [String] = []
        var principals: Set<String> = []
        var first: String?
        var last: String?
        /// Latest rotation switch event: (time, enabled).
        var rotationSwitch: (String, Bool)?
        var lastRotated: String?
        var deletedAt: String?
        var eventsAfterDeletion = 0
        var keyStores: Set<String> = []
        /// The files holding the key's first and last event (time, locator), for provenance.
        var firstFile: (String, String)?
        var lastFile: (String, String)?

        mutating func merge(_ o: KeyStats) {
            if let f = o.firstFile, firstFile.map({ ($0.0, $0.1) > (f.0, f.1) }) ?? true { firstFile = f }
            if let l = o.lastFile, lastFile.map({ ($0.0, $0.1) < (l.0, l.1) }) ?? true { lastFile = l }
            account = account ?? o.account
            region = region ?? o.region
            usage.merge(o.usage, uniquingKeysWith: +)
            lifecycle.formUnion(o.lifecycle)
            // Sorted and capped, so the outcome does not depend on the order files finish in.
            failed = Array(Set(failed + o.failed).sorted().prefix(50))
            principals.formUnion(o.principals)
            if principals.count > 200 { principals = Set(principals.sorted().prefix(200)) }
            first = LogAggregate.min(first, o.first)
            last = LogAggregate.max(last, o.last)
            if let s = o.rotationSwitch, rotationSwitch.map({ $0.0 < s.0 }) ?? true { rotationSwitch = s }
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

    mutating func merge(_ o: LogAggregate) {
        files += o.files; digestFiles += o.digestFiles; records += o.records; kmsRecords += o.kmsRecords
        parseErrors += o.parseErrors; duplicates += o.duplicates; idCollisions += o.idCollisions
        outsideWindow += o.outsideWindow; failedAttempts += o.failedAttempts; unattributed += o.unattributed
        first = LogAggregate.min(first, o.first); last = LogAggregate.max(last, o.last)
        categories.formUnion(o.categories); accounts.formUnion(o.accounts)
        customKeyStoreEvents += o.customKeyStoreEvents; externalKeyStoreEvents += o.externalKeyStoreEvents
        for (k, v) in o.keys { keys[k, default: KeyStats()].merge(v) }
        aliases.merge(o.aliases) { a, b in a.0 >= b.0 ? a : b }
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
    mutating func add(_ r: CloudTrailRecord, window: ClosedRange<String>?, file: String = "") {
        let time = r.eventTime ?? ""
        if let window, !time.isEmpty, !window.contains(time) { outsideWindow += 1; return }
        kmsRecords += 1
        first = LogAggregate.min(first, time.isEmpty ? nil : time)
        last = LogAggregate.max(last, time.isEmpty ? nil : time)
        if let a = r.recipientAccountId ?? r.userIdentity?.accountId { accounts.insert(a) }
        let name = r.eventName ?? ""
        let kind = KMSEventCatalog.classify(name)
        let principal = r.userIdentity?.arn ?? r.userIdentity?.invokedBy.map { "service:\($0)" }
            ?? (r.userIdentity?.type == "AWSService" ? "service:aws" : nil)
        if r.additionalEventData?.customKeyStoreId != nil { customKeyStoreEvents += 1 }
        if r.additionalEventData?.xksKeyId != nil { externalKeyStoreEvents += 1 }

        // Alias map from successful alias events, to resolve alias-addressed calls later.
        if r.errorCode == nil, name == "CreateAlias" || name == "UpdateAlias",
           let alias = r.requestParameters?.aliasName, let target = r.requestParameters?.targetKeyId {
            if aliases[alias].map({ $0.0 <= time }) ?? true { aliases[alias] = (time, target) }
        }
        guard let keyRef = keyReference(r) else {
            if r.errorCode != nil { failedAttempts += 1 }
            if case .usage = kind, principal == nil { unattributed += 1 }
            return
        }
        // Taken out of the table while it is updated, so that its sets and dictionaries are modified in place
        // instead of copied on every event.
        var stats = keys.removeValue(forKey: keyRef) ?? KeyStats()
        defer { keys[keyRef] = stats }
        if stats.account == nil || stats.region == nil {
            let arn = ARN(parsing: keyRef)
            stats.account = stats.account ?? arn?.account ?? r.recipientAccountId
            stats.region = stats.region ?? arn?.region ?? r.awsRegion
        }
        stats.first = LogAggregate.min(stats.first, time)
        stats.last = LogAggregate.max(stats.last, time)
        if stats.firstFile.map({ ($0.0, $0.1) > (time, file) }) ?? true { stats.firstFile = (time, file) }
        if stats.lastFile.map({ ($0.0, $0.1) < (time, file) }) ?? true { stats.lastFile = (time, file) }
        if let ks = r.additionalEventData?.customKeyStoreId { stats.keyStores.insert(ks) }
        if let code = r.errorCode {
            failedAttempts += 1
            let attempt = "\(name) (\(code))"
            if stats.failed.count < 50, !stats.failed.contains(attempt) { stats.failed.append(attempt); stats.failed.sort() }
            return
        }
        if let p = principal { if stats.principals.count < 200 { stats.principals.insert(p) } } else if case .usage = kind { unattributed += 1 }
        if let deleted = stats.deletedAt, time > deleted { stats.eventsAfterDeletion += 1 }
        switch kind {
        case .usage(let c):
            stats.usage[c, default: 0] += 1
            categories.insert(c)
        case .lifecycle(let l):
            stats.lifecycle.insert(l)
            categories.insert("lifecycle")
            if l == "enable-rotation" || l == "disable-rotation" {
                if stats.rotationSwitch.map({ $0.0 <= time }) ?? true { stats.rotationSwitch = (time, l == "enable-rotation") }
            }
            if l == "rotate" { stats.lastRotated = LogAggregate.max(stats.lastRotated, time) }
            if l == "delete" { stats.deletedAt = LogAggregate.min(stats.deletedAt, time) }
        case .access:
            categories.insert("access")
        case .other:
            break
        }
    }

    /// The key an event is about: its resources entry, the request's key id (qualified to an ARN when the account
    /// and region are known), the service event's key id, the created key, or an ARN inside the error message.
    func keyReference(_ r: CloudTrailRecord) -> String? {
        if let arn = r.resources?.first(where: { $0.type == "AWS::KMS::Key" })?.arn { return arn }
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
