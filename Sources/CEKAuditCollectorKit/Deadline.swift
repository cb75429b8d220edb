import Foundation

/// Runs an operation against a deadline and returns as soon as either finishes: the operation's result, or
/// `onTimeout` once `seconds` have passed. On timeout (or when the caller is cancelled) the operation is cancelled and
/// left to wind down on its own, so a transport that ignores cancellation cannot hold the caller past its deadline.
public enum Deadline {
    /// - Throws: what the operation throws, `onTimeout()` at the deadline, or `CancellationError` when cancelled.
    public static func run<T: Sendable>(seconds: Double, onTimeout: @escaping @Sendable () -> any Error,
                                        _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.attach(continuation)
                let work = Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                    race.finish(.failure(onTimeout()))
                }
                race.track([work, timer])
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The first result wins; later ones are dropped. Thread-safe.
    final class Race<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?
        private var result: Result<T, any Error>?
        private var tasks: [Task<Void, Never>] = []
        private var done = false

        func attach(_ c: CheckedContinuation<T, any Error>) {
            lock.lock()
            if let result {
                lock.unlock()
                c.resume(with: result)
                return
            }
            continuation = c
            lock.unlock()
        }

        func track(_ t: [Task<Void, Never>]) {
            lock.lock()
            let finished = done
            if !finished { tasks = t }
            lock.unlock()
            if finished { t.forEach { $0.cancel() } }
        }

        func finish(_ r: Result<T, any Error>) {
            lock.lock()
            guard !done else { lock.unlock(); return }
            done = true
            let c = continuation
            continuation = nil
            if c == nil { result = r }
            let pending = tasks
            tasks = []
            lock.unlock()
            pending.forEach { $0.cancel() }
            c?.resume(with: r)
        }
    }
}
