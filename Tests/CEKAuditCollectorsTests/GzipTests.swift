@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import Foundation
import Testing

struct GzipTests {
    /// `gzip -c` of 100 000 × "a": a small stream that inflates far beyond a recognition window.
    static func compressed() throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' a | gzip -c"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    @Test func headStopsEarlyAndInflateHonoursItsLimit() throws {
        let gz = try Self.compressed()
        #expect(Gzip.isGzip(gz))
        #expect(try Gzip.head(gz, count: 4096).count == 4096)
        #expect(try Gzip.inflate(gz).count == 100_000)
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.inflate(gz, limit: 1000) }
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.inflate(gz.prefix(20)) }
    }

    /// `gzip -c` of `text`.
    static func gzip(_ text: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-c"]
        let input = Pipe(), out = Pipe()
        p.standardInput = input
        p.standardOutput = out
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    static func whole(_ data: Data, limit: Int = 1 << 30) throws -> Data {
        let bytes = try data.withUnsafeBytes { try Gzip.inflateWhole($0, limit: limit) }
        return bytes.withBytes { Data($0) }
    }

    @Test func inflateWholeMatchesStreamingZlib() throws {
        let gz = try Self.compressed()
        #expect(try Self.whole(gz) == Gzip.inflate(gz))
        #expect(try Self.whole(Data()).isEmpty)
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(gz, limit: 1000) }
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(gz.prefix(20)) }
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(gz.prefix(gz.count - 1)) }
    }

    /// Several members: the trailer's ISIZE names only the last one (here 1 byte of 100 001), so the buffer must
    /// grow past the hint; every member is inflated, in order.
    @Test func inflateWholeReadsEveryMemberWhateverTheLastOnesSize() throws {
        let big = String(repeating: "{\"a\":\"é\"},", count: 20_000)
        let members = try Self.gzip(big) + Self.gzip("x") + Self.gzip("") + Self.gzip("tail")
        let expected = Data((big + "x" + "tail").utf8)
        #expect(try Self.whole(members) == expected)
        #expect(try Gzip.inflate(members) == expected)
    }

    /// A wrong ISIZE (not the size mod 2^32) or trailing garbage is a corrupt file for both readers.
    @Test func aWrongSizeOrTrailingGarbageIsCorruptForBothReaders() throws {
        var wrong = try Self.gzip(String(repeating: "abc", count: 1000))
        wrong[wrong.count - 4] ^= 0x01
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(wrong) }
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.inflate(wrong) }
        // A huge stated size on a small input: bounded by deflate's ratio, never a huge allocation or a crash.
        var huge = try Self.gzip("abc")
        for k in 1...4 { huge[huge.count - k] = 0xFF }
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(huge) }
        let garbage = try Self.gzip("abc") + Data("not gzip".utf8)
        #expect(throws: Gzip.Failure.self) { _ = try Self.whole(garbage) }
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.inflate(garbage) }
    }
}
