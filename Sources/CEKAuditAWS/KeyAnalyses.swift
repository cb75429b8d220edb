import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

extension Custody {
    /// Classifies from `KeyManager` (`CUSTOMER` / `AWS`, any case) and `Origin`. `nil` when either is unknown
    /// (a provider-managed key needs only the manager).
    public static func classify(manager: String?, origin: String?) -> Custody? {
        guard let manager = manager?.uppercased() else { return nil }
        if manager == "AWS" { return .providerOwned }
        guard manager == "CUSTOMER", let origin = origin?.uppercased() else { return nil }
        switch origin {
        case "AWS_KMS": return .customerGenerated
        case "EXTERNAL": return .imported
        case "AWS_CLOUDHSM": return .hsmKeyStore
        case "EXTERNAL_KEY_STORE": return .externalKeyStore
        default: return nil
        }
    }
}

/// Whether automatic key rotation applies to a key, and why (AWS KMS Developer Guide, "Rotating AWS KMS keys":
/// automatic rotation is supported only for symmetric encryption keys with key material that AWS KMS generates;
/// not for asymmetric, HMAC, imported or custom-key-store keys; multi-Region replicas follow their primary).
///
/// The tools in the field fail such keys as "rotation disabled" (Prowler #1785, #36; ScoutSuite #1636, #1174;
/// Checkov #4475); here they are not applicable, with the reason.
public enum RotationApplicability {
    /// The outcome: `applicable` is `nil` when a deciding fact is unknown.
    public typealias Outcome = RotationDecision

    /// Decides applicability. Any known fact that rules rotation out decides, even when others are unknown.
    /// - Parameters:
    ///   - manager: `customer` or `aws`.
    ///   - spec: KeySpec (`SYMMETRIC_DEFAULT`, `RSA_3072`, `HMAC_256` …).
    ///   - origin: `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    ///   - state: KeyState (`Enabled`, `Disabled`, `PendingDeletion` …).
    ///   - multiRegionRole: `primary`, `replica` or `none`.
    public static func decide(manager: String?, spec: String?, origin: String?, state: String?, multiRegionRole: String?) -> Outcome {
        if let m = manager?.lowercased(), m == "aws" {
            return Outcome(applicable: false, reason: "AWS-managed key: AWS rotates it; the customer cannot configure rotation")
        }
        if let s = spec?.uppercased(), s != "SYMMETRIC_DEFAULT" {
            let kind = s.hasPrefix("HMAC") ? "HMAC" : "asymmetric"
            return Outcome(applicable: false,
                           reason: "\(kind) key (\(s)): automatic rotation is not supported; rotate manually by creating a new key and moving the alias")
        }
        if let o = origin?.uppercased(), o != "AWS_KMS" {
            let text: String
            switch o {
            case "EXTERNAL": text = "imported key material (BYOK): automatic rotation is not supported; rotate on demand or by importing new material"
            case "AWS_CLOUDHSM": text = "key in a CloudHSM key store: automatic rotation is not supported"
            case "EXTERNAL_KEY_STORE": text = "key in an external key store (HYOK): rotation is done in the external key manager"
            default: text = "origin \(o): automatic rotation is not supported"
            }
            return Outcome(applicable: false, reason: text)
        }
        if let st = state {
            switch st {
            case "Disabled": return Outcome(applicable: false, reason: "key is disabled (revoked by its owner); rotation resumes if it is re-enabled")
            case "PendingDeletion", "PendingReplicaDeletion": return Outcome(applicable: false, reason: "key is scheduled for deletion")
            case "PendingImport": return Outcome(applicable: false, reason: "key is waiting for imported material")
            default: break
            }
        }
        if let r = multiRegionRole?.lowercased(), r == "replica" {
            return Outcome(applicable: false, reason: "multi-Region replica: rotation is configured on the primary key and shared")
        }
        let unknown = [("manager", manager), ("spec", spec), ("origin", origin), ("state", state), ("multi_region_role", multiRegionRole)]
            .filter { $0.1 == nil }.map(\.0)
        if !unknown.isEmpty {
            return Outcome(applicable: nil, reason: "cannot tell whether rotation applies: \(unknown.joined(separator: ", ")) unknown")
        }
        return Outcome(applicable: true, reason: "enabled symmetric customer-managed key with AWS KMS key material")
    }
}

/// The AWS KMS key analysis of the normalize stage: custody, rotation applicability (one decision, one reason,
/// ``RotationApplicability``) and the constants of the service (AWS KMS never exports key material nor takes a
/// plaintext backup) for every `key` observed with `service: aws-kms`.
public struct AWSKeyAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "aws-kms keys" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for i in facts.resources.indices where facts.resources[i].type == .key && facts.resources[i].fields["service"] == .string(Self.service) {
            Self.derive(&facts.resources[i])
        }
    }

    /// The `service` value of AWS KMS keys.
    public static let service = "aws-kms"

    /// Derives one key's fields from its observed `manager`, `origin`, `spec`, `state` and `multi_region_role`.
    public static func derive(_ r: inout Resource) {
        func known(_ f: String) -> String? {
            if case .string(let s) = r.value(f) { return s }
            return nil
        }
        if r.fields["exportable"] == nil { r.fields["exportable"] = .bool(false) }
        if r.fields["allow_plaintext_backup"] == nil { r.fields["allow_plaintext_backup"] = .bool(false) }
        if let c = Custody.classify(manager: known("manager"), origin: known("origin")) {
            r.fields["custody"] = .string(c.rawValue)
        } else if r.fields["custody"] == nil {
            let why = [r.value("manager"), r.value("origin")].compactMap(\.unknownReason).first
            r.fields["custody"] = .unknown(reason: why ?? "key manager or origin unknown")
        }
        let o = RotationApplicability.decide(manager: known("manager"), spec: known("spec"), origin: known("origin"),
                                             state: known("state"), multiRegionRole: known("multi_region_role"))
        if o.applicable == nil, let why = r.value("manager").unknownReason ?? r.value("spec").unknownReason {
            // The facts rotation depends on were not read: say why, once.
            r.fields["rotation.applicable"] = .unknown(reason: why)
            r.fields["rotation.reason"] = .string("cannot tell whether rotation applies: \(why)")
            return
        }
        r.fields["rotation.applicable"] = o.applicable.map(FactValue.bool) ?? .unknown(reason: o.reason)
        r.fields["rotation.reason"] = .string(o.reason)
    }
}

/// The AWS key-policy analysis of the normalize stage: runs ``KeyPolicyAnalyzer`` on every `key_policy` observation
/// (``KeyPolicyObservation``) with the trusted accounts and organizations in force, reading the document in the
/// dialect it names. A policy the collector could not observe (not readable, known only after apply) keeps the
/// unknown fields its collector set.
public struct AWSKeyPolicyAnalysis: FactAnalysis {
    /// Dialects of the documents, by ``PolicyDialect/format``; plain IAM JSON is always known.
    public var dialects: [any PolicyDialect]

    public init(dialects: [any PolicyDialect] = []) {
        self.dialects = dialects
    }

    public var name: String { "aws key policies" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        let locators = Dictionary(facts.evidence.map { ($0.id, $0.locator) }, uniquingKeysWith: { a, _ in a })
        for i in facts.resources.indices where facts.resources[i].type == .keyPolicy {
            guard let observed = facts.resources[i].observed else { continue }
            let malformed = derive(&facts.resources[i], observed: observed, settings: settings)
            guard !malformed.isEmpty else { continue }
            // Where the policy was read, so the author can find the statements.
            let place = facts.resources[i].provenance.first
            facts.diagnostics.append(Diagnostic(
                .error, source: place.flatMap { locators[$0.evidence] } ?? facts.resources[i].id, line: place?.line,
                message: "key policy \(facts.resources[i].name): \(malformed.joined(separator: ", ")) lack(s) an element AWS requires (Effect, Principal or Action); what they grant is unknown",
                fix: "complete each statement with Effect, Principal (or NotPrincipal) and Action (or NotAction)"))
        }
    }

    /// Derives one policy's fields; returns the labels of malformed statements.
    @discardableResult
    func derive(_ r: inout Resource, observed: [String: JSONValue], settings: AnalysisSettings) -> [String] {
        let format = observed[KeyPolicyObservation.formatKey]?.stringValue ?? "iam"
        let dialect = dialects.first { $0.format == format } ?? PolicyDialects.Plain()
        let owner: AccountRef?
        switch observed[KeyPolicyObservation.ownerKey]?.stringValue {
        case PolicyDialects.currentAccount?: owner = .current
        case let a?: owner = AccountRef.parse(a)
        case nil: owner = nil
        }
        let document: JSONValue
        if let d = observed[KeyPolicyObservation.documentKey] {
            document = d
        } else if r.fields["default"] == .bool(true) {
            document = Self.defaultPolicy(owner: owner)
        } else {
            return []
        }
        let analyzer = KeyPolicyAnalyzer(owner: owner, trustedAccounts: Set(settings.trustedAccounts),
                                         trustedOrganizations: Set(settings.trustedOrganizations), dialect: dialect)
        let analysis = analyzer.analyze(document)
        for (k, v) in analysis.facts { r.fields[k] = v }
        return analysis.malformed
    }

    /// The policy AWS applies when none is given: the owning account's root with `kms:*`, which delegates access to
    /// IAM policies in that account only (AWS KMS Developer Guide, "Default key policy").
    public static func defaultPolicy(owner: AccountRef?) -> JSONValue {
        let ownerText: String
        switch owner {
        case .id(let a)?: ownerText = a
        default: ownerText = PolicyDialects.currentAccount
        }
        return .object(["Statement": .array([.object([
            "Sid": .string("Enable IAM User Permissions (default key policy)"), "Effect": .string("Allow"),
            "Principal": .object(["AWS": .string("arn:aws:iam::\(ownerText):root")]),
            "Action": .string("kms:*"), "Resource": .string("*")])])])
    }
}

/// The grant tenancy analysis of the normalize stage: whether each `grant`'s grantee lies outside the key's owner
/// and the trusted accounts (AWS KMS Developer Guide, "Grants in AWS KMS"). An AWS service principal acts for the
/// key's own account and holds no tenant of its own. A grant whose source does not say the key's account takes it
/// from the collected key it is on (a grant belongs to the key's account; the key's ARN names it).
public struct AWSGrantAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "aws grants" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        let trusted = Set(settings.trustedAccounts)
        let keys = Normalizer.keyIndex(facts)
        for i in facts.resources.indices where facts.resources[i].type == .grant {
            if !facts.resources[i].value("account").isKnown, case .string(let ref) = facts.resources[i].value("key"),
               case .string(let account)? = keys[ref]?.value("account"), account.count == 12, account.allSatisfy(\.isNumber) {
                facts.resources[i].fields["account"] = .string(account)
            }
            let r = facts.resources[i]
            facts.resources[i].fields["cross_tenant"] = Self.crossTenant(grantee: r.value("grantee"), granteeAccount: r.value("grantee_account"),
                                                                         owner: r.value("account"), trusted: trusted)
        }
    }

    /// One decision: `grantee_account` against the key's `account` and the trusted accounts.
    public static func crossTenant(grantee: FactValue, granteeAccount: FactValue, owner: FactValue, trusted: Set<String>) -> FactValue {
        if case .string(let ga) = granteeAccount {
            if case .string(let own) = owner, own == ga { return .bool(false) }
            if trusted.contains(ga) { return .bool(false) }
            if case .string = owner { return .bool(true) }
            return .unknown(reason: "the key's own account is not known: \(owner.unknownReason ?? "no source supplied it")")
        }
        if granteeAccount == .null, case .string(let g) = grantee, g.hasSuffix(".amazonaws.com") { return .bool(false) }
        return .unknown(reason: "the grantee's account cannot be read from \(grantee.isKnown ? grantee.displayText : "an unknown principal")")
    }
}

/// Data stores protected by an AWS managed key (`alias/aws/<service>`, by name or ARN) are provider-owned, and a
/// KMS key or alias ARN names the key or alias it ends in (AWS KMS Developer Guide, "Key identifiers"). Runs before
/// the generic data-store linking of ``Normalizer``.
public struct AWSDataStoreKeyAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "aws data-store keys" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        let keys = Normalizer.keyIndex(facts)
        for i in facts.resources.indices where facts.resources[i].type == .dataStore {
            var r = facts.resources[i]
            guard r.fields["key_manager"] == nil, case .string(let text) = r.value("key_ref") else { continue }
            if case .string(let id) = r.value("key"), keys[id] != nil { continue }
            if keys[text] == nil, let inner = ARNKeyRef.keyID(text), let key = keys[inner] {
                Normalizer.link(&r, to: key)
            } else if keys[text] == nil, ARNKeyRef.isAWSManagedAlias(text) {
                r.fields["key_manager"] = .string("aws")
                r.fields["key_custody"] = .string("provider-owned")
            }
            facts.resources[i] = r
        }
    }
}

/// Reading KMS key references as services accept them: key id, key ARN, alias name, alias ARN.
public enum ARNKeyRef {
    /// Whether `ref` names an AWS managed key's alias (`alias/aws/s3`, `arn:aws:kms:…:alias/aws/s3`).
    public static func isAWSManagedAlias(_ ref: String) -> Bool {
        ref.hasPrefix("alias/aws/") || ref.contains(":alias/aws/")
    }

    /// The key id or alias name inside a KMS ARN (`…:key/1234…` → `1234…`, `…:alias/app` → `alias/app`).
    public static func keyID(_ ref: String) -> String? {
        guard ref.hasPrefix("arn:"), let range = ref.range(of: ":key/") ?? ref.range(of: ":alias/") else { return nil }
        let tail = String(ref[range.upperBound...])
        return ref[range].contains("alias") ? "alias/" + tail : tail
    }
}
