import CEKAuditCollectorKit
import CEKAuditKit
import CEKAuditCore
import Foundation
import Testing

/// Recognition reads a JSON file's value only (no YAML tree); a batch collector gets the bytes without a parsed
/// document, a document collector the whole parse with line numbers, and a repeated key is still an error.
struct RecognitionParseTests {
    static let export = #"[{"KeyMetadata":{"AWSAccountId":"111122223333","KeyId":"abcd0000-0000-4000-8000-000000000000","Arn":"arn:aws:kms:us-east-1:111122223333:key/abcd0000-0000-4000-8000-000000000000","KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","KeyState":"Enabled"}}]"#

    @Test func aBatchExportIsRecognisedWithoutAParsedDocument() throws {
        guard case .recognized(let c, let file) = try Fixtures.recognize("describe-key.json", data: Data(Self.export.utf8)) else {
            Issue.record("the export was not recognised"); return
        }
        #expect(c.kind == "kms-api-export")
        #expect(c.input == .batch)
        #expect(file.document == nil)
        #expect(file.data == Data(Self.export.utf8))
    }

    @Test func aRepeatedKeyInAnExportIsStillAnError() throws {
        let text = Self.export.replacingOccurrences(of: #""KeyState":"Enabled""#, with: #""KeyState":"Enabled","KeyState":"Disabled""#)
        guard case .invalid(let error, _) = try Fixtures.recognize("describe-key.json", data: Data(text.utf8)) else {
            Issue.record("a repeated key was accepted"); return
        }
        #expect(error.diagnostic.message.contains("duplicate"))
    }

    @Test func aDocumentCollectorGetsLineNumbers() throws {
        let template = """
        {
          "AWSTemplateFormatVersion": "2010-09-09",
          "Resources": {
            "AppKey": {
              "Type": "AWS::KMS::Key",
              "Properties": {"EnableKeyRotation": true}
            }
          }
        }
        """
        guard case .recognized(let c, let file) = try Fixtures.recognize("stack.json", data: Data(template.utf8)) else {
            Issue.record("the template was not recognised"); return
        }
        #expect(c.input == .document)
        let document = try #require(file.document)
        #expect(document.root != nil)
        #expect(document.line(at: [.key("Resources"), .key("AppKey")]) == 4)
    }
}
