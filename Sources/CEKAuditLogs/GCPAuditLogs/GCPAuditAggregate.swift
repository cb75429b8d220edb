import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

extension LogAggregate {
    /// Adds one Cloud KMS audit log entry, with the semantics of the CloudTrail ``add(_:window:file:)``: events
    /// outside the window are counted and not used; a failed call (`status.code` ≠ 0) is an attempt
    /// `Operation (STATUS)`, never evidence that the action happened; a use without a principal is unattributed.
    mutating func add(gcp e: GCPAuditEntry, window: ClosedRange<String>?, file: String) {
        let time = e.time ?? ""
        if let window, !time.isEmpty, !window.contains(time) { outsideWindow += 1; return }
        kmsRecords += 1
        first = LogAggregate.min(first, time.isEmpty ? nil : time)
        last = LogAggregate.max(last, time.isEmpty ? nil : time)
        if let p = e.project { accounts.insert(p) }
        let kind = CloudKMSMethodCatalog.classify(e)
        let principal = e.principal
        guard let keyRef = e.keyName else {
            if e.failed { failedAttempts += 1 }
            if case .usage = kind, principal == nil { unattributed += 1 }
            return
        }
        var stats = keys[keyRef] ?? KeyStats()
        stats.account = stats.account ?? e.project
        stats.region = stats.region ?? e.location
        stats.first = LogAggregate.min(stats.first, time.isEmpty ? nil : time)
        stats.last = LogAggregate.max(stats.last, time.isEmpty ? nil : time)
        if stats.firstFile.map({ ($0.0, $0.1) > (time, file) }) ?? true { stats.firstFile = (time, file) }
        if stats.lastFile.map({ ($0.0, $0.1) < (time, file) }) ?? true { stats.lastFile = (time, file) }
        if let code = e.statusCode, code != 0 {
            failedAttempts += 1
            let attempt = "\(CloudKMSMethodCatalog.shortName(e.methodName ?? "?")) (\(CloudKMSMethodCatalog.statusName(code)))"
            LogAggregate.addFailed(attempt, to: &stats)
            keys[keyRef] = stats
            return
        }
        // The smallest 200 principals and 50 failed kinds, whatever order the entries come in (as CloudTrail keeps them).
        if let p = principal { stats.addPrincipal(p) } else if case .usage = kind { unattributed += 1 }
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
        case .access:
            categories.insert("access")
        case .other:
            break
        }
        keys[keyRef] = stats
    }
}
