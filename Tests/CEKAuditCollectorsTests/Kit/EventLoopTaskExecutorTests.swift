import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Live targets are collected on the HTTP client's event loops (`EventLoopTaskExecutor`), the tasks they start
/// included, so an answer is read on the thread that received it; the rest of a run stays on Swift's own pool.
struct EventLoopTaskExecutorTests {
    static var onEventLoop: Bool { MultiThreadedEventLoopGroup.currentEventLoop != nil }

    /// A live collector that notes, for its target, where it ran and where eight child tasks ran after a suspension.
    struct ThreadProbe: LiveCollector {
        let kind = "thread-probe"
        let reads = "nothing: it notes which threads it runs on"
        let example = "{kind: thread-probe, name: a}"
        let suppliedTypes: [ResourceType] = [.key]
        let seen: NIOLockedValueBox<[String: [Bool]]>

        func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet {
            var places = [EventLoopTaskExecutorTests.onEventLoop]
            places += await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try? await Task.sleep(nanoseconds: 1_000_000)
                        return EventLoopTaskExecutorTests.onEventLoop
                    }
                }
                var all: [Bool] = []
                for await p in group { all.append(p) }
                return all
            }
            seen.withLockedValue { $0[target.name] = places }
            return FactSet()
        }
    }

    @Test func liveTargetsAndTheirChildTasksRunOnTheEventLoops() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-el-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        schema_version: 1
        name: threads
        targets:
          - {kind: thread-probe, name: a}
          - {kind: thread-probe, name: b}
          - {kind: thread-probe, name: c}
        """.write(to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
        let probe = ThreadProbe(seen: NIOLockedValueBox([:]))
        let registry = CollectorRegistry.builtIn.replacing([probe])
        let plan = try AssessmentPlan.make(path: dir.path, registry: registry)
        _ = await CollectionRunner(registry: registry).collect(plan, context: CollectionContext(now: Date(timeIntervalSince1970: 1_700_000_000)))
        let seen = probe.seen.withLockedValue { $0 }
        #expect(seen.keys.sorted() == ["a", "b", "c"])
        for (name, places) in seen {
            #expect(places.count == 9 && places.allSatisfy { $0 }, "target \(name): \(places)")
        }
        // The caller itself was not moved: only the targets' tasks prefer the loops.
        #expect(!Self.onEventLoop)
    }

    @Test func jobsEnqueuedFromALoopStayOnIt() async {
        let loops = await withTaskExecutorPreference(EventLoopTaskExecutor.singleton) { () -> [ObjectIdentifier] in
            var seen: [ObjectIdentifier] = []
            for _ in 0..<20 {
                guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return [] }
                seen.append(ObjectIdentifier(loop))
                await Task.yield()
            }
            return seen
        }
        #expect(loops.count == 20)
        #expect(Set(loops).count == 1, "a task resumed on the loop it was suspended on")
    }
}
