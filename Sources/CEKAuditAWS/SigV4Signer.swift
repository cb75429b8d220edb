import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation

/// Signs HTTP requests with AWS Signature Version 4 (AWS General Reference / IAM User Guide, "Signature Version 4
/// signing process": create a canonical request, create the string to sign, derive the signing key, calculate the
/// signature, add it to the `Authorization` header).
///
/// Checked against the public AWS SigV4 test suite (`get-vanilla`, `post-vanilla`, `get-header-value-trim`,
/// `get-vanilla-query-order-key-case`, `get-utf8`, `post-x-www-form-urlencoded`, `post-sts-header-before` …) in
/// `Tests/CEKAuditCollectorsTests/AWS/SigV4SignerTests.swift`. Temporary credentials add `X-Amz-Security-Token`
/// as a signed header (the suite's `post-sts-header-before` variant, which AWS KMS, STS and CloudTrail accept).
///
/// HMAC-SHA256 and SHA-256 come from swift-crypto.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: AWSCredentials
    /// Signing region, e.g. `us-east-1` (part of the credential scope).
    public var region: String
    /// Signing name of the service: `kms`, `cloudtrail`, `sts`, `ec2`.
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Returns `request` with `X-Amz-Date`, `Host` (if absent), `X-Amz-Security-Token` (temporary credentials) and
    /// `Authorization` set. Every header present in the request is signed.
    /// - Parameter date: the signing time; AWS rejects signatures more than five minutes off its clock.
    public func sign(_ request: AWSHTTPRequest, date: Date) -> AWSHTTPRequest {
        var r = request
        r.setHeader("X-Amz-Date", Self.amzDate(date))
        if r.header("Host") == nil { r.headers.insert(HTTPHeaderField("Host", r.hostHeader), at: 0) }
        if let token = credentials.sessionToken { r.setHeader("X-Amz-Security-Token", token) }
        r.headers.removeAll { FieldName.equal($0.name, "Authorization") }
        let parts = signature(for: r, date: date)
        r.headers.append(HTTPHeaderField(
            "Authorization",
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(date)), SignedHeaders=\(parts.signedHeaders), Signature=\(parts.signature)"))
        return r
    }

    /// The intermediate values of one signature, exposed for tests against the suite's `.creq` / `.sts` files.
    public struct Parts: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
    }

    /// Computes the signature of `request` as it stands (its `X-Amz-Date` and `Host` headers must already be set).
    public func signature(for request: AWSHTTPRequest, date: Date) -> Parts {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method.uppercased(),
            Self.canonicalURI(request.url),
            Self.canonicalQuery(request.url),
            canonicalHeaders,
            signedHeaders,
            SHA256Hex.digest(request.body),
        ].joined(separator: "\n")
        let stringToSign = [
            Self.algorithm,
            Self.amzDate(date),
            scope(date),
            SHA256Hex.digest(Data(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        let key = signingKey(date)
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        return Parts(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders, signature: signature)
    }

    /// `yyyymmdd/region/service/aws4_request`.
    public func scope(_ date: Date) -> String {
        "\(Self.amzDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(_ date: Date) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        var k = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [String(Self.amzDate(date).prefix(8)), region, service, "aws4_request"] { k = hmac(k, part) }
        return k
    }

    // MARK: canonical forms

    /// ISO 8601 basic format in UTC, `20150830T123600Z`.
    /// The extended form ``DateParsing/iso(_:)`` writes, without its separators (a Calendar and `String(format:)`,
    /// four times per signed request, showed in profiles).
    public static func amzDate(_ date: Date) -> String {
        String(decoding: DateParsing.iso(date).utf8.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ":") }, as: UTF8.self)
    }

    /// The URI path, each segment percent-encoded with the unreserved set of RFC 3986 (`/` for an empty path).
    /// AWS KMS, STS and CloudTrail are always called on `/`.
    static func canonicalURI(_ url: URL) -> String {
        let path = url.path.isEmpty ? "/" : url.path
        let encoded = path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
        return encoded.hasPrefix("/") ? encoded : "/" + encoded
    }

    /// Query parameters decoded, then re-encoded with RFC 3986's unreserved set and sorted by name, then value.
    static func canonicalQuery(_ url: URL) -> String {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery, !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&").map { item in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            return (uriEncode(name), uriEncode(value))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Canonical header block and the signed-header list: names lower-cased and sorted, values trimmed with runs of
    /// spaces collapsed to one, repeated headers joined by commas in the order given.
    static func canonicalHeaders(_ headers: [HTTPHeaderField]) -> (String, String) {
        var byName: [String: [String]] = [:]
        for h in headers {
            let value = h.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
            byName[h.name.lowercased(), default: []].append(value)
        }
        let names = byName.keys.sorted()
        let block = names.map { "\($0):\((byName[$0] ?? []).joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// Percent-encodes everything except `A-Z a-z 0-9 - . _ ~` (UTF-8 bytes, upper-case hex): ``PercentEncoding``.
    static func uriEncode(_ s: String) -> String { PercentEncoding.encode(s) }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        LowerHex.encode(bytes)
    }
}
