import Foundation

/// The parts of an Amazon Resource Name (AWS General Reference, "ARN format").
public struct ARN: Sendable, Hashable {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    /// The first KMS key ARN in free text (an error message), any partition.
    public static func firstKMSKey(in text: String) -> String? {
        guard let r = text.range(of: #"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+"#, options: .regularExpression) else { return nil }
        return String(text[r])
    }

    /// Parses `arn:partition:service:region:account:resource`; `nil` for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        partition = String(parts[1]); service = String(parts[2]); region = String(parts[3])
        account = String(parts[4]); resource = String(parts[5])
    }
}
