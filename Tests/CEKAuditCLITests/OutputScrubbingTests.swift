import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import CEKAuditReporters
import CEKAuditTestSupport
import Foundation
import Testing

/// The writers' last line of defence: a credential that reached the observations — raw, JSON-escaped, percent-encoded
/// or base64, in a fact, a diagnostic, an evidence payload or a streamed file — is in no bundle file and no report.
/// The bundle still verifies: a scrubbed item carries the size and SHA-256 of what was written.
struct OutputScrubbingTests {
    static let token = "s.Writer/Planted+Token=77aa"

    static func planted() throws -> (FactSet, URL) {
        let forms = CredentialForms.all(token).map(\.text)
        var facts = FactSet()
        facts.resources.append(Resource(type: .key, id: "key-1", name: "key \(forms[1])", fields: [
            "key_id": .string("k"), "tags": .strings(forms),
        ]))
        facts.diagnostics.append(Diagnostic(.warning, source: "target t", message: "denied for \(token)"))
        facts.coverage.append(SourceCoverage(source: "openbao://t/\(forms[0])", collector: "openbao", status: .failed, resourceTypes: [.key],
                                             detail: "echoed \(forms.joined(separator: " "))"))
        let body = Data(#"{"echo":"\#(forms[1])","also":"\#(forms[5])"}"#.utf8)
        facts.addEvidence(EvidenceItem(collector: "openbao", locator: "openbao://t/v1/sys/mounts", kind: "openbao-api-response", bytes: body,
                                       collectedAt: Date(timeIntervalSince1970: 1_793_491_200)), bytes: body)
        // A streamed file, larger than one copy chunk, with the token across the chunk boundary.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("scrub-\(UUID().uuidString).log")
        var text = String(repeating: "a", count: (1 << 20) - 10) + token + "\n"
        text += String(repeating: "b", count: 100) + forms[2] + "\n"
        try Data(text.utf8).write(to: log)
        let item = EvidenceItem(collector: "openbao-audit-log", locator: "audit.log", kind: "openbao-audit-log", bytes: Data(text.utf8),
                                collectedAt: Date(timeIntervalSince1970: 1_793_491_200))
        facts.evidence.append(item)
        facts.payloadFiles[item.id] = log.path
        return (facts, log)
    }

    @Test func bundleFilesAreScrubbedAndStillVerify() throws {
        let (facts, log) = try Self.planted()
        defer { try? FileManager.default.removeItem(at: log) }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundle = dir.appendingPathComponent("bundle").path
        try EvidenceBundle.write(facts, settings: EvidenceBundle.Settings(name: "scrub", collectedAt: Date(timeIntervalSince1970: 1_793_491_200),
                                                                         parameters: [:], checks: [:], controls: nil),
                                 to: bundle, toolVersion: "test", credentials: CredentialScrubber(secrets: [Self.token]))
        #expect(CredentialForms.leaks(under: dir, secrets: [Self.token]) == [])
        let (read, _) = try EvidenceBundle.read(bundle)
        #expect(read.evidence.count == 2)
        #expect(read.diagnostics.first?.message == "denied for [redacted]")
    }

    @Test func everyReportFormatIsScrubbed() throws {
        let (facts, log) = try Self.planted()
        defer { try? FileManager.default.removeItem(at: log) }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try CatalogLoader.load(path: CLI.packageRoot.appendingPathComponent("Controls/CEK-08.yaml").path)
        let now = Date(timeIntervalSince1970: 1_793_491_200)
        let (report, _) = Evaluation.evaluate(facts, catalog: catalog, inputs: Evaluation.inputs(name: "scrub", file: nil, origin: nil, now: now),
                                              toolVersion: "test")
        let unscrubbed = try ReportFormat.json.render(report)
        #expect(!CredentialForms.leaks(in: unscrubbed, secrets: [Self.token]).isEmpty, "the report model does carry the planted token")
        try Evaluation.write(report, formats: ReportFormat.allCases, to: dir.path, credentials: CredentialScrubber(secrets: [Self.token]))
        #expect(CredentialForms.leaks(under: dir, secrets: [Self.token]) == [])
    }
}
