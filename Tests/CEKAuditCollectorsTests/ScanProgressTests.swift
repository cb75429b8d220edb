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
