import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// The `openbao` target: a live OpenBao or Vault server read through its HTTP API (OpenBao documentation, "HTTP
/// API"; "Transit secrets engine" API; "/sys/namespaces", "/sys/mounts", "/sys/policies/acl", "/sys/audit",
/// "/sys/seal-status", "/sys/health"). Options: ``OpenBaoTargetOptions``; what is read: ``OpenBaoCollectionRun``.
///
/// Supplies the target itself, every transit key (observed; the listing is an inventory), the audit devices
/// (`audit_trail`, an inventory) and the seal (`key_store`). Key policies and grants are AWS concepts: a complete
/// OpenBao collection says there are none, and tenant isolation is carried by each key's `isolation.*` facts.
/// Tokens come from the environment or a token file; they are registered with the run's ``CredentialScrubber``,
/// which removes them, in every encoding, from every response before it is read and from every output.
public struct OpenBaoTargetCollector: LiveCollector {
    public let kind = "openbao"
    public var reads: String { "A live OpenBao or Vault server through its HTTP API (read-only): namespaces, transit keys, ACL policies, audit devices and the seal." }
    public var example: String { "{kind: openbao, name: vault, address: https://vault.example.com:8200, token_env: BAO_TOKEN}" }
    public let suppliedTypes: [ResourceType] = [.target, .key, .keyPolicy, .grant, .auditTrail, .keyStore]
    let environment: [String: String]
    let makeTransport: @Sendable (OpenBaoTargetOptions) throws -> any OpenBaoTransport
    let pause: (@Sendable (Int) async -> Void)?

    /// - Parameters:
    ///   - environment: where `token_env`, `address_env` and the `BAO_*` / `VAULT_*` defaults are read.
    ///   - transport: builds the HTTP transport for a target; by default async-http-client.
    ///   - pause: the wait between retries (tests pass one that does not sleep).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: (@Sendable (OpenBaoTargetOptions) throws -> any OpenBaoTransport)? = nil,
                pause: (@Sendable (Int) async -> Void)? = nil) {
        self.environment = environment
        self.makeTransport = transport ?? OpenBaoTargetCollector.defaultTransport
        self.pause = pause
    }

    /// async-http-client (``AsyncHTTPClientTransport``), trusting the target's CA file when it names one.
    @Sendable static func defaultTransport(_ o: OpenBaoTargetOptions) throws -> any OpenBaoTransport {
        AsyncHTTPClientTransport(caFile: o.caFile, timeout: o.timeout)
    }

    public func validate(_ target: AssessmentFile.Target) throws {
        _ = try OpenBaoTargetOptions.parse(target, environment: environment)
    }

    public func collect(_ target: AssessmentFile.Target, context: CollectionContext, logger: Logger) async -> FactSet {
        let options: OpenBaoTargetOptions
        do { options = try OpenBaoTargetOptions.parse(target, environment: environment) } catch {
            let e = (error as? CEKAuditError) ?? .invalidInput(file: target.file, line: target.line, column: nil, message: "\(error)", fix: nil)
            return failed(target, diagnostic: e.diagnostic, reason: "invalid target options")
        }
        let transport: any OpenBaoTransport
        do { transport = try makeTransport(options) } catch {
            return failed(target, diagnostic: Diagnostic(.error, source: "target \(target.name) (openbao)",
                                                         message: "cannot set up the HTTP client: \(OpenBaoClient.describe(error))"),
                          reason: "HTTP client setup failed")
        }
        let token = options.token(environment: environment)
        let probe = options.probeToken(environment: environment)
        var weak: [String] = []
        for (value, origin) in [(token.token, token.origin), (probe?.token, probe?.origin ?? "")] {
            if let value, !context.credentials.register(value) { weak.append(origin) }
        }
        let client = OpenBaoClient(address: options.address, transport: transport, token: token.token, timeout: options.timeout,
                                   retries: options.retries, pause: pause, scrubber: context.credentials,
                                   budget: RequestBudget(limit: options.maxRequests))
        var run = OpenBaoCollectionRun(name: target.name, options: options, client: client, token: token, probe: probe,
                                       context: context, logger: logger)
        var facts = await run.run()
        await transport.shutdown()
        for origin in weak {
            facts.diagnostics.append(Diagnostic(.warning, source: "target \(target.name) (openbao)",
                                                message: "the token from \(origin) is shorter than \(CredentialScrubber.minimumLength) characters, so it cannot be told apart from ordinary text and is not removed from outputs",
                                                fix: "use a real token (a dev server's `root` token is for trying the tool only)"))
        }
        return facts
    }

    private func failed(_ target: AssessmentFile.Target, diagnostic: Diagnostic, reason: String) -> FactSet {
        FactSet(coverage: [SourceCoverage(source: "openbao://\(target.name)", collector: "openbao", status: .failed,
                                          resourceTypes: suppliedTypes, detail: reason)],
                diagnostics: [diagnostic], unreachableTargets: [target.name])
    }
}
