import CEKAuditCollectorKit
import CEKAuditCore
import Crypto
import _CryptoExtras
import Foundation
import Logging

/// ``TargetProber`` for `kind: aws-kms` sandbox targets (issue 15, "AWS KMS steps"; AWS KMS API Reference for each
/// action): create a tagged symmetric key with an alias; encrypt and decrypt; enable rotation, rotate on demand, list
/// rotations, decrypt the pre-rotation ciphertext; disable the key — encrypt must then be refused — and enable it
/// again; BYOK (a second, `EXTERNAL` key: GetParametersForImport, wrap locally with RSAES_OAEP_SHA_256, import with an
/// expiry, use it, delete the imported material, use refused); tenant isolation (a role in another account, assumed
/// through STS, must be refused Decrypt); schedule deletion with the minimum window (7 days).
///
/// Every key carries the tag `cek-audit-probe=<run tag>` and the alias `alias/<run tag>`; cleanup deletes the aliases
/// and schedules every created key for deletion (7 days) — on success, failure and cancellation alike — so nothing
/// of the probe stays usable in the account. Calls are not retried (a 500 from an emulator is an answer).
public struct AWSKMSProber: TargetProber {
    public var kind: String { "aws-kms" }
    /// The tag key every probe key carries.
    public static let tagKey = "cek-audit-probe"
    let environment: [String: String]
    let makeTransport: @Sendable () -> any AWSTransport

    /// - Parameters:
    ///   - environment: credentials, profiles and region variables.
    ///   - makeTransport: the HTTP transport of one run (default: async-http-client); shut down when the run ends.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                makeTransport: @escaping @Sendable () -> any AWSTransport = { AWSHTTPClientTransport(maxConnectionsPerHost: 4) }) {
        self.environment = environment
        self.makeTransport = makeTransport
    }

    public func plan(_ target: AssessmentFile.Target, run: ProbeRun) throws -> [ProbePlanStep] {
        let options = try AWSTargetOptions(target)
        let t = run.tag
        return [
            ProbePlanStep(step: "create-key", operation: "generate", calls: ["KMS CreateKey (tag \(Self.tagKey)=\(t))", "KMS CreateAlias alias/\(t)"],
                          expect: .performed, purpose: "the customer generates a symmetric key"),
            ProbePlanStep(step: "encrypt-decrypt", operation: "use", calls: ["KMS Encrypt", "KMS Decrypt"], expect: .performed, purpose: "a random value round-trips"),
            ProbePlanStep(step: "enable-rotation", operation: "rotate", calls: ["KMS EnableKeyRotation (90 days)", "KMS GetKeyRotationStatus"],
                          expect: .performed, purpose: "automatic rotation can be switched on"),
            ProbePlanStep(step: "rotate-on-demand", operation: "rotate", calls: ["KMS RotateKeyOnDemand", "KMS ListKeyRotations"], expect: .performed,
                          purpose: "an on-demand rotation is listed"),
            ProbePlanStep(step: "decrypt-old-version", operation: "rotate", calls: ["KMS Decrypt (pre-rotation ciphertext)"], expect: .performed,
                          purpose: "the pre-rotation ciphertext still decrypts"),
            ProbePlanStep(step: "disable-refuses-encrypt", operation: "revoke", calls: ["KMS DisableKey", "KMS Encrypt (must be refused)", "KMS EnableKey"],
                          expect: .refusedAsExpected, purpose: "a disabled key cannot be used (revocation), and can be enabled again"),
            ProbePlanStep(step: "byok-import", operation: "import",
                          calls: ["KMS CreateKey (Origin EXTERNAL)", "KMS GetParametersForImport", "KMS ImportKeyMaterial (expires)", "KMS Encrypt", "KMS Decrypt",
                                  "KMS DeleteImportedKeyMaterial", "KMS Encrypt (must be refused)"],
                          expect: .performed, purpose: "locally wrapped material is imported, used, and unusable once deleted"),
            ProbePlanStep(step: "isolation", operation: "isolation",
                          calls: options.probeForeignRoleArn.map { ["STS AssumeRole \($0)", "STS GetCallerIdentity (the other account)", "KMS Decrypt (as the other account, must be refused)"] }
                              ?? ["not attempted: no probe_foreign_role_arn"],
                          expect: .refusedAsExpected, purpose: "an identity of another account is refused the probe key"),
            ProbePlanStep(step: "schedule-deletion", operation: "delete", calls: ["KMS ScheduleKeyDeletion (7 days)", "KMS DescribeKey"], expect: .performed,
                          purpose: "the customer schedules deletion with the minimum window"),
            ProbePlanStep(step: "cleanup", operation: "cleanup", calls: ["KMS DeleteAlias alias/\(t)", "KMS ScheduleKeyDeletion (7 days) for every created key not yet scheduled"],
                          expect: .performed, purpose: "nothing of the probe stays usable"),
        ]
    }

    public func probe(_ target: AssessmentFile.Target, run: ProbeRun, context: CollectionContext, recorder: ProbeRecorder) async {
        let session: Session
        let transport = makeTransport()
        switch await makeSession(target, context: context, transport: transport) {
        case .success(let s): session = s
        case .failure(let why):
            await transport.shutdown()
            recorder.record(ProbeStep(step: "connect", operation: "sandbox", request: "STS GetCallerIdentity", outcome: .failed, detail: why.text))
            recorder.finish(completed: false, interruption: why.text)
            return
        }
        let probe = AWSKMSProbe(session: session, run: run, environment: environment)
        await probe.run(recorder)
        let interrupted = Task.isCancelled
        await Task { await probe.cleanup(recorder) }.value
        await transport.shutdown()
        recorder.finish(completed: !interrupted, interruption: interrupted ? "the run was interrupted (signal or timeout); cleanup ran" : nil)
    }

    public func removeLeftovers(_ target: AssessmentFile.Target, context: CollectionContext) async -> (found: [ProbeResource], failure: String?) {
        let transport = makeTransport()
        let result: (found: [ProbeResource], failure: String?)
        switch await makeSession(target, context: context, transport: transport) {
        case .failure(let why): result = ([], why.text)
        case .success(let session): result = await AWSKMSProbe.removeLeftovers(session)
        }
        await transport.shutdown()
        return result
    }

    /// Why no session could be made.
    struct Problem: Error { var text: String }

    /// What a probe signs with, and where it sends.
    struct Session: Sendable {
        var options: AWSTargetOptions
        var region: String
        var endpoints: AWSEndpoints
        var credentials: AWSCredentials
        var context: CollectionContext
        var transport: any AWSTransport
        var limiter: RequestLimiter
        var budget: RequestBudget

        func client(_ service: String, _ wire: AWSServiceClient.WireProtocol, credentials: AWSCredentials? = nil) -> AWSServiceClient {
            AWSServiceClient(service: service, region: region, endpoint: endpoints.url(service: service, region: region) ?? URL(fileURLWithPath: "/"),
                             wire: wire, credentials: credentials ?? self.credentials, transport: transport, retry: RetryPolicy(maxAttempts: 1),
                             timeout: options.timeoutSeconds, limiter: limiter, scrubber: context.credentials, budget: budget,
                             logger: Logger(label: "cek-audit.probe.aws-kms"))
        }

        func kms(credentials: AWSCredentials? = nil) -> AWSServiceClient { client("kms", .json11(targetPrefix: KMSClient.targetPrefix), credentials: credentials) }
        func sts(credentials: AWSCredentials? = nil) -> STSClient { STSClient(client: client("sts", .query(version: STSClient.version), credentials: credentials)) }
    }

    private func makeSession(_ target: AssessmentFile.Target, context: CollectionContext, transport: any AWSTransport) async -> Result<Session, Problem> {
        let options: AWSTargetOptions
        do { options = try AWSTargetOptions(target) } catch {
            return .failure(Problem(text: (error as? CEKAuditError)?.errorDescription ?? "invalid target options"))
        }
        let plan: AWSCredentialPlan, profileRegion: String?
        do { (plan, profileRegion) = try AWSCredentialResolver(environment: environment).resolve(profile: options.profile, roleArn: options.roleArn,
                                                                                                externalId: options.externalId) } catch {
            return .failure(Problem(text: (error as? any LocalizedError)?.errorDescription ?? "\(error)"))
        }
        let envRegion = environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 }
        guard let region = options.regions?.first ?? profileRegion ?? envRegion else {
            return .failure(Problem(text: "no region is configured: add regions: [us-east-1] to the target, or set AWS_REGION"))
        }
        for secret in plan.secrets { context.credentials.register(secret) }
        var session = Session(options: options, region: region, endpoints: AWSEndpoints(override: options.endpoint, environment: environment),
                              credentials: AWSCredentials(accessKeyId: "", secretAccessKey: "", sessionToken: nil, origin: "none"), context: context,
                              transport: transport, limiter: RequestLimiter(limit: 4), budget: RequestBudget(limit: options.maxRequests))
        switch await materialize(plan, session) {
        case .success(let c): session.credentials = c
        case .failure(let f): return .failure(Problem(text: "could not assume the role: \(f)"))
        }
        return .success(session)
    }

    private func materialize(_ plan: AWSCredentialPlan, _ session: Session) async -> Result<AWSCredentials, AWSCallFailure> {
        switch plan {
        case .credentials(let c): return .success(c)
        case let .assumeRole(roleArn, externalId, sessionName, source):
            let base: AWSCredentials
            switch await materialize(source, session) {
            case .success(let c): base = c
            case .failure(let f): return .failure(f)
            }
            let result = await session.sts(credentials: base).assumeRole(roleArn: roleArn, sessionName: sessionName, externalId: externalId)
            if case .success(let c) = result { for secret in c.secrets { session.context.credentials.register(secret) } }
            return result
        }
    }
}

/// One probe run of ``AWSKMSProber``.
struct AWSKMSProbe: Sendable {
    let session: AWSKMSProber.Session
    let run: ProbeRun
    let environment: [String: String]

    var alias: String { "alias/" + run.tag }
    var tags: JSONValue { .array([.object(["TagKey": .string(AWSKMSProber.tagKey), "TagValue": .string(run.tag)])]) }

    /// One KMS call's answer or failure, in the terms of a step.
    struct Answer {
        var ok: Bool
        var json: JSONValue?
        var status: Int?
        var code: String?
        var text: String
        /// An emulator's missing operation (HTTP 500/501, `NotImplemented…`): not supported by this endpoint.
        var unsupported: Bool
    }

    /// KMS actions whose response has no members (AWS KMS API Reference, "Response Syntax").
    static let withoutOutput: Set<String> = ["CreateAlias", "DeleteAlias", "EnableKeyRotation", "DisableKey", "EnableKey", "ImportKeyMaterial",
                                             "DeleteImportedKeyMaterial", "TagResource"]

    func kms(_ operation: String, _ params: [String: JSONValue], credentials: AWSCredentials? = nil) async -> Answer {
        switch await session.kms(credentials: credentials).callJSON(operation, params) {
        case .success(let r):
            return Answer(ok: true, json: r.json, status: r.status, code: nil, text: "KMS \(operation) answered HTTP \(r.status)", unsupported: false)
        case .failure(let f):
            // Actions without output answer 2xx with an empty body (AWS) or `null` (moto): success, nothing to read.
            if case .invalidResponse = f.error, Self.withoutOutput.contains(operation) {
                return Answer(ok: true, json: nil, status: 200, code: nil, text: "KMS \(operation) answered without a body", unsupported: false)
            }
            var status: Int?
            if case .service(let s, _, _) = f.error { status = s }
            let unsupported = (status.map { $0 == 500 || $0 == 501 } ?? false) || f.error.code.localizedCaseInsensitiveContains("notimplemented")
            return Answer(ok: false, json: nil, status: status, code: f.error.code, text: "KMS \(operation): \(f.error)", unsupported: unsupported)
        }
    }

    func works(_ a: Answer, _ detail: String, valid: Bool = true) -> ProbeStep {
        if a.ok && valid { return ProbeStep(step: "", operation: "", request: "", status: a.status, outcome: .performed, detail: detail) }
        if a.unsupported {
            return ProbeStep(step: "", operation: "", request: "", status: a.status, errorCode: a.code, outcome: .notSupportedByEndpoint,
                             detail: "not supported by this endpoint: \(a.text)")
        }
        return ProbeStep(step: "", operation: "", request: "", status: a.status, errorCode: a.code, outcome: .failed,
                         detail: a.ok ? detail : "\(detail): \(a.text)")
    }

    /// 4xx error codes that say nothing about the key (throttling, the request's own signature or credentials): a probe
    /// step that expects a refusal must not read them as one (AWS KMS API Reference, "Common Errors").
    static let notARefusal: Set<String> = ["ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "LimitExceededException",
                                           "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature",
                                           "SignatureDoesNotMatch", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
                                           "MissingAuthenticationToken", "MissingAction", "InvalidAction", "ValidationException"]

    /// Whether an error answer is AWS KMS refusing the operation on the key (`DisabledException`,
    /// `KMSInvalidStateException`, `AccessDeniedException` …): a 4xx other than 429 whose code is not in ``notARefusal``.
    static func isRefusal(status: Int, code: String?) -> Bool {
        (400..<500).contains(status) && status != 429 && !notARefusal.contains(code ?? "")
    }

    func refused(_ a: Answer, refused: String, allowed: String) -> ProbeStep {
        if a.ok { return ProbeStep(step: "", operation: "", request: "", status: a.status, outcome: .notEnforced, detail: allowed) }
        if a.unsupported {
            return ProbeStep(step: "", operation: "", request: "", status: a.status, errorCode: a.code, outcome: .notSupportedByEndpoint,
                             detail: "not supported by this endpoint: \(a.text)")
        }
        if let s = a.status, Self.isRefusal(status: s, code: a.code) {
            return ProbeStep(step: "", operation: "", request: "", status: s, errorCode: a.code, outcome: .refusedAsExpected, detail: "\(refused) (\(a.code ?? "HTTP \(s)"))")
        }
        return ProbeStep(step: "", operation: "", request: "", status: a.status, errorCode: a.code, outcome: .failed, detail: "the refusal could not be shown: \(a.text)")
    }

    static func sample() -> String { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() }

    /// Encrypts a random value and decrypts it; returns the step and the ciphertext (never recorded).
    func roundTrip(_ keyId: String, _ what: String) async -> (ProbeStep, String?) {
        let plaintext = Self.sample()
        let e = await kms("Encrypt", ["KeyId": .string(keyId), "Plaintext": .string(plaintext)])
        guard e.ok, let blob = e.json?["CiphertextBlob"]?.stringValue else { return (works(e, "encryption was refused"), nil) }
        let d = await kms("Decrypt", ["KeyId": .string(keyId), "CiphertextBlob": .string(blob)])
        let same = d.json?["Plaintext"]?.stringValue == plaintext
        return (works(d, same ? "a random value encrypted and decrypted back with \(what)" : "decryption did not give back the value encrypted", valid: same), blob)
    }

    func run(_ recorder: ProbeRecorder) async {
        var keyId: String?
        var keyArn: String?
        let create = await recorder.step("create-key", "generate", request: "KMS CreateKey; KMS CreateAlias \(alias)") {
            let c = await kms("CreateKey", ["Description": .string("cek-audit probe \(run.tag): throw-away key, scheduled for deletion by the probe"),
                                            "KeySpec": .string("SYMMETRIC_DEFAULT"), "KeyUsage": .string("ENCRYPT_DECRYPT"), "Tags": tags])
            guard c.ok, let id = c.json?["KeyMetadata"]?["KeyId"]?.stringValue else { return works(c, "the key could not be created") }
            keyId = id
            keyArn = c.json?["KeyMetadata"]?["Arn"]?.stringValue
            recorder.created("kms-key", id)
            let a = await kms("CreateAlias", ["AliasName": .string(alias), "TargetKeyId": .string(id)])
            if a.ok { recorder.created("kms-alias", alias) }
            return works(a, "created the symmetric key \(id), tagged \(AWSKMSProber.tagKey)=\(run.tag), with alias \(alias)")
        }
        if create.outcome == .performed, let key = keyId {
            var old: String?
            await recorder.step("encrypt-decrypt", "use", request: "KMS Encrypt; KMS Decrypt") {
                let (s, blob) = await roundTrip(key, key)
                old = blob
                return s
            }
            await recorder.step("enable-rotation", "rotate", request: "KMS EnableKeyRotation; KMS GetKeyRotationStatus") {
                let e = await kms("EnableKeyRotation", ["KeyId": .string(key), "RotationPeriodInDays": .number(90)])
                guard e.ok else { return works(e, "automatic rotation could not be enabled") }
                let s = await kms("GetKeyRotationStatus", ["KeyId": .string(key)])
                return works(s, "automatic rotation is enabled", valid: s.json?["KeyRotationEnabled"]?.boolValue == true)
            }
            let rotated = await recorder.step("rotate-on-demand", "rotate", request: "KMS RotateKeyOnDemand; KMS ListKeyRotations") {
                let r = await kms("RotateKeyOnDemand", ["KeyId": .string(key)])
                guard r.ok else { return works(r, "on-demand rotation was refused") }
                let l = await kms("ListKeyRotations", ["KeyId": .string(key)])
                let n = l.json?["Rotations"]?.asList.count ?? 0
                return works(l, "rotated on demand; ListKeyRotations lists \(n) rotation(s)", valid: n >= 1)
            }
            if let old, rotated.outcome == .performed {
                await recorder.step("decrypt-old-version", "rotate", request: "KMS Decrypt (pre-rotation ciphertext)") {
                    let d = await kms("Decrypt", ["KeyId": .string(key), "CiphertextBlob": .string(old)])
                    return works(d, "the pre-rotation ciphertext decrypts after rotation")
                }
            } else {
                recorder.skip("decrypt-old-version", "rotate", request: "KMS Decrypt", because: "no pre-rotation ciphertext or no rotation")
            }
            await recorder.step("disable-refuses-encrypt", "revoke", request: "KMS DisableKey; KMS Encrypt; KMS EnableKey") {
                let d = await kms("DisableKey", ["KeyId": .string(key)])
                guard d.ok else { return works(d, "the key could not be disabled") }
                let e = await kms("Encrypt", ["KeyId": .string(key), "Plaintext": .string(Self.sample())])
                var step = refused(e, refused: "encryption with the disabled key is refused",
                                   allowed: "revocation not enforced by this endpoint: the disabled key still encrypts")
                let back = await kms("EnableKey", ["KeyId": .string(key)])
                if !back.ok && step.outcome != .notEnforced {
                    step = works(back, "the key could not be enabled again")
                } else if back.ok {
                    step.detail += "; enabled again"
                }
                return step
            }
        } else {
            for (s, op) in [("encrypt-decrypt", "use"), ("enable-rotation", "rotate"), ("rotate-on-demand", "rotate"), ("decrypt-old-version", "rotate"),
                            ("disable-refuses-encrypt", "revoke")] {
                recorder.skip(s, op, request: "KMS", because: "the key could not be created")
            }
        }
        await recorder.step("byok-import", "import", request: "KMS CreateKey (EXTERNAL); GetParametersForImport; ImportKeyMaterial; Encrypt; Decrypt; DeleteImportedKeyMaterial; Encrypt") {
            await byok(recorder)
        }
        if let keyArn, create.outcome == .performed {
            await recorder.step("isolation", "isolation", request: "STS AssumeRole; STS GetCallerIdentity; KMS Decrypt as the other account") {
                await isolation(keyArn: keyArn, recorder)
            }
        } else {
            recorder.skip("isolation", "isolation", request: "KMS Decrypt", because: "the key could not be created")
        }
        if create.outcome == .performed, let key = keyId {
            await recorder.step("schedule-deletion", "delete", request: "KMS ScheduleKeyDeletion (7 days); KMS DescribeKey") {
                let s = await kms("ScheduleKeyDeletion", ["KeyId": .string(key), "PendingWindowInDays": .number(7)])
                guard s.ok else { return works(s, "deletion could not be scheduled") }
                recorder.cleaned("kms-key", key, "scheduled-for-deletion")
                let d = await kms("DescribeKey", ["KeyId": .string(key)])
                let state = d.json?["KeyMetadata"]?["KeyState"]?.stringValue
                return works(d, "deletion scheduled with the minimum window (7 days); the key is \(state ?? "in an unknown state")", valid: state == "PendingDeletion")
            }
        } else {
            recorder.skip("schedule-deletion", "delete", request: "KMS ScheduleKeyDeletion", because: "the key could not be created")
        }
    }

    private func byok(_ recorder: ProbeRecorder) async -> ProbeStep {
        let c = await kms("CreateKey", ["Description": .string("cek-audit probe \(run.tag): imported (BYOK) throw-away key"), "Origin": .string("EXTERNAL"),
                                        "KeySpec": .string("SYMMETRIC_DEFAULT"), "KeyUsage": .string("ENCRYPT_DECRYPT"), "Tags": tags])
        guard c.ok, let id = c.json?["KeyMetadata"]?["KeyId"]?.stringValue else { return works(c, "the EXTERNAL key could not be created") }
        recorder.created("kms-key", id)
        let p = await kms("GetParametersForImport", ["KeyId": .string(id), "WrappingAlgorithm": .string("RSAES_OAEP_SHA_256"),
                                                     "WrappingKeySpec": .string("RSA_2048")])
        guard p.ok, let pub = p.json?["PublicKey"]?.stringValue, let token = p.json?["ImportToken"]?.stringValue, let der = Data(base64Encoded: pub) else {
            return works(p, "the import parameters could not be read")
        }
        let wrapped: String
        do {
            let material = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            wrapped = try _RSA.Encryption.PublicKey(derRepresentation: der).encrypt(material, padding: .PKCS1_OAEP_SHA256).base64EncodedString()
        } catch {
            return ProbeStep(step: "", operation: "", request: "", status: p.status, errorCode: "local-wrapping-failed", outcome: .failed,
                             detail: "the wrapping key could not be used: \(error)")
        }
        let validTo = Date().addingTimeInterval(86_400).timeIntervalSince1970.rounded(.down)
        let i = await kms("ImportKeyMaterial", ["KeyId": .string(id), "ImportToken": .string(token), "EncryptedKeyMaterial": .string(wrapped),
                                                "ExpirationModel": .string("KEY_MATERIAL_EXPIRES"), "ValidTo": .number(validTo)])
        guard i.ok else { return works(i, "the wrapped material was not imported") }
        let (use, _) = await roundTrip(id, "the imported key \(id)")
        guard use.outcome == .performed else { return use }
        let del = await kms("DeleteImportedKeyMaterial", ["KeyId": .string(id)])
        guard del.ok else { return works(del, "the imported material could not be deleted") }
        let after = await kms("Encrypt", ["KeyId": .string(id), "Plaintext": .string(Self.sample())])
        var step = refused(after, refused: "imported material (expiring in 1 day) was used, deleted, and use is then refused",
                           allowed: "deletion of imported material not enforced: the key still encrypts after DeleteImportedKeyMaterial")
        if step.outcome == .refusedAsExpected { step.outcome = .performed }
        return step
    }

    private func isolation(keyArn: String, _ recorder: ProbeRecorder) async -> ProbeStep {
        guard let role = session.options.probeForeignRoleArn else {
            return ProbeStep(step: "", operation: "", request: "", outcome: .skipped,
                             detail: "not attempted: the target names no probe_foreign_role_arn (a role in another account)")
        }
        let assumed = await session.sts().assumeRole(roleArn: role, sessionName: run.tag, externalId: nil)
        guard case .success(let foreign) = assumed else {
            if case .failure(let f) = assumed { return works(Answer(ok: false, status: nil, code: f.error.code, text: "STS AssumeRole: \(f.error)", unsupported: false), "the other account's role could not be assumed") }
            return ProbeStep(step: "", operation: "", request: "", outcome: .failed, detail: "the other account's role could not be assumed")
        }
        for secret in foreign.secrets { session.context.credentials.register(secret) }
        let own = await session.sts().callerIdentity()
        let other = await session.sts(credentials: foreign).callerIdentity()
        guard case .success(let (me, _)) = own, case .success(let (them, _)) = other else {
            return ProbeStep(step: "", operation: "", request: "", outcome: .failed, detail: "the two identities could not be read (STS GetCallerIdentity)")
        }
        guard me.account != them.account else {
            return ProbeStep(step: "", operation: "", request: "", outcome: .failed,
                             detail: "probe_foreign_role_arn is in the target's own account \(me.account): isolation between accounts cannot be shown")
        }
        // A real ciphertext of the probe key, asked back by the other account.
        let e = await kms("Encrypt", ["KeyId": .string(keyArn), "Plaintext": .string(Self.sample())])
        guard e.ok, let blob = e.json?["CiphertextBlob"]?.stringValue else { return works(e, "no ciphertext to test with") }
        let d = await kms("Decrypt", ["KeyId": .string(keyArn), "CiphertextBlob": .string(blob)], credentials: foreign)
        return refused(d, refused: "account \(them.account) is refused Decrypt on the probe key of account \(me.account)",
                       allowed: "isolation not enforced: account \(them.account) decrypted with the probe key of account \(me.account)")
    }

    /// Deletes the alias and schedules every created key not yet scheduled for deletion (7 days).
    func cleanup(_ recorder: ProbeRecorder) async {
        let created = recorder.snapshot.created
        guard !created.isEmpty else { return }
        await recorder.step("cleanup", "cleanup", request: "KMS DeleteAlias; KMS ScheduleKeyDeletion (7 days)") {
            var problems: [String] = []
            for r in created where r.kind == "kms-alias" && r.cleanup == "pending" {
                let a = await kms("DeleteAlias", ["AliasName": .string(r.name)])
                recorder.cleaned(r.kind, r.name, a.ok ? "removed" : "left: \(a.text)")
                if !a.ok { problems.append(a.text) }
            }
            for r in created where r.kind == "kms-key" && r.cleanup == "pending" {
                let s = await kms("ScheduleKeyDeletion", ["KeyId": .string(r.name), "PendingWindowInDays": .number(7)])
                // A key already pending deletion (KMSInvalidStateException) is as good as scheduled.
                let done = s.ok || s.code == "KMSInvalidStateException"
                recorder.cleaned(r.kind, r.name, done ? "scheduled-for-deletion" : "left: \(s.text)")
                if !done { problems.append(s.text) }
            }
            return ProbeStep(step: "", operation: "", request: "", outcome: problems.isEmpty ? .performed : .failed,
                             detail: problems.isEmpty ? "deleted the probe alias and scheduled every probe key for deletion (7 days)" : "cleanup failed: " + problems.joined(separator: "; "))
        }
    }

    /// `probe --cleanup`: keys tagged `cek-audit-probe` and not pending deletion are scheduled for deletion (7 days);
    /// aliases `alias/cek-audit-probe-*` are deleted.
    static func removeLeftovers(_ session: AWSKMSProber.Session) async -> (found: [ProbeResource], failure: String?) {
        let probe = AWSKMSProbe(session: session, run: ProbeRun(id: "cleanup"), environment: [:])
        var out: [ProbeResource] = []
        // Both listings follow their pages (Marker / Truncated), a repeated marker or 10,000 pages ending the walk as a
        // failure; a key whose tags cannot be read is reported, not taken for an untagged one.
        func pages(_ operation: String, _ limit: Int, _ each: (JSONValue) async -> Void) async -> String? {
            var marker: String?
            var seen = Set<String>()
            for _ in 0..<10_000 {
                var params: [String: JSONValue] = ["Limit": .number(Double(limit))]
                if let marker { params["Marker"] = .string(marker) }
                let page = await probe.kms(operation, params)
                guard page.ok else { return "\(operation): \(page.text)" }
                for item in page.json?[operation == "ListKeys" ? "Keys" : "Aliases"]?.asList ?? [] { await each(item) }
                guard page.json?["Truncated"]?.boolValue == true, let next = page.json?["NextMarker"]?.stringValue, !next.isEmpty else { return nil }
                guard seen.insert(next).inserted else { return "\(operation): the pagination marker repeated" }
                marker = next
            }
            return "\(operation): more than 10,000 pages"
        }
        var problems: [String] = []
        if let f = await pages("ListAliases", 100, { a in
            guard let name = a["AliasName"]?.stringValue, name.hasPrefix("alias/" + ProbeRun.tagPrefix) else { return }
            let d = await probe.kms("DeleteAlias", ["AliasName": .string(name)])
            out.append(ProbeResource(kind: "kms-alias", name: name, cleanup: d.ok ? "removed" : "left: \(d.text)"))
        }) { problems.append(f) }
        if let f = await pages("ListKeys", 1000, { k in
            guard let id = k["KeyId"]?.stringValue else { return }
            let tags = await probe.kms("ListResourceTags", ["KeyId": .string(id)])
            guard tags.ok else { problems.append("the tags of key \(id) could not be read (\(tags.text)); it may be a probe key"); return }
            let tagged = (tags.json?["Tags"]?.asList ?? []).contains {
                $0["TagKey"]?.stringValue == AWSKMSProber.tagKey && ($0["TagValue"]?.stringValue ?? "").hasPrefix(ProbeRun.tagPrefix)
            }
            guard tagged else { return }
            let state = await probe.kms("DescribeKey", ["KeyId": .string(id)]).json?["KeyMetadata"]?["KeyState"]?.stringValue
            if state == "PendingDeletion" { return }
            let s = await probe.kms("ScheduleKeyDeletion", ["KeyId": .string(id), "PendingWindowInDays": .number(7)])
            out.append(ProbeResource(kind: "kms-key", name: id, cleanup: s.ok ? "scheduled-for-deletion" : "left: \(s.text)"))
        }) { problems.append(f) }
        return (out, problems.isEmpty ? nil : problems.prefix(5).joined(separator: "; "))
    }
}
