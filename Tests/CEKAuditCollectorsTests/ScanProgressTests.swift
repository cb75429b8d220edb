@testable import CEKAuditCollectorKit
import Foundation
import Synchronization
import Testing

/// The progress line of log scans: its text, the terminal / `-q` decision, and the throttled in-place redraw.
struct ScanProgressTests {
    @Test func theLineShowsFilesBytesRateAndTimeLeft() {
        #expect(ScanProgress.line(filesDone: 120, filesTotal: 2285, bytesDone: 57_300_000, bytesTotal: 1_100_000_000, elapsed: 3)
                == "Scanning logs: 120/2285 files, 57.3/1100.0 MB (5%), 19.1 MB/s, 55s left")
        #expect(ScanProgress.line(filesDone: 0, filesTotal: 10, bytesDone: 0, bytesTotal: 5_000_000, elapsed: 0)
                == "Scanning logs: 0/10 files, 0.0/5.0 MB (0%)")
        #expect(ScanProgress.line(filesDone: 2, filesTotal: 4, bytesDone: 0, bytesTotal: 0, elapsed: 1)
                == "Scanning logs: 2/4 files, 0.0/0.0 MB (50%)")
        #expect(ScanProgress.duration(0.2) == "1s")
        #expect(ScanProgress.duration(107) == "1m47s")
        #expect(ScanProgress.duration(7500) == "2h05m")
    }

    @Test func shownOnlyOnATerminalAndNeverWithQuiet() {
        #expect(ScanProgress.shouldShow(quiet: false, stderrIsTerminal: true))
        #expect(!ScanProgress.shouldShow(quiet: false, stderrIsTerminal: false))
        #expect(!ScanProgress.shouldShow(quiet: true, stderrIsTerminal: true))
        #expect(!ScanProgress.shouldShow(quiet: true, stderrIsTerminal: false))
        // Under `swift test` stderr is a pipe or a file in CI: the default reads isatty(2).
        #expect(ScanProgress.shouldShow(quiet: false) == (isatty(STDERR_FILENO) == 1))
    }

    @Test func redrawsInPlaceAtMostTenTimesASecondAndErasesAtTheEnd() {
        let written = Mutex<[String]>([])
        let now = Mutex<Double>(100)
        let progress = ScanProgress(write: { text in written.withLock { $0.append(text) } }, clock: { now.withLock { $0 } })
        progress.begin(files: 5, bytes: 5_000_000)
        for t in [100.0, 100.05, 100.09, 100.2, 100.25] {
            now.withLock { $0 = t }
            progress.fileDone(bytes: 1_000_000)
        }
        progress.finish()
        let lines = written.withLock { $0 }
        // Drawn at 100.0, 100.2 and 100.25 (the last file always); 100.05 and 100.09 fall within 0.1 s of a draw.
        #expect(lines.count == 4)
        #expect(lines[0] == "\rScanning logs: 1/5 files, 1.0/5.0 MB (20%)\u{1B}[K")
        #expect(lines[1] == "\rScanning logs: 4/5 files, 4.0/5.0 MB (80%), 20.0 MB/s, 1s left\u{1B}[K")
        #expect(lines[2].hasPrefix("\rScanning logs: 5/5 files, 5.0/5.0 MB (100%)"))
        #expect(lines[3] == "\r\u{1B}[K")
        #expect(lines.allSatisfy { !$0.contains("\n") })
    }

    @Test func nothingIsErasedWhenNothingWasDrawn() {
        let written = Mutex<[String]>([])
        let progress = ScanProgress(write: { text in written.withLock { $0.append(text) } })
        progress.finish()
        #expect(written.withLock { $0 }.isEmpty)
    }
}

/// The live-collection part of the line: keys done of those listed so far per target and region, and the rate.
struct LiveProgressTests {
    @Test func theLiveLineShowsKeysListedSoFarTheRateAndTheRegionsInProgress() {
        let regions = [(name: "tenant-a us-east-1", done: 120, total: 400), (name: "tenant-a eu-west-1", done: 40, total: 200),
                       (name: "org/111122223333 us-east-1", done: 10, total: 10)]
        #expect(ScanProgress.liveLine(regions: regions, elapsed: 10)
                == "Collecting keys: 170 of 610 listed so far, 17.0 keys/s; tenant-a us-east-1 120/400, tenant-a eu-west-1 40/200")
        #expect(ScanProgress.liveLine(regions: [], elapsed: 0) == "Collecting keys: 0 of 0 listed so far")
        let many = (1...5).map { (name: "t r\($0)", done: 0, total: 2) }
        #expect(ScanProgress.liveLine(regions: many, elapsed: 0) == "Collecting keys: 0 of 10 listed so far; t r1 0/2, t r2 0/2, t r3 0/2, +2 more")
    }

    @Test func namesFromTheServerCannotDriveTheTerminal() {
        let written = Mutex<[String]>([])
        let progress = ScanProgress(write: { text in written.withLock { $0.append(text) } }, clock: { 1 })
        let hostile = "transit\u{1B}]0;owned\u{07}\r\nX\u{202E}/" + String(repeating: "m", count: 200)
        progress.keysListed(2, target: "bao", region: hostile)
        progress.keyDone(target: "bao", region: hostile)
        let line = written.withLock { $0 }.joined()
        #expect(!line.contains("\u{1B}]") && !line.contains("\u{07}") && !line.contains("\n") && !line.contains("\u{202E}"), "\(line)")
        #expect(line.contains("bao transit\u{FFFD}]0;owned\u{FFFD}\u{FFFD}\u{FFFD}X\u{FFFD}/mmm"))
        #expect(!line.contains(String(repeating: "m", count: 64)), "a name is cut at 64 characters")
    }

    @Test func keysRedrawTheLineThrottledShareItWithARunningScanAndDropAFinishedOne() {
        let written = Mutex<[String]>([])
        let now = Mutex<Double>(50)
        let progress = ScanProgress(write: { text in written.withLock { $0.append(text) } }, clock: { now.withLock { $0 } })
        progress.keysListed(3, target: "tenant-a", region: "us-east-1")
        progress.keysListed(1, target: "vault", region: "transit/")
        for (t, target, region) in [(50.0, "tenant-a", "us-east-1"), (50.01, "tenant-a", "us-east-1"), (50.5, "vault", "transit/")] {
            now.withLock { $0 = t }
            progress.keyDone(target: target, region: region)
        }
        progress.begin(files: 2, bytes: 2_000_000)
        now.withLock { $0 = 51 }
        progress.fileDone(bytes: 1_000_000)
        now.withLock { $0 = 51.01 }
        progress.keyDone(target: "tenant-a", region: "us-east-1")   // within 0.1 s of the last draw: not drawn
        now.withLock { $0 = 51.2 }
        progress.fileDone(bytes: 1_000_000)                            // the scan's last file: drawn, the scan part gone
        progress.finish()
        let lines = written.withLock { $0 }
        #expect(lines == [
            "\rCollecting keys: 1 of 4 listed so far; tenant-a us-east-1 1/3, vault transit/ 0/1\u{1B}[K",
            "\rCollecting keys: 3 of 4 listed so far, 6.0 keys/s; tenant-a us-east-1 2/3\u{1B}[K",
            "\rScanning logs: 1/2 files, 1.0/2.0 MB (50%), 2.0 MB/s, 1s left | Collecting keys: 3 of 4 listed so far, 3.0 keys/s; tenant-a us-east-1 2/3\u{1B}[K",
            "\rCollecting keys: 4 of 4 listed so far, 3.3 keys/s\u{1B}[K",
            "\r\u{1B}[K",
        ], "\(lines)")
    }
}
