@testable import CEKAuditCollectorKit
@testable import CEKAuditLogs
import CEKAuditCore
import Foundation
import Testing

/// Records built to trip a byte-level scanner: escaped quotes and backslashes before `"eventSource"`, the text
/// `"eventSource":"kms.amazonaws.com"` inside strings of other services' records, braces and brackets inside
/// strings, nested objects holding `eventSource` members, KMS-looking values in non-KMS records, pretty-printed and
/// compact files; read as `.json`, `.json.gz` and multi-member `.json.gz`, with one, two and four workers. The
/// per-key counts are pinned (written by hand below, not computed by the code under test), and every reading must
/// give the same facts.
struct CloudTrailTrickyRecordsTests {
    static let keyA = "arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-0000-4000-8000-000000000001"
    static let keyB = "arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-0000-4000-8000-000000000002"
    static let keyC = "arn:aws:kms:us-east-1:444455556666:key/cccccccc-0000-4000-8000-000000000003"

    /// A KMS record on `key`; `extra` is spliced in before the closing brace.
    static func kms(_ name: String, key: String, n: Int, time: String = "2026-10-01T10:00:00Z", principal: String = "arn:aws:iam::111122223333:role/app",
                    extra: String = "") -> String {
        #"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"\#(principal)","accountId":"111122223333"},"eventTime":"\#(time)","eventSource":"kms.amazonaws.com","eventName":"\#(name)","awsRegion":"eu-west-1","requestID":"r-\#(n)","eventID":"e-\#(n)","requestParameters":{"keyId":"\#(key)"},"resources":[{"type":"AWS::KMS::Key","ARN":"\#(key)"}],"recipientAccountId":"111122223333"\#(extra)}"#
    }

    /// The tricky corpus: (file name, JSON) pairs. Expected counts are in ``expected``.
    static func files() -> [(String, String)] {
        var f1: [String] = []
        // 1. Escaped quotes and backslashes in a string just before eventSource: the scanner must not lose track
        //    of where strings end.
        f1.append(kms("Decrypt", key: keyA, n: 1, extra: #","userAgent":"quote \" backslash \\ \\\" end\\""#))
        f1.append(#"{"userAgent":"a \"quoted\" \\\\ agent \\","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-10-01T10:00:01Z","requestParameters":{"bucketName":"b"}}"#)
        // 2. A non-KMS record whose request parameters hold the text of a KMS eventSource member (as a string value,
        //    with the quotes escaped), and a nested object with an eventSource member of its own.
        f1.append(#"{"eventSource":"s3.amazonaws.com","eventName":"PutObject","eventTime":"2026-10-01T10:00:02Z","requestParameters":{"note":"\"eventSource\":\"kms.amazonaws.com\"","nested":{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","resources":[{"type":"AWS::KMS::Key","ARN":"\#(keyA)"}]}},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"}]}"#)
        // 3. Braces and brackets inside strings, in a KMS record and in a non-KMS one.
        f1.append(kms("Encrypt", key: keyA, n: 2, extra: #","encryptionContext":{"x":"}{][ \"}\" {","y":"]]]}}}"}"#))
        f1.append(#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventTime":"2026-10-01T10:00:03Z","requestParameters":{"userData":"{\"eventSource\":\"kms.amazonaws.com\"}} ]]"}}"#)
        // 4. A non-KMS record with KMS-looking values everywhere but its own eventSource.
        f1.append(#"{"eventSource":"sts.amazonaws.com","eventName":"Decrypt","eventTime":"2026-10-01T10:00:04Z","requestParameters":{"keyId":"\#(keyA)","host":"kms.amazonaws.com"},"resources":[{"type":"AWS::KMS::Key","ARN":"\#(keyA)"}],"tlsDetails":{"clientProvidedHostHeader":"kms.amazonaws.com"}}"#)
        // 5. eventSource after the members the audit reads, and a KMS record whose eventSource is escaped (\u006b = k).
        f1.append(#"{"eventName":"GenerateDataKey","eventTime":"2026-10-01T10:00:05Z","resources":[{"type":"AWS::KMS::Key","ARN":"\#(keyB)"}],"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"},"eventID":"e-3","eventSource":"kms.amazonaws.com"}"#)
        f1.append(#"{"eventName":"Decrypt","eventTime":"2026-10-01T10:00:06Z","resources":[{"type":"AWS::KMS::Key","ARN":"\#(keyB)"}],"eventID":"e-4","eventSource":"\u006bms.amazonaws.com","userIdentity":{"arn":"arn:aws:iam::111122223333:role/esc"}}"#)
        // 6. A denied KMS call: an attempt, not a use.
        f1.append(kms("Decrypt", key: keyA, n: 5, extra: #","errorCode":"AccessDenied","errorMessage":"not authorized: \"kms:Decrypt\"""#))
        // 7. A string value that ends in an escaped backslash right before a closing brace.
        f1.append(#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-10-01T10:00:07Z","requestParameters":{"path":"C:\\dir\\"}}"#)

        var f2: [String] = []
        // Another account's key, many principals, in a pretty-printed file.
        for k in 0..<30 {
            f2.append(kms(k % 3 == 0 ? "Sign" : "ReEncrypt", key: keyC, n: 100 + k, time: String(format: "2026-10-02T%02d:00:00Z", k % 24),
                          principal: "arn:aws:sts::444455556666:assumed-role/r/s\(k)"))
            f2.append(#"{"eventSource":"lambda.amazonaws.com","eventName":"Invoke","eventTime":"2026-10-02T00:00:00Z","requestParameters":{"payload":"{\"eventSource\": \"kms.amazonaws.com\", \"k\": [1, {\"a\": \"}\"}]}"}}"#)
        }
        f2.append(kms("Decrypt", key: keyB, n: 200, time: "2026-10-02T23:00:00Z"))
        return [
            ("111122223333_CloudTrail_eu-west-1_20261001T1000Z_tricky", "{\"Records\":[" + f1.joined(separator: ",") + "]}"),
            ("444455556666_CloudTrail_us-east-1_20261002T0000Z_tricky", "{\n  \"Records\" : [\n    " + f2.joined(separator: " ,\n    ") + "\n  ]\n}\n"),
        ]
    }

    /// Successful usage per key and category, counted by hand from ``files()``.
    static let expected: [String: [String: Int]] = [
        keyA: ["decrypt": 1, "encrypt": 1],
        keyB: ["generate-data-key": 1, "decrypt": 2],
        keyC: ["sign-verify-mac": 10, "re-encrypt": 20],
    ]

    func write(gzip compress: Bool, members: Int) throws -> (String, [CloudTrailCollector.File]) {
        var corpus = CloudTrailScanEquivalenceTests.Corpus()
        corpus.files = Self.files().map { ($0.0, Data($0.1.utf8)) }
        return try CloudTrailScanEquivalenceTests.write(corpus, gzip: compress, members: members)
    }

    func collect(_ files: [CloudTrailCollector.File], workers: Int) async -> FactSet {
        let collector = CloudTrailCollector(workers: workers)
        return await collector.collect(files: files, label: "logs", context: CollectionContext(now: Date(timeIntervalSince1970: 1_800_000_000)))
    }

    @Test func pinnedCountsInEveryReadingAndWorkerCount() async throws {
        let readings = [try write(gzip: false, members: 1), try write(gzip: true, members: 1), try write(gzip: true, members: 3)]
        defer { for r in readings { try? FileManager.default.removeItem(atPath: r.0) } }
        var baseline: [String]?
        for (_, files) in readings {
            for workers in [1, 2, 4] {
                let facts = await collect(files, workers: workers)
                let comparable = CloudTrailScanEquivalenceTests.comparable(facts)
                if let baseline { #expect(comparable == baseline, "workers \(workers)") } else { baseline = comparable }
                #expect(facts.diagnostics.filter { $0.severity == .error }.isEmpty)

                let source = try #require(facts.resources.first { $0.type == .logSource })
                #expect(source.value("files") == .int(2))
                #expect(source.value("records") == .int(10 + 61))
                // KMS records: 4 in the first file (Decrypt, Encrypt, GenerateDataKey, escaped eventSource Decrypt)
                // plus the denied Decrypt, 31 in the second.
                #expect(source.value("kms_records") == .int(5 + 31))
                #expect(source.value("failed_attempts") == .int(1))
                #expect(source.value("parse_errors") == .int(0))
                #expect(source.value("accounts") == .strings(["111122223333"]))
                let keys = facts.resources.filter { $0.type == .keyUsage }
                #expect(Set(keys.map(\.name)) == Set(Self.expected.keys))
                for key in keys {
                    let want = Self.expected[key.name] ?? [:]
                    for category in KMSEventCatalog.usageCategories {
                        #expect(key.value("usage." + category) == .int(want[category] ?? 0), "\(key.name) \(category)")
                    }
                }
                let a = try #require(keys.first { $0.name == Self.keyA })
                #expect(a.value("failed_attempts") == .strings(["Decrypt (AccessDenied)"]))
                let c = try #require(keys.first { $0.name == Self.keyC })
                #expect(c.value("principals") == .strings((0..<30).map { "arn:aws:sts::444455556666:assumed-role/r/s\($0)" }.sorted()))
                #expect(c.value("account") == .string("444455556666"))
                #expect(c.value("region") == .string("us-east-1"))
                let b = try #require(keys.first { $0.name == Self.keyB })
                #expect(b.value("principals") == .strings(["arn:aws:iam::111122223333:role/app", "arn:aws:iam::111122223333:role/esc", "service:s3.amazonaws.com"]))
            }
        }
    }

    /// More principals and failure kinds than a key keeps, spread over many files: whichever worker reads which
    /// file, the smallest ones are kept.
    @Test func cappedListsDoNotDependOnTheWorkers() async throws {
        var corpus = CloudTrailScanEquivalenceTests.Corpus()
        var n = 0
        for f in 0..<9 {
            var records: [String] = []
            for k in 0..<80 {
                n += 1
                let denied = k % 4 == 0
                records.append(Self.kms("Decrypt", key: Self.keyA, n: n, principal: "arn:aws:sts::111122223333:assumed-role/r/p\((n * 7919) % 1000)",
                                        extra: denied ? #","errorCode":"Code\#((n * 31) % 97)""# : ""))
            }
            corpus.files.append((String(format: "111122223333_CloudTrail_eu-west-1_20261001T%02d00Z_cap", f), Data(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)))
        }
        let (root, files) = try CloudTrailScanEquivalenceTests.write(corpus, gzip: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let one = await collect(files, workers: 1)
        let key = try #require(one.resources.first { $0.type == .keyUsage })
        guard case .list(let principalValues) = key.value("principals"), case .list(let failedValues) = key.value("failed_attempts") else {
            Issue.record("principals or failed_attempts missing")
            return
        }
        let principals = principalValues.compactMap { v -> String? in if case .string(let s) = v { return s }; return nil }
        let failed = failedValues.compactMap { v -> String? in if case .string(let s) = v { return s }; return nil }
        #expect(principals.count == LogAggregate.principalCap)
        #expect(failed.count == LogAggregate.failedCap)
        // The smallest of all: every principal and failure kind of the corpus, sorted, cut at the cap.
        var all = Set<String>(), kinds = Set<String>()
        for i in 1...n {
            if (i - 1) % 80 % 4 == 0 { kinds.insert("Decrypt (Code\((i * 31) % 97))") } else { all.insert("arn:aws:sts::111122223333:assumed-role/r/p\((i * 7919) % 1000)") }
        }
        #expect(principals == Array(all.sorted().prefix(LogAggregate.principalCap)))
        #expect(failed == Array(kinds.sorted().prefix(LogAggregate.failedCap)))
        for workers in [2, 3, 4] {
            let other = await collect(files, workers: workers)
            #expect(CloudTrailScanEquivalenceTests.comparable(other) == CloudTrailScanEquivalenceTests.comparable(one), "workers \(workers)")
        }
    }
}
