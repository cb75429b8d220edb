@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import CEKAuditCore
import Foundation
import Logging
import Testing

/// Retry policy, concurrency limiter, redaction and pagination, without a network.
struct AWSClientMechanicsTests {
    @Test func fullJitterStaysUnderTheExponentialCeiling() {
        let p = RetryPolicy(maxAttempts: 5, baseDelay: 0.1, maximumDelay: 1)
        #expect(p.ceiling(afterAttempt: 1) == 0.1)
        #expect(p.ceiling(afterAttempt: 2) == 0.2)
        #expect(p.ceiling(afterAttempt: 4) == 0.8)
        #expect(p.ceiling(afterAttempt: 9) == 1)
        #expect(p.delay(afterAttempt: 3, random: 0) == 0)
        #expect(p.delay(afterAttempt: 3, random: 0.5) == 0.2)
        #expect(p.delay(afterAttempt: 3, random: 0.999_999) < 0.4)
    }

    @Test func onlyThrottlingAndTransientFailuresAreRetried() {
        let p = RetryPolicy()
        #expect(p.isRetryable(.service(status: 400, code: "ThrottlingException", message: nil)))
        #expect(p.isRetryable(.service(status: 429, code: "TooManyRequests", message: nil)))
        #expect(p.isRetryable(.service(status: 500, code: "KMSInternalException", message: nil)))
        #expect(p.isRetryable(.service(status: 503, code: "ServiceUnavailable", message: nil)))
        #expect(p.isRetryable(.timeout(seconds: 1)))
        #expect(p.isRetryable(.transport("reset")))
        #expect(!p.isRetryable(.service(status: 400, code: "AccessDeniedException", message: nil)))
        #expect(!p.isRetryable(.service(status: 400, code: "NotFoundException", message: nil)))
        #expect(!p.isRetryable(.service(status: 400, code: "UnsupportedOperationException", message: nil)))
        #expect(!p.isRetryable(.cancelled))
    }

    @Test func limiterNeverExceedsItsBound() async throws {
        let limiter = RequestLimiter(limit: 3)
        let inFlight = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await limiter.withPermit {
                        let now = await inFlight.enter()
                        #expect(now <= 3)
                        try await Task.sleep(nanoseconds: 2_000_000)
                        await inFlight.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await limiter.highWater == 3)
        #expect(await inFlight.peak == 3)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let limiter = RequestLimiter(limit: 1)
        let holder = Task { try await limiter.withPermit { try await Task.sleep(nanoseconds: 60_000_000_000) } }
        while await limiter.highWater < 1 { await Task.yield() }
        let waiter = Task { try await limiter.withPermit { "ran" } }
        while await limiter.waiting < 1 { await Task.yield() }
        waiter.cancel()
        let outcome = await waiter.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(await limiter.waiting == 0)
        holder.cancel()
        _ = await holder.result
        #expect(try await limiter.withPermit { "free again" } == "free again")
    }

    /// The operation would answer 1 after 1.5 s; getting the timeout error instead shows the deadline returned first
    /// (wall-clock bounds are not asserted: a busy test machine stalls timers).
    @Test func aDeadlineReturnsEvenWhenTheOperationIgnoresCancellation() async throws {
        await #expect(throws: AWSCallError.timeout(seconds: 0.2)) {
            try await Deadline.run(seconds: 0.2, onTimeout: { AWSCallError.timeout(seconds: 0.2) }) {
                // Answers late and never looks at cancellation, like a transport that cannot be interrupted.
                await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { c.resume(returning: 1) }
                }
            }
        }
        #expect(try await Deadline.run(seconds: 5, onTimeout: { AWSCallError.timeout(seconds: 5) }) { 42 } == 42)
    }

    @Test func scrubberRemovesSecretsFromTextAndBytesAndCredentialMembersGoWhole() {
        let r = CredentialScrubber(secrets: ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "short"])
        let text = "The Canonical String was 'x-amz-security-token:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' short"
        #expect(r.scrub(text) == "The Canonical String was 'x-amz-security-token:[redacted]' short")
        #expect(String(decoding: r.scrub(Data(text.utf8)), as: UTF8.self).contains("[redacted]"))
        let sts = Data(#"{"Credentials":{"AccessKeyId":"ASIA","SecretAccessKey":"s"},"Other":1}"#.utf8)
        let scrubbed = String(decoding: AWSCredentialMembers.scrub(sts), as: UTF8.self)
        #expect(scrubbed == #"{"Credentials":"[redacted]","Other":1}"#)
        let plain = Data(#"{"Keys": []}"#.utf8)
        #expect(AWSCredentialMembers.scrub(plain) == plain)
    }

    /// A region a server names (a trail's HomeRegion, a DescribeRegions entry) becomes part of a host name: anything
    /// but a region name gives no endpoint, so signed requests cannot be sent to a host the server chose.
    @Test func onlyRegionNamesBecomeEndpointHosts() {
        let endpoints = AWSEndpoints(override: nil, environment: [:])
        #expect(endpoints.url(service: "cloudtrail", region: "eu-west-1")?.absoluteString == "https://cloudtrail.eu-west-1.amazonaws.com/")
        #expect(endpoints.url(service: "kms", region: "cn-north-1")?.host == "kms.cn-north-1.amazonaws.com.cn")
        for hostile in ["attacker.example#", "us-east-1.attacker.example/", "us-east-1@evil", "us-east-1\r\nHost: x", "", "US-EAST-1"] {
            #expect(endpoints.url(service: "cloudtrail", region: hostile) == nil, "\(hostile)")
        }
    }

    @Test func timestampsOutsideRFC3339AreNotDates() {
        for n in [1e300, -1, 0, 253_402_300_800, .infinity] { #expect(AWSTimestamp.date(.number(n)) == nil, "\(n)") }
        #expect(AWSTimestamp.date(.number(1_780_000_000)) != nil)
        #expect(AWSTimestamp.fact(.number(1e300), what: "CreationDate").isKnown == false)
        #expect(DateParsing.parse("1e300") == nil)
    }

    @Test func paginationFollowsMarkersAndStopsOnARepeat() async {
        func page(_ json: String) -> Result<AWSResponse, AWSCallFailure> {
            .success(AWSResponse(operation: "ListKeys", region: "r", status: 200, body: Data(json.utf8),
                                 json: try? JSONValue.parse(Data(json.utf8), source: "t"), attempts: 1))
        }
        let pages = await AWSPages.collect(operation: "ListKeys", itemsKey: "Keys", style: .marker, parameters: [:]) { p in
            switch p["Marker"]?.stringValue {
            case nil: return page(#"{"Keys":[{"KeyId":"a"}],"Truncated":true,"NextMarker":"m2"}"#)
            case "m2": return page(#"{"Keys":[{"KeyId":"b"}],"Truncated":true,"NextMarker":"m3"}"#)
            default: return page(#"{"Keys":[{"KeyId":"c"}],"Truncated":false}"#)
            }
        }
        #expect(pages.isComplete)
        #expect(pages.items.compactMap { $0["KeyId"]?.stringValue } == ["a", "b", "c"])
        let looping = await AWSPages.collect(operation: "ListKeys", itemsKey: "Keys", style: .marker, parameters: [:]) { _ in
            page(#"{"Keys":[{"KeyId":"a"}],"Truncated":true,"NextMarker":"same"}"#)
        }
        #expect(!looping.isComplete)
        #expect(looping.items.count == 2)
        // An answer without its list (an empty 2xx body reads as `{}`) is not an empty, complete inventory.
        let empty = await AWSPages.collect(operation: "ListKeys", itemsKey: "Keys", style: .marker, parameters: [:]) { _ in page("{}") }
        #expect(!empty.isComplete)
        #expect(empty.failure != nil)
    }
}

actor Counter {
    private(set) var current = 0
    private(set) var peak = 0
    func enter() -> Int { current += 1; peak = max(peak, current); return current }
    func leave() { current -= 1 }
}
