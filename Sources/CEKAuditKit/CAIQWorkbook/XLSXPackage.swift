import CEKAuditCore
import Foundation
import ZIPFoundation

/// An .xlsx package (a ZIP of XML parts) held in memory: every entry's path, uncompressed bytes, compression and
/// modification date, in the archive's order.
///
/// ``write(to:)`` writes every entry back in the same order with the same uncompressed bytes unless it was replaced
/// with ``replace(_:with:)``, so a patch touches only the parts it names.
public struct XLSXPackage: Sendable {
    /// One ZIP entry of the package.
    public struct Part: Sendable {
        /// The entry's path inside the package (`xl/worksheets/sheet1.xml`).
        public var path: String
        /// The entry's uncompressed bytes.
        public var data: Data
        /// Whether the entry was deflated (it is written back the same way).
        public var deflated: Bool
        /// The entry's modification date, kept when it is written back.
        public var modified: Date?
        /// Whether the entry is a directory entry.
        public var isDirectory: Bool

        /// Creates an entry (packages built in memory).
        public init(path: String, data: Data, deflated: Bool, modified: Date?, isDirectory: Bool) {
            self.path = path
            self.data = data
            self.deflated = deflated
            self.modified = modified
            self.isDirectory = isDirectory
        }
    }

    /// The package's entries in archive order.
    public private(set) var parts: [Part]

    /// Largest total of uncompressed bytes read from one package (a ZIP bomb is refused, not inflated).
    public static let maximumUncompressedBytes: UInt64 = 512 * 1024 * 1024

    /// Reads the package at `url`. A path that cannot be opened throws ``CEKAuditError/unreadable(file:detail:fix:)``;
    /// a file that is not a ZIP archive, or a damaged entry, throws ``CEKAuditError/invalidInput(file:line:column:message:fix:)``.
    public init(contentsOf url: URL, displayPath: String) throws {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw CEKAuditError.unreadable(file: displayPath, detail: "no such file, or not readable",
                                           fix: "pass the .xlsx workbook downloaded from cloudsecurityalliance.org")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw CEKAuditError.invalidInput(file: displayPath, line: nil, column: nil,
                                             message: "not an .xlsx workbook (not a ZIP archive: \(error))",
                                             fix: "save the questionnaire as an Excel workbook (.xlsx)")
        }
        var parts: [Part] = []
        var total: UInt64 = 0
        for entry in archive {
            total += entry.uncompressedSize
            guard total <= Self.maximumUncompressedBytes else {
                throw CEKAuditError.invalidInput(file: displayPath, line: nil, column: nil,
                                                 message: "the workbook inflates to more than \(Self.maximumUncompressedBytes / 1_048_576) MiB",
                                                 fix: nil)
            }
            var data = Data()
            // The declared sizes can lie: the bytes actually inflated are counted too, and the extraction stops past
            // the limit.
            struct TooLarge: Error {}
            do {
                if entry.type != .directory {
                    var inflated = total - entry.uncompressedSize
                    _ = try archive.extract(entry) { chunk in
                        inflated += UInt64(chunk.count)
                        guard inflated <= Self.maximumUncompressedBytes else { throw TooLarge() }
                        data.append(chunk)
                    }
                    total = max(total, inflated)
                }
            } catch is TooLarge {
                throw CEKAuditError.invalidInput(file: displayPath, line: nil, column: nil,
                                                 message: "the workbook inflates to more than \(Self.maximumUncompressedBytes / 1_048_576) MiB",
                                                 fix: nil)
            } catch {
                throw CEKAuditError.invalidInput(file: displayPath, line: nil, column: nil,
                                                 message: "damaged ZIP entry \(entry.path): \(error)", fix: nil)
            }
            parts.append(Part(path: entry.path, data: data, deflated: entry.isCompressed,
                              modified: entry.fileAttributes[.modificationDate] as? Date, isDirectory: entry.type == .directory))
        }
        self.parts = parts
    }

    /// A package made of `parts` (tests, and packages built in memory).
    public init(parts: [Part]) { self.parts = parts }

    /// The uncompressed bytes of the entry at `path`, or nil when the package has none.
    public func data(_ path: String) -> Data? { parts.first { $0.path == path }?.data }

    /// Replaces the bytes of the entry at `path`; adds the entry at the end when the package has none.
    public mutating func replace(_ path: String, with data: Data) {
        if let i = parts.firstIndex(where: { $0.path == path }) {
            parts[i].data = data
        } else {
            parts.append(Part(path: path, data: data, deflated: true, modified: nil, isDirectory: false))
        }
    }

    /// Writes the package to `url` through a temporary file beside it, replacing `url` only when the whole package
    /// was written. Throws ``CEKAuditError/unwritable(file:detail:fix:)``.
    public func write(to url: URL, displayPath: String) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            let archive = try Archive(url: temporary, accessMode: .create)
            for part in parts {
                let data = part.data
                try archive.addEntry(with: part.path, type: part.isDirectory ? .directory : .file,
                                     uncompressedSize: Int64(data.count), modificationDate: part.modified ?? Date(),
                                     compressionMethod: part.deflated ? .deflate : .none) { position, size in
                    let start = Int(position)
                    return data.subdata(in: start..<min(start + size, data.count))
                }
            }
            // rename(2) replaces an existing file atomically (FileManager.replaceItemAt is unreliable on Linux).
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                               NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CEKAuditError.unwritable(file: displayPath, detail: "\(error)",
                                           fix: "choose an --output path in a writable folder")
        }
    }
}
