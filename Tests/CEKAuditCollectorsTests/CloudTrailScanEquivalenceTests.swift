@testable import CEKAuditCollectorKit
@testable import CEKAuditLogs
import CEKAuditCore
import Foundation
import Testing

/// The fast CloudTrail scan (libdeflate whole-file inflate, SWAR string skipping, memory-mapped plain files) against
/// an independent count: a generated corpus whose per-key KMS usage the generator knows, read as plain `.json`, as
/// `.json.gz` inflated whole, as multi-member `.json.gz`, and through the streaming zlib fallback. Every reading must
/// give the same facts, and the generator's counts.
struct CloudTrailScanEquivalenceTests {
    /// A deterministic corpus: files of records from many services, a share of them KMS calls on a few keys, with
    /// escapes, non-ASCII text, nulls, denied calls and a non-KMS record that mentions the KMS endpoint in a string.
    struct Corpus {
        var files: [(name: String, json: Data)] = []
        /// Expected successful usage events per key and category.
        var usage: [String: [String: Int]] = [:]
        var records = 0
        var kmsRecords = 0
        var failed = 0
    }

    static func corpus(files: Int = 12, recordsPerFile: Int = 150) -> Corpus {
        var rng = SplitMix64(seed: 0x5EED)
        let keys = (0..<6).map { "arn:aws:kms:eu-west-1:111122223333:key/0000000\($0)-0000-4000-8000-00000000\(1000 + $0 * 7)" }
        let names: [(String, String?)] = [("Decrypt", "decrypt"), ("Encrypt", "encrypt"), ("GenerateDataKey", "generate-data-key"),
                                          ("ReEncrypt", "re-encrypt"), ("Sign", "sign-verify-mac"), ("DescribeKey", nil)]
        let agents = [#"aws-cli/2.15.0 Python/3.11 \"quoted\""#, "Boto3 ünïcödé", #"AWS Internal \\ back\\slash \u00e9"#]
        var c = Corpus()
        var n = 0
        for f in 0..<files {
            var records: [String] = []
            for r in 0..<recordsPerFile {
                n += 1
                let time = String(format: "2026-10-%02dT%02d:%02d:00Z", 1 + f % 28, r % 24, r % 60)
                let agent = agents[Int(rng.next() % UInt64(agents.count))]
                let common = #""eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s\#(n % 7)","accountId":"111122223333","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventTime":"\#(time)","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.\#(n % 250)","userAgent":"\#(agent)","requestID":"req-\#(n)","eventID":"ev-\#(n)","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333","tlsDetails":{"tlsVersion":"TLSv1.3","clientProvidedHostHeader":"kms.eu-west-1.amazonaws.com"}"#
                c.records += 1
                if rng.next() % 100 < 35 {
                    let (name, category) = names[Int(rng.next() % UInt64(names.count))]
                    let key = keys[Int(rng.next() % UInt64(keys.count))]
                    let denied = rng.next() % 100 < 4
                    c.kmsRecords += 1
                    if denied { c.failed += 1 } else if let category { c.usage[key, default: [:]][category, default: 0] += 1 }
                    let error = denied ? #","errorCode":"AccessDenied","errorMessage":"not authorized""# : ""
                    records.append(#"{\#(common),"eventSource":"kms.amazonaws.com","eventName":"\#(name)","requestParameters":{"keyId":"\#(key)","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::b/\#(n)"}},"responseElements":null,"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"\#(key)"}]\#(error)}"#)
                } else {
                    // Other services; every 10th names the KMS endpoint in a string, which must not make it a KMS event.
                    let mention = n % 10 == 0 ? #","requestParameters":{"note":"kms.amazonaws.com"}"# : #","requestParameters":null"#
                    records.append(#"{\#(common),"eventSource":"s3.amazonaws.com","eventName":"GetObject"\#(mention),"responseElements":{"x":[1,2,{"y":"z"}]},"resources":null}"#)
                }
            }
            // Pretty and compact files alike: whitespace between records in every other file.
            let separator = f % 2 == 0 ? "," : ",\n  "
            let body = "{\"Records\":[" + records.joined(separator: separator) + "]}"
            c.files.append((String(format: "111122223333_CloudTrail_eu-west-1_202610%02dT0000Z_%04d", 1 + f % 28, f), Data(body.utf8)))
        }
        return c
    }

    /// `gzip -c` of `data`.
    static func gzip(_ data: Data) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-c", "-6"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return out
    }

    /// Writes the corpus under a fresh folder; `gzip` compresses each file, `members` > 1 splits each file's bytes
    /// into that many concatenated gzip members.
    static func write(_ c: Corpus, gzip compress: Bool, members: Int = 1) throws -> (String, [CloudTrailCollector.File]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ct-eq-\(UUID().uuidString)").path
        let dir = root + "/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/10/01"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var out: [CloudTrailCollector.File] = []
        for (name, json) in c.files {
            let path = dir + "/" + name + (compress ? ".json.gz" : ".json")
            var bytes = json
            if compress {
                bytes = Data()
                let step = (json.count + members - 1) / members
                var start = 0
                while start < json.count {
                    bytes.append(try gzip(json.subdata(in: start..<min(json.count, start + step))))
                    start += step
                }
            }
            try bytes.write(to: URL(fileURLWithPath: path))
            // The same locator for every reading, so that facts compare whole.
            out.append(.init(path: path, locator: "logs/" + name))
        }
        return (root, out)
    }

    /// The facts of a reading, without provenance (evidence ids differ by file), for comparison.
    static func comparable(_ facts: FactSet) -> [String] {
        facts.resources.map { "\($0.type.rawValue) \($0.id) \($0.name) \($0.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })" }.sorted()
    }

    func collect(_ files: [CloudTrailCollector.File], wholeLimit: Int = CloudTrailCollector.wholeInflateBytes) async -> FactSet {
        var collector = CloudTrailCollector(workers: 2)
        collector.wholeInflateLimit = wholeLimit
        return await collector.collect(files: files, label: "logs", context: CollectionContext(now: Date(timeIntervalSince1970: 1_800_000_000)))
    }

    @Test func everyReadingGivesTheGeneratorsCounts() async throws {
        let corpus = Self.corpus()
        let (plainRoot, plain) = try Self.write(corpus, gzip: false)
        let (gzRoot, gz) = try Self.write(corpus, gzip: true)
        let (multiRoot, multi) = try Self.write(corpus, gzip: true, members: 3)
        defer { for r in [plainRoot, gzRoot, multiRoot] { try? FileManager.default.removeItem(atPath: r) } }

        let plainFacts = await collect(plain)
        let readings = [await collect(gz), await collect(multi), await collect(gz, wholeLimit: 4096), await collect(multi, wholeLimit: 4096)]
        for facts in readings {
            #expect(Self.comparable(facts) == Self.comparable(plainFacts))
            #expect(facts.diagnostics == plainFacts.diagnostics)
        }

        let source = try #require(plainFacts.resources.first { $0.type == .logSource })
        #expect(source.value("files") == .int(corpus.files.count))
        #expect(source.value("records") == .int(corpus.records))
        #expect(source.value("kms_records") == .int(corpus.kmsRecords))
        #expect(source.value("failed_attempts") == .int(corpus.failed))
        #expect(source.value("parse_errors") == .int(0))
        #expect(source.value("duplicates") == .int(0))
        let keys = plainFacts.resources.filter { $0.type == .keyUsage }
        #expect(keys.count == 6)
        for key in keys {
            let expected = corpus.usage[key.name] ?? [:]
            for category in ["encrypt", "decrypt", "generate-data-key", "re-encrypt", "sign-verify-mac"] {
                #expect(key.value("usage." + category) == .int(expected[category] ?? 0), "\(key.name) \(category)")
            }
            #expect(key.value("usage.total") == .int(expected.values.reduce(0, +)))
        }
    }

    @Test func malformedFilesFailTheSameWayInEveryReading() async throws {
        var corpus = Self.corpus(files: 3, recordsPerFile: 20)
        // A control character inside a string of a non-KMS record, an unclosed record, and a truncated file.
        var bad = String(decoding: corpus.files[0].json, as: UTF8.self)
        bad = bad.replacingOccurrences(of: "\"GetObject\"", with: "\"Get\u{01}Object\"")
        corpus.files[0].json = Data(bad.utf8)
        corpus.files[1].json = corpus.files[1].json.prefix(corpus.files[1].json.count - 3)
        let (plainRoot, plain) = try Self.write(corpus, gzip: false)
        let (gzRoot, gz) = try Self.write(corpus, gzip: true)
        defer { for r in [plainRoot, gzRoot] { try? FileManager.default.removeItem(atPath: r) } }
        let a = await collect(plain), b = await collect(gz), c = await collect(gz, wholeLimit: 1024)
        #expect(Self.comparable(a) == Self.comparable(b))
        #expect(Self.comparable(a) == Self.comparable(c))
        #expect(a.diagnostics == b.diagnostics)
        let source = try #require(a.resources.first { $0.type == .logSource })
        #expect(source.value("parse_errors") == .int(2))
        #expect(a.diagnostics.contains { $0.message.contains("control character") })
    }
}

/// SplitMix64: a seeded generator, so the corpus is the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
