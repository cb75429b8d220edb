import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Running totals over OpenBao / Vault audit log records, fed one at a time: request/response pairs joined by request
/// id, transit key operations classified (``TransitOperation``), performed operations told apart from denied or
/// failed attempts, and per-key statistics in the vocabulary the CloudTrail collector uses (`usage.*`, `lifecycle`,
/// `failed_attempts` …). Memory grows with the number of distinct keys, not with the log: requests still waiting
/// for their response are capped (``maxPending``); past that the oldest is taken as unanswered.
struct AuditLogTally {
    /// A transit key as the log names it.
    struct KeyRef: Hashable, Comparable, Sendable {
        /// `root` or the namespace path without its trailing slash.
        var namespace: String
        /// Mount path relative to the namespace, with a trailing slash (`transit/`).
        var mount: String
        var name: String

        /// `tenant-a/transit/keys/orders`, or `transit/keys/orders` in the root namespace (the live key's `path`).
        var path: String { (namespace == "root" ? "" : namespace + "/") + mount + "keys/" + name }

        static func < (a: KeyRef, b: KeyRef) -> Bool { a.path < b.path }
    }

    /// What the log says about one key.
    struct KeyStats {
        var usage: [String: Int] = [:]
        var lifecycle: Set<String> = []
        var failed: [String] = []
        var principals: Set<String> = []
        var settings: Set<String> = []
        var first: String?
        var last: String?
        var lastRotated: String?
        /// Latest auto-rotation setting seen: time and `enabled` / `disabled`, or nil when its value was HMAC'd.
        var rotationSwitch: (time: String, state: String?)?
        var deletedAt: String?
        var eventsAfterDeletion = 0
        var unconfirmed = 0
    }

    /// One key operation, from a request record and (when it came) its response. A class: an event travels from the
    /// decoding thread that made it to the tally inside the line's outcome, and a reference is copied with one retain
    /// where the fields were copied with one each. Each record makes its own; only the tally changes one (a response
    /// merged into its request), after the decoding thread has handed it over.
    final class Event: @unchecked Sendable {
        var time: String?
        var operation: TransitOperation
        var key: KeyRef?
        var namespace: String
        var principal: String?
        var denied: Bool
        var error: String?
        var settings: [String: AuditScalar]

        init(time: String?, operation: TransitOperation, key: KeyRef?, namespace: String, principal: String?, denied: Bool, error: String?,
             settings: [String: AuditScalar]) {
            self.time = time
            self.operation = operation
            self.key = key
            self.namespace = namespace
            self.principal = principal
            self.denied = denied
            self.error = error
            self.settings = settings
        }
    }

    static let maxPending = 10_000
    static let maxPrincipals = 200
    /// Request data members recorded as settings of create / configure / import requests (transit "Create key" and
    /// "Update key configuration" parameters).
    static let settingNames: Set<String> = [
        "type", "exportable", "allow_plaintext_backup", "deletion_allowed", "auto_rotate_period", "min_decryption_version",
        "min_encryption_version", "derived", "convergent_encryption", "allow_rotation", "key_size", "hash_function",
    ]

    /// The assessment window as RFC 3339 strings (seconds, UTC), when bounded.
    let window: ClosedRange<String>?

    var lines = 0
    var records = 0
    var parseErrors = 0
    var requests = 0
    var responses = 0
    var denied = 0
    var errored = 0
    var unpaired = 0
    var unattributed = 0
    var outsideWindow = 0
    var usageEvents = 0
    var first: String?
    var last: String?
    var prefixes: [String] = []
    var categories: Set<String> = []
    var tenants: Set<String> = []
    /// The namespace inserted into ``tenants`` last.
    private var lastTenant: String?
    var keys: [KeyRef: KeyStats] = [:]
    /// Lines of the first parse errors (up to 10) per file, for the diagnostic.
    var errorLines: [String: [Int]] = [:]
    private var pending: [String: Event] = [:]
    private var pendingOrder: [String] = []
    private var pendingHead = 0

    init(window: ClosedRange<Date>?) {
        self.window = window.map { DateParsing.iso($0.lowerBound)...DateParsing.iso($0.upperBound) }
    }

    /// Notes a line of `file` that could not be parsed.
    mutating func parseError(file: String, line: Int) {
        parseErrors += 1
        if errorLines[file, default: []].count < 10 { errorLines[file, default: []].append(line) }
    }

    /// Notes a prefix found before a record's JSON.
    mutating func sawPrefix(_ prefix: String) {
        if !prefixes.contains(prefix), prefixes.count < 5 { prefixes.append(prefix) }
    }

    /// What one record brings to the tally, made from the record alone (so on any thread, in any order); ``add(_:)-(Parsed)``
    /// then takes these in file order.
    struct Parsed: Sendable {
        var isResponse: Bool
        /// The request id (`""` when absent); only kept for a key operation.
        var id: String
        /// The key operation, or `nil` when the record is not one.
        var event: Event?

        init(_ r: AuditLogRecord) {
            isResponse = r.type == "response"
            event = AuditLogTally.event(from: r)
            id = event == nil ? "" : (r.request?.id ?? "")
        }

        init(isResponse: Bool, id: String, event: Event?) {
            self.isResponse = isResponse
            self.id = id
            self.event = event
        }
    }

    /// Counts records that are no key operation (what ``add(_:)-(Parsed)`` does with them, in any order).
    mutating func addPlain(requests: Int, responses: Int) {
        records += requests + responses
        self.requests += requests
        self.responses += responses
    }

    /// Adds one parsed record.
    mutating func add(_ r: AuditLogRecord) { add(Parsed(r)) }

    /// Adds one record, prepared by ``Parsed/init(_:)``; records must come in file order (requests are paired with
    /// their responses).
    mutating func add(_ p: Parsed) {
        records += 1
        let isResponse = p.isResponse
        if isResponse { responses += 1 } else { requests += 1 }
        guard let event = p.event else { return }
        let id = p.id
        if !isResponse {
            guard !id.isEmpty else { finalize(event, confirmed: false); return }
            if let earlier = pending[id] { finalize(earlier, confirmed: false) } else { pendingOrder.append(id) }
            pending[id] = event
            evictIfNeeded()
            return
        }
        if !id.isEmpty, let request = pending.removeValue(forKey: id) {
            request.denied = request.denied || event.denied
            request.error = request.error ?? event.error
            if request.principal == nil { request.principal = event.principal }
            finalize(request, confirmed: true)
        } else {
            finalize(event, confirmed: true)
        }
    }

    /// Takes every request still waiting for its response as performed without confirmation (or as the attempt it
    /// was, when denied or failed).
    mutating func finish() {
        while pendingHead < pendingOrder.count {
            let id = pendingOrder[pendingHead]
            pendingHead += 1
            if let e = pending.removeValue(forKey: id) { finalize(e, confirmed: false) }
        }
        pendingOrder.removeAll()
        pendingHead = 0
    }

    private mutating func evictIfNeeded() {
        while pending.count > AuditLogTally.maxPending, pendingHead < pendingOrder.count {
            let id = pendingOrder[pendingHead]
            pendingHead += 1
            if let e = pending.removeValue(forKey: id) { finalize(e, confirmed: false) }
        }
        if pendingHead > 4096, pendingHead * 2 > pendingOrder.count {
            pendingOrder.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    private mutating func finalize(_ e: Event, confirmed: Bool) {
        if !confirmed { unpaired += 1 }
        if let t = e.time, let window, !window.contains(t) {
            outsideWindow += 1
            return
        }
        // Records of a log mostly come from one namespace after another: the set is not hashed again for a repeat.
        if lastTenant != e.namespace {
            tenants.insert(e.namespace)
            lastTenant = e.namespace
        }
        let op = e.operation
        let attempt = e.denied || e.error != nil
        if attempt {
            // An attempt: never evidence that the operation happened.
            if e.denied { denied += 1 } else { errored += 1 }
        } else {
            categories.insert(op.logCategory)
            if e.principal == nil { unattributed += 1 }
            if let t = e.time {
                first = first.map { Swift.min($0, t) } ?? t
                last = last.map { Swift.max($0, t) } ?? t
            }
            if op.group == .usage { usageEvents += 1 }
        }
        // Updated in place in the table (one lookup, no copy of its sets and dictionaries).
        if let k = e.key { Self.record(e, confirmed: confirmed, attempt: attempt, in: &keys[k, default: KeyStats()]) }
    }

    /// What one finalized event adds to its key's statistics.
    private static func record(_ e: Event, confirmed: Bool, attempt: Bool, in s: inout KeyStats) {
        let op = e.operation
        if attempt {
            if s.failed.count < 50 {
                let why = e.denied ? "permission denied" : AuditLogTally.oneLine(e.error ?? "error")
                s.failed.append("\(op.category) (\(why))")
            }
            return
        }
        if !confirmed { s.unconfirmed += 1 }
        if let t = e.time {
            s.first = s.first.map { Swift.min($0, t) } ?? t
            s.last = s.last.map { Swift.max($0, t) } ?? t
            if let d = s.deletedAt, t > d { s.eventsAfterDeletion += 1 }
        }
        if let p = e.principal, s.principals.count < AuditLogTally.maxPrincipals { s.principals.insert(p) }
        switch op.group {
        case .usage: s.usage[op.logCategory, default: 0] += 1
        case .lifecycle: s.lifecycle.insert(op.category)
        case .access: break
        }
        if op.category == "rotate", let t = e.time { s.lastRotated = s.lastRotated.map { Swift.max($0, t) } ?? t }
        if op.category == "delete", let t = e.time { s.deletedAt = s.deletedAt.map { Swift.min($0, t) } ?? t }
        for (k, v) in e.settings { s.settings.insert("\(k)=\(v.settingText)") }
        if let period = e.settings["auto_rotate_period"] {
            let state: String?
            switch period {
            case .number(let n): state = n > 0 ? "enabled" : "disabled"
            case .string(let text) where !period.isHMAC:
                state = (text == "0" || text == "0s" || text.isEmpty) ? "disabled" : "enabled"
            default: state = nil   // HMAC'd: configured, value unreadable
            }
            s.lifecycle.insert(state == "enabled" ? "enable-rotation" : state == "disabled" ? "disable-rotation" : "configure-rotation")
            let t = e.time ?? ""
            if s.rotationSwitch.map({ $0.time <= t }) ?? true { s.rotationSwitch = (t, state) }
        }
    }

    /// What a request record's operation, path, mount and namespace say, whatever the record's time, caller and
    /// outcome: the transit operation, the key it names and the namespace's display name. Records of one log repeat a
    /// few of these again and again, so the decoding threads keep them (``AuditLineDecoder``).
    struct Shape: Sendable {
        var operation: TransitOperation
        var key: KeyRef?
        var namespace: String
    }

    /// The shape of a request on `path` (`operation` as logged; `mountType`, `mountPoint` and the namespace's path as
    /// logged, `nil` when absent), or `nil` when it is not a transit key operation.
    static func shape(operation: String, path: String, mountPoint: String?, mountType: String?, namespacePath: String?) -> Shape? {
        if let type = mountType, type != "transit" { return nil }
        let nsPath = ACLPolicy.normalize(namespace: namespacePath ?? "")
        var mount = mountPoint ?? ""
        if !nsPath.isEmpty, mount.hasPrefix(nsPath) { mount = String(mount.dropFirst(nsPath.count)) }
        var relative = path
        if !nsPath.isEmpty, relative.hasPrefix(nsPath), !mount.hasPrefix(nsPath) { relative = String(relative.dropFirst(nsPath.count)) }
        if mount.isEmpty {
            // No mount point logged (older servers): take the first path segment as the mount.
            guard let slash = relative.firstIndex(of: "/") else { return nil }
            mount = String(relative[...slash])
        }
        guard relative.hasPrefix(mount), let op = TransitOperation.classify(operation: operation, rest: String(relative.dropFirst(mount.count))) else {
            return nil
        }
        let namespace = ACLPolicy.displayName(namespace: nsPath)
        return Shape(operation: op, key: op.key.map { KeyRef(namespace: namespace, mount: mount, name: $0) }, namespace: namespace)
    }

    /// Whether requests of this operation carry settings (``settingNames``) that the tally records.
    static func recordsSettings(_ op: TransitOperation) -> Bool {
        op.category == "create" || op.category == "configure" || op.category == "import"
    }

    /// The key operation a record describes, or `nil` when it is not a transit key operation.
    static func event(from r: AuditLogRecord) -> Event? {
        guard let req = r.request, let path = req.path, let operation = req.operation,
              let shape = shape(operation: operation, path: path, mountPoint: req.mountPoint, mountType: req.mountType,
                                namespacePath: req.namespace?.path) else { return nil }
        var settings: [String: AuditScalar] = [:]
        if recordsSettings(shape.operation) {
            for (k, v) in (req.data ?? [:]) where settingNames.contains(k) { settings[k] = v }
        }
        return Event(time: r.time.map(normalize), operation: shape.operation, key: shape.key, namespace: shape.namespace,
                     principal: r.principal, denied: r.denied, error: r.errorText, settings: settings)
    }

    /// An RFC 3339 time cut to whole seconds in UTC (`2024-09-03T10:00:00Z`), so times compare as strings.
    static func normalize(_ time: String) -> String {
        // Fast path, no copy: an ASCII `…THH:MM:SS…Z` (what the audit device writes).
        var t = time
        let cut: String? = t.withUTF8 { u in
            guard u.count >= 20, u[u.count - 1] == UInt8(ascii: "Z"), u[10] == UInt8(ascii: "T"), u.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: 20) { out in
                _ = out.initialize(from: u[0..<19])
                out[19] = UInt8(ascii: "Z")
                return 20
            }
        }
        if let cut { return cut }
        let chars = Array(time.utf8)
        if chars.count >= 20, time.hasSuffix("Z"), chars[10] == UInt8(ascii: "T") {
            return String(decoding: chars[0..<19], as: UTF8.self) + "Z"
        }
        return DateParsing.parse(time).map(DateParsing.iso) ?? time
    }

    /// `1 error occurred:\n\t* deletion is not allowed for this key\n\n` → `deletion is not allowed for this key`.
    static func oneLine(_ error: String) -> String {
        let lines = error.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let bullets = lines.filter { $0.hasPrefix("* ") }.map { String($0.dropFirst(2)) }
        return (bullets.isEmpty ? lines : bullets).joined(separator: "; ")
    }
}
