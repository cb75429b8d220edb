import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The normalize stage (DESIGN.md, "Data flow"): after the evidence bundle, in `assess` and `evaluate` alike, every
/// analysis of the registry derives its fields from the observations with the settings in force, then the generic
/// ``Normalizer`` links data stores to keys and fills tenants. Observations are never changed in the bundle, so a
/// corrected trust list reaches evidence collected last quarter.
public enum NormalizeStage {
    /// Derives every analysed field of `observations` with `settings`. Takes the observations over: a caller that
    /// passes its last copy (`consume`) lets the analyses change the resources in place instead of copying each one.
    public static func run(_ observations: consuming FactSet, settings: AnalysisSettings, registry: CollectorRegistry = .builtIn) -> FactSet {
        var facts = consume observations
        for analysis in registry.analyses { analysis.derive(&facts, settings: settings) }
        Normalizer.normalize(&facts)
        return facts
    }
}
