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
}

extension AWSTransport {
    /// Nothing to release (test doubles).
    public func shutdown() async {}
}
