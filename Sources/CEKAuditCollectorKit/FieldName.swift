/// HTTP field names compared as RFC 9110 §5.1 says they are: case-insensitively. Field names are tokens (ASCII), so
/// letters are folded byte by byte; Foundation's `caseInsensitiveCompare` bridged every name to `NSString` and
/// showed in profiles of every request sent.
public enum FieldName {
    /// Whether `a` and `b` are the same field name: equal bytes, ASCII letters compared without case. Other bytes
    /// (digits, `-`, anything outside ASCII) must be equal.
    @inline(__always)
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let l = p | 0x20
            guard l == q | 0x20, l >= 0x61, l <= 0x7A else { return false }
        }
        return true
    }
}
