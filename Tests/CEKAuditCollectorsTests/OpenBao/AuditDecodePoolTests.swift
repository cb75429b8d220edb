@testable import CEKAuditOpenBao
import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation
import Testing

/// The decoding threads of the OpenBao audit-log collector (``AuditDecodePool``) and the sliced hashing of
/// ``AuditLogChunkReader`` that runs on them beside the reading.
struct AuditDecodePoolTests {
    /// A counter the tasks add to under a lock.
    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var seen: [Int] = []
        var threads: Set<UInt> = []
        func add(_ n: Int) {
            lock.lock()
            seen.append(n)
            threads.insert(UInt(pthread_self()))
            lock.unlock()
        }
    }

    /// Every task of every batch runs exactly once, on the pool's own threads (at most `threads` of them, never the caller's), and a countdown returns only after its
    /// batch has ended.
    @Test func everyTaskRunsOnceAndTheCountdownWaitsForItsBatch() {
        for threads in [1, 2, 3] {
            let pool = AuditDecodePool(threads: threads)
            let tally = Tally()
            var countdowns: [AuditDecodePool.Countdown] = []
            for batch in 0..<20 {
                let countdown = AuditDecodePool.Countdown(10)
                countdowns.append(countdown)
                pool.submit((0..<10).map { i in
                    { @Sendable in
                        if i == 0 { usleep(50) }
                        tally.add(batch * 10 + i)
                        countdown.done()
                    }
                })
            }
            countdowns[0].wait()
            tally.lock.lock()
            let early = Set(tally.seen)
            tally.lock.unlock()
            #expect(Set(0..<10).isSubset(of: early), "\(threads) thread(s)")
            for c in countdowns { c.wait() }
            #expect(tally.seen.sorted() == Array(0..<200), "\(threads) thread(s)")
            #expect(!tally.threads.contains(UInt(pthread_self())) && tally.threads.count <= threads, "\(threads) thread(s)")
            pool.shutdown()
        }
    }

    /// Tasks still queued when the pool shuts down are run, not dropped.
    @Test func shutdownRunsWhatIsQueued() {
        let pool = AuditDecodePool(threads: 2)
        let tally = Tally()
        pool.submit((0..<100).map { i in { @Sendable in usleep(20); tally.add(i) } })
        pool.shutdown()
        #expect(tally.seen.sorted() == Array(0..<100))
    }

    /// Runs larger than a hash slice, hashed on the pool while the reader reads on (as the collector does): the digest
    /// is that of the file, whatever the refill size, and every line comes out whole.
    @Test func slicedHashingBesideTheReaderGivesTheFileDigest() throws {
        var bytes: [UInt8] = []
        var n = 0
        while bytes.count < 5 * AuditLogChunkReader.hashSlice / 2 {
            bytes += Array("{\"line\":\(n),\"pad\":\"\(String(repeating: "p", count: n % 300))\"}\(n % 4 == 0 ? "\r\n" : "\n")".utf8)
            n += 1
        }
        bytes += Array("{\"last\":true}".utf8)   // no newline
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-pool-\(UUID().uuidString).log")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        for chunk in [700_000, AuditLogChunkReader.hashSlice + 3, 3 * AuditLogChunkReader.hashSlice] {
            let reader = try AuditLogChunkReader(path: url.path, chunkSize: chunk)
            let box = AuditLogChunkReaderTests.ReaderBox(reader: reader)
            let pool = AuditDecodePool(threads: 2)
            var lines = 0
            var pending: [AuditDecodePool.Countdown] = []
            while let piece = try reader.next() {
                // The run before last is done with before this next() reuses its buffer (the collector's rule).
                guard case .lines(let run, let readUpTo) = piece else { Issue.record("no line is too long here"); break }
                lines += run.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                let countdown = AuditDecodePool.Countdown(1)
                pool.submit([{ box.reader.hash(upTo: readUpTo); countdown.done() }])
                pending.append(countdown)
                while pending.count > 1 { pending.removeFirst().wait() }
            }
            for c in pending { c.wait() }
            pool.shutdown()
            #expect(lines == n, "chunk \(chunk)")
            #expect(reader.finishDigest() == digest, "chunk \(chunk)")
        }
    }

    /// A task's closure, and whatever it holds (a decoded run), is released once the task has run, even while later
    /// tasks are still queued: the collector queues the next run before it waits for the one before, so the queue
    /// may not drain until the file ends.
    @Test func aTaskIsReleasedOnceItHasRunWhileOthersWait() throws {
        final class Payload: @unchecked Sendable {}
        final class Weak: @unchecked Sendable { weak var payload: Payload? }
        let pool = AuditDecodePool(threads: 1)
        let ran = DispatchSemaphore(value: 0), running = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let weak = Weak()
        do {
            let payload = Payload()
            weak.payload = payload
            pool.submit([
                { @Sendable in withExtendedLifetime(payload) {}; ran.signal() },
                { @Sendable in running.signal(); release.wait() },
                { @Sendable in },
            ])
        }
        #expect(ran.wait(timeout: .now() + 10) == .success)
        #expect(running.wait(timeout: .now() + 10) == .success)
        #expect(weak.payload == nil, "the first task's closure was let go while the third still waits")
        release.signal()
        pool.shutdown()
    }
}
