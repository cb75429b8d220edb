import CEKAuditCore
import Foundation

/// One input handed to a collector: a file's bytes and where they came from.
public struct SourceInput: Sendable {
    /// Path relative to the assessment folder (or as given), used in evidence and messages.
    public var locator: String
    public var data: Data
    /// The account the source belongs to, when the assessment file says so (what `AWS::AccountId` means for a
    /// template; the owner of a standalone key policy).
    public var account: String?
    /// Tenant label from the assessment file.
    public var tenant: String?
    /// For a standalone key policy: the key it belongs to.
    public var key: String?
    /// For a standalone key policy: the manager (`customer` / `aws`) of its key, when the assessment file says.
    public var keyManager: String?
    /// The file's path on disk, when it was read from one: collectors that follow references to other files (an
    /// attestation's documents) resolve them against its folder. `nil` for inputs built in memory.
    public var path: String?

    public init(locator: String, data: Data, account: String? = nil, tenant: String? = nil, key: String? = nil,
                keyManager: String? = nil, path: String? = nil) {
        self.path = path
        self.keyManager = keyManager
        self.locator = locator
        self.data = data
        self.account = account
        self.tenant = tenant
        self.key = key
    }
}

/// What every collector needs besides the input: the clock and the assessment's trust settings.
public struct CollectionContext: Sendable {
    public var now: Date
    public var trustedAccounts: Set<String>
    public var trustedOrganizations: Set<String>

    public init(now: Date, trustedAccounts: Set<String> = [], trustedOrganizations: Set<String> = []) {
        self.now = now
        self.trustedAccounts = trustedAccounts
        self.trustedOrganizations = trustedOrganizations
    }
}

/// A collector turns one kind of input into evidence items and normalized facts. It never judges
/// (DESIGN.md: "Collectors never judge; rules never do I/O").
public protocol Collector: Sendable {
    /// Identifier used in evidence and coverage (`cloudformation`, `terraform`, `key-policy`).
    var name: String { get }
    /// Resource types this collector can supply; a failed source makes checks over these types inconclusive.
    var suppliedTypes: [ResourceType] { get }
    /// Collects from a parsed document. Errors inside the document become diagnostics and unknown facts, not throws.
    func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet
}

extension Collector {
    /// The evidence item for an input.
    func evidenceItem(_ input: SourceInput, kind: String, context: CollectionContext) -> EvidenceItem {
        EvidenceItem(collector: name, locator: input.locator, kind: kind, bytes: input.data, collectedAt: context.now)
    }

    /// A coverage row counting the resources found per type.
    func coverage(_ input: SourceInput, resources: [Resource], partial: Bool, detail: String? = nil) -> SourceCoverage {
        var found: [String: Int] = [:]
        for r in resources { found[r.type.rawValue, default: 0] += 1 }
        return SourceCoverage(source: input.locator, collector: name, status: partial ? .partial : .complete,
                              resourceTypes: suppliedTypes, found: found, detail: detail)
    }
}
