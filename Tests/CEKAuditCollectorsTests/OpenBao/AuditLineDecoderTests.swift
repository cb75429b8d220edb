@testable import CEKAuditOpenBao
import CEKAuditCore
import CEKScan
import Foundation
import Testing

/// The C fast path of the audit-line decoder (`cek_audit_line_scan` and ``AuditLineDecoder/parsed(_:_:)``) against the
/// exact reader it stands in for (``AuditLineReader`` in lean mode, then ``AuditLogTally/Parsed/init(_:)``): for
/// every line the fast path decides, the same thing for the tally; every line it does not decide goes to the exact
/// reader. Hand-written lines, lines as the benchmark generator writes them, every prefix of a line and every
/// single-byte mutation of one.
struct AuditLineDecoderTests {
    /// What the tally is handed for a line, as text; `nil` for a parse error.
    static func view(_ p: AuditLogTally.Parsed?) -> String? {
        guard let p else { return nil }
        guard let e = p.event else { return "\(p.isResponse)|\(p.id)|-" }
        let settings = e.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let key = e.key.map { "\($0.namespace)|\($0.mount)|\($0.name)" } ?? "nil"
        return [String(p.isResponse), p.id, e.time ?? "nil", "\(e.operation)", key, e.namespace, e.principal ?? "nil", String(e.denied),
                e.error ?? "nil", settings].joined(separator: "|")
    }

    /// The exact reader's outcome for a line body (from its `{`).
    static func exact(_ body: [UInt8]) -> String? {
        body.withUnsafeBytes { b -> String? in
            guard let r = try? AuditLineReader.read(b, lean: true), r.type == "request" || r.type == "response" else { return nil }
            return view(AuditLogTally.Parsed(r))
        }
    }

    /// The fast path's outcome: `.none` when it does not decide, else what it gives.
    static func fast(_ body: [UInt8], decoder: AuditLineDecoder) -> String?? {
        body.withUnsafeBytes { b -> String?? in
            var f = cek_audit_fields()
            guard cek_audit_line_scan(b.baseAddress?.assumingMemoryBound(to: UInt8.self), b.count, &f) == 1 else { return .none }
            return .some(view(decoder.parsed(f, b)))
        }
    }

    /// Where the fast path decides, it agrees with the exact reader, and the exact reader accepts the line.
    static func agree(_ body: [UInt8], decoder: AuditLineDecoder) -> (agrees: Bool, decided: Bool) {
        guard case .some(let f) = fast(body, decoder: decoder) else { return (true, false) }
        let decodes = body.withUnsafeBytes { (try? AuditLineReader.read($0, lean: true)) != nil }
        return (decodes && f == exact(body), true)
    }

    /// A line as `Benchmarks/gen_openbao_audit.py` writes it.
    static func generated(transit: Bool, response: Bool, allowed: Bool = true, ns: String = "tenant-a/") -> String {
        let mount = transit ? "\(ns)transit/" : "\(ns)secret/"
        let path = transit ? "\(ns)transit/encrypt/key-07" : "\(ns)secret/data/db/creds"
        let auth = #"{"client_token":"hmac-sha256:892f902bd23f","accessor":"hmac-sha256:099950d836f6","display_name":"approle-app","policies":["default","app"],"token_policies":["default","app"],"entity_id":"3d9c172411e20b8f6b0d549b6f03675a","token_type":"service","policy_results":{"allowed":\#(allowed)}}"#
        let nsJSON = ns.isEmpty ? #"{"id":"root"}"# : #"{"id":"aB3dE","path":"\#(ns)"}"#
        let request = #"{"id":"3898d190f9ebdacc0cb1e29c658cda14-1","operation":"update","mount_point":"\#(mount)","mount_type":"\#(transit ? "transit" : "kv")","client_token":"hmac-sha256:8a6a","client_token_accessor":"hmac-sha256:1a61","namespace":\#(nsJSON),"path":"\#(path)","remote_address":"10.0.96.96","remote_port":33192,"data":{"plaintext":"hmac-sha256:95e6","context":"hmac-sha256:11"}}"#
        var line = #"{"time":"2026-10-01T00:00:01.001Z","type":"\#(response ? "response" : "request")","auth":\#(auth),"request":\#(request)"#
        if response { line += #","response":{"mount_point":"\#(mount)","mount_type":"transit","data":{"ciphertext":"hmac-sha256:aa"}}"# }
        if !allowed { line += #","error":"permission denied""# }
        return line + "}"
    }

    static var lines: [String] {
        var out = AuditLineReaderTests.cases + AuditLineReaderTests.leanCases
        for transit in [true, false] {
            for response in [true, false] {
                for allowed in [true, false] {
                    for ns in ["", "tenant-a/"] { out.append(generated(transit: transit, response: response, allowed: allowed, ns: ns)) }
                }
            }
        }
        out += [
            OpenBaoAuditLogCollectorTests.line("request", id: "r1", op: "update", path: "encrypt/k1"),
            OpenBaoAuditLogCollectorTests.line("response", id: "r1", op: "update", path: "encrypt/k1", error: "1 error occurred:\\n\\t* boom\\n\\n"),
            OpenBaoAuditLogCollectorTests.line("response", id: "r2", op: "delete", path: "keys/k2", allowed: false, display: nil, ns: "team"),
            OpenBaoAuditLogCollectorTests.line("request", id: "r3", op: "update", path: "keys/k3/config", data: #"{"deletion_allowed":true}"#),
            OpenBaoAuditLogCollectorTests.line("request", id: "r4", op: "LIST", path: "keys", time: "2026-10-01T12:00:00+02:00"),
            // Principals: empty and null candidates; the response's error member; no mount point or mount type.
            #"{"type":"request","time":"2026-10-01T12:00:00Z","auth":{"display_name":"","entity_id":null,"accessor":"hmac-sha256:a"},"request":{"id":"q","operation":"update","path":"transit/sign/k","client_token_accessor":"c"}}"#,
            #"{"type":"response","auth":{"policy_results":{"allowed":null}},"request":{"id":"q","operation":"update","path":"transit/hmac/k"},"response":{"data":{"error":"bad input","x":[1,2]}}}"#,
            #"{"type":"response","request":{"id":"q","operation":"update","path":"transit/hmac/k"},"response":{"data":{"error":7}},"error":""}"#,
            #"{"type":"request","request":{"operation":"update","path":"ns1/transit/encrypt/k","mount_point":"ns1/transit/","namespace":{"path":"ns1/","id":"n"}}}"#,
            #"{"type":"request","request":{"operation":"update","path":"transit/random/32","mount_type":"transit"}}"#,
            #"{"type":"request","request":{"operation":"read","path":"sys/health","mount_type":null}}"#,
            "  {\"type\" : \"request\" ,\t\"request\" : { \"operation\" : \"update\" , \"path\" : \"transit/encrypt/k\" } }\r ",
            #"{"type":"request","request":{"operation":"update","path":"transit/encrypt/k","operation":"read"}}"#,
            #"{"type":"request","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
            #"{"type":"other","request":{"operation":"update","path":"transit/encrypt/k"}}"#,
        ]
        return out
    }

    @Test func theFastPathAgreesWithTheExactReaderOnEveryLineItDecides() {
        let decoder = AuditLineDecoder(prefix: nil)
        var decided = 0
        for line in Self.lines {
            let (agrees, d) = Self.agree(Array(line.utf8), decoder: decoder)
            #expect(agrees, "\(line)")
            if d { decided += 1 }
        }
        // Not vacuous: the generator's lines and most hand-written ones are decided by the fast path.
        #expect(decided > 30)
        for transit in [true, false] {
            #expect(Self.fast(Array(Self.generated(transit: transit, response: true).utf8), decoder: decoder) != .none)
        }
        // What the fast path leaves to the exact reader: escapes, non-ASCII text, a repeated member, a setting.
        for line in [#"{"type":"re\u0071uest"}"#, #"{"type":"request","error":"é"}"#, #"{"type":"request","type":"request"}"#,
                     #"{"type":"request","request":{"data":{"exportable":true}}}"#] {
            #expect(Self.fast(Array(line.utf8), decoder: decoder) == .none, "\(line)")
        }
        // Every setting the tally records (their values are the exact reader's to keep); a near miss is decided.
        for name in AuditLogTally.settingNames {
            let line = #"{"type":"request","request":{"operation":"update","path":"transit/keys/k","data":{"\#(name)":true}}}"#
            #expect(Self.fast(Array(line.utf8), decoder: decoder) == .none, "\(name)")
            let near = #"{"type":"request","request":{"operation":"update","path":"transit/keys/k","data":{"\#(name)x":true}}}"#
            #expect(Self.fast(Array(near.utf8), decoder: decoder) != .none, "\(name)x")
        }
    }

    @Test func everyPrefixAndSingleByteMutationAgrees() {
        let decoder = AuditLineDecoder(prefix: nil)
        var decided = 0
        for line in [Self.generated(transit: true, response: true, allowed: false), AuditLineReaderTests.sample] {
            let bytes = Array(line.utf8)
            for n in 0..<bytes.count {
                let (agrees, d) = Self.agree(Array(bytes[..<n]), decoder: decoder)
                #expect(agrees && !d, "prefix of \(n) bytes")
            }
            for k in 0..<bytes.count {
                for replacement in Array(#""\{}[],:0a -"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0xC3] where replacement != bytes[k] {
                    var mutated = bytes
                    mutated[k] = replacement
                    let (agrees, d) = Self.agree(mutated, decoder: decoder)
                    #expect(agrees, "byte \(k) → \(replacement): \(String(decoding: mutated, as: UTF8.self))")
                    if d { decided += 1 }
                }
            }
        }
        #expect(decided > 1000)
    }

    /// The decoder's caches give what a fresh decoder gives: the same lines through one decoder in any order.
    @Test func cachedShapesAndTextsDoNotLeakBetweenLines() {
        let lines = Self.lines.map { Array($0.utf8) }
        // One slot: every shape that differs from the one before replaces it (collisions, compared in full); three.
        let shared = [AuditLineDecoder(prefix: nil), AuditLineDecoder(prefix: nil, shapeSlots: 1), AuditLineDecoder(prefix: nil, shapeSlots: 3)]
        for round in 0..<3 {
            for line in (round == 1 ? lines.reversed() : lines) {
                let fresh = Self.fast(line, decoder: AuditLineDecoder(prefix: nil))
                for decoder in shared { #expect(Self.fast(line, decoder: decoder) == fresh, "\(String(decoding: line, as: UTF8.self))") }
            }
        }
        // Near misses of one shape (one byte of one member, a member absent or moved to another) through one slot.
        let near = [("update", "transit/encrypt/k1", "transit/", nil), ("update", "transit/encrypt/k2", "transit/", nil),
                    ("update", "transit/encrypt/k1", "transit/", "ns1/"), ("update", "transit/encrypt/k1", nil, nil),
                    ("updatf", "transit/encrypt/k1", "transit/", nil), ("update", "transit/decrypt/k1", "transit/", nil),
                    ("update", "transit/encrypt/k", "1transit/", nil)].map { (op: String, path: String, mount: String?, ns: String?) -> [UInt8] in
            let m = mount.map { #","mount_point":"\#($0)""# } ?? ""
            let n = ns.map { #","namespace":{"path":"\#($0)"}"# } ?? ""
            return Array(#"{"type":"request","request":{"operation":"\#(op)","path":"\#(path)"\#(m)\#(n)}}"#.utf8)
        }
        let one = AuditLineDecoder(prefix: nil, shapeSlots: 1)
        for _ in 0..<2 {
            for line in near + near.reversed() {
                #expect(Self.fast(line, decoder: one) == Self.fast(line, decoder: AuditLineDecoder(prefix: nil)), "\(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    /// A configured prefix is stripped, other text before the `{` is reported; both reach the fast path.
    @Test func prefixedLinesAsInTheCorpusCase() {
        let line = Array(("**prod-eu**" + Self.generated(transit: true, response: false)).utf8)
        let configured = AuditLineDecoder(prefix: Array("**prod-eu**".utf8))
        let a = line.withUnsafeBytes { configured.decodeLine($0, line: 0) }
        #expect(a.configuredPrefix && a.otherPrefix == nil && a.parsed?.event?.key?.name == "key-07")
        let guessed = AuditLineDecoder(prefix: nil)
        for _ in 0..<2 {
            let b = line.withUnsafeBytes { guessed.decodeLine($0, line: 0) }
            #expect(!b.configuredPrefix && b.otherPrefix == "**prod-eu**" && b.parsed?.event?.key?.name == "key-07")
        }
    }
    /// Within a share, a line that repeats the last key operation's shape or request id reuses them; what each line
    /// gives is still what a fresh decoder gives for that line alone: same shape and id, near misses (another
    /// namespace, mount point or operation, an absent member, a longer id), lines between them that the exact reader
    /// takes, non-transit lines and damage.
    @Test func aShareReusesTheLastShapeAndIdOnlyWhenTheirBytesAreTheSame() {
        typealias C = OpenBaoAuditLogCollectorTests
        let lines = [
            C.line("request", id: "r1", op: "update", path: "encrypt/k1"),
            C.line("response", id: "r1", op: "update", path: "encrypt/k1", time: "2026-10-01T12:00:01Z"),
            C.line("response", id: "r1", op: "update", path: "encrypt/k1", ns: "team"),
            C.line("request", id: "r1", op: "read", path: "encrypt/k1"),
            C.line("request", id: "r11", op: "read", path: "encrypt/k1"),
            C.line("request", id: "r11", op: "read", path: "keys/k1"),
            C.line("response", id: "r11", op: "delete", path: "keys/k1"),
            C.line("request", id: "r1", op: "read", path: "encrypt/k1", display: "svc\\u0041"),   // to the exact reader
            C.line("response", id: "r1", op: "read", path: "encrypt/k1"),
            #"{"type":"request","request":{"operation":"read","path":"transit/encrypt/k1","namespace":{"id":"root"}}}"#,
            #"{"type":"request","request":{"id":"r1","operation":"read","path":"transit/encrypt/k1","mount_point":"transit/","namespace":{"id":"root"}}}"#,
            Self.generated(transit: false, response: false),
            "{\"time\": truncated",
            C.line("response", id: "r11", op: "read", path: "encrypt/k1"),
            C.line("response", id: "r11", op: "read", path: "decrypt/k1"),
            C.line("response", id: "r11", op: "read", path: "decrypt/k1", ns: "team"),
        ]
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let share = bytes.withUnsafeBytes { AuditLineDecoder(prefix: nil).decodeShare($0) }
        #expect(share.lines == lines.count)
        #expect(share.plainRequests == 1)
        let got = share.outcomes.map { "\($0.line): \(Self.view($0.parsed) ?? "error")" }
        let want = lines.enumerated().compactMap { n, line -> String? in
            let o = Array(line.utf8).withUnsafeBytes { AuditLineDecoder(prefix: nil).decodeLine($0, line: n) }
            if let p = o.parsed, p.event == nil { return nil }
            return "\(n): \(Self.view(o.parsed) ?? "error")"
        }
        #expect(got == want)
        #expect(got.count == lines.count - 1)
    }

    /// Shapes that differ only in the key's name or the namespace, as in the benchmark corpus, take slots of their own:
    /// after the first pass, a second one finds most of them in the slots (two in one slot miss both; a hash blind to the name would miss all).
    @Test func shapesThatDifferOnlyInTheKeyNameSpreadOverTheSlots() {
        let decoder = AuditLineDecoder(prefix: nil)
        var lines: [[UInt8]] = []
        for ns in ["", "tenant-a/", "tenant-b/"] {
            for op in ["encrypt", "decrypt"] {
                for k in 0..<40 {
                    lines.append(Array(#"{"type":"request","request":{"operation":"update","mount_point":"\#(ns)transit/","path":"\#(ns)transit/\#(op)/key-\#(k < 10 ? "0" : "")\#(k)"}}"#.utf8))
                }
            }
        }
        for line in lines { _ = Self.fast(line, decoder: decoder) }
        #expect(decoder.slotMisses == lines.count)
        for line in lines { _ = Self.fast(line, decoder: decoder) }
        #expect(decoder.slotMisses - lines.count < lines.count / 3, "\(decoder.slotMisses - lines.count) of \(lines.count) missed again")
    }

    /// A shape whose members are longer than ``AuditLineDecoder/maxEntryBytes`` is made anew each time, never kept
    /// (a log of huge distinct paths would otherwise keep copies of them), and decodes as the exact reader does.
    @Test func hugeShapesAreNotKept() {
        let decoder = AuditLineDecoder(prefix: nil)
        let name = String(repeating: "k", count: AuditLineDecoder.maxEntryBytes + 1)
        let line = Array(#"{"type":"request","request":{"operation":"update","mount_point":"transit/","path":"transit/encrypt/\#(name)"}}"#.utf8)
        for _ in 0..<3 {
            #expect(Self.agree(line, decoder: decoder) == (true, true))
        }
        #expect(decoder.slotMisses == 3)
    }
}
