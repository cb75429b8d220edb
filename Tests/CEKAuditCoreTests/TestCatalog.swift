/// The control block every small test catalog starts with (schema version, a placeholder control, and the
/// `guidelines:` key); tests append their own guidelines and CAIQ question after it.
enum TestCatalog {
    static let header = """
    schema_version: 1
    control:
      id: CEK-08
      domain: {id: CEK, title: Keys}
      title: Test control
      framework: {name: Test, short_name: T, version: "1"}
      statement: Providers let customers manage keys.
    guidelines:
    """

    /// A per-resource check with one example, at the left margin; ``indented(_:by:)`` places it under a
    /// guideline's `checks:` (inline, or in a checks file).
    static let rotationCheck = """
    - id: T-1
      title: Rotation on
      severity: medium
      subject: key
      require: {field: rotation.enabled, eq: true}
      examples:
        - {name: on, fact: {rotation.enabled: true}, expect: pass}
    """

    /// `text` with every non-empty line indented by `spaces`.
    static func indented(_ text: String, by spaces: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : String(repeating: " ", count: spaces) + $0 }.joined(separator: "\n")
    }
}
