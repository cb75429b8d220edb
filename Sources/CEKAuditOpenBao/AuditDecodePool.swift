import Foundation

/// A fixed set of threads of its own that run the decoding tasks of the audit-log collector (hash a run, decode a share
/// of it), first in first out, for the life of one collection.
///
/// Why not Dispatch: the collector's reading and tallying thread blocks while it waits for a run, and on Linux the
/// global queues' thread pool is sized to the cores and widened only after a delay when a thread blocks; measured on
/// the 1 GB benchmark corpus, `concurrentPerform` ran the first second of the scan on a single thread. These threads
/// exist from the start, so every core decodes from the first run to the last.
///
/// Not a general executor: tasks must not block on one another. ``shutdown()`` runs the tasks still queued and stops
/// the threads; it must be called before the pool is dropped.
final class AuditDecodePool: @unchecked Sendable {
    /// The queue and the threads' state, shared with the threads (which do not keep the pool itself alive).
    private final class State: @unchecked Sendable {
        let condition = NSCondition()
        /// Guarded by `condition`. A task's place is emptied when a thread takes it: the closure, and the decoded run
        /// it holds, go as soon as it has run, not when the whole queue has drained (the next run is queued before the
        /// one before is waited for, so the queue may never drain until the file ends).
        var tasks: [(@Sendable () -> Void)?] = []
        var head = 0
        var stopping = false
        var alive = 0
    }

    private let state = State()
    /// Threads started.
    let threads: Int

    /// Starts `threads` threads (at least one), each with an 8 MiB stack (the exact reader recurses into nested JSON).
    init(threads: Int) {
        self.threads = Swift.max(1, threads)
        let state = self.state
        state.alive = self.threads
        for index in 0..<self.threads {
            let name = "cek-audit-decode-\(index)"
            let thread = Thread {
                Thread.current.name = name   // set from the thread itself: seen by Thread.current and by perf / top
                Self.work(state)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Queues `batch` behind the tasks already queued, in order.
    func submit(_ batch: [@Sendable () -> Void]) {
        state.condition.lock()
        state.tasks.append(contentsOf: batch.map { Optional($0) })
        state.condition.broadcast()
        state.condition.unlock()
    }

    /// Runs what is queued, then stops the threads and waits for them to end.
    func shutdown() {
        state.condition.lock()
        state.stopping = true
        state.condition.broadcast()
        while state.alive > 0 { state.condition.wait() }
        state.condition.unlock()
    }

    private static func work(_ s: State) {
        while true {
            s.condition.lock()
            while s.head == s.tasks.count, !s.stopping { s.condition.wait() }
            if s.head == s.tasks.count {
                s.alive -= 1
                s.condition.broadcast()
                s.condition.unlock()
                return
            }
            let task = s.tasks[s.head]
            s.tasks[s.head] = nil
            s.head += 1
            if s.head == s.tasks.count {
                s.tasks.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head >= 256, s.head * 2 >= s.tasks.count {
                // The emptied places in front go too, so the queue stays as long as what is waiting.
                s.tasks.removeFirst(s.head)
                s.head = 0
            }
            s.condition.unlock()
            task?()
        }
    }

    /// Counts down the tasks of one batch; ``wait()`` returns once every one has called ``done()``.
    final class Countdown: @unchecked Sendable {
        private let condition = NSCondition()
        private var remaining: Int

        /// A countdown over `count` tasks.
        init(_ count: Int) { remaining = count }

        /// Called by each task once, at its end.
        func done() {
            condition.lock()
            remaining -= 1
            if remaining == 0 { condition.broadcast() }
            condition.unlock()
        }

        /// Blocks until every task has called ``done()``.
        func wait() {
            condition.lock()
            while remaining > 0 { condition.wait() }
            condition.unlock()
        }
    }
}
