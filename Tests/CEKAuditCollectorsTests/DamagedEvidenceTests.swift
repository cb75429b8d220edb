import CEKAuditCollectorKit
import CEKAuditCore
import CEKAuditKit
import Foundation
import Testing

/// Damaged evidence never passes: for every passing result of the bundled example, the evidence items it rests on
/// are removed or corrupted — deleted, emptied, cut in half, replaced by a named pipe, by a broken link, by a link to
/// `/dev/null` — and the example is assessed again: that result must no longer pass (it may fail, be inconclusive,
/// or be gone with its subject).
@Suite(.serialized, .timeLimit(.minutes(10)))
struct DamagedEvidenceTests {
    enum Damage: String, CaseIterable, Sendable {
        case deleted, emptied, halved, namedPipe, brokenLink, devNull

        func apply(to url: URL) throws {
            let fm = FileManager.default
            switch self {
            case .deleted: try fm.removeItem(at: url)
            case .emptied: try Data().write(to: url)
            case .halved:
                let data = try Data(contentsOf: url)
                try data.prefix(data.count / 2).write(to: url)
            case .namedPipe:
                try fm.removeItem(at: url)
                guard mkfifo(url.path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
            case .brokenLink:
                try fm.removeItem(at: url)
                try fm.createSymbolicLink(atPath: url.path, withDestinationPath: url.lastPathComponent + ".gone")
            case .devNull:
                try fm.removeItem(at: url)
                try fm.createSymbolicLink(atPath: url.path, withDestinationPath: "/dev/null")
            }
        }
    }

    static let example = Fixtures.packageRoot.appendingPathComponent("examples/acme-ai-platform")

    /// Copies the example into a fresh folder.
    static func copy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cek-damaged-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: example, to: dir)
        return dir
    }

    /// Assesses a copy of the example as `assess` does (with its catalog, settings and clock).
    static func assess(_ folder: URL) async throws -> (AssessmentReport, FactSet) {
        let plan = try AssessmentPlan.make(path: folder.path)
        let now = plan.file?.asOf ?? Fixtures.now
        let (observations, _) = await CollectionRunner().collect(plan, context: CollectionContext(now: now, window: plan.file?.window))
        let inputs = Evaluation.inputs(name: plan.name, file: plan.file, origin: plan.filePath, now: now)
        let (report, _) = Evaluation.evaluate(observations, catalog: try Fixtures.catalog(), inputs: inputs, toolVersion: "test")
        return (report, observations)
    }

    static func key(_ r: CheckResult) -> String { "\(r.check) @ \(r.subject?.id ?? "(assessment)")" }

    @Test func noPassingResultSurvivesDamageToItsEvidence() async throws {
        let pristine = try Self.copy()
        defer { try? FileManager.default.removeItem(at: pristine) }
        let (report, _) = try await Self.assess(pristine)
        let locators = Dictionary(report.evidence.map { ($0.id, $0.locator) }, uniquingKeysWith: { a, _ in a })
        // Passing results grouped by the files they rest on (files on disk in the example only).
        var groups: [[String]: [String]] = [:]
        for r in report.results where r.verdict == .pass {
            let files = Set(r.evidence.compactMap { locators[$0.evidence] }).filter {
                FileManager.default.fileExists(atPath: pristine.appendingPathComponent($0).path)
            }.sorted()
            guard !files.isEmpty else { continue }
            groups[files, default: []].append(Self.key(r))
        }
        #expect(report.results.filter { $0.verdict == .pass }.count > 30)
        #expect(groups.count >= 5, "passing results rest on several files: \(groups.keys)")
        var survivors: [String] = []
        for (files, passing) in groups.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            for damage in Damage.allCases {
                let dir = try Self.copy()
                defer { try? FileManager.default.removeItem(at: dir) }
                for f in files { try damage.apply(to: dir.appendingPathComponent(f)) }
                let (damaged, _) = try await Self.assess(dir)
                let stillPassing = Set(damaged.results.filter { $0.verdict == .pass }.map(Self.key))
                for p in passing where stillPassing.contains(p) {
                    survivors.append("\(p) still passes with \(files.joined(separator: ", ")) \(damage.rawValue)")
                }
            }
        }
        #expect(survivors.isEmpty, "\(survivors.count) result(s) passed on damaged evidence:\n\(survivors.sorted().joined(separator: "\n"))")
    }
}
