@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
import Testing

/// A probe step that expects a refusal passes only on a refusal of the operation: throttling, a request signed
/// wrongly, a wrong path or no answer show nothing about the key and must not count as "refused as expected".
struct ProbeRefusalTests {
    @Test func awsRefusalsAreTheKeysNotTheRequests() {
        #expect(AWSKMSProbe.isRefusal(status: 400, code: "DisabledException"))
        #expect(AWSKMSProbe.isRefusal(status: 400, code: "KMSInvalidStateException"))
        #expect(AWSKMSProbe.isRefusal(status: 400, code: "AccessDeniedException"))
        #expect(!AWSKMSProbe.isRefusal(status: 400, code: "ThrottlingException"))
        #expect(!AWSKMSProbe.isRefusal(status: 400, code: "InvalidSignatureException"))
        #expect(!AWSKMSProbe.isRefusal(status: 400, code: "UnrecognizedClientException"))
        #expect(!AWSKMSProbe.isRefusal(status: 429, code: nil))
        #expect(!AWSKMSProbe.isRefusal(status: 500, code: "KMSInternalException"))
    }

    @Test func openBaoRefusalsAreNotMissingPathsOrThrottling() {
        #expect(OpenBaoProbe.isRefusal(400))
        #expect(OpenBaoProbe.isRefusal(403))
        #expect(!OpenBaoProbe.isRefusal(404))
        #expect(!OpenBaoProbe.isRefusal(429))
        #expect(!OpenBaoProbe.isRefusal(500))
        #expect(!OpenBaoProbe.isRefusal(nil))
    }
}
