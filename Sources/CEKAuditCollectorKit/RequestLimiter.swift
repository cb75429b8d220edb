import Foundation

/// A counting semaphore for structured concurrency: at most `limit` holders at once, waiters served in arrival order,
/// and a waiter whose task is cancelled leaves the queue at once (throwing `CancellationError`).
///
/// Every live collector takes one permit per HTTP attempt, so a target's `concurrency:` bounds the requests in flight
/// whatever the mix of regions, keys and pages; backoff waits hold no permit.
public actor RequestLimiter {
    public nonisolated let limit: Int
    private var available: Int
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0
    /// Highest number of permits held at once, for tests and the benchmark.
    public private(set) var highWater = 0
    /// Tasks waiting for a permit.
    public var waiting: Int { waiters.count }

    public init(limit: Int) {
        self.limit = max(1, limit)
        self.available = max(1, limit)
    }

    /// Runs `body` while holding a permit.
    /// - Throws: `CancellationError` when the task is cancelled while waiting, or what `body` throws.
    public nonisolated func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    func acquire() async throws {
        try Task.checkCancellation()
        if available > 0 {
            available -= 1
            noteHeld()
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled { c.resume(throwing: CancellationError()) } else { waiters.append((id, c)) }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    func release() {
        if waiters.isEmpty {
            available = min(limit, available + 1)
        } else {
            let w = waiters.removeFirst()
            w.continuation.resume()   // the permit passes straight to the waiter
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        let w = waiters.remove(at: i)
        w.continuation.resume(throwing: CancellationError())
    }

    private func noteHeld() {
        highWater = max(highWater, limit - available)
    }
}
