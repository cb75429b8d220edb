@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import CEKAuditTestSupport
import Foundation
import Logging

/// Records every request a collector sends (operation and service only, never header values) and forwards it.
final class RecordingTransport: AWSTransport, @unchecked Sendable {
    let inner: any AWSTransport
    private let lock = NSLock()
    private var log: [(operation: String, service: String, headerNames: [String])] = []

    init(_ inner: any AWSTransport) {
        self.inner = inner
    }

    func send(_ request: AWSHTTPRequest, timeout: Double) async throws -> AWSHTTPResponse {
        var op = request.header("X-Amz-Target").map { String($0.split(separator: ".").last ?? "") } ?? ""
        if op.isEmpty, let form = String(data: request.body, encoding: .utf8) {
            op = form.split(separator: "&").first { $0.hasPrefix("Action=") }.map { String($0.dropFirst(7)) } ?? ""
        }
        let scope = request.header("Authorization")?.range(of: #"/[a-z0-9-]+/[a-z0-9]+/aws4_request"#, options: .regularExpression)
            .flatMap { r in request.header("Authorization").map { String($0[r]) } } ?? ""
        let service = scope.split(separator: "/").dropLast().last.map(String.init) ?? ""
        lock.withLock { log.append((op, service, request.headers.map { $0.name.lowercased() })) }
        return try await inner.send(request, timeout: timeout)
    }

    /// Not forwarded: one recorder may serve several targets of a run, and the collector shuts down the transport
    /// of each target when it is done. The test calls ``close()`` once the whole run is over.
    func shutdown() async {}

    /// Shuts the wrapped transport down (its connection pool must be closed before it is released).
    func close() async { await inner.shutdown() }

    var operations: [String] { lock.withLock { log.map(\.operation) } }
    var services: [String] { lock.withLock { log.map(\.service) } }

    /// Operations that could change something: anything but List*, Describe*, Get* and STS AssumeRole.
    var mutating: [String] {
        operations.filter { op in !(op.hasPrefix("List") || op.hasPrefix("Describe") || op.hasPrefix("Get") || op == "AssumeRole") }
    }
}

enum AWSTest {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "HOME": "/nonexistent"]

    /// A target entry as the assessment file would give it.
    static func target(_ name: String = "tenant-a", _ options: [String: FactValue]) -> AssessmentFile.Target {
        AssessmentFile.Target(kind: "aws-kms", name: name, options: options, line: 7, file: "audit.yaml")
    }

    /// Collects one target with a recording transport and normalizes the facts. A recorder made here is closed
    /// before it is returned (its log stays readable).
    static func collect(_ target: AssessmentFile.Target, environment: [String: String] = credentials,
                        trusted: Set<String> = [], recorder: RecordingTransport? = nil,
                        logger: Logger = Logger(label: "test")) async -> (FactSet, RecordingTransport) {
        let rec = recorder ?? RecordingTransport(AWSHTTPClientTransport(maxConnectionsPerHost: 8))
        let collector = AWSKMSCollector(environment: environment, makeTransport: { _ in rec })
        let observations = await collector.collect(target, context: CollectionContext(now: Fixtures.now), logger: logger)
        if recorder == nil { await rec.close() }
        return (NormalizeStage.run(observations, settings: AnalysisSettings(trustedAccounts: Array(trusted))), rec)
    }

    /// Evaluates facts with the project's catalog at the test clock.
    static func evaluate(_ facts: FactSet, parameters: [String: FactValue] = [:]) throws -> [CheckResult] {
        RulesEngine(catalog: try Fixtures.catalog(), globalParameters: parameters, now: Fixtures.now).evaluate(facts)
    }

    /// Options pointing at a fake server, with quick retries.
    static func options(_ server: FakeAWSServer, _ extra: [String: FactValue] = [:]) -> [String: FactValue] {
        var o: [String: FactValue] = ["regions": .strings(["us-east-1"]), "endpoint": .string(server.endpoint), "max_attempts": .number(3),
                                      "backoff_base_ms": .number(5), "backoff_max_ms": .number(50), "timeout_seconds": .number(5)]
        for (k, v) in extra { o[k] = v }
        return o
    }
}

/// Keeps every log line (message and metadata) at trace level, to search them for secrets.
struct CapturingLogHandler: LogHandler {
    final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}
