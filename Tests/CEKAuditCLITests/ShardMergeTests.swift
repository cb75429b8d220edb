import CEKAuditTestSupport
import Foundation
import Testing

/// `collect --shard i/N` on N runners and `evaluate` of their bundles: every unit of work collected exactly once, the
/// merged verdicts those of one unsharded run, and a missing or mismatched shard reported, never silently ignored.
@Suite(.serialized) struct ShardMergeTests {
    static let example = "examples/acme-ai-platform"

    /// (check, subject, verdict) of every result of a report.
    static func verdicts(_ report: URL) throws -> Set<String> {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let results = ReportJSON.results(json)
        return Set(results.map { r in
            let subject = (r["subject"] as? [String: Any])?["id"] as? String ?? "-"
            return "\(r["check"] as? String ?? "?") \(subject) \(r["verdict"] as? String ?? "?")"
        })
    }

    static func manifest(_ bundle: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json"))) as? [String: Any])
    }

    /// Collects the example as shards 1/3 … 3/3 into `dir/shards/b-i`.
    static func collectShards(_ dir: URL, count: Int = 3, path: String = example) throws -> [String] {
        try (1...count).map { i in
            let bundle = dir.appendingPathComponent("shards/b-\(i)").path
            let r = try CLI.run(["collect", path, "--shard", "\(i)/\(count)", "--bundle", bundle])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("shard \(i)/\(count):"), "\(r.stdout)")
            return bundle
        }
    }

    @Test("Three shards cover every unit exactly once and merge to the verdicts of one unsharded run")
    func threeShardsMergeToOneRun() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundles = try Self.collectShards(dir)

        // Every unit is listed by every shard, owned by exactly one, and each bundle holds only its own.
        var owned: [String: Int] = [:]
        var all: Set<String>?
        for (n, bundle) in bundles.enumerated() {
            let shard = try #require((try Self.manifest(bundle)["settings"] as? [String: Any])?["shard"] as? [String: Any])
            let units = try #require(shard["units"] as? [[String: Any]])
            let ids = Set(units.compactMap { $0["id"] as? String })
            if let all { #expect(all == ids) } else { all = ids }
            for u in units where u["shard"] as? Int == n + 1 { owned[u["id"] as! String, default: 0] += 1 }
            #expect((shard["shard"] as? [String: Any])?["index"] as? Int == n + 1)
        }
        let units = try #require(all)
        #expect(units.count >= 6, "\(units)")
        #expect(Set(owned.keys) == units && owned.values.allSatisfy { $0 == 1 }, "\(owned)")
        #expect(units.contains { $0.hasPrefix("batch:cloudtrail:") } && units.contains { $0.hasPrefix("document:") })

        let single = try CLI.run(["assess", Self.example, "-o", dir.appendingPathComponent("single").path, "-q"])
        let merged = try CLI.run(["evaluate"] + bundles + ["-o", dir.appendingPathComponent("merged").path, "-q"])
        #expect(merged.status == single.status, "\(merged.stderr)")
        #expect(try Self.verdicts(dir.appendingPathComponent("merged/report.json")) == Self.verdicts(dir.appendingPathComponent("single/report.json")))
        // The report says which shards it holds.
        let report = try String(contentsOf: dir.appendingPathComponent("merged/report.json"), encoding: .utf8)
        #expect(report.contains("shards 1/3, 2/3, 3/3 of 3"), "no shard line in the report")
        let html = try String(contentsOf: dir.appendingPathComponent("merged/report.html"), encoding: .utf8)
        #expect(html.contains("shards 1/3, 2/3, 3/3 of 3"))

        // A folder holding the bundles is the same as naming them.
        let folder = try CLI.run(["evaluate", dir.appendingPathComponent("shards").path, "-o", dir.appendingPathComponent("folder").path, "-q"])
        #expect(folder.status == single.status, "\(folder.stderr)")
        #expect(try Self.verdicts(dir.appendingPathComponent("folder/report.json")) == Self.verdicts(dir.appendingPathComponent("merged/report.json")))

        // The same shard twice is reported, not double counted.
        let twice = try CLI.run(["evaluate"] + bundles + [bundles[0], "-o", dir.appendingPathComponent("twice").path, "-q"])
        #expect(twice.status == 69)
        #expect(twice.stderr.contains("shard 1/3 is given twice"), "\(twice.stderr)")
        #expect(try Self.verdicts(dir.appendingPathComponent("twice/report.json")) == Self.verdicts(dir.appendingPathComponent("single/report.json")))
    }

    @Test("A missing shard is reported (exit 69) and what it should have covered is inconclusive, never passed")
    func missingShardIsInconclusive() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundles = try Self.collectShards(dir)
        let full = try CLI.run(["evaluate"] + bundles + ["-o", dir.appendingPathComponent("full").path, "-q"])
        #expect(full.status == 1, "\(full.stderr)")   // the example fails checks by design
        // Leave out the shard that owns the CloudTrail logs: key usage is no longer shown.
        let owner = try bundles.firstIndex { b in
            let shard = try #require((try Self.manifest(b)["settings"] as? [String: Any])?["shard"] as? [String: Any])
            let units = try #require(shard["units"] as? [[String: Any]])
            let index = (shard["shard"] as? [String: Any])?["index"] as? Int
            return units.contains { ($0["id"] as? String ?? "").hasPrefix("batch:cloudtrail:") && $0["shard"] as? Int == index }
        }
        let missing = try #require(owner)
        let partial = bundles.enumerated().filter { $0.offset != missing }.map(\.element)
        let r = try CLI.run(["evaluate"] + partial + ["-o", dir.appendingPathComponent("partial").path, "-q"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("shard \(missing + 1)/3 is not among the merged bundles"), "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("partial/report.json"))) as? [String: Any])
        let coverage = try #require(json["coverage"] as? [[String: Any]])
        #expect(coverage.contains { $0["status"] as? String == "failed" && ($0["detail"] as? String ?? "").contains("shard \(missing + 1)/3 was not merged") },
                "\(coverage)")
        // Nothing passes that did not pass with every shard, and something that passed is now inconclusive.
        let before = try Self.verdicts(dir.appendingPathComponent("full/report.json"))
        let after = try Self.verdicts(dir.appendingPathComponent("partial/report.json"))
        #expect(after.filter { $0.hasSuffix(" pass") }.isSubset(of: before))
        #expect(after.contains { $0.hasSuffix(" inconclusive") && !before.contains($0) })
    }

    @Test("A shard collected from another audit.yaml is left out and reported")
    func mismatchedShardIsLeftOut() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundles = try Self.collectShards(dir)
        // The same assessment with one parameter changed: its shard 2 does not belong with the others.
        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent(Self.example), to: copy)
        let audit = copy.appendingPathComponent("audit.yaml")
        try (try String(contentsOf: audit, encoding: .utf8) + "\n# edited\n").write(to: audit, atomically: true, encoding: .utf8)
        let other = dir.appendingPathComponent("other-2").path
        #expect(try CLI.run(["collect", copy.path, "--shard", "2/3", "--bundle", other, "-q"]).status == 0)
        let r = try CLI.run(["evaluate", bundles[0], other, bundles[2], "-o", dir.appendingPathComponent("mixed").path, "-q"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("shard 2/3 was collected with another configuration"), "\(r.stderr)")
        #expect(r.stderr.contains("shard 2/3 is not among the merged bundles"), "\(r.stderr)")

        let bad = try CLI.run(["collect", Self.example, "--shard", "4/3", "--bundle", dir.appendingPathComponent("x").path])
        #expect(bad.status == 64, "\(bad.stderr)")

        // A bundle whose shard record says 1/0 (edited by hand, or not written by collect) is refused, not trapped on.
        let manifestURL = URL(fileURLWithPath: bundles[1] + "/manifest.json")
        var manifest = try String(contentsOf: manifestURL, encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: "\"count\" : 3", with: "\"count\" : 0")
        try manifest.write(to: manifestURL, atomically: true, encoding: .utf8)
        let zero = try CLI.run(["evaluate", bundles[0], bundles[1], bundles[2], "-o", dir.appendingPathComponent("zero").path, "-q"])
        #expect(zero.status == 69, "\(zero.stderr)")
        #expect(zero.stderr.contains("shard record (2/0) is not valid"), "\(zero.stderr)")
    }

    /// Inlines kubernetes-validate's `_definitions.json` into its strict Job schema (refs `/api/_definitions.json#/$defs/X`
    /// become `#/$defs/X`), so check-jsonschema validates offline.
    static let standaloneJobSchema = #"""
import json, os, sys, kubernetes_validate
root = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
version = sorted((v for v in os.listdir(root) if v.endswith("-local-strict")), key=lambda v: [int(x) for x in v[1:].split("-")[0].split(".")])[-1]
job = json.load(open(os.path.join(root, version, "job-batch-v1.json")))
defs = json.load(open(os.path.join(root, version, "_definitions.json")))
text = json.dumps(job).replace('"/api/_definitions.json#/$defs/', '"#/$defs/')
schema = json.loads(text)
schema["$defs"] = json.loads(json.dumps(defs["$defs"]).replace('"/api/_definitions.json#/$defs/', '"#/$defs/'))
schema.pop("$id", None)
json.dump(schema, open(sys.argv[1], "w"))
print(version)
"""#

    @Test("The Kubernetes Indexed Job, the merge Job and the GitHub Actions matrix validate against their schemas",
          .enabled(if: Validators.runKubernetesSchemas, "needs check-jsonschema and kubernetes-validate; scripts/test.sh installs them"))
    func scaleExamplesValidate() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("schema.py"), schema = dir.appendingPathComponent("job.schema.json")
        try Self.standaloneJobSchema.write(to: script, atomically: true, encoding: .utf8)
        let made = try CAIQFillTests.python([script.path, schema.path])
        #expect(made.status == 0, "kubernetes-validate is needed (scripts/test.sh installs it): \(made.err)")
        for manifest in ["examples/scale/kubernetes/collect-job.yaml", "examples/scale/kubernetes/merge-job.yaml"] {
            let r = try CAIQFillTests.python(["-m", "check_jsonschema", "--schemafile", schema.path, CLI.packageRoot.appendingPathComponent(manifest).path])
            #expect(r.status == 0, "\(manifest) against the Kubernetes \(made.out) Job schema: \(r.out)\(r.err)")
        }
        #expect(try CIExamplesTests.checkJSONSchema("vendor.github-workflows", "examples/scale/github/cek-audit-sharded.yml") == nil)
        // The schema is strict: a misspelt field is caught.
        let broken = dir.appendingPathComponent("broken.yaml")
        try (try String(contentsOf: CLI.packageRoot.appendingPathComponent("examples/scale/kubernetes/collect-job.yaml"), encoding: .utf8))
            .replacingOccurrences(of: "completionMode: Indexed", with: "completionMod: Indexed").write(to: broken, atomically: true, encoding: .utf8)
        #expect(try CAIQFillTests.python(["-m", "check_jsonschema", "--schemafile", schema.path, broken.path]).status != 0)
    }

    /// The collect Job's container command, run locally for each completion index with the example as /assessment:
    /// the documented commands produce the three bundles, and the merge Job's command evaluates them.
    @Test func kubernetesJobCommandsRunLocally() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try String(contentsOf: CLI.packageRoot.appendingPathComponent("examples/scale/kubernetes/collect-job.yaml"), encoding: .utf8)
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.contains("- >-") })
        let command = lines[(start + 1)...].prefix { $0.hasPrefix("              ") }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(command.contains("cek-audit collect /assessment --shard"), "\(command)")
        let local = command.replacingOccurrences(of: "cek-audit", with: CLI.executable.path)
            .replacingOccurrences(of: "/assessment", with: CLI.packageRoot.appendingPathComponent(Self.example).path)
            .replacingOccurrences(of: "/bundles", with: dir.path)
        for index in 0..<3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", local + " -q"]
            p.environment = ["JOB_COMPLETION_INDEX": String(index), "PATH": "/usr/bin:/bin", "HOME": dir.path]
            p.currentDirectoryURL = CLI.packageRoot
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "shard \(index + 1)/3")
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == ["shard-1-of-3", "shard-2-of-3", "shard-3-of-3"])
        let merged = try CLI.run(["evaluate", dir.path, "--output", dir.appendingPathComponent("report").path, "--format", "json", "--format", "html", "--format", "sarif", "-q"])
        #expect(merged.status == 1, "\(merged.stderr)")   // the example has failures; no merge problem (that would be 69)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report/report.sarif").path))
    }
}
