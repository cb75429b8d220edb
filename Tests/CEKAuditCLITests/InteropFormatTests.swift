import CEKAuditTestSupport
import Foundation
import Testing

/// OCSF and OSCAL output of the bundled example, checked as their consumers read them: every OCSF line through
/// py-ocsf-models 0.10.0 (`ComplianceFinding`), the OSCAL assessment results through compliance-trestle 5.2.0 and
/// `oscal` 3.2.2, the assessment plan and the exported catalog through both, and what neither checks (millisecond
/// times, `type_uid`, UUID references, control ids against the catalog, byte-identical reruns) here.
@Suite(.serialized) struct InteropFormatTests {
    static let epoch = ["SOURCE_DATE_EPOCH": "1795968000"]

    func assess(_ dir: URL, _ formats: [String]) throws -> CLI.Result {
        try CLI.run(["assess", "examples/acme-ai-platform", "-o", dir.path, "-q", "--format"] + formats, environment: Self.epoch)
    }

    /// Where the validators run: `oscal` 3.2.2 writes its metaschema database (160 MB) to `./support/` of the working
    /// directory, so they run in a folder of the temporary directory kept between runs, never in the repository.
    static let pythonFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cek-audit-oscal-validators")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Runs a Python script with arguments (absolute paths); returns its status and output.
    func python(_ script: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [Validators.python, "-c", script] + args
        p.currentDirectoryURL = Self.pythonFolder
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test func ocsfLinesAreComplianceFindingsInMilliseconds() throws {
        let dir = try CLI.tempDir(), again = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: again) }
        #expect(try assess(dir, ["json", "ocsf"]).status == 1)
        #expect(try assess(again, ["ocsf"]).status == 1)
        let file = dir.appendingPathComponent("report.ocsf.jsonl")
        let data = try Data(contentsOf: file)
        #expect(data == (try Data(contentsOf: again.appendingPathComponent("report.ocsf.jsonl"))), "two runs differ")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
        let results = ReportJSON.results(report)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == results.count)
        for (line, r) in zip(lines, results) {
            let e = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(e["class_uid"] as? Int == 2003)
            #expect(e["type_uid"] as? Int == 2003 * 100 + (e["activity_id"] as? Int ?? -1))
            #expect(String(e["time"] as? Int ?? 0).count == 13)
            let generated = try #require(ISO8601DateFormatter().date(from: report["generated_at"] as? String ?? ""))
            #expect(e["time"] as? Int == Int(generated.timeIntervalSince1970) * 1000)
            #expect((e["finding_info"] as? [String: Any])?["uid"] as? String == r["id"] as? String)
        }
        guard Validators.ocsf else {
            #expect(!Validators.required, "\(Validators.python) cannot import py_ocsf_models, and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires it")
            print("note: OCSF lines not validated: \(Validators.ocsfMissing)")
            return
        }
        let (status, out) = try python("""
        import sys
        from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
        n = 0
        for line in open(sys.argv[1], encoding="utf-8"):
            ComplianceFinding.model_validate_json(line)
            n += 1
        print(n, "valid")
        """, [file.path])
        #expect(status == 0, "\(out)")
    }

    /// Python: every UUID defined once and version 5, every `*-uuid` and `#href` reference defined.
    static let references = """
    import json, re, sys
    def check(path):
        defined, referenced = [], []
        def walk(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "uuid": defined.append(x)
                    elif k.endswith("-uuid"): referenced.append(x)
                    elif k == "href" and isinstance(x, str) and x.startswith("#"): referenced.append(x[1:])
                    walk(x)
            elif isinstance(v, list):
                for x in v: walk(x)
        walk(json.load(open(path, encoding="utf-8")))
        v5 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        bad = [u for u in defined if not v5.match(u)]
        dangling = [u for u in referenced if u not in set(defined)]
        assert len(set(defined)) == len(defined), "duplicate uuids"
        assert not bad, ("not v5", bad[:3])
        assert not dangling, ("dangling", dangling[:3])
        assert referenced, "no references"
    """

    @Test func oscalAssessmentResultsValidateAndReferencesResolve() throws {
        let dir = try CLI.tempDir(), again = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: again) }
        #expect(try assess(dir, ["oscal"]).status == 1)
        #expect(try assess(again, ["json", "oscal"]).status == 1)
        let ar = dir.appendingPathComponent("report.oscal.json"), ap = dir.appendingPathComponent("assessment-plan.oscal.json")
        #expect(try Data(contentsOf: ar) == Data(contentsOf: again.appendingPathComponent("report.oscal.json")), "two runs differ")
        #expect(try Data(contentsOf: ap) == Data(contentsOf: again.appendingPathComponent("assessment-plan.oscal.json")), "two runs differ")
        let catalog = dir.appendingPathComponent("catalog.oscal.json")
        let export = try CLI.run(["controls", "export", "--format", "oscal-catalog", "--output", catalog.path], environment: Self.epoch)
        #expect(export.status == 0, "\(export.stderr)")
        let stdout = try CLI.run(["controls", "export", "--format", "oscal-catalog"], environment: Self.epoch)
        #expect(Data(stdout.stdout.utf8) == (try Data(contentsOf: catalog)))

        // Control ids and objective targets exist in the exported catalog (no validator checks this either).
        let (ok, text) = try python(Self.references + """

        check(sys.argv[1]); check(sys.argv[2])
        cat = json.load(open(sys.argv[3]))["catalog"]
        ids = set()
        def ids_of(v):
            if isinstance(v, dict):
                if "id" in v: ids.add(v["id"])
                for x in v.values(): ids_of(x)
            elif isinstance(v, list):
                for x in v: ids_of(x)
        ids_of(cat)
        res = json.load(open(sys.argv[1]))["assessment-results"]["results"][0]
        sel = [c["control-id"] for s in res["reviewed-controls"]["control-selections"] for c in s["include-controls"]]
        assert sel[0] == "cek-08" and all(c in ids for c in sel), sel
        targets = [f["target"]["target-id"] for f in res["findings"]]
        assert all(t in ids for t in targets), targets
        assert all("status" in f["target"] for f in res["findings"])
        print("references ok")
        """, [ar.path, ap.path, catalog.path])
        #expect(ok == 0, "\(text)")

        guard Validators.oscal else {
            #expect(!Validators.required, "\(Validators.python) cannot import trestle and oscal, and CEK_AUDIT_REQUIRE_VALIDATORS=1 requires them")
            print("note: OSCAL documents not validated: \(Validators.oscalMissing)")
            return
        }
        let (status, out) = try python("""
        import pathlib, sys, oscal
        from trestle.oscal.assessment_results import AssessmentResults
        from trestle.oscal.assessment_plan import AssessmentPlan
        from trestle.oscal.catalog import Catalog
        ar, ap, cat = sys.argv[1:4]
        AssessmentResults.oscal_read(pathlib.Path(ar))
        AssessmentPlan.oscal_read(pathlib.Path(ap))
        Catalog.oscal_read(pathlib.Path(cat))
        failed = []
        for cls, f in ((oscal.AssessmentResults, ar), (oscal.AssessmentPlan, ap), (oscal.Catalog, cat)):
            doc = cls.load(f)
            if not doc.validate(): failed.append((f, doc.validation_errors))
        if failed:
            print(failed); sys.exit(1)
        print("valid")
        """, [ar.path, ap.path, catalog.path])
        #expect(status == 0, "\(out)")
        #expect(!FileManager.default.fileExists(atPath: CLI.packageRoot.appendingPathComponent("support").path), "a validator wrote into the repository")
    }

    @Test func helpListsTheNewFormats() throws {
        let help = try CLI.run(["assess", "--help"])
        #expect(help.stdout.contains("ocsf") && help.stdout.contains("oscal"), "\(help.stdout)")
        let exportHelp = try CLI.run(["controls", "export", "--help"])
        #expect(exportHelp.stdout.contains("oscal-catalog"), "\(exportHelp.stdout)")
    }
}
