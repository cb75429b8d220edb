import Foundation

/// Runs `body` — a long, blocking piece of work (a child process, big file writing) — on a thread of its own and
/// awaits its result, so it does not hold one of the cooperative pool's few threads (two on a 2-core machine) that
/// every test's tasks share; blocking them starves the other suites' async tests into their time limits.
/// - Throws: what `body` throws.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread { c.resume(with: Result { try body() }) }
    }
}
