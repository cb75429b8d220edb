import NIOCore
import NIOPosix

/// A Swift Concurrency task executor (SE-0417) that runs jobs on the event loops of SwiftNIO's singleton group: the
/// loops every ``PooledHTTPClient`` connection lives on.
///
/// Live collection runs its tasks with this executor preferred, so an answer is read on the thread that received it.
/// On the default executor every answer was handed from an event loop to Swift's cooperative pool: a futex wake-up
/// and a context switch per request, about a fifth of the client CPU of a 1,000-key OpenBao collection
/// (`Benchmarks/openbao-collection.sh`). A job enqueued from one of the group's loops stays on that loop; any other
/// goes to the group's next loop.
///
/// Code run under it must not block a thread for long (no `EventLoopFuture.wait()`, which SwiftNIO refuses on an
/// event loop, no waiting on a condition another task signals): a blocked loop also stalls the connections it serves.
/// Live collectors only send requests and read their answers.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let group: MultiThreadedEventLoopGroup

    /// The executor over `MultiThreadedEventLoopGroup.singleton` (one loop per core).
    public static let singleton = EventLoopTaskExecutor(group: .singleton)

    init(group: MultiThreadedEventLoopGroup) { self.group = group }

    /// Runs `job` on the current event loop if the caller is on one of the group's loops, otherwise on the next loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
