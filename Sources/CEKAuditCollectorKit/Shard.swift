import CEKAuditCore
import Foundation

/// One shard of an assessment's collection: `index` of `count` (1-based, as `collect --shard 2/3` writes it).
///
/// N runners given the same assessment and shards 1/N … N/N cover every unit of work exactly once: each unit (a
/// document file, a log or export source, a live target) belongs to the shard its id's SHA-256 selects, whatever the
/// runner, the order of the files or the other units (adding a file never moves another one).
public struct Shard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1 … count.
    public var index: Int
    /// Number of shards, ≥ 1.
    public var count: Int

    /// Creates a shard; `index` must be in 1 … `count`.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// `2/3`.
    public var description: String { "\(index)/\(count)" }

    /// Parses `i/N` (1 ≤ i ≤ N ≤ 10,000); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 10_000, i >= 1, i <= n else { return nil }
        self.init(index: i, count: n)
    }

    /// The shard (1 … `count`) a unit belongs to: the first eight bytes of the SHA-256 of its id, modulo `count`.
    public static func owner(of unit: String, count: Int) -> Int {
        let hex = SHA256Hex.digest(Data(unit.utf8))
        let value = UInt64(hex.prefix(16), radix: 16) ?? 0
        return Int(value % UInt64(max(count, 1))) + 1
    }
}

/// The shard a collection runs as, handed to live collectors whose targets divide their work
/// (``EvidenceCollector/divides(_:)``): an organization's member accounts, the projects below a folder, a tenant's
/// subscriptions. Every shard runs such a target's listing (the same call, so every shard knows every member); each
/// member is a unit `target:<target>/<member>` collected only by the shard that owns it, and recorded here so the
/// bundle can say which shard covers which member — a merge then names what a missing shard would have covered.
///
/// Thread-safe: members are recorded from concurrent tasks.
public final class ShardScope: @unchecked Sendable {
    // @unchecked: `units` is only touched under `lock`.
    /// One member unit found while collecting.
    public struct Unit: Sendable, Hashable {
        /// `target:<target>/<member>`.
        public var id: String
        /// The target's kind (`aws-kms`, `gcp-kms`, `azure-keyvault`).
        public var kind: String
        /// `target <target>/<member>`: the source a coverage row of a missing member names.
        public var source: String
        /// The shard that owns it (1 … count).
        public var shard: Int
        /// What it supplies.
        public var resourceTypes: [ResourceType]
        /// The owner could not reach it at all (``markUnreachable(target:member:)``).
        public var unreachable = false
    }

    /// The shard this collection runs as.
    public let shard: Shard
    private let lock = NSLock()
    private var found: [String: Unit] = [:]

    /// A scope for `shard`.
    public init(shard: Shard) { self.shard = shard }

    /// Whether this shard collects member `member` of target `target`; records the member either way.
    /// - Parameters:
    ///   - target: the target's name in the assessment file.
    ///   - member: the member's id (account id, project id, subscription id).
    ///   - kind: the target's kind.
    ///   - resourceTypes: what collecting the member supplies (for the coverage rows of a missing shard).
    public func owns(target: String, member: String, kind: String, resourceTypes: [ResourceType]) -> Bool {
        let id = "target:\(target)/\(member)"
        let owner = Shard.owner(of: id, count: shard.count)
        lock.lock()
        found[id] = Unit(id: id, kind: kind, source: "target \(target)/\(member)", shard: owner, resourceTypes: resourceTypes)
        lock.unlock()
        return owner == shard.index
    }

    /// Records that member `member` of target `target`, collected by this shard, could not be reached at all (a
    /// member account whose role could not be assumed): a merge then knows whether every member of the target was
    /// unreachable, as an unsharded run does.
    public func markUnreachable(target: String, member: String) {
        lock.lock()
        found["target:\(target)/\(member)"]?.unreachable = true
        lock.unlock()
    }

    /// Every member recorded so far, in id order.
    public var units: [Unit] {
        lock.lock()
        defer { lock.unlock() }
        return found.values.sorted { $0.id < $1.id }
    }
}
