import CEKAuditCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of log scans for a person watching a terminal: files and bytes done of the total, the rate and the time
/// left, as one line on stderr redrawn in place (`\r`, then erase to the end of the line, ECMA-48 EL) at most
/// ``minimumInterval`` apart. Collectors announce the files of a scan (``begin(files:bytes:)``) and report each one
/// read (``fileDone(bytes:)``); the totals add up across concurrent scans. Bytes are the files' sizes on disk
/// (compressed for `.json.gz`), the only total known before reading.
///
/// Live collectors report keys the same way: ``keysListed(_:target:region:)`` once a region's listing is read, and
/// ``keyDone(target:region:)`` per key described; the line then shows keys done of those listed so far, the rate
/// and the target/regions still in progress.
///
/// Only the CLI creates one, and only when stderr is a terminal and `-q` is not given (``shouldShow(quiet:stderrIsTerminal:)``):
/// nothing is written to a pipe, a file or a report.
public final class ScanProgress: Sendable {
    /// Shortest time between two redraws: at most ten per second.
    public static let minimumInterval: Double = 0.1

    struct State {
        var filesTotal = 0
        var bytesTotal: Int64 = 0
        var filesDone = 0
        var bytesDone: Int64 = 0
        var started: Double?
        var lastDraw: Double = -.infinity
        var drawn = false
        /// Live collection: keys listed and done per "target region", in the order first listed.
        var live: [String: (done: Int, total: Int)] = [:]
        var liveOrder: [String] = []
        var liveStarted: Double?
        /// Whether the live part has been drawn once: the first key is shown at once, however recent the last draw.
        var liveDrawn = false
    }

    private let state = Mutex(State())
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double

    /// - Parameters:
    ///   - write: where the control sequences and text go (the CLI: stderr, unbuffered).
    ///   - clock: seconds on a monotonic clock (tests pass their own).
    public init(write: @escaping @Sendable (String) -> Void, clock: @escaping @Sendable () -> Double = ScanProgress.monotonicSeconds) {
        self.write = write
        self.clock = clock
    }

    /// Whether progress is shown: stderr is a terminal (`isatty(2)`) and `-q` was not given.
    public static func shouldShow(quiet: Bool, stderrIsTerminal: Bool = isatty(STDERR_FILENO) == 1) -> Bool {
        !quiet && stderrIsTerminal
    }

    /// Seconds since an arbitrary origin, from `CLOCK_MONOTONIC`.
    @Sendable public static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Announces `files` files holding `bytes` bytes on disk that a scan is about to read.
    public func begin(files: Int, bytes: Int64) {
        let now = clock()
        state.withLock { s in
            if s.started == nil { s.started = now }
            s.filesTotal += files
            s.bytesTotal += bytes
        }
    }

    /// Reports one file read (`bytes` on disk); redraws the line when the last redraw is ``minimumInterval`` old.
    public func fileDone(bytes: Int64) {
        let now = clock()
        // Written under the lock: a line computed earlier never lands after a later one.
        state.withLock { s in
            s.filesDone += 1
            s.bytesDone += bytes
            let finished = s.filesDone >= s.filesTotal
            guard finished || now - s.lastDraw >= Self.minimumInterval else { return }
            s.lastDraw = now
            s.drawn = true
            write("\r" + Self.render(s, now: now) + "\u{1B}[K")
        }
    }

    /// Announces `count` keys listed in `region` of live target `target` (added to what that region listed before).
    public func keysListed(_ count: Int, target: String, region: String) {
        let now = clock()
        let name = Self.name(target: target, region: region)
        state.withLock { s in
            if s.liveStarted == nil { s.liveStarted = now }
            if s.live[name] == nil { s.liveOrder.append(name) }
            s.live[name, default: (0, 0)].total += count
        }
    }

    /// Reports one key of `target`'s `region` described; redraws the line when the last redraw is
    /// ``minimumInterval`` old (more listings may follow, so a region finishing is no reason to draw sooner), and at
    /// the first key, so that collection shows as soon as it starts.
    public func keyDone(target: String, region: String) {
        let now = clock()
        let name = Self.name(target: target, region: region)
        state.withLock { s in
            if s.live[name] == nil { s.liveOrder.append(name) }
            s.live[name, default: (0, 0)].done += 1
            guard !s.liveDrawn || now - s.lastDraw >= Self.minimumInterval else { return }
            s.lastDraw = now
            s.drawn = true
            s.liveDrawn = true
            write("\r" + Self.render(s, now: now) + "\u{1B}[K")
        }
    }

    /// "target region" as the line shows it: region names come from the server (an OpenBao mount, a Key Vault name),
    /// so control characters are neutralized (``TerminalText/neutralize(_:)``) and each part is cut at 64 characters.
    static func name(target: String, region: String) -> String {
        func part(_ s: String) -> String { TerminalText.neutralize(s.count > 64 ? String(s.prefix(63)) + "…" : s) }
        return region.isEmpty ? part(target) : "\(part(target)) \(part(region))"
    }

    /// The whole line: log scans, live collection, or both separated by ` | ` (a finished scan is left out once
    /// keys are being collected).
    static func render(_ s: State, now: Double) -> String {
        var parts: [String] = []
        if s.filesTotal > 0, s.live.isEmpty || s.filesDone < s.filesTotal {
            parts.append(line(filesDone: s.filesDone, filesTotal: s.filesTotal, bytesDone: s.bytesDone, bytesTotal: s.bytesTotal,
                              elapsed: now - (s.started ?? now)))
        }
        if !s.live.isEmpty {
            let regions = s.liveOrder.map { (name: $0, done: s.live[$0]?.done ?? 0, total: max(s.live[$0]?.total ?? 0, s.live[$0]?.done ?? 0)) }
            parts.append(liveLine(regions: regions, elapsed: now - (s.liveStarted ?? now)))
        }
        return parts.joined(separator: " | ")
    }

    /// The live part of the line, e.g.
    /// `Collecting keys: 170 of 610 listed so far, 17.0 keys/s; tenant-a us-east-1 120/400, tenant-a eu-west-1 40/200`:
    /// keys described of those listed so far (more regions, accounts or mounts may still be listed, so no time left
    /// is promised), the rate, and the target/regions still in progress, at most ``shownRegions`` of them, then
    /// `+N more`.
    /// - Parameters:
    ///   - regions: per "target region": keys done and listed, in the order first listed.
    ///   - elapsed: seconds since the first listing; the rate is shown once it is above zero.
    public static func liveLine(regions: [(name: String, done: Int, total: Int)], elapsed: Double) -> String {
        let done = regions.reduce(0) { $0 + $1.done }, total = regions.reduce(0) { $0 + max($1.total, $1.done) }
        var text = "Collecting keys: \(done) of \(total) listed so far"
        if elapsed > 0, done > 0 { text += String(format: ", %.1f keys/s", Double(done) / elapsed) }
        let open = regions.filter { $0.done < $0.total }
        if !open.isEmpty {
            text += "; " + open.prefix(shownRegions).map { "\($0.name) \($0.done)/\($0.total)" }.joined(separator: ", ")
            if open.count > shownRegions { text += ", +\(open.count - shownRegions) more" }
        }
        return text
    }

    /// How many target/regions in progress the live part names.
    public static let shownRegions = 3

    /// Erases the line, if one was drawn, so that the messages that follow start on a clean line.
    public func finish() {
        let drawn = state.withLock { s in
            defer { s.drawn = false }
            return s.drawn
        }
        if drawn { write("\r\u{1B}[K") }
    }

    /// The progress line, e.g. `Scanning logs: 120/2285 files, 57.3/1100.0 MB (5%), 612.4 MB/s, 1m47s left`.
    /// - Parameters:
    ///   - bytesDone, bytesTotal: bytes on disk (MB are 10^6 bytes).
    ///   - elapsed: seconds since the first scan began; rate and time left are shown once it is above zero.
    public static func line(filesDone: Int, filesTotal: Int, bytesDone: Int64, bytesTotal: Int64, elapsed: Double) -> String {
        let mb = { (b: Int64) in String(format: "%.1f", Double(b) / 1e6) }
        let percent = bytesTotal > 0 ? Int(Double(bytesDone) * 100 / Double(bytesTotal)) : (filesTotal > 0 ? filesDone * 100 / filesTotal : 100)
        var text = "Scanning logs: \(filesDone)/\(filesTotal) files, \(mb(bytesDone))/\(mb(bytesTotal)) MB (\(percent)%)"
        if elapsed > 0, bytesDone > 0 {
            let rate = Double(bytesDone) / elapsed
            text += String(format: ", %.1f MB/s", rate / 1e6)
            let left = Double(max(0, bytesTotal - bytesDone)) / rate
            text += ", " + duration(left) + " left"
        }
        return text
    }

    /// `42s`, `1m47s`, `2h05m`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
