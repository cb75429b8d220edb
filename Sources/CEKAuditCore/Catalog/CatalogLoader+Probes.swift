import Foundation

extension CatalogLoader {
    /// The file of probe-backed checks beside a catalog's root file: `Controls/CEK-08.yaml` →
    /// `Controls/CEK-08-probes.yaml`. Outside the root's `CEK-08/` folder on purpose: the catalog without probes, its
    /// digest and every report written without `--probe` stay exactly as they are.
    public static func probeChecksPath(forCatalog root: String) -> String {
        let ns = root as NSString
        return ns.deletingPathExtension + "-probes." + (ns.pathExtension.isEmpty ? "yaml" : ns.pathExtension)
    }

    /// `catalog` with the checks of a probe-checks file added to their guidelines (issue 15: checks that read the
    /// `capability` facts of an active probe run). Loaded only when probes run (`assess --probe`), so an assessment
    /// without probes evaluates and reports exactly as before.
    ///
    /// ```yaml
    /// schema_version: 1
    /// guidelines:
    ///   - guideline: AG-8
    ///     steps_aside: [CEK08-AG8-PREPRODUCTION-TEST]   # these checks give way when a probe ran (unless_supplied: capability)
    ///     checks: [ ... ]                               # checks in the catalog's format
    /// ```
    ///
    /// The catalog's digest becomes that of its files plus this one (``Catalog/sha256``'s listing, this file's path
    /// relative to the root's folder), so a report says which checks it was judged by.
    /// - Throws: ``CEKAuditError`` with file and line: unknown keys, an unknown guideline or check, a duplicate id, a
    ///   check that does not load.
    public static func addingProbeChecks(to catalog: Catalog, path: String) throws -> Catalog {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CEKAuditError.cannotRead(path, FileProblem.reading(path, error: error))
        }
        let text = try TextPosition.utf8Text(data, file: path)
        guard let node = try YAMLDocument.compose(text, file: path) else {
            throw CEKAuditError.invalidInput(file: path, line: 1, column: 1, message: "the probe-checks file is empty", fix: "see Controls/CEK-08-probes.yaml")
        }
        let root = try YAMLCursor(node: node, file: path).mapping(allowed: ["schema_version", "guidelines"], required: ["schema_version", "guidelines"])
        let version = try root["schema_version"]!.int()
        guard version == Catalog.supportedSchemaVersion else {
            throw root["schema_version"]!.error("schema_version \(version) is not supported", fix: "this build reads schema_version \(Catalog.supportedSchemaVersion)")
        }
        var out = catalog
        var ids = Set(catalog.checks.map(\.id))
        for entry in try root["guidelines"]!.list() {
            let m = try entry.mapping(allowed: ["guideline", "steps_aside", "checks"], required: ["guideline", "checks"])
            let id = try m["guideline"]!.nonEmptyString()
            guard let gi = out.guidelines.firstIndex(where: { $0.id == id }) else {
                throw m["guideline"]!.error("the catalog has no guideline '\(id)'", fix: "use one of \(out.guidelines.map(\.id).joined(separator: ", "))")
            }
            for name in try m["steps_aside"]?.stringList() ?? [] {
                guard let ci = out.guidelines[gi].checks.firstIndex(where: { $0.id == name }) else {
                    throw m["steps_aside"]!.error("guideline \(id) has no check '\(name)'")
                }
                out.guidelines[gi].checks[ci].unlessSupplied = .capability
            }
            for c in try m["checks"]!.list() {
                var check = try readCheck(c, guideline: id, templates: [])
                check.source = path
                guard !ids.contains(check.id) else { throw c.error("duplicate check id '\(check.id)'", fix: "give each check its own id") }
                ids.insert(check.id)
                out.guidelines[gi].checks.append(check)
            }
        }
        let relative = (path as NSString).lastPathComponent
        out.sha256 = SHA256Hex.digest(Data("\(catalog.sha256)  catalog\n\(SHA256Hex.digest(data))  \(relative)\n".utf8))
        out.files.append(path)
        return out
    }
}
