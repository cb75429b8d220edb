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
}
