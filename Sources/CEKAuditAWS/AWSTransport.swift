import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Sends one signed HTTP request and returns the complete response. The one requirement a test double has to meet
/// (a recording transport, a canned one); the live implementation is ``AWSHTTPClientTransport``.
public protocol AWSTransport: Sendable {
    /// Sends `request` and waits for the whole body.
    /// - Throws: ``AWSCallError/transport(_:)`` or ``AWSCallError/timeout(seconds:)`` when no complete response came.
    func send(_ request: AWSHTTPRequest, timeout: Double) async throws -> AWSHTTPResponse
    /// Releases the transport's connections once a collection is over.
    func shutdown() async
    /// Whether ``send(_:timeout:)`` itself ends every exchange by `timeout` (the whole answer) and honours the calling
    /// task's cancellation (``AWSCallError/timeout(seconds:)``, ``AWSCallError/cancelled``); ``AWSServiceClient``
    /// races a transport that does not against a timer of its own (``Deadline``: two more tasks and a timer per call).
    var enforcesDeadline: Bool { get }
}

extension AWSTransport {
    /// Nothing to release (test doubles).
    public func shutdown() async {}
    /// Not unless the transport says so (test doubles).
    public var enforcesDeadline: Bool { false }
}
