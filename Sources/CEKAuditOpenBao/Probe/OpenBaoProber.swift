import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// ``TargetProber`` for `kind: openbao` sandbox targets: ``OpenBaoProbe`` with the target's address, token and CA
/// file; probe namespaces are created under the target's `namespace`.
public struct OpenBaoProber: TargetProber {
    public var kind: String { "openbao" }
    /// The process environment (address and token variables).
    let environment: [String: String]
    let makeTransport: @Sendable (OpenBaoTargetOptions) throws -> any OpenBaoTransport

    /// - Parameters:
    ///   - environment: where `address_env` and `token_env` are read.
    ///   - transport: the HTTP transport per target (default: ``OpenBaoTargetCollector/defaultTransport(_:)``).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: (@Sendable (OpenBaoTargetOptions) throws -> any OpenBaoTransport)? = nil) {
        self.environment = environment
        self.makeTransport = transport ?? OpenBaoTargetCollector.defaultTransport
    }

    public func plan(_ target: AssessmentFile.Target, run: ProbeRun) throws -> [ProbePlanStep] {
        let options = try OpenBaoTargetOptions.parse(target, environment: environment)
        return OpenBaoProbe(client: OpenBaoClient(address: options.address, transport: NoTransport(), token: nil), parent: options.namespace, run: run).plan()
    }

    public func probe(_ target: AssessmentFile.Target, run: ProbeRun, context: CollectionContext, recorder: ProbeRecorder) async {
        guard let (client, transport, options) = client(target, context: context, recorder: recorder) else { return }
        let probe = OpenBaoProbe(client: client, parent: options.namespace, run: run)
        await probe.run(recorder)
        let interrupted = Task.isCancelled
        // Cleanup in a task of its own: it runs to the end even when this one was cancelled (SIGINT, SIGTERM, timeout).
        await Task { await probe.cleanup(recorder) }.value
        recorder.finish(completed: !interrupted, interruption: interrupted ? "the run was interrupted (signal or timeout); cleanup ran" : nil)
        await transport.shutdown()
    }

    public func removeLeftovers(_ target: AssessmentFile.Target, context: CollectionContext) async -> (found: [ProbeResource], failure: String?) {
        let recorder = ProbeRecorder(target: target.name, kind: kind, run: ProbeRun(id: "cleanup"))
        guard let (client, transport, options) = client(target, context: context, recorder: recorder) else {
            return ([], recorder.snapshot.steps.first?.detail ?? "the target could not be reached")
        }
        let out = await OpenBaoProbe.removeLeftovers(client: client, parent: options.namespace)
        await transport.shutdown()
        return out
    }

    /// The client of a target, or `nil` after recording why there is none.
    private func client(_ target: AssessmentFile.Target, context: CollectionContext,
                        recorder: ProbeRecorder) -> (OpenBaoClient, any OpenBaoTransport, OpenBaoTargetOptions)? {
        func fail(_ why: String) -> (OpenBaoClient, any OpenBaoTransport, OpenBaoTargetOptions)? {
            recorder.record(ProbeStep(step: "connect", operation: "sandbox", request: "", outcome: .failed, detail: why))
            recorder.finish(completed: false, interruption: why)
            return nil
        }
        let options: OpenBaoTargetOptions
        do { options = try OpenBaoTargetOptions.parse(target, environment: environment) } catch {
            return fail((error as? CEKAuditError)?.errorDescription ?? "invalid target options")
        }
        let token = options.token(environment: environment)
        guard let value = token.token else { return fail("no token: \(token.origin) is not set") }
        _ = context.credentials.register(value)
        let transport: any OpenBaoTransport
        do { transport = try makeTransport(options) } catch { return fail("cannot set up the HTTP client: \(OpenBaoClient.describe(error))") }
        let client = OpenBaoClient(address: options.address, transport: transport, token: value, timeout: options.timeout, retries: options.retries,
                                   scrubber: context.credentials, budget: RequestBudget(limit: options.maxRequests))
        return (client, transport, options)
    }
}

/// A transport that sends nothing: `--plan` builds a client only to name paths.
private struct NoTransport: OpenBaoTransport {
    struct Refused: Error {}
    func send(_ request: OpenBaoHTTPRequest) async throws -> OpenBaoHTTPResponse { throw Refused() }
    func shutdown() async {}
}
