@testable import CEKAuditCollectorKit
import CEKAuditCore
@testable import CEKAuditKit
@testable import CEKAuditLogs
import Foundation
import Testing

/// The buffers a log scan keeps from file to file (file reads, libdeflate output, interned strings) and the staged
/// inflate of recognition: each gives what a fresh buffer, a fresh string or a 64 KiB head gives.
struct ScanBuffersTests {
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-scanbuffers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: FileReadBuffer

    @Test func aReusedReadBufferGivesEachFileWholeAndNamesTheErrno() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let small = Data("{\"Records\":[]}".utf8)
        try big.write(to: dir.appendingPathComponent("big.json"))
        try small.write(to: dir.appendingPathComponent("small.json"))
        try Data().write(to: dir.appendingPathComponent("empty.json"))
        let buffer = FileReadBuffer()
        // Large, then small, then large again: never a stale tail of the previous file.
        #expect(Data(try buffer.read(dir.appendingPathComponent("big.json").path, limit: 1 << 20)) == big)
        #expect(Data(try buffer.read(dir.appendingPathComponent("small.json").path, limit: 1 << 20)) == small)
        #expect(try buffer.read(dir.appendingPathComponent("empty.json").path, limit: 1 << 20).count == 0)
        #expect(Data(try buffer.read(dir.appendingPathComponent("big.json").path, limit: 1 << 20)) == big)

        func code(_ path: String, limit: Int = 1 << 20) -> POSIXErrorCode? {
            do { _ = try buffer.read(path, limit: limit); return nil } catch let e as POSIXError { return e.code } catch { return nil }
        }
        #expect(code(dir.appendingPathComponent("missing.json").path) == .ENOENT)
        #expect(code(dir.path) == .EISDIR)
        #expect(code(dir.appendingPathComponent("big.json").path, limit: 1000) == .EFBIG)
        // The error becomes the project's usual message naming the file and the fix.
        let problem = FileProblem.reading(dir.appendingPathComponent("missing.json").path, error: POSIXError(.ENOENT))
        #expect(problem.pathMissing)
    }

    // MARK: Gzip

    @Test func aGzipHeadIsExactlyTheRequestedPrefixAcrossMembers() throws {
        let first = String(repeating: "{\"a\":1},", count: 300)   // 2,400 bytes
        let second = String(repeating: "{\"b\":2},", count: 3000)
        let gz = try GzipTests.gzip(first) + GzipTests.gzip(second)
        let all = Data((first + second).utf8)
        for n in [1, 100, 2_400, 2_401, 4_096, 8_192, 26_400] {
            #expect(try Gzip.head(gz, count: n) == all.prefix(n))
        }
        #expect(try Gzip.head(gz, count: 100_000) == all)   // shorter than asked: the whole stream
        // A prefix of a compressed file gives what inflates from it; nothing at all is an error.
        let prefix = try Gzip.head(gz.prefix(gz.count / 2), count: 100_000)
        #expect(!prefix.isEmpty && all.starts(with: prefix))
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.head(Data("not gzip at all".utf8), count: 10) }
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.head(gz.prefix(5), count: 10) }
    }

    @Test func aReusedInflateWorkspaceGivesWhatAFreshBufferGives() throws {
        let small = try GzipTests.gzip("{\"Records\":[{\"eventSource\":\"kms.amazonaws.com\"}]}")
        let large = try GzipTests.compressed()   // 100,000 bytes
        let workspace = try InflateWorkspace()
        for gz in [large, small, large, small] {
            let reused = try gz.withUnsafeBytes { Data(try Gzip.inflateWhole($0, limit: 1 << 20, into: workspace)) }
            #expect(try reused == GzipTests.whole(gz))
        }
        // Too large for the limit, then a good file: the workspace is still usable.
        #expect(throws: Gzip.Failure.self) { _ = try large.withUnsafeBytes { try Gzip.inflateWhole($0, limit: 1000, into: workspace) } }
        #expect(try small.withUnsafeBytes { Data(try Gzip.inflateWhole($0, limit: 1 << 20, into: workspace)) } == GzipTests.whole(small))
        // A corrupt file throws and leaves the workspace usable.
        #expect(throws: Gzip.Failure.self) { _ = try large.prefix(large.count - 1).withUnsafeBytes { try Gzip.inflateWhole($0, limit: 1 << 20, into: workspace) } }
        #expect(try large.withUnsafeBytes { try Gzip.inflateWhole($0, limit: 1 << 20, into: workspace).count } == 100_000)
        // A buffer grown past what is kept between files is released by trim().
        workspace.trim()
        #expect(workspace.capacity <= InflateWorkspace.keptBytes)
    }

    // MARK: StringInterner

    @Test func theInternerGivesTheSameStringAndIdForTheSameBytesAndStaysBounded() {
        var interner = StringInterner()
        func intern(_ s: String) -> (String, Int32?) {
            var bytes = Array(s.utf8)
            return bytes.withUnsafeMutableBytes { interner.string(UnsafeRawPointer($0.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!), $0.count) }
        }
        let a = intern("arn:aws:sts::111122223333:assumed-role/app/session")
        let b = intern("arn:aws:sts::111122223333:assumed-role/app/session")
        let c = intern("arn:aws:sts::111122223333:assumed-role/app/sessioN")
        #expect(a.0 == b.0 && a.1 != nil && a.1 == b.1)
        #expect(c.0 == "arn:aws:sts::111122223333:assumed-role/app/sessioN" && c.1 != a.1)
        #expect(intern("").0 == "" && intern("Decrypt").0 == "Decrypt")
        // Invalid UTF-8 reads as String(decoding:) reads it.
        var invalid: [UInt8] = [0x61, 0xFF, 0x62]
        let made = invalid.withUnsafeMutableBytes { interner.string(UnsafeRawPointer($0.baseAddress!), 3).0 }
        #expect(made == String(decoding: [0x61, 0xFF, 0x62] as [UInt8], as: UTF8.self))
        // Past its capacity every value is still right, without an id.
        var withoutID = 0
        for k in 0..<(StringInterner.capacity + 100) {
            let (s, id) = intern("value-\(k)")
            #expect(s == "value-\(k)")
            if id == nil { withoutID += 1 }
        }
        #expect(withoutID >= 100)
        #expect(interner.strings.count <= StringInterner.capacity)
        // Times: the previous one when the bytes repeat, a new one otherwise.
        func time(_ s: String) -> String {
            var bytes = Array(s.utf8)
            return bytes.withUnsafeMutableBytes { interner.time(UnsafeRawPointer($0.baseAddress!), $0.count) }
        }
        #expect(time("2026-10-15T10:00:00Z") == "2026-10-15T10:00:00Z")
        #expect(time("2026-10-15T10:00:00Z") == "2026-10-15T10:00:00Z")
        #expect(time("2026-10-15T10:00:01Z") == "2026-10-15T10:00:01Z")
    }

    @Test func recordsReadThroughOneInternerEqualRecordsReadAlone() throws {
        let records = [
            #"{"eventTime":"2026-10-15T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventID":"e-1","requestID":"r-1","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s"},"resources":[{"type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k1"}]}"#,
            #"{"eventTime":"2026-10-15T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventID":"e-\u0032","requestID":7,"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"},"resources":[{"type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k1"}]}"#,
        ]
        var shared = StringInterner()
        for json in records {
            let data = Data(json.utf8)
            try data.withUnsafeBytes { b in
                let alone = try CloudTrailRecordReader.read(b, 0..<b.count)
                let together = try CloudTrailRecordReader.read(b, 0..<b.count, interner: &shared)
                #expect(alone.eventName == together.eventName && alone.eventTime == together.eventTime)
                #expect(alone.userIdentity?.arn == together.userIdentity?.arn && alone.userIdentity?.invokedBy == together.userIdentity?.invokedBy)
                #expect(alone.resources?.first?.arn == together.resources?.first?.arn)
                #expect(alone.eventID?.string(in: b) == together.eventID?.string(in: b))
            }
        }
        // Escapes are unescaped, numbers read as their text.
        let data = Data(records[1].utf8)
        try data.withUnsafeBytes { b in
            let r = try CloudTrailRecordReader.read(b, 0..<b.count, interner: &shared)
            #expect(r.eventID?.string(in: b) == "e-2")
            #expect(r.requestID?.string(in: b) == "7")
            #expect(LogAggregate.Principal(r.userIdentity).string(r.userIdentity) == "service:s3.amazonaws.com")
        }
    }

    // MARK: Deduplication

    @Test func theEventTableTellsNewDuplicateAndCollisionThroughGrowth() {
        var table = CloudTrailCollector.EventTable()
        for id in 0..<UInt64(50_000) { #expect(table.check(id: id &* 0x1000_0001, content: id) == .new) }
        for id in stride(from: UInt64(0), to: 50_000, by: 7) {
            #expect(table.check(id: id &* 0x1000_0001, content: id) == .duplicate(reportOn: 0))        // same id, same content
            #expect(table.check(id: id &* 0x1000_0001, content: id + 1) == .collision)    // same id, other content
        }
        #expect(table.check(id: 0, content: 0) == .duplicate(reportOn: 0))   // id 0 (stored as another constant) was met with content 0
        #expect(table.check(id: 0, content: 5) == .collision)
        #expect(table.check(id: .max, content: 1) == .new)
        #expect(table.check(id: .max, content: 1) == .duplicate(reportOn: 0))
    }

    /// Copies are told from other records of the same id, each keeps the smallest file it was met in, and an id
    /// reused for ever more records stays bounded (past the limit they are collisions, not kept).
    @Test func theEventTableKeepsEachRecordsSmallestFileAndBoundsAnId() {
        var table = CloudTrailCollector.EventTable()
        #expect(table.check(id: 7, content: 1, file: 5) == .new)
        #expect(table.check(id: 7, content: 1, file: 9) == .duplicate(reportOn: 9))
        #expect(table.check(id: 7, content: 1, file: 2) == .duplicate(reportOn: 5))   // 2 is now the smallest
        #expect(table.check(id: 7, content: 1, file: 3) == .duplicate(reportOn: 3))
        #expect(table.check(id: 7, content: 2, file: 4) == .collision)
        #expect(table.filesOfID(7).sorted() == [2, 4])
        for c in UInt64(3)..<5_000 { #expect(table.check(id: 7, content: c, file: 1) == .collision) }
        #expect(table.filesOfID(7).count == CloudTrailCollector.EventTable.maxRecordsPerID)
        #expect(table.check(id: 8, content: 1, file: 0) == .new)
    }

    // MARK: Recognition

    /// A partial head that ends with a complete non-ASCII character followed by ASCII is text; only a sequence the
    /// end of the head cut short is dropped before the UTF-8 check.
    @Test func aHeadEndingInACompleteCharacterIsText() throws {
        func cut(_ bytes: [UInt8]) -> Int { ContentRecognizer.cutSequenceLength(Data(bytes)) }
        #expect(cut(Array("abc".utf8)) == 0)
        #expect(cut(Array("aü".utf8)) == 0)
        #expect(cut(Array("aün".utf8)) == 0)
        #expect(cut([0x61, 0xC3]) == 1)
        #expect(cut([0x61, 0xE2, 0x82]) == 2)
        #expect(cut(Array("a€".utf8)) == 0)
        #expect(cut([0x61, 0xF0, 0x9F, 0x94]) == 3)
        #expect(cut(Array("a🔑".utf8)) == 0)
        #expect(cut([]) == 0)
        #expect(ContentRecognizer.binaryReason(Data("{\"a\":\"CloudShell ün".utf8), whole: false) == nil)
        #expect(ContentRecognizer.binaryReason(Data([0x7B, 0xC3]), whole: false) == nil)
        #expect(ContentRecognizer.binaryReason(Data([0x7B, 0xC3]), whole: true) != nil)
        #expect(ContentRecognizer.binaryReason(Data([0x7B, 0xFF, 0x61]), whole: false) != nil)

        // A plain CloudTrail log longer than the head whose 64 KiB head ends "…ün": a log, not a binary file.
        let record = #"{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"CloudShell ün"}"#
        var text = #"{"Records":["# + record
        while text.utf8.count < ContentProbe.headLength + 1000 { text += "," + record }
        text += "]}"
        let bytes = Array(text.utf8)
        // Shift the records so that "ün" ends exactly at the 64 KiB boundary.
        let marker = Array("ün".utf8)
        var lastEnd = 0
        for k in 0...(ContentProbe.headLength - marker.count) where Array(bytes[k..<(k + marker.count)]) == marker { lastEnd = k + marker.count }
        let pad = ContentProbe.headLength - lastEnd
        let shifted = #"{"Records":"# + String(repeating: " ", count: pad) + String(text.dropFirst(#"{"Records":"#.count))
        #expect(Array(shifted.utf8)[(ContentProbe.headLength - 3)..<ContentProbe.headLength] == [0xC3, 0xBC, 0x6E][...])
        #expect(try Fixtures.recognizedKind("111122223333_CloudTrail_eu-west-1_20261005T2137Z_x.json", data: Data(shifted.utf8)) == "cloudtrail")
    }

    /// The byte search gives what the text search gave: white space (Unicode too) before the brace, each marker,
    /// nothing past the first 4 KiB.
    @Test func cloudTrailIsRecognisedByItsBytesAsByItsText() {
        func looks(_ s: String) -> Bool { CloudTrailCollector.looksLikeCloudTrail(content: Data(s.utf8)) }
        #expect(looks(#"{"Records":[]}"#))
        #expect(looks(" \r\n\t{\"Records\":[]}"))
        #expect(looks("\u{00A0}{\"Records\":[]}"))                    // Unicode white space, as Character.isWhitespace
        #expect(looks(#"{"awsAccountId":"1","digestStartTime":"x"}"#))
        #expect(looks(#"{"eventVersion":"1.09","eventSource":"kms.amazonaws.com"}"#))
        #expect(!looks(#"{"eventVersion":"1.09"}"#))
        #expect(!looks(#"["Records"]"#))
        #expect(!looks("é{\"Records\":[]}"))
        #expect(!looks(""))
        #expect(!looks("{" + String(repeating: " ", count: 5000) + "\"Records\":[]}"))
    }

    /// Each batch collector asked in turn on a head of the bytes it reads gives the outcome a 64 KiB head gives.
    @Test func stagedInflateRecognisesAsA64KiBHeadDoes() throws {
        let fixtures = [
            "cloudtrail/AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2026/10/16/111122223333_CloudTrail_eu-west-1_20261016T1000Z_Ee55Ff66Gg77Hh88.json",
            "gcp-audit-log/gcloud/kms-logs.json",
            "gcp-audit-log/bigquery/cloudaudit_googleapis_com_rows.jsonl",
            "azure-audit-log/with-key/PT1H.json",
            "azure-audit-log/log-analytics/azurediagnostics-export.json",
            "openbao/audit-prefixed/audit.log",
            "by-content/terraform.tfstate",
        ]
        var contents = try fixtures.map { try Data(contentsOf: URL(fileURLWithPath: Fixtures.path($0))) }
        // A CloudTrail marker past CloudTrail's 4 KiB but within the audit logs' 8 KiB, and plain text.
        contents.append(Data(("{" + String(repeating: " ", count: 5000) + "\"Records\":[]}").utf8))
        contents.append(Data(String(repeating: "just some text\n", count: 10_000).utf8))
        let registry = CollectorRegistry.builtIn
        for (k, data) in contents.enumerated() {
            let gz = try GzipTests.gzip(String(decoding: data, as: UTF8.self))
            let head64 = try Gzip.head(gz, count: ContentProbe.headLength)
            let probe = ContentProbe(locator: "f\(k).json.gz", head: head64, headIsWhole: false)
            let expected = registry.collectors.first(where: { $0.input == .batch && $0.recognizes(probe) })?.kind
            let got = try Fixtures.recognizedKind("f\(k).json.gz", data: gz)
            #expect(got == expected, "file \(k): \(got ?? "skipped") vs \(expected ?? "skipped")")
        }
    }
}
