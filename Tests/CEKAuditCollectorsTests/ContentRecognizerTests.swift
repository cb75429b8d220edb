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

struct ContentRecognizerTests {
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
        #expect(try Fixtures.recognizedKind("main.tf", data: Data("resource {}".utf8)) == "terraform-hcl", "a .tf file is read, even one that does not parse")
        #expect(try Fixtures.recognizedKind("terraform.tfvars", data: Data("a = 1".utf8)) == "terraform-hcl")
        #expect(try Fixtures.recognizedKind("main.tf.json", data: Data("{}".utf8)) == "terraform-hcl")
        if case .skipped = try Fixtures.recognize("vault.hcl", data: Data("path \"x\" {}".utf8)) {} else { Issue.record("non-Terraform HCL is skipped") }
        #expect(try Fixtures.recognizedKind("t.json", data: Data(#"{"Records":[]}"#.utf8)) == "cloudtrail", "a CloudTrail log is a log file")
    }

    /// Recognition by content, whatever the name: Terraform state under its standard names, a CloudFormation
    /// template named `.template`, a key policy without extension; text that is no input and a binary file are
    /// skipped with the reason, and every file is accounted for.
    @Test func everyFileIsRecognisedByItsContentWhateverItsName() async throws {
        let plan = try AssessmentPlan.make(path: Fixtures.path("by-content"))
        let (facts, notes) = await Fixtures.runPlan(plan)
        let note = Dictionary(uniqueKeysWithValues: notes.map { ($0.locator, $0.text) })
        #expect(note["terraform.tfstate"]?.hasPrefix("read as terraform-state") == true)
        #expect(note["old.tfstate.backup"]?.hasPrefix("read as terraform-state") == true)
        #expect(note["stack.template"]?.hasPrefix("read as cloudformation") == true)
        #expect(note["support-key-policy"]?.hasPrefix("read as key-policy") == true)
        #expect(note["notes.txt"]?.contains("not a recognised input") == true)
        #expect(note["diagram.png"]?.contains("binary file") == true)
        #expect(notes.count == 6, "every file has a line: \(notes)")
        let covered = Dictionary(uniqueKeysWithValues: facts.coverage.map { ($0.source, $0) })
        #expect(covered["terraform.tfstate"]?.collector == "terraform-state")
        #expect(covered["stack.template"].map { $0.status == .complete || $0.status == .partial } == true)
        #expect(covered["diagram.png"]?.status == .skipped)
        #expect(facts.resources(of: .keyPolicy).contains { $0.id == "support-key-policy" })
        // The template's bucket is linked to the template's key, whose policy was read through its dialect.
        let bucket = try #require(facts.resources(of: .dataStore).first { $0.name == "TenantBucket" })
        #expect(bucket["key_custody"] == .string("customer-generated"))
    }

    /// A file whose name claims JSON but whose content does not parse is an error with its place; prose with a
    /// `.txt` name is simply not an input.
    @Test func theExtensionIsOnlyAHint() throws {
        if case .invalid(let e, _) = try Fixtures.recognize("broken.tfstate", data: Data("{\"version\": 4,\n  \"resources\": [\n".utf8)) {
            #expect(e.diagnostic.line != nil)
        } else { Issue.record("a .tfstate that does not parse is an error") }
        if case .skipped = try Fixtures.recognize("readme.txt", data: Data("Just words: no input here.\n".utf8)) {} else {
            Issue.record("prose is skipped")
        }
        #expect(try Fixtures.recognizedKind("policy.txt", data: Data(#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#.utf8)) == "key-policy")
    }
}
