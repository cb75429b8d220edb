/// The tool's version, written into every report (an injected input, so reports are reproducible).
public enum CEKAuditVersion {
    public static let current = "0.1.0"
}
