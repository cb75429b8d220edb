import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import Foundation

/// The active probe of an OpenBao / Vault sandbox target (issue 15, "OpenBao / Vault steps"): in a namespace of its
/// own (`<namespace>/cek-audit-probe-<run>/`) it creates a transit key, encrypts and decrypts, rotates, decrypts the
/// old version, raises `min_decryption_version` (the old ciphertext must then be refused: revocation), imports a key
/// through the transit wrapping key (BYOK), checks that a token of a second probe namespace is refused on the probe
/// key (403: isolation), deletes the key after allowing deletion, and removes both namespaces.
///
/// Only what the run created is touched: both namespaces carry the run tag, and removing a namespace removes the
/// keys, policies and tokens inside it (OpenBao `DELETE sys/namespaces/:path`). The journal holds method and path
/// of each call, the status and the server's error text — never the token, a plaintext, a ciphertext or key
/// material.
public struct OpenBaoProbe: Sendable {
    /// The client with the target's (sandbox administrator's) token.
    public let client: OpenBaoClient
    /// The namespace the probe namespaces are created under (normalized: `tenant-a/`, empty for root).
    public let parent: String
    public let run: ProbeRun

    /// - Parameters:
    ///   - client: a client holding a token that may create namespaces under `parent`.
    ///   - parent: normalized parent namespace (the target's `namespace`).
    ///   - run: the run whose tag the created namespaces carry.
    public init(client: OpenBaoClient, parent: String, run: ProbeRun) {
        self.client = client
        self.parent = parent
        self.run = run
    }

    /// The probe namespace (`<parent>cek-audit-probe-<run>/`).
    public var namespace: String { parent + run.tag + "/" }
    /// The second namespace, whose token must be refused on the probe key.
    public var otherNamespace: String { parent + run.tag + "-other/" }
    /// The generated transit key.
    public var keyName: String { run.tag + "-key" }
    /// The imported (BYOK) transit key.
    public var importedKeyName: String { run.tag + "-byok" }

    /// The steps and calls of a run, for `--plan` (nothing is sent). Names use the placeholder run tag of `run`.
    public func plan() -> [ProbePlanStep] {
        let ns = "in namespace \(namespace)", other = "in namespace \(otherNamespace)", k = keyName, b = importedKeyName
        return [
            ProbePlanStep(step: "create-namespace", operation: "sandbox", calls: ["POST /v1/\(parent)sys/namespaces/\(run.tag)", "POST /v1/sys/mounts/transit \(ns)"],
                          expect: .performed, purpose: "a namespace of the run's own, with a transit mount"),
            ProbePlanStep(step: "create-key", operation: "generate", calls: ["POST /v1/transit/keys/\(k) \(ns)"], expect: .performed,
                          purpose: "the customer generates an aes256-gcm96 key"),
            ProbePlanStep(step: "encrypt-decrypt", operation: "use", calls: ["POST /v1/transit/encrypt/\(k) \(ns)", "POST /v1/transit/decrypt/\(k) \(ns)"],
                          expect: .performed, purpose: "a random value round-trips"),
            ProbePlanStep(step: "rotate", operation: "rotate", calls: ["POST /v1/transit/keys/\(k)/rotate \(ns)", "GET /v1/transit/keys/\(k) \(ns)"],
                          expect: .performed, purpose: "rotation on demand gives version 2"),
            ProbePlanStep(step: "decrypt-old-version", operation: "rotate", calls: ["POST /v1/transit/decrypt/\(k) \(ns)"], expect: .performed,
                          purpose: "the version-1 ciphertext still decrypts after rotation"),
            ProbePlanStep(step: "revoke-old-version", operation: "revoke",
                          calls: ["POST /v1/transit/keys/\(k)/config \(ns) (min_decryption_version: 2)", "POST /v1/transit/decrypt/\(k) \(ns)"],
                          expect: .refusedAsExpected, purpose: "the version-1 ciphertext is refused once its version is revoked"),
            ProbePlanStep(step: "byok-import", operation: "import",
                          calls: ["GET /v1/transit/wrapping_key \(ns)", "POST /v1/transit/keys/\(b)/import \(ns)", "POST /v1/transit/encrypt/\(b) \(ns)",
                                  "POST /v1/transit/decrypt/\(b) \(ns)"],
                          expect: .performed, purpose: "key material wrapped locally (RSA-OAEP-SHA256 + AES-KWP) is imported and used"),
            ProbePlanStep(step: "isolation", operation: "isolation",
                          calls: ["POST /v1/\(parent)sys/namespaces/\(run.tag)-other", "POST /v1/sys/policies/acl/\(run.tag) \(other)",
                                  "POST /v1/auth/token/create \(other)", "GET /v1/auth/token/lookup-self \(other) (the other token)",
                                  "POST /v1/transit/encrypt/\(k) \(ns) (the other token)"],
                          expect: .refusedAsExpected, purpose: "a valid token of another namespace is refused on the probe key (403)"),
            ProbePlanStep(step: "delete-key", operation: "delete",
                          calls: ["DELETE /v1/transit/keys/\(k) \(ns) (refused while deletion_allowed is false)",
                                  "POST /v1/transit/keys/\(k)/config \(ns) (deletion_allowed: true)", "DELETE /v1/transit/keys/\(k) \(ns)",
                                  "GET /v1/transit/keys/\(k) \(ns) (404)"],
                          expect: .performed, purpose: "the customer deletes the key once it allows deletion"),
            ProbePlanStep(step: "cleanup", operation: "cleanup",
                          calls: ["DELETE /v1/\(parent)sys/namespaces/\(run.tag)-other", "DELETE /v1/\(parent)sys/namespaces/\(run.tag)"],
                          expect: .performed, purpose: "both namespaces, and everything in them, are removed"),
        ]
    }

    /// Runs every step, recording into `recorder`. Stops early when the task is cancelled; never cleans up (the
    /// caller runs ``cleanup(_:)`` in every case, in a task that is not cancelled).
    public func run(_ recorder: ProbeRecorder) async {
        let ns = namespace
        // 1. The probe namespace and its transit mount.
        let setup = await recorder.step("create-namespace", "sandbox", request: "POST /v1/\(parent)sys/namespaces/\(run.tag); POST /v1/sys/mounts/transit") {
            let r = await client.write("POST", OpenBaoPath(["sys", "namespaces", run.tag]), namespace: parent)
            // No answer (the run was interrupted or timed out while the request was in flight): the server may have created
            // it, and its name carries the run tag, so cleanup removes it (a 404 then means it never came to be).
            if r.ok { recorder.created("namespace", ns) } else if r.status == nil { recorder.unconfirmed("namespace", ns) }
            guard r.ok else { return expectWorks(r, "create-namespace", "sandbox", "the probe namespace \(ns) could not be created") }
            let m = await client.write("POST", "sys/mounts/transit", namespace: ns, body: ["type": .string("transit")])
            return expectWorks(m, "create-namespace", "sandbox", "created namespace \(ns) with a transit mount")
        }
        guard setup.outcome == .performed else { return skipRest(recorder, after: "create-namespace", because: "the probe namespace could not be set up") }

        // 2. Generate.
        let create = await recorder.step("create-key", "generate", request: "POST /v1/transit/keys/\(keyName)") {
            let r = await client.write("POST", OpenBaoPath(["transit", "keys", keyName]), namespace: ns, body: ["type": .string("aes256-gcm96")])
            if r.ok { recorder.created("transit-key", ns + "transit/keys/" + keyName) }
            return expectWorks(r, "create-key", "generate", "generated the aes256-gcm96 key \(keyName)")
        }
        var v1Ciphertext: String?
        if create.outcome == .performed {
            // 3. Use.
            let sample = Self.randomSample()
            await recorder.step("encrypt-decrypt", "use", request: "POST /v1/transit/encrypt/\(keyName); POST /v1/transit/decrypt/\(keyName)") {
                let (step, ct) = await roundTrip(keyName, sample: sample, name: "encrypt-decrypt", operation: "use")
                v1Ciphertext = ct
                return step
            }
            // 4. Rotate on demand.
            let rotated = await recorder.step("rotate", "rotate", request: "POST /v1/transit/keys/\(keyName)/rotate; GET /v1/transit/keys/\(keyName)") {
                let r = await client.write("POST", OpenBaoPath(["transit", "keys", keyName, "rotate"]), namespace: ns)
                guard r.ok else { return expectWorks(r, "rotate", "rotate", "rotation was refused") }
                let k = await client.get(OpenBaoPath(["transit", "keys", keyName]), namespace: ns)
                let latest = k.data?["latest_version"]?.numberValue
                guard k.ok, latest == 2 else {
                    return ProbeStep(step: "rotate", operation: "rotate", request: "", status: k.status, errorCode: k.errorMessage, outcome: .failed,
                                     detail: "after rotation the key reports latest_version \(latest.map { FactValue.number($0).displayText } ?? "unknown"), not 2")
                }
                return ProbeStep(step: "rotate", operation: "rotate", request: "", status: k.status, outcome: .performed, detail: "rotated \(keyName) to version 2")
            }
            // 5. Old ciphertext still decrypts.
            if let old = v1Ciphertext, rotated.outcome == .performed {
                await recorder.step("decrypt-old-version", "rotate", request: "POST /v1/transit/decrypt/\(keyName)") {
                    let r = await decrypt(keyName, old)
                    return expectWorks(r, "decrypt-old-version", "rotate", r.ok && plaintext(r) == sample.base64EncodedString()
                                       ? "the version-1 ciphertext decrypts after rotation" : "the version-1 ciphertext does not decrypt to the original value",
                                       valid: plaintext(r) == sample.base64EncodedString())
                }
                // 6. Revocation of the old version.
                await recorder.step("revoke-old-version", "revoke",
                                    request: "POST /v1/transit/keys/\(keyName)/config (min_decryption_version); POST /v1/transit/decrypt/\(keyName)") {
                    let c = await client.write("POST", OpenBaoPath(["transit", "keys", keyName, "config"]), namespace: ns,
                                               body: ["min_decryption_version": .number(2)])
                    guard c.ok else { return expectWorks(c, "revoke-old-version", "revoke", "raising min_decryption_version was refused") }
                    let r = await decrypt(keyName, old)
                    return expectRefused(r, "revoke-old-version", "revoke", refused: "the version-1 ciphertext is refused once min_decryption_version is 2",
                                         allowed: "revocation not enforced: the version-1 ciphertext still decrypts with min_decryption_version 2")
                }
            } else {
                recorder.skip("decrypt-old-version", "rotate", request: "POST /v1/transit/decrypt/\(keyName)", because: "no version-1 ciphertext or no rotation")
                recorder.skip("revoke-old-version", "revoke", request: "POST /v1/transit/keys/\(keyName)/config", because: "no version-1 ciphertext or no rotation")
            }
        } else {
            for (s, op) in [("encrypt-decrypt", "use"), ("rotate", "rotate"), ("decrypt-old-version", "rotate"), ("revoke-old-version", "revoke")] {
                recorder.skip(s, op, request: "transit/\(keyName)", because: "the key could not be created")
            }
        }

        // 7. BYOK import through the wrapping key.
        await recorder.step("byok-import", "import", request: "GET /v1/transit/wrapping_key; POST /v1/transit/keys/\(importedKeyName)/import; encrypt; decrypt") {
            let w = await client.get("transit/wrapping_key", namespace: ns)
            guard w.ok, let pem = w.data?["public_key"]?.stringValue else { return expectWorks(w, "byok-import", "import", "the wrapping key could not be read") }
            let material = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let wrapped: String
            do { wrapped = try TransitKeyWrapping.ciphertext(for: material, wrappingKeyPEM: pem) } catch {
                return ProbeStep(step: "byok-import", operation: "import", request: "", status: w.status, errorCode: "local-wrapping-failed", outcome: .failed,
                                 detail: "the server's wrapping key could not be used: \(error)")
            }
            let r = await client.write("POST", OpenBaoPath(["transit", "keys", importedKeyName, "import"]), namespace: ns,
                                       body: ["ciphertext": .string(wrapped), "type": .string("aes256-gcm96"), "hash_function": .string("SHA256")])
            if r.ok { recorder.created("transit-key", ns + "transit/keys/" + importedKeyName) }
            guard r.ok else {
                if r.status == 404 || r.status == 405 {
                    return ProbeStep(step: "byok-import", operation: "import", request: "", status: r.status, errorCode: r.errorMessage,
                                     outcome: .notSupportedByEndpoint, detail: "not supported by this endpoint: the import route answered HTTP \(r.status ?? 0)")
                }
                return expectWorks(r, "byok-import", "import", "the import was refused")
            }
            let (step, _) = await roundTrip(importedKeyName, sample: Self.randomSample(), name: "byok-import", operation: "import")
            guard step.outcome == .performed else { return step }
            let k = await client.get(OpenBaoPath(["transit", "keys", importedKeyName]), namespace: ns)
            let imported = k.data?["imported_key"]?.boolValue
            return ProbeStep(step: "byok-import", operation: "import", request: "", status: r.status, outcome: imported == true ? .performed : .failed,
                             detail: imported == true ? "imported wrapped key material as \(importedKeyName) (imported_key: true) and used it"
                                 : "the imported key does not report imported_key: true")
        }

        // 8. Isolation: a valid token of another namespace is refused on the probe key.
        if create.outcome == .performed {
            await recorder.step("isolation", "isolation", request: "POST /v1/transit/encrypt/\(keyName) with a token of \(otherNamespace)") {
                await isolation(recorder)
            }
        } else {
            recorder.skip("isolation", "isolation", request: "POST /v1/transit/encrypt/\(keyName)", because: "the key could not be created")
        }

        // 9. Delete: refused while deletion is not allowed, then allowed and deleted.
        if create.outcome == .performed {
            await recorder.step("delete-key", "delete", request: "DELETE /v1/transit/keys/\(keyName); POST …/config (deletion_allowed); DELETE; GET") {
                let path = OpenBaoPath(["transit", "keys", keyName])
                let early = await client.write("DELETE", path, namespace: ns)
                if early.ok {
                    recorder.cleaned("transit-key", ns + "transit/keys/" + keyName, "removed")
                    return ProbeStep(step: "delete-key", operation: "delete", request: "", status: early.status, outcome: .notEnforced,
                                     detail: "deletion protection not enforced: the key was deleted although deletion_allowed was false")
                }
                // Only a refusal shows the protection: no answer, a server error, throttling or "not found" show nothing.
                guard Self.isRefusal(early.status) else {
                    return expectWorks(early, "delete-key", "delete", "deletion protection could not be shown")
                }
                let c = await client.write("POST", OpenBaoPath(["transit", "keys", keyName, "config"]), namespace: ns, body: ["deletion_allowed": .bool(true)])
                guard c.ok else { return expectWorks(c, "delete-key", "delete", "allowing deletion was refused") }
                let d = await client.write("DELETE", path, namespace: ns)
                guard d.ok else { return expectWorks(d, "delete-key", "delete", "the deletion was refused") }
                let gone = await client.get(path, namespace: ns)
                guard gone.status == 404 else {
                    return ProbeStep(step: "delete-key", operation: "delete", request: "", status: gone.status, errorCode: gone.errorMessage, outcome: .failed,
                                     detail: "the key still reads after deletion (HTTP \(gone.status.map(String.init) ?? "none"))")
                }
                recorder.cleaned("transit-key", ns + "transit/keys/" + keyName, "removed")
                return ProbeStep(step: "delete-key", operation: "delete", request: "", status: d.status, outcome: .performed,
                                 detail: "deletion was refused while not allowed (HTTP \(early.status.map(String.init) ?? "none")), then allowed, done, and the key reads 404")
            }
        } else {
            recorder.skip("delete-key", "delete", request: "DELETE /v1/transit/keys/\(keyName)", because: "the key could not be created")
        }
    }

    /// Removes what the run created, whatever happened before: the other namespace, then the probe namespace (which
    /// removes every key, policy and token inside). Records the result of each created resource and a `cleanup` step.
    public func cleanup(_ recorder: ProbeRecorder) async {
        let created = recorder.snapshot.created
        guard !created.isEmpty else { return }
        await recorder.step("cleanup", "cleanup", request: "DELETE /v1/\(parent)sys/namespaces/\(run.tag)-other; DELETE /v1/\(parent)sys/namespaces/\(run.tag)") {
            var problems: [String] = []
            var last: Int?
            for ns in [otherNamespace, namespace] where created.contains(where: { $0.kind == "namespace" && $0.name == ns }) {
                let name = String(ns.dropFirst(parent.count).dropLast())
                if created.contains(where: { $0.kind == "namespace" && $0.name == ns && $0.cleanup == ProbeResource.unconfirmed }) {
                    // Its creation got no answer: remove it if it exists, within a short bound (the server may be the
                    // reason the answer never came).
                    let client = self.client, parent = self.parent
                    let r = try? await Deadline.run(seconds: 5, onTimeout: { CancellationError() }) {
                        await client.write("DELETE", OpenBaoPath(["sys", "namespaces", name]), namespace: parent)
                    }
                    if let r, r.ok { recorder.cleaned("namespace", ns, "removed") }
                    else if let r, r.status == 404 { recorder.forget("namespace", ns) }
                    else { recorder.cleaned("namespace", ns, "unknown: no answer to its creation or removal (\(r?.reason ?? "timeout"))") }
                    continue
                }
                let r = await client.write("DELETE", OpenBaoPath(["sys", "namespaces", name]), namespace: parent)
                last = r.status
                let gone = r.ok || r.status == 404
                recorder.cleaned("namespace", ns, gone ? "removed" : "left: \(r.reason)")
                if gone {
                    // Everything inside the namespace goes with it.
                    for c in created where c.kind != "namespace" && c.name.hasPrefix(ns) && c.cleanup == "pending" { recorder.cleaned(c.kind, c.name, "removed") }
                } else { problems.append(r.reason) }
            }
            return ProbeStep(step: "cleanup", operation: "cleanup", request: "", status: last, outcome: problems.isEmpty ? .performed : .failed,
                             detail: problems.isEmpty ? "removed every namespace the run created, with what they held" : "cleanup failed: " + problems.joined(separator: "; "))
        }
    }

    /// `probe --cleanup`: every namespace under `parent` whose name starts with ``ProbeRun/tagPrefix`` (left by an
    /// interrupted run) is removed. Returns each found namespace with its result; `nil` and the reason when the
    /// namespaces could not be listed.
    public static func removeLeftovers(client: OpenBaoClient, parent: String) async -> (found: [ProbeResource], failure: String?) {
        let list = await client.get("sys/namespaces", namespace: parent, list: true)
        if list.status == 404 { return ([], nil) }   // no child namespace at all
        guard list.ok, let keys = list.data?["keys"]?.asList.compactMap(\.stringValue) else { return ([], list.reason) }
        var out: [ProbeResource] = []
        for key in keys.sorted() where key.hasPrefix(ProbeRun.tagPrefix) {
            let name = key.hasSuffix("/") ? String(key.dropLast()) : key
            guard OpenBaoPath.unusableReason(name) == nil else { continue }
            let r = await client.write("DELETE", OpenBaoPath(["sys", "namespaces", name]), namespace: parent)
            out.append(ProbeResource(kind: "namespace", name: parent + name + "/", cleanup: r.ok || r.status == 404 ? "removed" : "left: \(r.reason)"))
        }
        return (out, nil)
    }

    /// Names of probe namespaces under `parent` (for tests and `--cleanup` listings); `nil` when they cannot be listed.
    public static func leftovers(client: OpenBaoClient, parent: String) async -> [String]? {
        let list = await client.get("sys/namespaces", namespace: parent, list: true)
        if list.status == 404 { return [] }
        guard list.ok, let keys = list.data?["keys"]?.asList.compactMap(\.stringValue) else { return nil }
        return keys.filter { $0.hasPrefix(ProbeRun.tagPrefix) }.sorted()
    }

    // MARK: steps

    private func isolation(_ recorder: ProbeRecorder) async -> ProbeStep {
        let other = otherNamespace
        let make = await client.write("POST", OpenBaoPath(["sys", "namespaces", run.tag + "-other"]), namespace: parent)
        if make.ok { recorder.created("namespace", other) } else if make.status == nil { recorder.unconfirmed("namespace", other) }
        guard make.ok else { return expectWorks(make, "isolation", "isolation", "the second namespace could not be created") }
        // The same rights on transit as a tenant would have in its own namespace.
        let policy = "path \"transit/*\" { capabilities = [\"create\", \"read\", \"update\", \"list\"] }"
        let p = await client.write("POST", OpenBaoPath(["sys", "policies", "acl", run.tag]), namespace: other, body: ["policy": .string(policy)])
        guard p.ok else { return expectWorks(p, "isolation", "isolation", "the policy of the second namespace could not be written") }
        let t = await client.write("POST", "auth/token/create", namespace: other,
                                   body: ["policies": .array([.string(run.tag)]), "ttl": .string("15m"), "no_default_policy": .bool(false)])
        guard t.ok, let token = t.json?["auth"]?["client_token"]?.stringValue else {
            return expectWorks(t, "isolation", "isolation", "a token of the second namespace could not be created")
        }
        _ = client.scrubber.register(token)
        let foreign = client.with(token: token)
        // Positive control: the token is valid where it belongs, so a refusal below is isolation, not a bad token.
        let me = await foreign.get("auth/token/lookup-self", namespace: other)
        guard me.ok else { return expectWorks(me, "isolation", "isolation", "the second namespace's token is not valid even in its own namespace") }
        let r = await foreign.write("POST", OpenBaoPath(["transit", "encrypt", keyName]), namespace: namespace,
                                    body: ["plaintext": .string(Self.randomSample().base64EncodedString())])
        if r.status == 403 {
            return ProbeStep(step: "isolation", operation: "isolation", request: "", status: 403, errorCode: r.errorMessage, outcome: .refusedAsExpected,
                             detail: "a valid token of \(other) is refused (403) on the key in \(namespace)")
        }
        return expectRefused(r, "isolation", "isolation", refused: "a token of \(other) is refused on the key in \(namespace)",
                             allowed: "isolation not enforced: a token of \(other) encrypted with the key in \(namespace)")
    }

    /// Encrypts `sample` and decrypts the result; returns the step and the ciphertext (never recorded).
    private func roundTrip(_ key: String, sample: Data, name: String, operation: String) async -> (ProbeStep, String?) {
        let e = await client.write("POST", OpenBaoPath(["transit", "encrypt", key]), namespace: namespace,
                                   body: ["plaintext": .string(sample.base64EncodedString())])
        guard e.ok, let ct = e.data?["ciphertext"]?.stringValue else { return (expectWorks(e, name, operation, "encryption was refused"), nil) }
        let d = await decrypt(key, ct)
        let same = plaintext(d) == sample.base64EncodedString()
        return (expectWorks(d, name, operation, same ? "a random value encrypted and decrypted back with \(key)" : "decryption did not give back the value encrypted",
                            valid: same), ct)
    }

    private func decrypt(_ key: String, _ ciphertext: String) async -> OpenBaoAPIResponse {
        await client.write("POST", OpenBaoPath(["transit", "decrypt", key]), namespace: namespace, body: ["ciphertext": .string(ciphertext)])
    }

    private func plaintext(_ r: OpenBaoAPIResponse) -> String? { r.ok ? r.data?["plaintext"]?.stringValue : nil }

    /// A step that should succeed: performed on 2xx (and `valid`), else failed with the status and server error.
    private func expectWorks(_ r: OpenBaoAPIResponse, _ step: String, _ operation: String, _ detail: String, valid: Bool = true) -> ProbeStep {
        if r.ok && valid { return ProbeStep(step: step, operation: operation, request: "", status: r.status, outcome: .performed, detail: detail) }
        let why = r.ok ? detail : "\(detail): \(r.reason)"
        return ProbeStep(step: step, operation: operation, request: "", status: r.status, errorCode: r.errorMessage ?? (r.failure != nil ? "no-response" : nil),
                         outcome: .failed, detail: why)
    }

    /// Whether an HTTP status is OpenBao refusing the operation (400 invalid for the key's policy, 403 permission
    /// denied, …): a 4xx other than 404 (the path is wrong, nothing was refused) and 429 (throttled).
    static func isRefusal(_ status: Int?) -> Bool {
        guard let s = status else { return false }
        return (400..<500).contains(s) && s != 404 && s != 429
    }

    /// A step that should be refused: refused-as-expected on a refusal (``isRefusal(_:)``), not-enforced on 2xx,
    /// failed otherwise (no answer, a server error, throttling, a wrong path: the refusal is not shown).
    private func expectRefused(_ r: OpenBaoAPIResponse, _ step: String, _ operation: String, refused: String, allowed: String) -> ProbeStep {
        if r.ok { return ProbeStep(step: step, operation: operation, request: "", status: r.status, outcome: .notEnforced, detail: allowed) }
        if let s = r.status, Self.isRefusal(s) {
            return ProbeStep(step: step, operation: operation, request: "", status: s, errorCode: r.errorMessage, outcome: .refusedAsExpected,
                             detail: "\(refused) (HTTP \(s))")
        }
        return ProbeStep(step: step, operation: operation, request: "", status: r.status, errorCode: r.errorMessage ?? "no-response", outcome: .failed,
                         detail: "the refusal could not be shown: \(r.reason)")
    }

    private func skipRest(_ recorder: ProbeRecorder, after: String, because reason: String) {
        for s in plan() where s.step != after && s.step != "cleanup" {
            recorder.skip(s.step, s.operation, request: s.calls.first ?? "", because: reason)
        }
    }

    /// 32 random bytes: the probe's plaintext, never recorded.
    static func randomSample() -> Data { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }
}
