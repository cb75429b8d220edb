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
}
