import Foundation

/// Runs the built `cek-audit` executable, as a user would.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The executable next to the test bundle (SwiftPM builds it first: the test target depends on it).
    static var executable: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cek-audit")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return packageRoot.appendingPathComponent(".build/debug/cek-audit")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `cek-audit args…` in the package root (so paths in reports are relative, as in the README).
    /// - Parameter timeout: seconds after which the process is killed (by its pid); its status then shows the signal.
    static func run(_ args: [String], environment: [String: String] = [:], timeout: TimeInterval? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SOURCE_DATE_EPOCH")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let timeout {
            let pid = p.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [p] in
                if p.isRunning { kill(pid, SIGKILL) }
            }
        }
        // Both pipes are drained at once: a child that fills one while the other is read would block forever.
        let errors = DrainedPipe(err)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = errors.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// ``run(_:environment:timeout:)`` on a thread of its own, so a long run does not hold one of the few threads the
    /// tests' tasks share (a timing test elsewhere would otherwise wait for it).
    static func runDetached(_ args: [String], environment: [String: String] = [:], timeout: TimeInterval? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Result, any Error>) in
            Thread.detachNewThread {
                c.resume(with: Swift.Result { try run(args, environment: environment, timeout: timeout) })
            }
        }
    }

    /// A fresh temporary folder.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Validates a JSON file against `Schemas/report.schema.json` with Python's `jsonschema` (Draft 2020-12),
    /// the validator `scripts/test.sh` installs (``Validators``). Returns the validator's complaint, or nil when
    /// valid. Without the validator it returns a complaint saying so when ``Validators/required``, and otherwise nil
    /// after printing that the file was not validated (tests that only validate are skipped before they get here).
    static func schemaErrors(_ report: URL) throws -> String? {
        guard Validators.jsonSchema else {
            if Validators.required {
                return "Python's jsonschema cannot be imported by \(Validators.python), and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires it (scripts/test.sh installs it)"
            }
            print("note: \(report.path) was not validated against Schemas/report.schema.json: \(Validators.jsonSchemaMissing)")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Validators.python, "-c", """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.path))
        for e in errs[:10]: print(list(e.path), e.message)
        sys.exit(1 if errs else 0)
        """, packageRoot.appendingPathComponent("Schemas/report.schema.json").path, report.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : String(decoding: o, as: UTF8.self)
    }
}

/// Reads a pipe to its end on a thread of its own.
final class DrainedPipe: @unchecked Sendable {
    // @unchecked: `data` is written once by the reading thread before `done` is signalled, and read after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// The bytes, once the writer closed the pipe.
    func wait() -> Data {
        done.wait()
        return data
    }
}
