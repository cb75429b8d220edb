import ArgumentParser
import CEKAuditCore
import Foundation

/// `cek-audit`: audits whether a key-management service lets its customers manage their own data encryption keys
/// (CSA AICM control CEK-08, CAIQ question CEK-08.1).
@main
struct CEKAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cek-audit",
        abstract: "Audit customer key management (CSA AICM CEK-08) from infrastructure code, key policies and more.",
        discussion: """
        Exit codes: 0 no failure; 1 failures (after all reports are written); 2 inconclusive or manual results \
        beyond --fail-on; 64 usage error; 65 invalid controls or assessment file; 69 a required target unreachable.
        """,
        version: CEKAuditVersion.current,
        subcommands: [Assess.self, Collect.self, Evaluate.self, Controls.self, Sources.self],
        defaultSubcommand: nil)
}

/// Process exit codes (README, "Exit codes"; sysexits.h for 64, 65 and 69).
enum CEKExit {
    static let failures = ExitCode(1)
    static let inconclusive = ExitCode(2)
    static let usage = ExitCode(64)
    static let invalidInput = ExitCode(65)
    static let unavailable = ExitCode(69)
}

/// Where the control catalog comes from.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Control catalog YAML (default: Controls/CEK-08.yaml).", valueName: "file"))
    var controls: String?

    /// Resolves the catalog path: `--controls`, `$CEK_AUDIT_CONTROLS`, `./Controls/CEK-08.yaml`, then the
    /// `Controls/` folder above the executable (a build inside the repository).
    func catalogPath(assessmentDefault: String? = nil) throws -> String {
        if let controls { return controls }
        if let assessmentDefault { return assessmentDefault }
        if let env = ProcessInfo.processInfo.environment["CEK_AUDIT_CONTROLS"], !env.isEmpty { return env }
        let local = "Controls/CEK-08.yaml"
        if FileManager.default.fileExists(atPath: local) { return local }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("Controls/CEK-08.yaml").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        throw ValidationError("No control catalog found. Run from the repository folder, or pass --controls FILE.")
    }

    /// Loads the catalog, printing a located error and exiting 65 when it is invalid.
    func load(assessmentDefault: String? = nil) throws -> Catalog {
        let path = try catalogPath(assessmentDefault: assessmentDefault)
        do {
            return try CatalogLoader.load(path: path)
        } catch let e as CEKAuditError {
            Console.error(e.errorDescription ?? "\(e)")
            // A catalog that does not exist is a usage error; one that is malformed is invalid input.
            if case .unreadable = e { throw CEKExit.usage }
            throw CEKExit.invalidInput
        }
    }
}

/// Terminal output: stdout for what the user asked for, stderr for progress and diagnostics. Every line is scrubbed of
/// the run's credentials (``Pipeline/credentials``) and stripped of control characters, so neither a token a server
/// echoed nor a file's escape sequences reach the terminal.
enum Console {
    static func out(_ s: String) { print(safe(s)) }

    static func error(_ s: String) {
        FileHandle.standardError.write(Data((safe(s) + "\n").utf8))
    }

    /// Replaces C0/C1 control characters (except newline and tab) and the bidirectional overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069, which can reorder what a terminal shows) with U+FFFD.
    static func safe(_ s: String) -> String {
        String(String.UnicodeScalarView(Pipeline.credentials.scrub(s).unicodeScalars.map { scalar in
            let v = scalar.value
            if v == 0x0A || v == 0x09 { return scalar }
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                return "\u{FFFD}"
            }
            return scalar
        }))
    }
}
