import Foundation
import Testing

/// What the terminal shows and which exit status comes back: strings from inputs cannot start lines of their own,
/// a path that cannot be opened is 64 and an invalid file 65 whatever the command, file errors say what happened and
/// what to do, dates and parameters are checked where they are written.
@Suite(.serialized) struct OutputHygieneTests {
    let fixtures = "Tests/CEKAuditCollectorsTests/Fixtures"

    /// A named pipe `catalog.yaml` and a symbolic link `loop` that points at itself, in `dir`.
    static func pipeAndLoop(in dir: URL) throws -> (fifo: String, loop: String) {
        let fifo = dir.appendingPathComponent("catalog.yaml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let loop = dir.appendingPathComponent("loop").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        return (fifo, loop)
    }

    // MARK: No arguments

    @Test func noArgumentsPrintsUsageOnStderrAndExits64() throws {
        let r = try CLI.run([])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("USAGE"))
        #expect(r.stderr.contains("assess"))
    }

    // MARK: Console injection

    @Test func lineFeedsAndTabsFromInputsNeverStartALine() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let forged = "\\n  AG-1   pass           forged\\n\\tAG-2\\r\\u2028  AG-3   pass"
        let template = """
        {"AWSTemplateFormatVersion":"2010-09-09","Resources":{"K":{"Type":"AWS::KMS::Key","Properties":{"EnableKeyRotation":true,
         "RotationPeriodInDays":900}},"A":{"Type":"AWS::KMS::Alias","Properties":{"AliasName":"alias/x\(forged)","TargetKeyId":{"Ref":"K"}}}}}
        """
        try template.write(to: dir.appendingPathComponent("t\n  AG-4   pass\t.json"), atomically: true, encoding: .utf8)
        try "{\"Resources\": [".write(to: dir.appendingPathComponent("broken\n  AG-5   pass.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 1, "\(r.stderr)")
        for output in [r.stdout, r.stderr] {
            #expect(!output.contains("\t") && !output.contains("\r") && !output.contains("\u{2028}"))
            // Every line that looks like a guideline row is one the tool wrote: ten of them, each with a title.
            let rows = output.split(separator: "\n").filter { $0.hasPrefix("  AG-") || $0.hasPrefix("\tAG-") }
            #expect(rows.allSatisfy { !$0.contains("forged") && !$0.contains(".json") && $0.split(separator: " ").count > 3 }, "\(rows)")
            #expect(rows.isEmpty || Set(rows.map { $0.split(separator: " ")[0] }).count == 10)
        }
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("  AG-1 ") }.count == 1)
        #expect(r.stdout.contains("alias/x\u{FFFD}  AG-1   pass"))
        #expect(r.stderr.contains("broken\u{FFFD}  AG-5   pass.json"))
    }

    @Test func multiLineCatalogTextKeepsItsLinesIndented() throws {
        let r = try CLI.run(["controls", "show", "CEK08-AG5-SCOPE-DOCUMENTED"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        let procedure = try #require(lines.firstIndex { $0.hasPrefix("Procedure") })
        #expect(lines[(procedure + 1)...].prefix(3).allSatisfy { $0.hasPrefix("  ") })
    }

    // MARK: Exit codes: 64 for a path that cannot be opened, 65 for an invalid file

    @Test func aMissingPathIs64ForEveryCommand() throws {
        let missing = "does/not/exist.yaml"
        for args in [["assess", "\(fixtures)/cases/asymmetric", "--controls", missing, "-o", "/tmp/cek-unused"],
                     ["controls", "validate", missing], ["controls", "validate", "--controls", missing],
                     ["controls", "list", "--controls", missing], ["collect", missing], ["evaluate", "does/not/exist"]] {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("does not exist"), "\(args): \(r.stderr)")
        }
    }

    @Test func aCatalogThatCannotBeOpenedIs64ForControlsValidateToo() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (fifo, loop) = try Self.pipeAndLoop(in: dir)
        for (path, says) in [(fifo, "named pipe"), (loop, "leads back to itself"), (dir.path, "a folder")] {
            let r = try CLI.run(["controls", "validate", path])
            #expect(r.status == 64, "\(path): \(r.stderr)")
            #expect(r.stderr.contains(says), "\(path): \(r.stderr)")
        }
    }

    @Test func anInvalidCatalogIs65ForEveryCommand() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "schema_version: 1\nextra: 1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        for args in [["assess", "\(fixtures)/cases/asymmetric", "--controls", bad, "-o", dir.appendingPathComponent("o").path],
                     ["controls", "validate", bad], ["controls", "list", "--controls", bad]] {
            #expect(try CLI.run(args).status == 65, "\(args)")
        }
    }

    // MARK: File errors in words

    @Test func anOutputFolderBelowADeviceSaysSo() throws {
        let r = try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "-o", "/dev/null/x", "-q"])
        #expect(r.status == 64)
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
        #expect(r.stderr.contains("“/dev/null” is a character device, not a folder"), "\(r.stderr)")
        #expect(r.stderr.contains("Fix:"))
        #expect(r.stderr.contains("--output"))
    }

    @Test func aNamedPipeAndALinkLoopSayWhatTheyAre() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (fifo, loop) = try Self.pipeAndLoop(in: dir)
        let pipe = try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--controls", fifo])
        #expect(pipe.status == 64)
        #expect(pipe.stderr.contains("named pipe (FIFO), not a regular file"), "\(pipe.stderr)")
        #expect(!pipe.stderr.contains("permission"))
        for args in [["assess", loop], ["assess", "\(fixtures)/cases/asymmetric", "--controls", loop]] {
            let r = try CLI.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.contains("leads back to itself"), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("no such file"))
        }
    }

    // MARK: Dates where they are written

    @Test func impossibleDatesNameWhereTheyCameFrom() throws {
        let r = try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--as-of", "2026-02-30"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--as-of"))
        #expect(r.stderr.contains("February 2026 has 28 days"))
        #expect(try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--as-of", "0000-01-01T00:00:00Z"]).status == 64)
        #expect(try CLI.run(["assess", "\(fixtures)/cases/asymmetric", "--as-of", "20260-01-01T00:00:00Z"]).status == 64)

        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "schema_version: 1\nname: t\nas_of: 2026-02-30\nsources: [{path: x.json}]\n".write(
            to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
        let file = try CLI.run(["assess", dir.path, "-o", dir.appendingPathComponent("out").path])
        #expect(file.status == 65)
        #expect(file.stderr.contains("audit.yaml:3:8"), "\(file.stderr)")
        #expect(file.stderr.contains("February 2026 has 28 days"))
    }

    // MARK: Parameters where they are written

    @Test func aParameterThatIsNotFiniteIsRefusedBeforeAnythingRuns() throws {
        for value in ["1e400", ".nan", ".inf", "-30", "12.5"] {
            let dir = try CLI.tempDir()
            defer { try? FileManager.default.removeItem(at: dir) }
            try FileManager.default.copyItem(atPath: CLI.packageRoot.appendingPathComponent("\(fixtures)/cases/asymmetric").path,
                                             toPath: dir.appendingPathComponent("evidence").path)
            try "schema_version: 1\nname: t\nsources: [{path: evidence}]\nparameters:\n  max_rotation_days: \(value)\n".write(
                to: dir.appendingPathComponent("audit.yaml"), atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("out")
            let r = try CLI.run(["assess", dir.path, "-o", out.path])
            #expect(r.status == 65, "\(value): \(r.stderr)")
            #expect(r.stderr.contains("audit.yaml:5:22"), "\(value): \(r.stderr)")
            #expect(r.stderr.contains("max_rotation_days"))
            #expect(!r.stderr.contains("correct format"))
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    // MARK: Amplification

    @Test func aliasAmplificationIsRefusedNamingTheFileAndTheLimit() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var yaml = "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n  Big: &big \"" + String(repeating: "x", count: 100_000) + "\"\nResources:\n"
        for i in 0..<400 {
            yaml += "  Key\(i):\n    Type: AWS::KMS::Key\n    Properties: {Description: *big, EnableKeyRotation: true}\n"
        }
        try yaml.write(to: dir.appendingPathComponent("stack.yaml"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["assess", dir.path, "-o", out.path, "--format", "json", "html", "sarif", "junit"])
        #expect([0, 1, 2].contains(r.status), "\(r.stderr)")
        #expect(r.stderr.contains("stack.yaml:3:8"), "\(r.stderr)")
        #expect(r.stderr.contains("32 MiB"))
        let sizes = try FileManager.default.contentsOfDirectory(atPath: out.path).map {
            (try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent($0).path)[.size] as? Int) ?? 0
        }
        #expect(sizes.allSatisfy { $0 < 2_000_000 }, "\(sizes)")
    }
}
