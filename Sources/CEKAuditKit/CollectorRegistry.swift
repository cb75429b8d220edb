import CEKAuditAWS
import CEKAuditAttestations
import CEKAuditAzure
import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditGCP
import CEKAuditInfraCode
import CEKAuditLogs
import CEKAuditOpenBao
import Foundation

/// Every collector and every analysis this build has: the one place a new collector is added (its folder in a
/// family target, plus one line here). The source kinds `audit.yaml` accepts, the target kinds, content
/// recognition, coverage names, the normalize stage and `cek-audit sources` all derive from it.
public struct CollectorRegistry: Sendable {
    /// Collectors in recognition order: the first whose recognizer accepts a file's content reads it. Batch
    /// collectors that recognise logs by their head come before document collectors.
    public var collectors: [any EvidenceCollector]
    /// The normalize stage's analyses, in order; the generic ``Normalizer`` runs after them.
    public var analyses: [any FactAnalysis]
    /// Active probes of sandbox targets, by target kind (`cek-audit probe`, `assess --probe`).
    public var probers: [any TargetProber]

    public init(collectors: [any EvidenceCollector], analyses: [any FactAnalysis], probers: [any TargetProber] = []) {
        self.collectors = collectors
        self.analyses = analyses
        self.probers = probers
    }

    /// The prober of target `kind`, when this build can probe it.
    public func prober(for kind: String) -> (any TargetProber)? {
        probers.first { $0.kind == kind }
    }

    /// The built-in registry.
    public static let builtIn = CollectorRegistry(
        collectors: [
            CloudTrailCollector(),
            OpenBaoAuditLogCollector(),
            GCPAuditLogCollector(),
            AzureAuditEventCollector(),
            LogQueryResultCollector(),
            TerraformHCLCollector(),
            CloudFormationCollector(),
            TerraformCollector(document: .plan),
            TerraformCollector(document: .state),
            ARMTemplateCollector(),
            KeyPolicyCollector(),
            KMSExportCollector(),
            GCPExportCollector(),
            AzureExportCollector(),
            EncryptionConfigurationCollector(),
            AttestationCollector(),
            AWSKMSCollector(),
            OpenBaoTargetCollector(),
            GCPKMSCollector(),
            AzureKeyVaultCollector(),
        ],
        analyses: [
            AWSKeyAnalysis(),
            AWSKeyPolicyAnalysis(dialects: [CloudFormationPolicyDialect()]),
            AWSGrantAnalysis(),
            AWSDataStoreKeyAnalysis(),
            OpenBaoKeyAnalysis(),
            OpenBaoNamespaceIsolationAnalysis(),
            GCPKeyAnalysis(),
            GCPIAMAnalysis(),
            GCPCMEKAnalysis(),
            AzureKeyAnalysis(),
            AzureAccessAnalysis(),
        ],
        probers: [OpenBaoProber(), AWSKMSProber()])

    /// The collector of `kind`.
    public func collector(for kind: String) -> (any EvidenceCollector)? {
        collectors.first { $0.kind == kind }
    }

    /// Kinds `sources:` may name (document and batch collectors), in registry order.
    public var sourceKinds: [String] { collectors.filter { $0.input != .live }.map(\.kind) }

    /// Kinds `targets:` may name (live collectors).
    public var targetKinds: [String] { collectors.filter { $0.input == .live }.map(\.kind) }

    /// What a source of `kind` supplies; for `auto` (not recognised yet) every type a file source can supply.
    public func suppliedTypes(kind: String) -> [ResourceType] {
        if let c = collector(for: kind) { return c.suppliedTypes }
        return Array(Set(collectors.filter { $0.input != .live }.flatMap(\.suppliedTypes))).sorted()
    }

    /// The first file collector whose recognizer accepts the content.
    public func recognize(_ probe: ContentProbe) -> (any EvidenceCollector)? {
        collectors.first { $0.input != .live && $0.recognizes(probe) }
    }

    /// The registry with live collectors replaced by kind (tests inject an environment or a transport).
    public func replacing(_ live: [any EvidenceCollector]) -> CollectorRegistry {
        var r = self
        for c in live {
            if let i = r.collectors.firstIndex(where: { $0.kind == c.kind }) { r.collectors[i] = c } else { r.collectors.append(c) }
        }
        return r
    }

    /// Validates every target of an assessment file: known kind, valid options.
    /// - Throws: ``CEKAuditError`` naming the file and line.
    public func validate(_ targets: [AssessmentFile.Target]) throws {
        for t in targets {
            guard let c = collector(for: t.kind), c.input == .live else {
                let known = targetKinds.sorted()
                throw t.error("unknown target kind", fix: known.isEmpty ? "this build has no live collectors" : "use one of \(known.joined(separator: ", "))")
            }
            try c.validate(t)
        }
    }
}
