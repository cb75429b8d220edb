import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// An OpenBao / Vault API path after `/v1/`, kept as segments — API words (`sys`, `keys`) and names a server or a
/// user gave (namespaces, mounts, keys, policies) — so each segment is percent-encoded on its own when a URL is
/// built (RFC 3986 §3.3: a `/`, `?`, `#`, `%`, space, quote, control or non-ASCII character in a name stays inside
/// its segment and cannot end the path, start a query or escape the segment).
public struct OpenBaoPath: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The segments, not encoded.
    public var segments: [String]

    /// - Parameter segments: the segments, not encoded.
    public init(_ segments: [String]) {
        self.segments = segments
    }

    /// A literal API path such as `"sys/mounts"` or `"transit/keys/orders"`: split at `/`, empty segments dropped.
    /// Only for paths written in code; names from a server or a file go through ``init(_:)`` or ``mount(_:)``.
    public init(stringLiteral value: String) {
        segments = value.split(separator: "/").map(String.init)
    }

    /// A mount path as `sys/mounts` lists it (`transit/`, `team/transit/`): one segment per `/`-separated part.
    public static func mount(_ path: String) -> OpenBaoPath {
        OpenBaoPath(path.split(separator: "/", omittingEmptySubsequences: true).map(String.init))
    }

    /// A namespace path (`tenant-a/team/`, empty for the root namespace) as path segments.
    public static func namespace(_ path: String) -> OpenBaoPath {
        mount(path)
    }

    /// This path followed by `other`.
    public static func + (lhs: OpenBaoPath, rhs: OpenBaoPath) -> OpenBaoPath {
        OpenBaoPath(lhs.segments + rhs.segments)
    }

    /// The segments percent-encoded (``PercentEncoding``) and joined with `/`: `transit/keys/a%20b`.
    public var encoded: String {
        segments.map { PercentEncoding.encode($0) }.joined(separator: "/")
    }

    /// ``encoded``: what messages and evidence locators show, unambiguous and free of control characters.
    public var description: String { encoded }

    /// Why a name from a server cannot be a path segment, or `nil` when it can: empty, `.` or `..` (a URL resolver
    /// would remove or climb them, RFC 3986 §5.2.4), or holding a control character (C0, DEL, C1: header and log
    /// injection, never part of a real name).
    public static func unusableReason(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name == "." || name == ".." { return "the name '\(name)' is a dot-segment" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "the name holds control characters"
        }
        return nil
    }
}
