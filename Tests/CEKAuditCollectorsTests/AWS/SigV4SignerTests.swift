@testable import CEKAuditCollectorKit
@testable import CEKAuditAWS
@testable import CEKAuditOpenBao
@testable import CEKAuditInfraCode
@testable import CEKAuditLogs
@testable import CEKAuditAttestations
@testable import CEKAuditKit
import Foundation
import Testing

/// SigV4 against the public AWS Signature Version 4 test suite (AWS General Reference, "Signature Version 4 test
/// suite"): the suite's credentials, date, region and service, its requests, and its expected signatures.
struct SigV4SignerTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)   // 20150830T123600Z
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var url: String
        var headers: [HTTPHeaderField]
        var body: String = ""
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static let host = HTTPHeaderField("Host", "example.amazonaws.com")
    static let amzDate = HTTPHeaderField("X-Amz-Date", "20150830T123600Z")

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", method: "GET", url: "https://example.amazonaws.com/", headers: [host, amzDate],
               signedHeaders: "host;x-amz-date", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "post-vanilla", method: "POST", url: "https://example.amazonaws.com/", headers: [host, amzDate],
               signedHeaders: "host;x-amz-date", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
               headers: [host, amzDate], signedHeaders: "host;x-amz-date",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-unreserved", method: "GET",
               url: "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
               headers: [host, amzDate], signedHeaders: "host;x-amz-date",
               signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-vanilla-utf8-query", method: "GET", url: "https://example.amazonaws.com/?%E1%88%B4=bar", headers: [host, amzDate],
               signedHeaders: "host;x-amz-date", signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-value-trim", method: "GET", url: "https://example.amazonaws.com/",
               headers: [host, HTTPHeaderField("My-Header1", " value1"), HTTPHeaderField("My-Header2", " \"a   b   c\""), amzDate],
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-header-key-sort", method: "POST", url: "https://example.amazonaws.com/",
               headers: [host, HTTPHeaderField("My-Header1", "value1"), amzDate], signedHeaders: "host;my-header1;x-amz-date",
               signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", url: "https://example.amazonaws.com/",
               headers: [HTTPHeaderField("Content-Type", "application/x-www-form-urlencoded"), host, amzDate], body: "Param1=value1",
               signedHeaders: "content-type;host;x-amz-date", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test(arguments: vectors)
    func suiteVector(_ v: Vector) throws {
        let url = try #require(URL(string: v.url))
        let request = AWSHTTPRequest(method: v.method, url: url, headers: v.headers, body: Data(v.body.utf8))
        let signed = Self.signer.sign(request, date: Self.date)
        #expect(signed.header("Authorization") == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(v.signedHeaders), Signature=\(v.signature)")
    }

    /// `post-sts-header-before`: temporary credentials sign `X-Amz-Security-Token` as a header.
    @Test func amzDateIsTheBasicFormatInUTCWithWholeSeconds() {
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160.999)) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 946_684_799)) == "19991231T235959Z")
    }

    @Test func sessionTokenIsSignedAsAHeader() throws {
        let token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
        var creds = Self.credentials
        creds.sessionToken = token
        let signer = SigV4Signer(credentials: creds, region: "us-east-1", service: "service")
        let request = AWSHTTPRequest(method: "POST", url: try #require(URL(string: "https://example.amazonaws.com/")), headers: [Self.host, Self.amzDate])
        let signed = signer.sign(request, date: Self.date)
        #expect(signed.header("X-Amz-Security-Token") == token)
        #expect(signed.header("Authorization") == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")
    }

    /// The suite's canonical request for get-vanilla, line by line.
    @Test func canonicalRequestOfGetVanilla() throws {
        let request = AWSHTTPRequest(method: "GET", url: try #require(URL(string: "https://example.amazonaws.com/")), headers: [Self.host, Self.amzDate])
        let parts = Self.signer.signature(for: request, date: Self.date)
        #expect(parts.canonicalRequest == """
        GET
        /

        host:example.amazonaws.com
        x-amz-date:20150830T123600Z

        host;x-amz-date
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
        """)
        #expect(parts.stringToSign.hasPrefix("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"))
    }

    /// A KMS call as the collector builds it: Host with the port, the JSON 1.1 headers, and a date header it sets itself.
    @Test func kmsRequestCarriesTheSignedHeadersTheServiceNeeds() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "kms")
        var request = AWSHTTPRequest(method: "POST", url: try #require(URL(string: "http://127.0.0.1:5100/")), body: Data(#"{"KeyId":"k"}"#.utf8))
        request.setHeader("Content-Type", "application/x-amz-json-1.1")
        request.setHeader("X-Amz-Target", "TrentService.DescribeKey")
        let signed = signer.sign(request, date: Self.date)
        #expect(signed.header("Host") == "127.0.0.1:5100")
        #expect(signed.header("X-Amz-Date") == "20150830T123600Z")
        let auth = try #require(signed.header("Authorization"))
        #expect(auth.contains("Credential=AKIDEXAMPLE/20150830/eu-west-1/kms/aws4_request"))
        #expect(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"))
        #expect(!auth.contains(Self.credentials.secretAccessKey))
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        var c = Self.credentials
        c.sessionToken = "FQoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
        for text in [c.description, c.debugDescription, "\(c)", String(reflecting: c), "\([c])"] {
            #expect(!text.contains(c.secretAccessKey))
            #expect(!text.contains("FQoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"))
        }
    }
}
