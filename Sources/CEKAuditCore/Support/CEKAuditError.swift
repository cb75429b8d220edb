import Foundation

/// Errors of the core library. Each says which file and, where known, which line and column, what is wrong and
/// how to fix it (swift-format's `SwiftFormatError` style).
public enum CEKAuditError: Error, LocalizedError, Sendable, Equatable {
    /// A YAML or JSON input (controls, assessment file, template) is malformed or breaks the schema.
    case invalidInput(file: String, line: Int?, column: Int?, message: String, fix: String?)
    /// A JSON document could not be parsed at all.
    case invalidJSON(file: String, detail: String)
    /// A file could not be read: `detail` says what happened, `fix` what to do (see ``FileProblem``).
    case unreadable(file: String, detail: String, fix: String? = nil)
    /// A file or folder could not be written (a report, a bundle): `detail` says what happened, `fix` what to do.
    case unwritable(file: String, detail: String, fix: String)

    public var errorDescription: String? {
        switch self {
        case let .invalidInput(file, line, column, message, fix):
            var place = file
            if let line { place += ":\(line)" }
            if let column { place += ":\(column)" }
            return "\(place): error: \(message)" + (fix.map { " Fix: \($0)" } ?? "")
        case let .invalidJSON(file, detail):
            return "\(file): error: not valid JSON (\(detail)). Fix: check the file with a JSON linter."
        case let .unreadable(file, detail, fix):
            return "\(file): error: cannot read it: \(detail)." + (fix.map { " Fix: \($0)." } ?? "")
        case let .unwritable(file, detail, fix):
            return "\(file): error: cannot write it: \(detail). Fix: \(fix)."
        }
    }

    /// The same error as a ``Diagnostic``.
    public var diagnostic: Diagnostic {
        switch self {
        case let .invalidInput(file, line, column, message, fix):
            return Diagnostic(.error, source: file, line: line, column: column, message: message, fix: fix)
        case let .invalidJSON(file, detail):
            return Diagnostic(.error, source: file, message: "not valid JSON (\(detail))",
                              fix: "check the file with a JSON linter; a fragment must be wrapped into a whole document")
        case let .unreadable(file, detail, fix):
            return Diagnostic(.error, source: file, message: "cannot read it: \(detail)", fix: fix)
        case let .unwritable(file, detail, fix):
            return Diagnostic(.error, source: file, message: "cannot write it: \(detail)", fix: fix)
        }
    }

    /// A file or folder that could not be read, with the reason and the fix from ``FileProblem``.
    public static func cannotRead(_ file: String, _ problem: FileProblem) -> CEKAuditError {
        .unreadable(file: file, detail: problem.what, fix: problem.fix)
    }

    /// A file or folder that could not be written, with the reason and the fix from ``FileProblem``.
    public static func cannotWrite(_ file: String, _ problem: FileProblem) -> CEKAuditError {
        .unwritable(file: file, detail: problem.what, fix: problem.fix)
    }

    /// Runs `body`, which writes or creates `path`, turning a file-system error into ``unwritable(file:detail:fix:)``.
    public static func writing<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as CEKAuditError { throw e } catch {
            throw cannotWrite(path, FileProblem.writing(path, error: error))
        }
    }

    /// Whether the error is about a path that cannot be opened (missing, not a file, no permission) rather than
    /// about its content: a usage error (exit 64) for a path named on the command line, where invalid content is
    /// exit 65.
    public var isUnopenablePath: Bool {
        switch self {
        case .unreadable, .unwritable: return true
        case .invalidInput, .invalidJSON: return false
        }
    }
}
