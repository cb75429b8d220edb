import CEKAuditAWS
import CEKAuditAttestations
import CEKAuditAzure
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditGCP
import CEKAuditHCL
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditOpenBao
import Foundation
import Logging

/// The entry points the fuzzers drive: one per parser the tool has, each taking arbitrary bytes the way the tool
/// takes a file, and running them through parsing, collection and the normalize stage. A target never crashes,
/// hangs or traps, whatever the bytes; errors are the expected outcome of most inputs.
///
/// `scripts/fuzz.sh` builds them with libFuzzer (`-sanitize=fuzzer,address`, `Sources/CEKAuditFuzz`) and runs each
/// for a bounded time, seeded from the project's fixtures and the shared corpus; inputs that crashed are kept under
/// `Tests/CEKAuditCollectorsTests/Fixtures/fuzz-regressions/<target>/` and replayed by the test suite through
/// ``run(_:_:)``.
public enum FuzzTargets {
    /// Target names, in the order `scripts/fuzz.sh` runs them.
    public static let names = ["json", "yaml", "catalog", "assessment-file", "recognizer", "cloudformation", "terraform",
                               "key-policy", "kms-api-export", "k8s-encryption-config", "attestations", "cloudtrail",
                               "openbao-audit-log", "gcp-audit-log", "gcp-export", "azure-export",
                               "azure-keyvault-audit-log", "arm-template", "hcl", "log-query-result"]

    /// The fixed assessment clock of fuzzed runs.
    static let now = Date(timeIntervalSince1970: 1_793_491_200)

    /// Runs `data` through target `name` from synchronous code (libFuzzer's callback). Unknown names do nothing.
    public static func run(_ name: String, _ data: Data) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await run(name, data)
            done.signal()
        }
        done.wait()
    }

    /// Runs `data` through target `name`. Unknown names do nothing.
    public static func run(_ name: String, _ data: Data) async {
        switch name {
        case "json": _ = try? JSONValue.parse(data, source: "fuzz.json")
        case "yaml":
            if let text = String(data: data, encoding: .utf8) { _ = try? YAMLDocument.compose(text, file: "fuzz.yaml") }
        case "catalog": _ = try? CatalogLoader.load(data: data, source: "fuzz-catalog.yaml")
        case "assessment-file":
            withFile(data, name: "audit.yaml") { path in
                _ = try? AssessmentFile.load(path: path, sourceKinds: CollectorRegistry.builtIn.sourceKinds)
            }
        case "recognizer":
            withFile(data, name: "input") { path in
                _ = ContentRecognizer(registry: .builtIn).recognize(SourceFile(path: path, locator: "input"))
            }
        case "cloudformation": document(data, CloudFormationCollector(), name: "stack.template")
        case "terraform": document(data, TerraformCollector(document: .plan), name: "plan.json")
        case "arm-template": document(data, ARMTemplateCollector(), name: "main.json")
        case "hcl": await hcl(data)
        case "key-policy": document(data, KeyPolicyCollector(), name: "policy.json")
        case "k8s-encryption-config": document(data, EncryptionConfigurationCollector(), name: "encryption-config.yaml")
        case "attestations": document(data, AttestationCollector(), name: "attestations.yaml")
        case "kms-api-export": await batch(data, KMSExportCollector(), name: "describe-key.json")
        case "cloudtrail": await batch(data, CloudTrailCollector(workers: 1), name: "111122223333_CloudTrail_eu-west-1_20261020T1100Z_fuzz.json")
        case "openbao-audit-log": await batch(data, OpenBaoAuditLogCollector(), name: "audit.log")
        case "gcp-audit-log": await batch(data, GCPAuditLogCollector(), name: "11:00:00_11:59:59_S0.json")
        case "gcp-export": await batch(data, GCPExportCollector(), name: "gcloud-kms-keys.json")
        case "azure-export": await batch(data, AzureExportCollector(), name: "az-keyvault-list.json")
        case "azure-keyvault-audit-log": await batch(data, AzureAuditEventCollector(), name: "PT1H.json")
        case "log-query-result": await queryResult(data)
        default: break
        }
    }

    /// A document collector on `data`, then the normalize stage.
    static func document(_ data: Data, _ collector: any DocumentCollector, name: String) {
        guard let doc = try? ParsedDocument(data: data, locator: name) else { return }
        let observations = collector.collect(doc, input: SourceInput(locator: name, data: data), context: CollectionContext(now: now))
        _ = NormalizeStage.run(observations, settings: AnalysisSettings(trustedAccounts: ["111122223333"]))
    }

    /// HCL native syntax, its JSON form and templates: parse, evaluate every attribute with nothing in scope and no
    /// folder to read (each reference an error turned unknown), then read the bytes as a Terraform root module
    /// (`main.tf` alone in a folder) through the terraform-hcl collector and the normalize stage.
    static func hcl(_ data: Data) async {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-fuzz-hcl-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("main.tf")
        if (try? data.write(to: url)) != nil {
            let job = CollectionJob(label: "fuzz", files: [SourceFile(path: url.path, locator: "main.tf", data: data)])
            let observations = await TerraformHCLCollector().collect(job, context: CollectionContext(now: now), logger: Logger(label: "fuzz"))
            _ = NormalizeStage.run(observations, settings: AnalysisSettings(trustedAccounts: ["111122223333"]))
        }
        let evaluator = HCLEvaluator()
        func walk(_ body: HCLBody) {
            for a in body.attributes { _ = evaluator.value(a.expression) }
            for b in body.blocks { walk(b.body) }
        }
        if let body = try? HCLParser.parse(data, filename: "main.tf") { walk(body) }
        if let json = try? HCLJSON.parse(data, filename: "main.tf.json") { _ = json.value.jsonText() }
        if let parts = try? HCLParser.parseTemplate(data, filename: "t.tpl") { _ = try? evaluator.template(parts, range: HCLRange(filename: "t.tpl", start: HCLPosition(line: 1, column: 1, offset: 0), end: HCLPosition(line: 1, column: 1, offset: 0))) }
    }

    /// A SQL engine's result: `data` read as the CSV and as the JSON lines of the shipped CloudTrail query (whose
    /// text is written beside it, so the reader gets past the query check), then the normalize stage.
    static func queryResult(_ data: Data) async {
        guard let query = file(Data(ShippedQuery.cloudTrailKMSUsage.text.utf8), name: "cloudtrail_kms_usage.sql") else { return }
        for (name, format) in [("result.csv", "csv"), ("result.jsonl", "jsonl")] {
            guard let path = file(data, name: name) else { continue }
            var f = SourceFile(path: path, locator: name, data: data)
            f.queryOptions = ["engine": "athena", "format": format, "query": query, "query_locator": "cloudtrail_kms_usage.sql"]
            let observations = await LogQueryResultCollector().collect(CollectionJob(label: "fuzz", files: [f]), context: CollectionContext(now: now),
                                                                       logger: Logger(label: "fuzz"))
            _ = NormalizeStage.run(observations, settings: AnalysisSettings())
        }
    }

    /// A batch collector on `data` written to a file, then the normalize stage.
    static func batch(_ data: Data, _ collector: any EvidenceCollector, name: String) async {
        guard let path = file(data, name: name) else { return }
        let job = CollectionJob(label: "fuzz", files: [SourceFile(path: path, locator: name, data: data)])
        let observations = await collector.collect(job, context: CollectionContext(now: now), logger: Logger(label: "fuzz"))
        _ = NormalizeStage.run(observations, settings: AnalysisSettings())
    }

    /// Writes `data` to a file named `name` in a folder of this process's own, runs `body` with its path.
    static func withFile(_ data: Data, name: String, _ body: (String) -> Void) {
        if let path = file(data, name: name) { body(path) }
    }

    /// Writes `data` to a file named `name` in a folder of this process's own; its path, or `nil` when it cannot.
    static func file(_ data: Data, name: String) -> String? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        guard (try? data.write(to: url)) != nil else { return nil }
        return url.path
    }
}
