@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import Foundation
import Testing

/// The record reader against the shapes real trails hold: escapes, nulls, wrong types, braces inside strings,
/// and the malformations the awsdocs examples carry.
struct CloudTrailRecordReaderTests {
    func read(_ json: String) throws -> CloudTrailRecord {
        let data = Data(json.utf8)
        return try data.withUnsafeBytes { try CloudTrailRecordReader.read($0, 0..<$0.count) }
    }

    func fails(_ json: String) -> Bool {
        (try? read(json)) == nil
    }

    @Test func readsTheUsedMembersAndSkipsTheRest() throws {
        let r = try read("""
        {"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s",
         "sessionContext":{"attributes":{"creationDate":"2026-10-01T00:00:00Z","note":"} ] { [ \\" tricky"}}},
         "eventTime":"2026-10-15T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"eu-west-1",
         "requestParameters":{"encryptionContext":{"a":"b"},"keyId":"alias/app","rotationPeriodInDays":180},
         "responseElements":{"keyMetadata":{"arn":"arn:aws:kms:eu-west-1:111122223333:key/k","origin":"EXTERNAL"}},
         "additionalEventData":{"customKeyStoreId":"cks-1234"},
         "resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k"}],
         "eventID":"e-1","recipientAccountId":"111122223333"}
        """)
        #expect(r.eventName == "Decrypt")
        #expect(r.userIdentity?.arn == "arn:aws:sts::111122223333:assumed-role/app/s")
        #expect(r.requestParameters?.keyId == "alias/app")
        #expect(r.requestParameters?.rotationPeriodInDays == "180")
        #expect(r.responseElements?.keyMetadata?.origin == "EXTERNAL")
        #expect(r.additionalEventData?.customKeyStoreId == "cks-1234")
        #expect(r.resources?.first?.arn == "arn:aws:kms:eu-west-1:111122223333:key/k")
    }

    @Test func nullsAndWrongTypesReadAsAbsent() throws {
        let r = try read("""
        {"eventName":"ScheduleKeyDeletion","requestParameters":null,"responseElements":null,"resources":null,
         "userIdentity":"not an object","errorCode":"AccessDenied","eventTime":null,"awsRegion":["x"]}
        """)
        #expect(r.requestParameters == nil)
        #expect(r.resources == nil)
        #expect(r.userIdentity == nil)
        #expect(r.eventTime == nil)
        #expect(r.awsRegion == nil)
        #expect(r.errorCode == "AccessDenied")
    }

    @Test func escapesAreDecoded() throws {
        let r = try read(#"{"errorMessage":"User: caf\u00e9 \"quoted\" \ud83d\udd11 not authorized","eventName":"Decrypt"}"#)
        #expect(r.errorMessage == "User: café \"quoted\" 🔑 not authorized")
    }

    @Test func malformedRecordsAreRefused() {
        #expect(fails(#"{"eventName":"Decrypt" "eventTime":"2026-10-15T10:00:00Z"}"#))         // missing comma
        #expect(fails(#"{"eventName":"Decrypt","userIdentity":{"arn":"a" "type":"b"}}"#))      // missing comma inside
        #expect(fails(#"{"eventName":"Decrypt",}"#))                                          // trailing comma
        #expect(fails(#"{"eventName":"Decr"#))                                               // truncated
        #expect(fails(#"{"eventName":"Decrypt"} extra"#))
        #expect(!fails(#"  {"eventName":"Decrypt"}  "#))
    }

    @Test func splitterFindsRecordsAndRejectsBrokenArrays() throws {
        func shape(_ s: String) throws -> RecordSplitter.Shape { try Data(s.utf8).withUnsafeBytes { try RecordSplitter.split($0) } }
        if case .records(let r) = try shape(#"{"Records":[{"a":"}"},{"b":[1,{"c":2}]}]}"#) { #expect(r.count == 2) } else { Issue.record("records") }
        if case .digest = try shape(#"{"awsAccountId":"1","digestStartTime":"x","logFiles":[]}"#) {} else { Issue.record("digest") }
        #expect(throws: RecordSplitter.Failure.self) { _ = try shape(#"{"Records":[{"a":1} {"b":2}]}"#) }
        #expect(throws: RecordSplitter.Failure.self) { _ = try shape(#"{"Records":[{"a":1},]}"#) }
        #expect(throws: RecordSplitter.Failure.self) { _ = try shape(#"{"Records":[{"a":"unterminated}]}"#) }
    }
}
