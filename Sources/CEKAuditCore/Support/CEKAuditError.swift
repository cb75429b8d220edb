import Foundation

/// Errors of the core library. Each says which file and, where known, which line and column, what is wrong and
/// how to fix it (swift-format's `SwiftFormatError` style).
public enum CEKAuditError: Error, LocalizedError, Sendable, Equatable {
    /// A YAML or JSON input (controls, assessment file, template) is malformed or breaks the schema.
    case invalidInput(file: String, line: Int?, column: Int?, message: String, fix: String?)
    /// A JSON document could not be parsed at all.
    case invalidJSON(file: String, detail: String)
    /// A file could not be read.
    case unreadable(file: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case let .invalidInput(file, line, column, message, fix):
            var place = file
            if let line { place += ":\(line)" }
            if let column { place += ":\(column)" }
            return "\(place): error: \(message)" + (fix.map { " Fix: \($0)" } ?? "")
        case let .invalidJSON(file, detail):
            return "\(file): error: not valid JSON (\(detail)). Fix: check the file with a JSON linter."
        case let .unreadable(file, detail):
            return "\(file): error: cannot read the file (\(detail))."
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
        case let .unreadable(file, detail):
            return Diagnostic(.error, source: file, message: "cannot read the file (\(detail))", fix: nil)
        }
    }
}
