import Foundation

/// How many requests one live target may still send: the backstop that ends any walk a server can stretch (endless
/// listings, ever more namespaces, mounts or policies). Shared by every concurrent task of a collection; each attempt,
/// retries included, takes one request. Once spent, a client answers without sending, and the caller turns that into
/// unknown facts and failed coverage like any other failed call, so what was cut off is inconclusive, never a pass.
public final class RequestBudget: @unchecked Sendable {
    // @unchecked: `used` is only read or changed under `lock`.
    private let lock = NSLock()
    private var used = 0
    /// Requests allowed in all.
    public let limit: Int
    /// The option that sets the limit, for messages (`max_requests`).
    public let option: String

    /// - Parameters:
    ///   - limit: requests allowed in all (at least 1).
    ///   - option: the target option that sets it, named in ``exhaustedReason``.
    public init(limit: Int, option: String = "max_requests") {
        self.limit = max(1, limit)
        self.option = option
    }

    /// Takes one request. Returns `false`, and takes nothing, once ``limit`` requests were taken.
    public func take() -> Bool {
        lock.withLock {
            guard used < limit else { return false }
            used += 1
            return true
        }
    }

    /// Requests taken so far.
    public var spent: Int { lock.withLock { used } }

    /// Whether a request was refused.
    public var isExhausted: Bool { lock.withLock { used >= limit } }

    /// Why a call was not sent: `not sent: the limit of 500 requests (max_requests) was reached`.
    public var exhaustedReason: String { "not sent: the limit of \(limit) requests (\(option)) was reached" }
}
