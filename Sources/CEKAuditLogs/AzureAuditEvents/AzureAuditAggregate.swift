import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

extension LogAggregate {
    /// Adds one Key Vault `AuditEvent` record, with the semantics of the CloudTrail ``add(_:window:file:)``: events
    /// outside the window are counted and not used; a refused or failed request (``AzureAuditEvent/failure``) is an
    /// attempt `Operation (Result)`, never evidence that the action happened; a use without a caller is
    /// unattributed; events after a purge are counted as `events_after_deletion`.
    mutating func add(azure e: AzureAuditEvent, window: ClosedRange<String>?, file: String) {
        let time = e.time ?? ""
        if let window, !time.isEmpty, !window.contains(time) { outsideWindow += 1; return }
        kmsRecords += 1
        first = LogAggregate.min(first, time.isEmpty ? nil : time)
        last = LogAggregate.max(last, time.isEmpty ? nil : time)
        if let s = e.subscription { accounts.insert(s) }
        let operation = e.operationName ?? ""
        let kind = KeyVaultOperationCatalog.classify(operation)
        let principal = e.principal
        guard let keyRef = e.key else {
            if e.failure != nil { failedAttempts += 1 }
            if case .usage = kind, principal == nil { unattributed += 1 }
            return
        }
        var stats = keys[keyRef] ?? KeyStats()
        stats.account = stats.account ?? e.subscription
        stats.first = LogAggregate.min(stats.first, time.isEmpty ? nil : time)
        stats.last = LogAggregate.max(stats.last, time.isEmpty ? nil : time)
        if stats.firstFile.map({ ($0.0, $0.1) > (time, file) }) ?? true { stats.firstFile = (time, file) }
        if stats.lastFile.map({ ($0.0, $0.1) < (time, file) }) ?? true { stats.lastFile = (time, file) }
        if let failure = e.failure {
            failedAttempts += 1
            let attempt = "\(operation.isEmpty ? "?" : operation) (\(failure))"
            LogAggregate.addFailed(attempt, to: &stats)
            keys[keyRef] = stats
            return
        }
        // The smallest 200 principals and 50 failed kinds, whatever order the entries come in (as CloudTrail keeps them).
        if let p = principal { stats.addPrincipal(p) } else if case .usage = kind { unattributed += 1 }
        if let deleted = stats.deletedAt, !time.isEmpty, time > deleted { stats.eventsAfterDeletion += 1 }
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
            if l == "rotate" { stats.lastRotated = LogAggregate.max(stats.lastRotated, time.isEmpty ? nil : time) }
            if l == "delete", !time.isEmpty { stats.deletedAt = LogAggregate.min(stats.deletedAt, time) }
        case .access:
            categories.insert("access")
        case .other:
            break
        }
        keys[keyRef] = stats
    }
}
