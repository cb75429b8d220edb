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
        Exit codes: 0 no failure; 1 failures (after all reports are written; with --fail-on new, new failures only); \
        2 an expired waiver or a waiver failing AG-7 and no other failure, or inconclusive or manual results beyond \
        --fail-on; 64 usage error, or a path that cannot be opened; 65 a file that was read but is invalid (catalog, \
        assessment file, waiver file, bundle); 69 a required target unreachable.
        """,
        version: CEKAuditVersion.current,
        subcommands: [Assess.self, Collect.self, Probe.self, Evaluate.self, Diff.self, Controls.self, Sources.self, CAIQ.self],
        defaultSubcommand: nil)

    /// Without a subcommand there is nothing to do: the help goes to stderr and the exit status is 64 (usage error),
    /// so a script that forgot the subcommand does not pass.
    func run() async throws {
        FileHandle.standardError.write(Data((CEKAudit.helpMessage() + "\n").utf8))
        throw CEKExit.usage
    }
}

/// Process exit codes (README, "Exit codes"; sysexits.h for 64, 65 and 69).
enum CEKExit {
    static let failures = ExitCode(1)
    /// Inconclusive or manual results beyond `--fail-on`, or a waiver register needing attention.
    static let inconclusive = ExitCode(2)
    static let usage = ExitCode(64)
    static let invalidInput = ExitCode(65)
    static let unavailable = ExitCode(69)

    /// The one rule for an input named on the command line or by the assessment file: a path that does not exist or
    /// cannot be opened is a usage error (64); a file that was read but is invalid is invalid input (65).
    static func status(for error: CEKAuditError) -> ExitCode {
        error.isUnopenablePath ? usage : invalidInput
    }
}

/// Where the control catalog comes from.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Control catalog YAML: one file, or the root file of a catalog split into files (default: Controls/CEK-08.yaml).", valueName: "file"))
    var controls: String?

    /// Resolves the catalog's root file: `--controls`, `$CEK_AUDIT_CONTROLS`, `./Controls/CEK-08.yaml`, then the
    /// `Controls/` folder above the executable (a build inside the repository). The root file of the shipped
    /// catalog includes the files under `Controls/CEK-08/`, which the loader finds beside it.
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
            throw Console.fail(e)
        }
    }
}

/// Terminal output: stdout for what the user asked for, stderr for progress and diagnostics.
///
/// Everything printed is a ``ConsoleText``: its literal parts are the tool's own words and print as written, newlines
/// included; every interpolated value is treated as coming from an input (a file, a server, a catalog) and goes
/// through ``neutralize(_:)``, so a key alias, a principal or a file name can neither start a line of its own (a
/// forged `  AG-1   pass` in the summary) nor drive the terminal. Every line is scrubbed of the run's credentials
/// (``Pipeline/credentials``) in every encoding, so a token a server echoed never reaches the terminal either.
enum Console {
    static func out(_ text: ConsoleText) { print(Pipeline.credentials.scrub(text.text)) }

    static func error(_ text: ConsoleText) {
        FileHandle.standardError.write(Data((Pipeline.credentials.scrub(text.text) + "\n").utf8))
    }

    /// Prints `error` on stderr and returns the exit status it calls for (``CEKExit/status(for:)``).
    static func fail(_ error: CEKAuditError) -> ExitCode {
        Console.error("\(error.errorDescription ?? "\(error)")")
        return CEKExit.status(for: error)
    }

    /// `s` with every control character replaced by U+FFFD (``TerminalText/neutralize(_:)``).
    static func neutralize(_ s: String) -> String { TerminalText.neutralize(s) }
}

/// Text for the terminal, built with string interpolation: literals are the tool's own, interpolated values are
/// neutralized (``Console/neutralize(_:)``). `\(lines: text, indent: "  ")` keeps the line structure of a multi-line
/// input value (a catalog procedure) under the tool's control: each of its lines is neutralized and printed indented;
/// `\(trusted: text)` is for text the tool generated from its own constants only.
struct ConsoleText: ExpressibleByStringInterpolation {
    fileprivate(set) var text: String

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + 16 * interpolationCount) }

        mutating func appendLiteral(_ literal: String) { text += literal }

        /// A value from an input: printed on the current line, whatever it holds.
        mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            text += Console.neutralize(value.description)
        }

        /// A multi-line value from an input: its lines, each neutralized, the second and later ones indented.
        mutating func appendInterpolation(lines value: String, indent: String) {
            var lines = value.split(separator: "\n", omittingEmptySubsequences: false).map { Console.neutralize(String($0)) }
            while lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }   // a YAML block scalar's final newline
            text += lines.joined(separator: "\n" + indent)
        }

        /// Text the tool made from its own constants (a table of the collector registry). Never a value from an input.
        mutating func appendInterpolation(trusted value: String) { text += value }
    }
}
