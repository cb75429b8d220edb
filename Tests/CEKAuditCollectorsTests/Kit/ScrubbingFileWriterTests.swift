@testable import CEKAuditCollectorKit
import CEKAuditTestSupport
import Foundation
import Testing

/// A report written in pieces (``ScrubbingFileWriter``) is the report scrubbed whole and written at once: a credential
/// in any encoding whose bytes arrive in several pieces still goes; the file appears only when it is whole.
struct ScrubbingFileWriterTests {
    static let token = CredentialScrubberTests.token

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scrubwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Text with every known form of the token, each surrounded by plain bytes.
    static func text() -> Data {
        var text = "{\"start\":true"
        for (i, form) in CredentialForms.all(token).enumerated() {
            text += ",\"f\(i)\":\"before \(form.text) after\"" + String(repeating: "é", count: i % 5)
        }
        return Data((text + "}\n").utf8)
    }

    @Test("pieces of any size give the scrubbed whole", arguments: [1, 2, 3, 13, 100, 4096, 1 << 20])
    func piecesOfAnySize(size: Int) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scrubber = CredentialScrubber(secrets: [Self.token])
        let text = Self.text()
        let path = dir.appendingPathComponent("report.json").path
        let writer = try ScrubbingFileWriter(path: path, scrubber: scrubber)
        var at = 0
        while at < text.count {
            try writer.write(text.subdata(in: at..<min(at + size, text.count)))
            at += size
        }
        let written = try writer.finish()
        let out = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(out == scrubber.scrub(text))
        #expect(written == out.count)
        #expect(writer.scrubbedAny)
        #expect(CredentialForms.leaks(in: out, secrets: [Self.token]).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.json"], "no partial file is left")
    }

    @Test func withoutCredentialsTheBytesAreCopied() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("report.html").path
        let writer = try ScrubbingFileWriter(path: path, scrubber: CredentialScrubber())
        let text = Self.text()
        try writer.write(text.prefix(10))
        try writer.write(text.dropFirst(10))
        try writer.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
        #expect(!writer.scrubbedAny)
    }

    /// The earlier file stays until the new one is whole; a writer given up on leaves neither a partial file nor a
    /// changed report.
    @Test func theFileIsReplacedOnlyWhenWhole() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("report.json").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        var writer: ScrubbingFileWriter? = try ScrubbingFileWriter(path: path, scrubber: CredentialScrubber())
        try writer?.write(Data(repeating: 0x61, count: 3 << 20))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 2, "the partial file is beside it")
        writer = nil
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.json"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old\n".utf8))
    }

    @Test func aFolderThatDoesNotExistIsAPOSIXError() throws {
        #expect(throws: POSIXError.self) {
            _ = try ScrubbingFileWriter(path: "/nonexistent-\(UUID().uuidString)/report.json", scrubber: CredentialScrubber())
        }
    }
}
