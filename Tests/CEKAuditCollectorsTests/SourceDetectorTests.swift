import CEKAuditCollectorKit
import CEKAuditAWS
import CEKAuditOpenBao
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditAttestations
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

struct SourceDetectorTests {
    @Test func badFileIsReportedWithLineAndTheRunGoesOn() async throws {
        let facts = try await Fixtures.collect("mixed")
        let error = try #require(facts.diagnostics.first { $0.source == "not-json.json" })
        #expect(error.severity == .error)
        #expect(error.line == 4)
        #expect(error.fix != nil)
        #expect(facts.coverage.contains { $0.source == "not-json.json" && $0.status == .failed })
        #expect(facts.coverage.contains { $0.source == "notes.md" && $0.status == .skipped })
        // The fragment beside it was still read.
        #expect(facts.resource(.key, named: "AppKey") != nil)
    }

    @Test func failedSourceMakesChecksInconclusiveNeverPass() async throws {
        let results = try await Fixtures.assess("mixed")
        let fromFailed = results.filter { $0.subject?.id == "not-json.json" }
        #expect(!fromFailed.isEmpty)
        #expect(fromFailed.allSatisfy { $0.verdict == .inconclusive })
    }

    @Test func recognisesByContent() throws {
        let tf = Data(#"{"format_version":"1.2","planned_values":{"root_module":{}}}"#.utf8)
        #expect(try Fixtures.recognizedKind("x.json", data: tf) == "terraform-plan")
        let policy = Data(#"{"Statement":[]}"#.utf8)
        #expect(try Fixtures.recognizedKind("p.json", data: policy) == "key-policy")
        if case .skipped(let why) = try Fixtures.recognize("main.tf", data: Data("resource {}".utf8)) {
            #expect(why.contains("terraform show -json"))
        } else { Issue.record("HCL should be skipped with advice") }
        #expect(try Fixtures.recognizedKind("t.json", data: Data(#"{"Records":[]}"#.utf8)) == "cloudtrail", "a CloudTrail log is a log file")
    }
}
