@testable import CEKAuditOpenBao
import CEKAuditCore
import Foundation
import Testing

/// The byte-level audit-line reader against `JSONDecoder` (the reader it replaced), line by line: the same record for
/// every well-formed line, a failure for every line `JSONDecoder` refuses. The one difference is on purpose: the
/// reader checks the whole line against RFC 8259, while `JSONDecoder` lets through damage inside members it does not
/// read (an invalid escape, a malformed number) and trailing commas; such lines are parse errors now. Hand-written
/// edge cases (escapes, surrogates, wrong member types, nulls, nested values, trailing data), every prefix of a
/// real line, and every single-byte mutation of one.
struct AuditLineReaderTests {
    /// A canonical text of a decoded record (dictionary members sorted), or `nil` when the line does not decode.
    static func canonical(_ r: AuditLogRecord?) -> String? {
        guard let r else { return nil }
        func data(_ d: [String: AuditScalar]?) -> String {
            guard let d else { return "nil" }
            return "{" + d.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
        }
        let a = r.auth.map { "\(String(describing: $0.displayName))|\(String(describing: $0.entityID))|\(String(describing: $0.accessor))|\(String(describing: $0.policyResults?.allowed))|\($0.policyResults == nil)" } ?? "nil"
        let q = r.request.map {
            "\(String(describing: $0.id))|\(String(describing: $0.operation))|\(String(describing: $0.path))|\(String(describing: $0.mountPoint))|\(String(describing: $0.mountType))|\(String(describing: $0.clientTokenAccessor))|\(String(describing: $0.namespace?.id))|\(String(describing: $0.namespace?.path))|\($0.namespace == nil)|\(data($0.data))"
        } ?? "nil"
        let s = r.response.map { data($0.data) } ?? "nil"
        return "\(String(describing: r.time))|\(String(describing: r.type))|\(String(describing: r.error))|\(a)|\(q)|\(s)"
    }

    /// Whether `line` is JSON that `JSONDecoder` is known to accept against RFC 8259: damage `JSONSerialization`
    /// refuses (inside a member `JSONDecoder` skips), or a trailing comma (which both Foundation parsers allow).
    static func lenientlyAccepted(_ line: [UInt8]) -> Bool {
        let text = String(decoding: line, as: UTF8.self).replacingOccurrences(of: " ", with: "")
        return (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) == nil
            || text.contains(",}") || text.contains(",]")
    }

    /// The reader agrees with `JSONDecoder`, or refuses a line `JSONDecoder` accepts only leniently.
    static func agree(_ line: [UInt8]) -> Bool {
        let (fast, slow) = both(line)
        return fast == slow || (fast == nil && lenientlyAccepted(line))
    }

    static func both(_ line: [UInt8]) -> (reader: String?, decoder: String?) {
        let fast = line.withUnsafeBytes { try? AuditLineReader.read($0) }
        let slow = try? JSONDecoder().decode(AuditLogRecord.self, from: Data(line))
        return (canonical(fast), canonical(slow))
    }

    static let sample = #"{"time":"2026-10-01T12:00:00.123Z","type":"response","auth":{"client_token":"hmac-sha256:ab","accessor":"hmac-sha256:cd","display_name":"approle-app","policies":["default","app"],"metadata":{"role":"x","n":null},"entity_id":"e1","token_ttl":3600,"policy_results":{"allowed":true,"granting_policies":[{"name":"app","type":"acl"}]}},"request":{"id":"9a1b","operation":"update","mount_point":"tenant-a/transit/","mount_type":"transit","namespace":{"id":"ns1","path":"tenant-a/"},"path":"tenant-a/transit/encrypt/orders","data":{"plaintext":"hmac-sha256:ef","key_version":2,"batch":[1,{"a":"}"}],"derived":false,"ratio":-1.5e3,"nothing":null},"client_token_accessor":"hmac-sha256:01","remote_address":"10.0.0.1"},"response":{"data":{"ciphertext":"hmac-sha256:99","key_version":2}},"error":""}"#

    static let cases: [String] = [
        sample,
        #"{"type":"request","time":"t","request":{"path":"transit/keys/k","operation":"delete"},"error":"deletion is not allowed for this key"}"#,
        #"  {"type" : "request" , "auth" : null , "request" : null , "response" : null }  "#,
        #"{"type":"request","auth":{"policy_results":null,"display_name":null}}"#,
        // Escapes: quotes, backslashes, \/ and control escapes, \u with a surrogate pair, an escaped key.
        #"{"type":"re\u0071uest","error":"a \"b\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00","t\u0069me":"x","request":{"p\u0061th":"transit/keys/\u006b"}}"#,
        #"{"type":"request","request":{"data":{"k\"ey":"v\\","\u0041":true}}}"#,
        // Wrong member types: JSONDecoder refuses these lines.
        #"{"type":1}"#,
        #"{"type":"request","time":true}"#,
        #"{"type":"request","auth":[]}"#,
        #"{"type":"request","auth":{"policy_results":{"allowed":"yes"}}}"#,
        #"{"type":"request","request":{"namespace":"root"}}"#,
        #"{"type":"request","request":{"data":[]}}"#,
        #"{"type":"request","response":{"data":"x"}}"#,
        // Grammar: trailing data, trailing commas, bad literals and numbers, lone surrogates, bad escapes, raw controls.
        #"{"type":"request"} x"#,
        #"{"type":"request"}{}"#,
        #"{"type":"request",}"#,
        #"{"type":"request","x":[1,]}"#,
        #"{"type":"request","x":tru}"#,
        #"{"type":"request","x":nul}"#,
        #"{"type":"request","x":01}"#,
        #"{"type":"request","x":1.}"#,
        #"{"type":"request","x":-}"#,
        #"{"type":"request","x":1e}"#,
        #"{"type":"request","x":.5}"#,
        #"{"type":"request","x":"\ud800"}"#,
        #"{"type":"request","error":"\ud800"}"#,
        #"{"type":"request","error":"\udc00"}"#,
        #"{"type":"request","error":"\x"}"#,
        #"{"type":"request","error":"\u12"}"#,
        "{\"type\":\"request\",\"error\":\"a\u{01}b\"}",
        #"{"type":"request" "x":1}"#,
        #"{"type" "request"}"#,
        #"{"type":"request","x":{"a" 1}}"#,
        #"{"type":"request","x":{"a":1 "b":2}}"#,
        #"{"type":"request","x":[1 2]}"#,
        #"["type"]"#,
        #"{}"#,
        #"{"#,
        // Numbers in data: integers, fractions, exponents, negative zero.
        #"{"type":"request","request":{"data":{"a":0,"b":-0,"c":12.5e-1,"d":1E+2,"e":123456789012}}}"#,
    ]

    @Test func handWrittenLinesDecodeAsJSONDecoderDecodesThem() {
        for line in Self.cases {
            #expect(Self.agree(Array(line.utf8)), "\(line)")
        }
        // And the reader does accept the well-formed ones (the comparison is not vacuous), escapes decoded.
        #expect(Self.both(Array(Self.sample.utf8)).reader != nil)
        let escaped = Array(Self.cases[4].utf8).withUnsafeBytes { try? AuditLineReader.read($0) }
        #expect(escaped?.type == "request")
        #expect(escaped?.time == "x")
        #expect(escaped?.request?.path == "transit/keys/k")
        #expect(escaped?.error == "a \"b\" \\ / \u{08}\u{0C}\n\r\t é 😀")
        // Lines JSONDecoder accepts only leniently are parse errors for the reader.
        for line in [#"{"type":"request",}"#, #"{"type":"request","x":[1,]}"#, #"{"type":"request","x":01}"#, #"{"type":"request","x":"\m"}"#] {
            #expect(Array(line.utf8).withUnsafeBytes { try? AuditLineReader.read($0) } == nil, "\(line)")
        }
    }

    @Test func invalidUTF8IsRefused() {
        var line = Array(#"{"type":"request","error":"ab"}"#.utf8)
        line.insert(0xFF, at: 28)
        #expect(line.withUnsafeBytes { try? AuditLineReader.read($0) } == nil)
        var overlong = Array(#"{"type":"request","error":"ab"}"#.utf8)
        overlong.insert(contentsOf: [0xC0, 0xAF], at: 28)
        #expect(overlong.withUnsafeBytes { try? AuditLineReader.read($0) } == nil)
        // Well-formed multi-byte text is read.
        let ok = Array(#"{"type":"request","error":"ünï ☃ 😀"}"#.utf8)
        #expect(ok.withUnsafeBytes { try? AuditLineReader.read($0) }?.error == "ünï ☃ 😀")
    }

    /// What ``AuditLogTally`` reads of a record (the lean reader keeps exactly this), or `nil` when it does not decode.
    static func tallyView(_ r: AuditLogRecord?) -> String? {
        guard let r else { return nil }
        let settings = (r.request?.data ?? [:]).filter { AuditLogTally.settingNames.contains($0.key) }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let parts: [String?] = [r.time, r.type, r.errorText, r.principal, "\(r.denied)", r.request?.id, r.request?.operation, r.request?.path,
                                r.request?.mountPoint, r.request?.mountType, r.request?.namespace?.path, "\(r.request == nil)",
                                "\(r.request?.namespace == nil)", settings]
        return parts.map { $0 ?? "nil" }.joined(separator: "|")
    }

    /// The lean reader accepts and refuses the same lines as the full one, and keeps what the tally reads.
    static func leanAgrees(_ line: [UInt8]) -> Bool {
        let full = line.withUnsafeBytes { try? AuditLineReader.read($0) }
        let lean = line.withUnsafeBytes { try? AuditLineReader.read($0, lean: true) }
        return (full == nil) == (lean == nil) && tallyView(full) == tallyView(lean)
    }

    static let leanCases: [String] = [
        // Principal candidates: empty, null, escaped, repeated, an auth object replaced by a later one or by null.
        #"{"type":"request","auth":{"display_name":"","entity_id":"","accessor":"hmac-sha256:a"},"request":{"client_token_accessor":"c"}}"#,
        #"{"type":"request","auth":{"display_name":null,"entity_id":"e\u0031"},"request":{"client_token_accessor":"c"}}"#,
        #"{"type":"request","auth":{"entity_id":"e1","entity_id":""},"request":{"client_token_accessor":"c","client_token_accessor":"d"}}"#,
        #"{"type":"request","auth":{"entity_id":"e1"},"auth":{"accessor":"a2"},"request":{"client_token_accessor":"c"}}"#,
        #"{"type":"request","auth":{"entity_id":"e1"},"auth":null,"request":{"client_token_accessor":"c"},"request":{"path":"p"}}"#,
        #"{"type":"request","auth":{"entity_id":"\ud800"}}"#,
        #"{"type":"request","request":{"client_token_accessor":"\udc00"}}"#,
        #"{"type":"request","auth":{"accessor":1}}"#,
        // Data: settings kept (escaped keys too, the last of a repeated one), others checked and skipped.
        #"{"type":"request","request":{"data":{"deletion_allowed":true,"plaintext":"x","exportabl\u0065":false,"type":"aes256-gcm96","type":"rsa-2048","n":1e999}}}"#,
        #"{"type":"request","request":{"data":{"plaintext":"\ud800"}}}"#,
        #"{"type":"request","request":{"data":{"\ud800":1}}}"#,
        #"{"type":"request","request":{"data":{"plaintext":[1,{"a":tru}]}}}"#,
        #"{"type":"response","response":{"data":{"error":"boom","ciphertext":"hmac-sha256:aa"}},"error":""}"#,
        #"{"type":"response","response":{"data":{"err\u006fr":"boom"}}}"#,
    ]

    @Test func theLeanReaderKeepsWhatTheTallyReads() {
        for line in Self.cases + Self.leanCases {
            #expect(Self.leanAgrees(Array(line.utf8)), "\(line)")
        }
        // Not vacuous: these decode, and lean mode makes only the first non-empty principal candidate.
        let lean = Array(Self.leanCases[0].utf8).withUnsafeBytes { try? AuditLineReader.read($0, lean: true) }
        #expect(lean?.principal == "hmac-sha256:a")
        #expect(lean?.request?.clientTokenAccessor == nil)
        let data = Array(Self.leanCases[8].utf8).withUnsafeBytes { try? AuditLineReader.read($0, lean: true) }
        #expect(data?.request?.data == ["deletion_allowed": .bool(true), "exportable": .bool(false), "type": .string("rsa-2048")])
        #expect(Array(Self.leanCases[9].utf8).withUnsafeBytes { try? AuditLineReader.read($0, lean: true) } == nil)
        // The byte list of setting names is the tally's list.
        #expect(Set(AuditLineReader.settingKeys.map { $0.description }) == AuditLogTally.settingNames)
    }

    @Test func everyPrefixOfALineFailsLikeJSONDecoder() {
        let bytes = Array(Self.sample.utf8)
        for n in 0..<bytes.count {
            #expect(Self.agree(Array(bytes[..<n])), "prefix of \(n) bytes")
            #expect(Self.both(Array(bytes[..<n])).reader == nil)
            #expect(Self.leanAgrees(Array(bytes[..<n])))
        }
    }

    @Test func everySingleByteMutationDecodesLikeJSONDecoder() {
        let bytes = Array(Self.sample.utf8)
        var accepted = 0
        for k in 0..<bytes.count {
            for replacement in Array(#""\{}[],:0a -"#.utf8) where replacement != bytes[k] {
                var line = bytes
                line[k] = replacement
                let (fast, slow) = Self.both(line)
                #expect(fast == slow || (fast == nil && Self.lenientlyAccepted(line)), "byte \(k) → \(Character(Unicode.Scalar(replacement))): \(String(decoding: line, as: UTF8.self))")
                #expect(Self.leanAgrees(line), "lean, byte \(k) → \(Character(Unicode.Scalar(replacement)))")
                if fast != nil { accepted += 1 }
            }
        }
        // Many mutations stay valid JSON (inside strings): both readers must have accepted those too.
        #expect(accepted > 1000)
    }
}

/// The namespace normalisation the audit-log tally calls for every transit record, against the Foundation trimming
/// it replaced.
struct NamespaceNormalizationTests {
    @Test func trimmingMatchesFoundation() {
        for ns in ["", "/", " ", "root", "/root/", " root ", "tenant-a/", "/tenant-a", "tenant-a/team-1/", "//a b//", "ünï/",
                   " / x / ", "root/child", "é\u{301}/", "/\u{301}x/", "a \u{301}"] {
            var s = ns.trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
            if s == "root" { s = "" }
            let normalized = s.isEmpty ? "" : s + "/"
            #expect(ACLPolicy.normalize(namespace: ns) == normalized, "\(ns)")
            #expect(ACLPolicy.displayName(namespace: ns) == (normalized.isEmpty ? "root" : String(normalized.dropLast())), "\(ns)")
        }
    }
}
