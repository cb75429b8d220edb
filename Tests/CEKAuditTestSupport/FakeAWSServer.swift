import CEKAuditCore
import Foundation

/// Runs `fake_aws.py` (beside this file) — a scripted AWS endpoint on 127.0.0.1 — for one test, and reads its request
/// log. The server is the test's own: it starts on a free port, lives at most `maxSeconds`, and is stopped by pid.
public final class FakeAWSServer: @unchecked Sendable {
    let process: Process
    public let port: Int
    let directory: URL
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public enum Failure: Error { case noPort(String) }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_aws.py").path

    /// Starts a server answering `scenario` (`{"routes": [...]}`, see fake_aws.py).
    public init(scenario: [String: Any], maxSeconds: Int = 120) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cek-fake-aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scenarioURL = directory.appendingPathComponent("scenario.json")
        try JSONSerialization.data(withJSONObject: scenario, options: [.sortedKeys]).write(to: scenarioURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let python = ProcessInfo.processInfo.environment["CEK_AUDIT_PYTHON"] ?? "python3"
        p.arguments = [python, Self.script, scenarioURL.path, directory.appendingPathComponent("requests.jsonl").path,
                       String(maxSeconds)]
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

    /// Every request the server saw, in order: `op`, `service`, `region`, `body`, `signed_headers`, `header_names`.
    public func requests() -> [JSONValue] {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("requests.jsonl")) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8), source: "log") }
    }

    /// Operations requested, in order.
    public func operations() -> [String] { requests().compactMap { $0["op"]?.stringValue } }

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
