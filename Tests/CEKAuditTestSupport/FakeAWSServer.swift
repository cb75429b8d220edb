import CEKAuditCore
import Foundation

/// Runs `fake_aws.py` (beside this file) — a scripted AWS endpoint on 127.0.0.1 — for one test, and reads its request
/// log. The server is the test's own: it starts on a free port, lives at most `maxSeconds`, and is stopped by pid
/// (``LoopbackScriptServer``).
public final class FakeAWSServer: @unchecked Sendable {
    let server: LoopbackScriptServer
    public var port: Int { server.port }
    public var endpoint: String { server.endpoint }

    /// Starts a server answering `scenario` (`{"routes": [...]}`, see fake_aws.py).
    public init(scenario: [String: Any], maxSeconds: Int = 120) throws {
        server = try LoopbackScriptServer(script: "fake_aws.py", config: scenario, maxSeconds: maxSeconds)
    }

    /// Every request the server saw, in order: `op`, `service`, `region`, `body`, `signed_headers`, `header_names`.
    public func requests() -> [JSONValue] { server.requests() }

    /// Operations requested, in order.
    public func operations() -> [String] { requests().compactMap { $0["op"]?.stringValue } }

    public func stop() { server.stop() }
}
