import CEKAuditCore
import Foundation

/// A test's own HTTP server: a Python script beside this file, started for one test on a free 127.0.0.1 port, living
/// at most `maxSeconds`, stopped by its pid. The script takes `CONFIG.json LOG.jsonl MAX_SECONDS`, prints `PORT <n>`
/// once listening, and appends one JSON line per request to the log.
public final class LoopbackScriptServer: @unchecked Sendable {
    // @unchecked: `process` is only stopped from `stop()`; the rest is immutable.
    let process: Process
    public let port: Int
    let directory: URL
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public enum Failure: Error { case noPort(String) }

    /// Starts `script` (a file name beside this source file) with `config` written as its first argument.
    public init(script: String, config: [String: Any], maxSeconds: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cek-loopback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configURL = directory.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: configURL)
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script).path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let python = ProcessInfo.processInfo.environment["CEK_AUDIT_PYTHON"] ?? "python3"
        p.arguments = [python, path, configURL.path, directory.appendingPathComponent("requests.jsonl").path, String(maxSeconds)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            p.terminate()
            throw Failure.noPort(text)
        }
        self.port = port
    }

    /// Every request the server logged, in order.
    public func requests() -> [JSONValue] {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("requests.jsonl")) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8), source: "log") }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its folder.
    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
