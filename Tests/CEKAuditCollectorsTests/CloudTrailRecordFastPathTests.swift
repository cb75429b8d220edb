@testable import CEKAuditLogs
import CEKScan
import Foundation
import Testing

/// The C fast path of the CloudTrail record reader (`cek_cloudtrail_record_scan` and
/// ``CloudTrailRecordReader/fast(_:_:interner:)``) against the reader's own walk (``CloudTrailRecordReader/exact(_:_:interner:)``):
/// for every record the fast path decides, the exact reader accepts it and reads the same record; every record it does
/// not decide goes to the exact reader. Records of the fixture trails, of the scan-equivalence corpus, hand-written
/// edge cases, every prefix of a record and every single-byte mutation of one.
struct CloudTrailRecordFastPathTests {
    /// Everything a record carries for the aggregate, as text (ids as their strings).
    static func view(_ r: CloudTrailRecord, _ b: UnsafeRawBufferPointer) -> String {
        func o(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "nil" }
        var parts = [o(r.eventTime), o(r.eventSource), o(r.eventName), o(r.awsRegion), o(r.eventID?.string(in: b)), o(r.requestID?.string(in: b)),
                     o(r.errorCode), o(r.errorMessage), o(r.recipientAccountId)]
        if let u = r.userIdentity {
            parts.append("user(\(u.isAWSService) \(o(u.arn)) \(o(u.accountId)) \(o(u.invokedBy)) \(u.arnID != nil) \(u.invokedByID != nil))")
        } else { parts.append("user nil") }
        parts.append(r.resources.map { "res[" + $0.map { "\(o($0.arn)) \($0.isKMSKey)" }.joined(separator: "; ") + "]" } ?? "res nil")
        if let p = r.requestParameters { parts.append("req(\(o(p.keyId)) \(o(p.targetKeyId)) \(o(p.aliasName)) \(o(p.rotationPeriodInDays)))") } else { parts.append("req nil") }
        if let e = r.responseElements {
            let m = e.keyMetadata.map { "meta(\(o($0.arn)) \(o($0.keyId)) \(o($0.origin)) \(o($0.keyManager)))" } ?? "meta nil"
            parts.append("resp(\(o(e.keyId)) \(m))")
        } else { parts.append("resp nil") }
        parts.append(r.additionalEventData.map { "add(\(o($0.customKeyStoreId)) \(o($0.xksKeyId)))" } ?? "add nil")
        parts.append(r.serviceEventDetails.map { "svc(\(o($0.keyId)))" } ?? "svc nil")
        return parts.joined(separator: " | ")
    }

    /// Whether the fast path decides `bytes`, and whether it then agrees with the exact reader.
    static func agree(_ bytes: [UInt8]) -> (agrees: Bool, decided: Bool) {
        bytes.withUnsafeBytes { b -> (Bool, Bool) in
            var fastInterner = StringInterner(), exactInterner = StringInterner()
            guard let f = CloudTrailRecordReader.fast(b, 0..<b.count, interner: &fastInterner) else { return (true, false) }
            guard let e = try? CloudTrailRecordReader.exact(b, 0..<b.count, interner: &exactInterner) else { return (false, true) }
            return (view(f, b) == view(e, b), true)
        }
    }

    /// A KMS record as trails carry it, with every member the reader reads.
    static let kmsRecord = #"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333","invokedBy":"s3.amazonaws.com","sessionContext":{"sessionIssuer":{"type":"Role"},"attributes":{"creationDate":"2026-10-01T00:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-10-15T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"CreateKey","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":{"keyId":"k","targetKeyId":"t","aliasName":"alias/a","rotationPeriodInDays":"90","encryptionContext":{"a":"b"}},"responseElements":{"keyId":"k","keyMetadata":{"arn":"arn:aws:kms:eu-west-1:111122223333:key/k","keyId":"k","origin":"AWS_KMS","keyManager":"CUSTOMER","keySpec":"SYMMETRIC_DEFAULT"}},"additionalEventData":{"customKeyStoreId":"cks-1","xksKeyId":"x-1"},"serviceEventDetails":{"keyId":"k"},"requestID":"r-1","eventID":"e-1","readOnly":false,"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k"},{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/o"}],"eventType":"AwsApiCall","recipientAccountId":"111122223333","errorCode":"AccessDenied","errorMessage":"not authorized"}"#

    static let handWritten = [
        kmsRecord,
        // Nulls, wrong types, empty objects and arrays, white space everywhere, numbers and literals skipped.
        #"{"eventName":"ScheduleKeyDeletion","requestParameters":null,"responseElements":null,"resources":null,"userIdentity":null,"eventTime":null}"#,
        #"{"userIdentity":"not an object","awsRegion":["x"],"eventName":7,"errorCode":true}"#,
        #"{"resources":[],"userIdentity":{},"requestParameters":{},"responseElements":{"keyMetadata":null},"additionalEventData":{},"serviceEventDetails":{}}"#,
        " \t{ \"eventName\" : \"Decrypt\" ,\r\n \"resources\" : [ { \"type\" : \"AWS::KMS::Key\" , \"ARN\" : \"a\" } , { } ] , \"x\" : -1.5e3 } \n",
        #"{"eventName":"Decrypt","x":nullx,"y":tru,"z":1.2.3}"#,
        #"{"eventName":nullx}"#,
        #"{"eventName":null ,"awsRegion":null}"#,
        // Escapes: in a member read (exact reader), in a skipped member and in a key (fast path), non-ASCII text.
        #"{"errorMessage":"User: caf\u00e9 \"quoted\" not authorized","eventName":"Decrypt"}"#,
        #"{"userAgent":"a \"b\" \\ c \u00e9","eventName":"Decrypt","event\u004eame":"Encrypt"}"#,
        #"{"eventName":"Décrypt","userIdentity":{"arn":"arn:aws:iam::111122223333:user/jürgen"}}"#,
        #"{"eventID":"e-\u0032","requestID":7,"eventName":"Decrypt"}"#,
        // Repeated members (the exact reader keeps the last), many resources, non-object resources.
        #"{"eventName":"Decrypt","eventName":"Encrypt"}"#,
        #"{"userIdentity":{"arn":"a","arn":"b"}}"#,
        #"{"resources":[{"ARN":"1"},{"ARN":"2"},{"ARN":"3"},{"ARN":"4"},{"ARN":"5"}]}"#,
        #"{"resources":[{"ARN":"1"},{"ARN":"2"},{"ARN":"3"},{"ARN":"4"}]}"#,
        #"{"resources":["x",{"ARN":"1"}]}"#,
        #"{"resources":{"ARN":"1"}}"#,
        // Braces and brackets inside strings of skipped values; deep nesting.
        #"{"requestParameters":{"note":"} ] { [ \" tricky","keyId":"k"},"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        // Malformed: missing commas, trailing comma, truncation, data after the record, control bytes, not an object.
        #"{"eventName":"Decrypt" "eventTime":"2026-10-15T10:00:00Z"}"#,
        #"{"eventName":"Decrypt","userIdentity":{"arn":"a" "type":"b"}}"#,
        #"{"eventName":"Decrypt",}"#,
        #"{"eventName":"Decr"#,
        #"{"eventName":"Decrypt"} extra"#,
        "{\"eventName\":\"Dec\u{01}rypt\"}",
        "{\"userAgent\":\"a\u{1F}b\",\"eventName\":\"Decrypt\"}",
        #"["eventName"]"#,
        #"{"a":}"#,
        #"{"resources":[{"ARN":"1"},]}"#,
        "",
    ]

    @Test func theFastPathAgreesWithTheExactReaderOnEveryRecordItDecides() throws {
        var decided = 0, total = 0
        for record in Self.handWritten {
            let (agrees, d) = Self.agree(Array(record.utf8))
            #expect(agrees, "\(record)")
            if d { decided += 1 }
        }
        // Records of every fixture trail and of the scan-equivalence corpus (escapes, non-ASCII agents, other services).
        var trails: [Data] = CloudTrailScanEquivalenceTests.corpus(files: 3, recordsPerFile: 60).files.map(\.1)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        for case let url as URL in FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil)! where url.pathExtension == "json" {
            let data = try Data(contentsOf: url)
            if data.count < 1 << 20, String(decoding: data.prefix(4096), as: UTF8.self).contains("\"Records\"") { trails.append(data) }
        }
        for data in trails {
            try data.withUnsafeBytes { b in
                guard case .records(let ranges) = try RecordSplitter.split(b) else { return }
                for r in ranges {
                    let (agrees, d) = Self.agree(Array(b[r]))
                    #expect(agrees, "\(String(decoding: b[r], as: UTF8.self))")
                    total += 1
                    if d { decided += 1 }
                }
            }
        }
        // Not vacuous: most records take the fast path.
        #expect(total > 150 && decided > total / 2)
        #expect(Self.agree(Array(Self.kmsRecord.utf8)).decided)
        // What the fast path leaves to the exact reader: an escape in a member read, a repeated member, a fifth
        // resource, a member of another type, damage.
        for record in [Self.handWritten[8], Self.handWritten[12], Self.handWritten[14], Self.handWritten[2], Self.handWritten[19]] {
            #expect(Self.agree(Array(record.utf8)).decided == false, "\(record)")
        }
    }

    @Test func everyPrefixAndSingleByteMutationAgrees() {
        var decided = 0
        let bytes = Array(Self.kmsRecord.utf8)
        for n in 0..<bytes.count {
            let (agrees, d) = Self.agree(Array(bytes[..<n]))
            #expect(agrees && !d, "prefix of \(n) bytes")
        }
        for k in 0..<bytes.count {
            for replacement in Array(#""\{}[],:0an -"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0xC3] where replacement != bytes[k] {
                var mutated = bytes
                mutated[k] = replacement
                let (agrees, d) = Self.agree(mutated)
                #expect(agrees, "byte \(k) → \(replacement): \(String(decoding: mutated, as: UTF8.self))")
                if d { decided += 1 }
            }
        }
        #expect(decided > 1000)
    }

    /// The scan reads records through the fast path where it can and the exact reader elsewhere; through one
    /// worker's interner, both give what a record read alone gives.
    @Test func oneInternerServesBothPaths() {
        var shared = StringInterner()
        for record in Self.handWritten + Self.handWritten.reversed() {
            let data = Data(record.utf8)
            data.withUnsafeBytes { b in
                var own = StringInterner()
                let alone = try? CloudTrailRecordReader.exact(b, 0..<b.count, interner: &own)
                let together = try? CloudTrailRecordReader.read(b, 0..<b.count, interner: &shared)
                #expect(alone.map { Self.view($0, b) } == together.map { Self.view($0, b) }, "\(record)")
            }
        }
    }
}
