import Foundation
import Testing
@testable import CEKAuditCore

/// What a check says of a subject it does not apply to must be true of that subject. A check scoped to one key
/// service said of every other service's keys what holds only for its own: an AWS key "is held in Cloud KMS without a
/// Key Access Justifications policy", an enabled, rotating AWS key "has no automatic rotation schedule" (corpus case
/// 02 of the shared corpus: the verdicts were right, the sentences false).
struct CatalogMessageTests {
    /// Every check whose applicability reads the key service names, when it does not apply, the service it saw.
    @Test func serviceScopedChecksNameTheServiceTheySawWhenTheyDoNotApply() throws {
        let catalog = try CatalogFixture.loaded.get()
        var scoped = 0
        for g in catalog.guidelines {
            for c in g.checks {
                guard let applicable = c.applicable, applicable.fields.contains("service") else { continue }
                scoped += 1
                let message = c.messages[.notApplicable] ?? ""
                #expect(message.contains("{service}"), "\(c.id): \(message)")
            }
        }
        #expect(scoped >= 6, "the catalog's service-scoped checks were found")
    }
}
