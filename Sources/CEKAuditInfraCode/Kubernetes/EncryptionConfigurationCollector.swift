import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads a Kubernetes API server encryption configuration (the file `kube-apiserver --encryption-provider-config`
/// points to): `apiserver.config.k8s.io/v1` `EncryptionConfiguration`, and the legacy `v1` `EncryptionConfig` of
/// Kubernetes before 1.13, which has the same shape.
///
/// Supplies one `data_store` per API resource listed (`secrets`, `configmaps`, `*.apps`, `*.*` …), kind
/// `k8s-<resource>`. Semantics follow the Kubernetes reference "kube-apiserver Encryption Configuration (v1)" and the
/// task "Encrypting Confidential Data at Rest":
///
/// * Resource lists are processed in order; an earlier list takes precedence, so a resource listed again later is
///   ineffective there (reported as a warning, not emitted twice).
/// * Within a list, the **first provider writes**; the later ones only read data written before. `identity` first
///   means new objects are stored in plaintext; `identity` later only keeps old plaintext readable.
/// * `aescbc`, `aesgcm` and `secretbox` encrypt with a key written in this file: no key manager holds it
///   (`key_custody: local-key-in-config`, `key_manager: null`). A `kms` provider wraps data keys with a key in an
///   external KMS reached through a plugin (`external-kms`, `key_manager: customer`); its `apiVersion` defaults to
///   `v1`, which is deprecated since Kubernetes 1.28 in favour of `v2`.
///
/// Collectors never judge: the facts say which provider writes and where its key lives; the catalog's checks
/// decide. Key material (`secret:` values) never enters facts, and the evidence item (what a bundle keeps, and the
/// SHA-256 a report shows) is a redacted copy of the file.
public struct EncryptionConfigurationCollector: DocumentCollector {
    public let name = "k8s-encryption-config"
    public var kind: String { name }
    public var reads: String { "A Kubernetes API server EncryptionConfiguration (YAML or JSON): which resources etcd encrypts, with which provider and KMS plugin API." }
    public var example: String { "{path: k8s/encryption-config.yaml, kind: k8s-encryption-config}" }
    public func recognizes(document: JSONValue) -> Bool { Self.recognizes(document) }
    public let suppliedTypes: [ResourceType] = [.dataStore]

    /// Provider types of `EncryptionConfiguration` (`ProviderConfiguration` in the v1 reference).
    static let providerTypes = ["identity", "aescbc", "aesgcm", "secretbox", "kms"]
    /// Providers whose key is written in the file.
    static let localKeyProviders: Set<String> = ["aescbc", "aesgcm", "secretbox"]
    static let currentAPIVersion = "apiserver.config.k8s.io/v1"

    public init() {}

    /// Whether a parsed document is an encryption configuration (current or legacy kind).
    public static func recognizes(_ value: JSONValue) -> Bool {
        guard let kind = value["kind"]?.stringValue else { return false }
        return kind == "EncryptionConfiguration" || kind == "EncryptionConfig"
    }

    /// One entry of a `providers` list, as read.
    struct Provider {
        /// identity, aescbc, aesgcm, secretbox or kms; nil when the entry names none or several.
        var type: String?
        var problem: String?
        /// For kms: `v1` or `v2` (default `v1`), or what was written.
        var kmsAPIVersion: String?
        var kmsName: String?
        var endpoint: String?
        /// For local-key providers: key names in order; the first one encrypts.
        var keyNames: [String] = []

        /// How the provider is shown in facts: `identity`, `aescbc key key1`, `kms v2 plugin name`.
        var label: String {
            guard let type else { return "unrecognised provider" }
            switch type {
            case "kms": return "kms \(kmsAPIVersion ?? "v1") plugin \(kmsName ?? "(unnamed)")"
            case "identity": return "identity"
            default: return keyNames.first.map { "\(type) key \($0)" } ?? type
            }
        }
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        // The evidence item is the redacted copy: its SHA-256 and size are those of the bytes an evidence bundle keeps.
        let value = document.value
        let redacted = Self.redact(input.data, secrets: Self.secrets(in: value))
        let item = EvidenceItem(collector: name, locator: input.locator, kind: "k8s-encryption-config", bytes: redacted,
                                collectedAt: context.now)
        var out = FactSet(evidence: [item])
        out.payloads[item.id] = redacted
        let kind = value["kind"]?.stringValue ?? "(none)"
        let apiVersion = value["apiVersion"]?.stringValue ?? "(none)"
        if kind == "EncryptionConfig" {
            out.diagnostics.append(Diagnostic(
                .warning, source: input.locator, line: document.line(at: [.key("kind")]),
                message: "legacy kind EncryptionConfig (apiVersion \(apiVersion), Kubernetes before 1.13) read as an EncryptionConfiguration of the same shape",
                fix: "write kind: EncryptionConfiguration and apiVersion: \(Self.currentAPIVersion), which current API servers require"))
        } else if apiVersion != Self.currentAPIVersion {
            out.diagnostics.append(Diagnostic(
                .warning, source: input.locator, line: document.line(at: [.key("apiVersion")]),
                message: "apiVersion \(apiVersion) is not \(Self.currentAPIVersion); the file was read with the v1 schema",
                fix: "use apiVersion: \(Self.currentAPIVersion)"))
        }
        guard case .array(let groups)? = value["resources"] else {
            out.diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: [.key("resources")]) ?? 1,
                                              message: "the encryption configuration has no resources list",
                                              fix: "list the API resources and their providers under `resources:` (see the Kubernetes reference, EncryptionConfiguration)"))
            out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                               detail: "no resources list"))
            return out
        }

        var configuredBy: [String: Int] = [:]
        for (gi, group) in groups.enumerated() {
            let groupPath: [ParsedDocument.Step] = [.key("resources"), .index(gi)]
            let providers = group["providers"].map { $0.asList } ?? []
            let parsed = providers.enumerated().map { pi, entry in
                Self.provider(entry, at: groupPath + [.key("providers"), .index(pi)], document: document, input: input,
                              diagnostics: &out.diagnostics)
            }
            if parsed.isEmpty {
                out.diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: groupPath),
                                                  message: "resources[\(gi)] lists no provider; the API server rejects this configuration",
                                                  fix: "add a providers list whose first entry is the provider that encrypts new writes"))
            }
            if parsed.dropFirst().contains(where: { $0.type == "identity" }) {
                out.diagnostics.append(Diagnostic(
                    .info, source: input.locator, line: document.line(at: groupPath + [.key("providers")]),
                    message: "resources[\(gi)]: identity is a later provider, so objects stored before encryption was enabled stay readable in plaintext until they are rewritten",
                    fix: "rewrite them (for secrets: kubectl get secrets -A -o json | kubectl replace -f -), then remove identity"))
            }
            let names = (group["resources"] ?? .null).asList
            if names.isEmpty {
                out.diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: groupPath),
                                                  message: "resources[\(gi)] names no API resource", fix: "list resources such as secrets under `resources:`"))
            }
            for (ri, nameValue) in names.enumerated() {
                let namePath = groupPath + [.key("resources"), .index(ri)]
                guard let resource = nameValue.stringValue, !resource.isEmpty else {
                    out.diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: namePath),
                                                      message: "resources[\(gi)].resources[\(ri)] is not a resource name", fix: "write a name such as secrets"))
                    continue
                }
                if let earlier = configuredBy[resource] {
                    out.diagnostics.append(Diagnostic(
                        .warning, source: input.locator, line: document.line(at: namePath),
                        message: "\(resource) is listed again in resources[\(gi)]; resources[\(earlier)] takes precedence, so this entry has no effect",
                        fix: "remove the duplicate, or move the entry you mean to apply first"))
                    continue
                }
                configuredBy[resource] = gi
                var provenance = [Provenance(evidence: item.id, pointer: ParsedDocument.pointer(namePath), line: document.line(at: namePath))]
                if !parsed.isEmpty {
                    let writer = groupPath + [.key("providers"), .index(0)]
                    provenance.append(Provenance(evidence: item.id, pointer: ParsedDocument.pointer(writer), line: document.line(at: writer)))
                }
                out.resources.append(Resource(type: .dataStore, id: "\(input.locator)#\(resource)", name: "\(resource) in \(input.locator)",
                                              fields: Self.fields(resource: resource, providers: parsed, group: gi), provenance: provenance))
            }
        }
        // The API server refuses to start with a configuration that has an invalid provider anywhere (kube-apiserver
        // validates every provider: Kubernetes "Encrypting Confidential Data at Rest"): such a file cannot be the
        // configuration in effect, so what it says about each resource is not evidence of what etcd holds.
        if let rejected = groups.flatMap({ ($0["providers"] ?? .null).asList }).compactMap({ Self.rejection($0) }).first {
            let reason = "the API server rejects this configuration (\(rejected)), so it cannot be the one in effect"
            for i in out.resources.indices {
                for k in ["write_provider", "encrypted", "kms_api_version", "key_ref", "key_custody", "key_manager"] {
                    out.resources[i].fields[k] = .unknown(reason: reason)
                }
            }
        }
        let errors = out.diagnostics.contains { $0.severity == .error }
        let partial = errors || out.resources.contains { $0.fields.values.contains { !$0.isKnown } }
        if out.resources.isEmpty {
            // Nothing read: the configuration says nothing about what it encrypts, so checks must stay open.
            out.coverage.append(SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                               detail: "no API resource could be read from the configuration"))
        } else {
            out.coverage.append(coverage(input, resources: out.resources, partial: partial,
                                         detail: partial ? "some providers could not be recognised" : nil))
        }
        return out
    }

    /// The facts of one API resource from its list's providers.
    static func fields(resource: String, providers: [Provider], group: Int) -> [String: FactValue] {
        var f: [String: FactValue] = ["kind": .string("k8s-\(resource)"), "evidence_kind": .string("declared"), "key": .null]
        f["read_providers"] = .strings(providers.dropFirst().map(\.label))
        guard let writer = providers.first else {
            let reason = "resources[\(group)] lists no provider"
            for k in ["write_provider", "encrypted", "kms_api_version", "key_ref", "key_custody", "key_manager"] { f[k] = .unknown(reason: reason) }
            return f
        }
        guard let type = writer.type else {
            let reason = "the first provider of resources[\(group)] is not recognised: \(writer.problem ?? "unknown entry")"
            for k in ["write_provider", "encrypted", "kms_api_version", "key_ref", "key_custody", "key_manager"] { f[k] = .unknown(reason: reason) }
            return f
        }
        f["write_provider"] = .string(type)
        f["encrypted"] = .bool(type != "identity")
        f["kms_api_version"] = .null
        switch type {
        case "identity":
            f["key_ref"] = .null
            f["key_custody"] = .null
            f["key_manager"] = .null
        case "kms":
            switch writer.kmsAPIVersion {
            case "v1"?, "v2"?: f["kms_api_version"] = .string(writer.kmsAPIVersion ?? "v1")
            default: f["kms_api_version"] = .unknown(reason: "kms apiVersion '\(writer.kmsAPIVersion ?? "")' is neither v1 nor v2")
            }
            f["key_ref"] = .string("kms plugin \(writer.kmsName ?? "(unnamed)") at \(writer.endpoint ?? "(no endpoint)")")
            f["key_custody"] = .string("external-kms")
            f["key_manager"] = .string("customer")
        default:
            f["key_ref"] = .string(writer.keyNames.first.map { "\(type) key \($0) in the configuration file" } ?? "\(type) provider without keys")
            f["key_custody"] = .string("local-key-in-config")
            f["key_manager"] = .null
        }
        return f
    }

    /// Why the API server would reject a `providers` entry: a kms provider needs `name` and `endpoint`. `nil` when
    /// it accepts it (other problems are reported per entry).
    static func rejection(_ entry: JSONValue) -> String? {
        guard let kms = entry["kms"] else { return nil }
        if kms["name"]?.stringValue?.isEmpty != false { return "a kms provider has no name" }
        if kms["endpoint"]?.stringValue?.isEmpty != false { return "a kms provider has no endpoint" }
        return nil
    }

    /// Reads one `providers` entry: a mapping with exactly one provider type.
    static func provider(_ entry: JSONValue, at path: [ParsedDocument.Step], document: ParsedDocument, input: SourceInput,
                         diagnostics: inout [Diagnostic]) -> Provider {
        let keys = entry.objectValue.map { Array($0.keys).sorted() } ?? []
        let known = keys.filter { providerTypes.contains($0) }
        guard known.count == 1, let type = known.first else {
            let problem = known.isEmpty
                ? "no provider type (found \(keys.isEmpty ? "no keys" : keys.joined(separator: ", ")))"
                : "several provider types in one entry (\(known.joined(separator: ", ")))"
            diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: path),
                                          message: "\(ParsedDocument.pointer(path)) has \(problem)",
                                          fix: "each provider entry names exactly one of \(providerTypes.joined(separator: ", "))"))
            return Provider(type: nil, problem: problem)
        }
        let config = entry[type]
        var p = Provider(type: type)
        switch type {
        case "kms":
            p.kmsAPIVersion = config?["apiVersion"]?.stringValue ?? "v1"
            p.kmsName = config?["name"]?.stringValue
            p.endpoint = config?["endpoint"]?.stringValue
            if p.kmsName == nil || p.endpoint == nil {
                diagnostics.append(Diagnostic(.error, source: input.locator, line: document.line(at: path),
                                              message: "\(ParsedDocument.pointer(path)): a kms provider needs name and endpoint; the API server rejects it without them",
                                              fix: "set name and endpoint (for example unix:///var/run/kmsplugin/socket.sock)"))
            }
        case "identity":
            break
        default:
            for k in (config?["keys"] ?? .null).asList {
                if let n = k["name"]?.stringValue { p.keyNames.append(n) }
            }
            if p.keyNames.isEmpty {
                diagnostics.append(Diagnostic(.warning, source: input.locator, line: document.line(at: path),
                                              message: "\(ParsedDocument.pointer(path)): the \(type) provider lists no keys",
                                              fix: "list its keys; the first one encrypts new writes"))
            }
        }
        return p
    }

    /// Every string under a `secret` key anywhere in the document (key material of local-key providers, wherever a
    /// malformed file puts it).
    static func secrets(in value: JSONValue) -> [String] { KeyMaterial.values(in: value, under: ["secret"]) }

    /// The file with every key secret replaced by `REDACTED` (``KeyMaterial/redact(_:secrets:)``): the evidence item is
    /// this copy; to compare it with the file on the control plane, redact that file the same way.
    static func redact(_ data: Data, secrets: [String]) -> Data { KeyMaterial.redact(data, secrets: secrets) }
}
