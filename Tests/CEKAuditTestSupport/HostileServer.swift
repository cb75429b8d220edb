import CEKAuditCore
import Foundation

/// Runs `hostile_server.py` (beside this file): an OpenBao / Vault and AWS endpoint on 127.0.0.1 that answers the way
/// a broken or malicious server would, with the behaviours a test switches on. The server is the test's own: a free
/// port, at most `maxSeconds` of life, stopped by pid (``LoopbackScriptServer``).
public final class HostileServer: @unchecked Sendable {
    /// What the server does wrong (see hostile_server.py).
    public enum Behaviour: String, CaseIterable, Sendable {
        /// Names with spaces, `%`, `?`, `#`, quotes, CR/LF, non-ASCII, dot-segments, thousands of characters.
        case oddNames = "odd-names"
        /// The request's credentials (and `extraSecrets`) reflected in names, texts and errors, in every encoding.
        case echo
        /// Namespace and key listings that never end; AWS listings always truncated with a fresh marker.
        case endless
        /// Bodies of `hugeBytes` bytes, with and without a Content-Length.
        case huge
        /// Answers sent one byte every `dripInterval` seconds.
        case drip
        /// Truncated JSON, wrong shapes, deep nesting, invalid UTF-8, out-of-range numbers, XML with a DTD.
        case malformed
        /// OpenBao's edge answers: a transit mount of exactly one full key page followed by 404 `{"errors":[]}`, and
        /// a listed mount whose key listing is 404 "no handler for route".
        case paging
    }

    let server: LoopbackScriptServer
    /// `http://127.0.0.1:<port>`.
    public var address: String { server.endpoint }

    /// - Parameters:
    ///   - behaviours: what to do wrong.
    ///   - extraSecrets: values reflected besides the request's own credentials (a secret key SigV4 never sends).
    ///   - fanout: children per namespace with ``Behaviour/endless``.
    ///   - hugeBytes: size of a huge body.
    ///   - dripInterval: seconds between two bytes of a dripped answer.
    public init(_ behaviours: Set<Behaviour>, extraSecrets: [String] = [], fanout: Int = 2, hugeBytes: Int = 70_000_000,
                dripInterval: Double = 0.2, maxSeconds: Int = 120) throws {
        server = try LoopbackScriptServer(script: "hostile_server.py", config: [
            "behaviours": behaviours.map(\.rawValue).sorted(), "extra_secrets": extraSecrets, "fanout": fanout,
            "huge_bytes": hugeBytes, "drip_interval": dripInterval,
        ], maxSeconds: maxSeconds)
    }

    /// Every request the server logged: `method`, `path` (as sent), `segments` (decoded), `query`, `op` (AWS),
    /// `header_names`, `namespace_header`.
    public func requests() -> [JSONValue] { server.requests() }

    public func stop() { server.stop() }
}
