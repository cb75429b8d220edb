import Foundation

/// The files a catalog is read from: its root file and the files the root includes (a guideline's
/// `checks: CEK-08/checks/AG-1.yaml`, `templates: CEK-08/templates.yaml`).
///
/// An included path is relative to the root file's folder and stays inside it: not absolute, no `..`, and each file
/// is included once. Every file goes through ``YAMLDocument/compose(_:file:)`` (size and alias limits). The digest
/// of the whole set is described at ``Catalog/sha256``.
struct CatalogFiles {
    /// The root file, as given.
    let root: String
    /// The root file's folder as a prefix for included paths (`Controls/`, or empty for a file in the current folder).
    private let folder: String
    /// Files read so far, in order: path as usable from the current folder, path relative to the root's folder,
    /// SHA-256 of the bytes.
    private(set) var read: [(path: String, relative: String, sha256: String)] = []
    /// Where each included file was included from, to report a second inclusion.
    private var includedAt: [String: String] = [:]

    init(root: String) {
        self.root = root
        let dir = (root as NSString).deletingLastPathComponent
        folder = dir.isEmpty ? "" : (dir.hasSuffix("/") ? dir : dir + "/")
    }

    /// Paths of every file read, root first.
    var paths: [String] { read.map(\.path) }

    /// The catalog's digest: the root file's SHA-256 when nothing was included, otherwise the SHA-256 of the
    /// `sha256sum`-style listing of all files sorted by relative path (``Catalog/sha256``).
    var sha256: String {
        if read.count == 1, let only = read.first { return only.sha256 }
        let listing = read.sorted { $0.relative.utf8.lexicographicallyPrecedes($1.relative.utf8) }
            .map { "\($0.sha256)  \($0.relative)\n" }.joined()
        return SHA256Hex.digest(Data(listing.utf8))
    }

    /// Reads the root file from disk.
    /// - Throws: ``CEKAuditError/unreadable(file:detail:)`` when it cannot be read.
    mutating func readRoot() throws -> Data {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: root)) } catch {
            throw CEKAuditError.cannotRead(root, FileProblem.reading(root, error: error))
        }
        add(rootData: data)
        return data
    }

    /// Records the root file's bytes when they were handed over rather than read here.
    mutating func add(rootData data: Data) {
        read.append((root, (root as NSString).lastPathComponent, SHA256Hex.digest(data)))
    }

    /// Reads and composes the file a scalar such as `checks: CEK-08/checks/AG-1.yaml` names.
    /// - Returns: a cursor at the included document's root, naming the included file.
    /// - Throws: ``CEKAuditError/invalidInput(file:line:column:message:fix:)`` at `reference` when the path leaves
    ///   the root's folder, is included twice, cannot be read or is empty; the composer's errors name the included
    ///   file itself.
    mutating func include(_ reference: YAMLCursor) throws -> YAMLCursor {
        let relative = try reference.nonEmptyString()
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        if relative.hasPrefix("/") || relative.hasPrefix("~") || parts.contains("..") || parts.contains("") || relative.contains("\\") {
            throw reference.error("'\(relative)' is not a path inside the catalog's folder",
                                  fix: "name the file relative to the folder of \(root), without '..', e.g. CEK-08/checks/AG-1.yaml")
        }
        let path = folder + relative
        let here = "\(reference.file):\(reference.line ?? 0)"
        if let first = includedAt[relative] ?? (relative == (root as NSString).lastPathComponent ? root : nil) {
            throw reference.error("\(relative) is already part of the catalog (\(first))", fix: "include each file once")
        }
        includedAt[relative] = "included at \(here)"
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw reference.error("cannot read \(path): \(error.localizedDescription)",
                                  fix: "create the file, or correct the path (it is relative to the folder of \(root))")
        }
        read.append((path, relative, SHA256Hex.digest(data)))
        let text = try TextPosition.utf8Text(data, file: path)
        guard let node = try YAMLDocument.compose(text, file: path) else {
            throw reference.error("\(path) is empty", fix: "write the included content, or remove the reference")
        }
        return YAMLCursor(node: node, file: path)
    }
}
