import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The Cloud KMS key analysis of the normalize stage: custody from protection level and import, rotation
/// applicability, key-material containment and the Key Access Justifications reasons under which Google staff
/// initiate access. Decided once here, from the raw facts every GCP collector records (``GCPFacts/key(_:evidenceKind:ancestry:)``,
/// the Terraform mapping), so `evaluate` re-derives the same.
///
/// Sources: Cloud KMS documentation — "Protection levels", "Key rotation" (automatic rotation is supported for
/// symmetric encryption keys only; asymmetric keys and keys whose versions are imported or held in an external key
/// manager are rotated by creating or importing versions yourself), "Importing a key version", "Cloud External Key
/// Manager", and "Key Access Justifications" (`KeyAccessJustificationsPolicy.allowedAccessReasons`).
public struct GCPKeyAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "gcp-kms keys" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for i in facts.resources.indices where facts.resources[i].type == .key && facts.resources[i].fields["service"] == .string(GCPFacts.service) {
            Self.derive(&facts.resources[i])
        }
    }

    /// Access reasons under which Google, not the customer, initiates access (KAJ "Justification reason codes"):
    /// reviews, service and production-alert work, third-party data requests, and accesses without an expected reason.
    /// `GOOGLE_INITIATED_SYSTEM_OPERATION` (automated, no human access) is not among them.
    public static let googleInitiatedReasons: Set<String> = [
        "GOOGLE_INITIATED_SERVICE", "GOOGLE_INITIATED_REVIEW", "THIRD_PARTY_DATA_REQUEST", "REASON_NOT_EXPECTED",
        "GOOGLE_RESPONSE_TO_PRODUCTION_ALERT", "REASON_UNSPECIFIED", "MODIFIED_GOOGLE_INITIATED_SYSTEM_OPERATION",
    ]

    /// Derives `custody`, `spec_class`, `rotation.applicable` / `rotation.reason`, `exportable`,
    /// `allow_plaintext_backup` and `access_justifications.google_initiated` for one key.
    public static func derive(_ r: inout Resource) {
        func known(_ f: String) -> String? {
            if case .string(let s) = r.value(f) { return s }
            return nil
        }
        // Imported Cloud KMS key versions have no expiry (ImportCryptoKeyVersion takes none, unlike AWS KMS).
        if r.fields["material.expires"] == nil { r.fields["material.expires"] = .bool(false) }
        if r.fields["material.valid_to"] == nil { r.fields["material.valid_to"] = .null }
        // Cloud KMS never exports key material; Cloud EKM keys never leave the external manager.
        if r.fields["exportable"] == nil { r.fields["exportable"] = .bool(false) }
        if r.fields["allow_plaintext_backup"] == nil { r.fields["allow_plaintext_backup"] = .bool(false) }

        let level = known("protection_level")
        let imported: Bool? = {
            if case .bool(true) = r.value("import_only") { return true }
            switch r.value("primary.import_job") {
            case .string: return true
            case .null: return r.value("import_only") == .bool(false) ? false : nil
            default: return nil
            }
        }()
        switch level {
        case "EXTERNAL"?, "EXTERNAL_VPC"?:
            r.fields["custody"] = .string(Custody.externalKeyStore.rawValue)
        case "HSM_SINGLE_TENANT"?:
            r.fields["custody"] = .string(imported == true ? Custody.imported.rawValue : Custody.hsmKeyStore.rawValue)
        case "SOFTWARE"?, "HSM"?:
            if let imported { r.fields["custody"] = .string(imported ? Custody.imported.rawValue : Custody.customerGenerated.rawValue) }
            else { r.fields["custody"] = .unknown(reason: r.value("primary.import_job").unknownReason ?? "whether the key material was imported is not known") }
        case let other?:
            r.fields["custody"] = .unknown(reason: "protection level \(other) is not one this tool knows")
        case nil:
            r.fields["custody"] = .unknown(reason: r.value("protection_level").unknownReason ?? "protection level unknown")
        }

        let purpose = known("purpose")
        switch purpose {
        case "ENCRYPT_DECRYPT"?, "RAW_ENCRYPT_DECRYPT"?: r.fields["spec_class"] = .string("symmetric")
        case "ASYMMETRIC_SIGN"?, "ASYMMETRIC_DECRYPT"?, "KEY_ENCAPSULATION"?: r.fields["spec_class"] = .string("asymmetric")
        case "MAC"?: r.fields["spec_class"] = .string("hmac")
        default: r.fields["spec_class"] = .unknown(reason: r.value("purpose").unknownReason ?? "purpose \(purpose ?? "") is not one this tool knows")
        }

        let decision = rotation(purpose: purpose, level: level, importOnly: r.value("import_only"), state: r.value("state"),
                                purposeUnknown: r.value("purpose").unknownReason, levelUnknown: r.value("protection_level").unknownReason)
        r.fields["rotation.applicable"] = decision.applicable.map(FactValue.bool) ?? .unknown(reason: decision.reason)
        r.fields["rotation.reason"] = .string(decision.reason)

        switch r.value("access_justifications.allowed") {
        case .list(let reasons):
            let google = reasons.compactMap { v -> String? in if case .string(let s) = v { return s }; return nil }
                .filter { googleInitiatedReasons.contains($0) }.sorted()
            r.fields["access_justifications.google_initiated"] = .strings(google)
        case .null:
            r.fields["access_justifications.google_initiated"] = .null
        case let other:
            r.fields["access_justifications.google_initiated"] = .unknown(reason: other.unknownReason ?? "the allowed access reasons are not known")
        }
    }

    /// Whether Cloud KMS automatic rotation applies: symmetric `ENCRYPT_DECRYPT` keys, generated in Cloud KMS
    /// (software, HSM or single-tenant HSM), whose primary version is enabled.
    public static func rotation(purpose: String?, level: String?, importOnly: FactValue, state: FactValue,
                                purposeUnknown: String?, levelUnknown: String?) -> RotationDecision {
        if let purpose, purpose != "ENCRYPT_DECRYPT" {
            let what: String
            switch purpose {
            case "ASYMMETRIC_SIGN", "ASYMMETRIC_DECRYPT": what = "an asymmetric (\(purpose)) key"
            case "MAC": what = "a MAC key"
            case "RAW_ENCRYPT_DECRYPT": what = "a raw encryption (RAW_ENCRYPT_DECRYPT) key"
            case "KEY_ENCAPSULATION": what = "a key-encapsulation key"
            default: what = "a \(purpose) key"
            }
            return RotationDecision(applicable: false, reason: "\(what): Cloud KMS rotates only symmetric ENCRYPT_DECRYPT keys automatically; new versions are created by hand")
        }
        if level == "EXTERNAL" || level == "EXTERNAL_VPC" {
            return RotationDecision(applicable: false, reason: "an external key (\(level ?? "")): its material is rotated in the external key manager, not by Cloud KMS")
        }
        if importOnly == .bool(true) {
            return RotationDecision(applicable: false, reason: "an import-only key: new versions are imported (BYOK), not generated, so Cloud KMS cannot rotate it")
        }
        if case .string(let s) = state, s != "ENABLED" {
            let why: String
            switch s {
            case "DISABLED": why = "its primary version is disabled"
            case "DESTROY_SCHEDULED": why = "its primary version is scheduled for destruction"
            case "DESTROYED": why = "its primary version is destroyed"
            case "PENDING_IMPORT", "IMPORT_FAILED": why = "its primary version is imported material (\(s))"
            default: why = "its primary version is \(s)"
            }
            return RotationDecision(applicable: false, reason: "\(why): rotation matters only for a key in use")
        }
        if let why = purposeUnknown { return RotationDecision(applicable: nil, reason: "cannot tell whether rotation applies: \(why)") }
        if let why = levelUnknown { return RotationDecision(applicable: nil, reason: "cannot tell whether rotation applies: \(why)") }
        if let why = state.unknownReason { return RotationDecision(applicable: nil, reason: "cannot tell whether rotation applies: \(why)") }
        return RotationDecision(applicable: true, reason: "a symmetric ENCRYPT_DECRYPT key generated in Cloud KMS (\(level ?? "")): automatic rotation applies")
    }
}

/// The IAM analysis of the normalize stage for Cloud KMS key and key-ring IAM policies (`key_policy` resources with
/// `service: gcp-kms` and `observed["iam_policy"]`): public access, cross-tenant members, individual administrators,
/// separation of duties.
///
/// Members (IAM `Policy.bindings[].members`, IAM documentation "Principal identifiers"): `allUsers` and
/// `allAuthenticatedUsers` are public; `serviceAccount:` members belong to the project in their e-mail
/// (`…@PROJECT.iam.gserviceaccount.com`); a Google service agent (`service-NUMBER@gcp-sa-….iam.gserviceaccount.com`
/// …) acts for project NUMBER, and holding an encrypter/decrypter role on the key of the same (or a trusted) project
/// is CMEK working as designed; `user:`, `group:` and `domain:` members belong to their domain, trusted when
/// `trusted_organizations` lists it; `projectOwner:P` and the like belong to project P; federated
/// `principal://` / `principalSet://` members and `deleted:` members are findings whose tenancy is not known. Roles
/// that only read metadata (`roles/cloudkms.viewer`, `roles/viewer` …) neither use nor manage the key.
public struct GCPIAMAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "gcp-kms IAM policies" }

    /// Roles that administer keys: manage lifecycle and IAM (IAM "Cloud KMS roles"; basic roles Owner and Editor).
    public static let adminRoles: Set<String> = ["roles/cloudkms.admin", "roles/owner", "roles/editor"]
    /// Roles that only read metadata or public keys.
    public static let readOnlyRoles: Set<String> = ["roles/cloudkms.viewer", "roles/cloudkms.publicKeyViewer", "roles/viewer",
                                                    "roles/iam.securityReviewer", "roles/cloudkms.protectedResourcesViewer"]

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for i in facts.resources.indices where facts.resources[i].type == .keyPolicy
            && facts.resources[i].fields["service"] == .string(GCPFacts.service) {
            guard let policy = facts.resources[i].observed?["iam_policy"] else { continue }
            Self.derive(&facts.resources[i], policy: policy, settings: settings)
        }
    }

    enum Tenancy: Equatable {
        case owner, trusted, publicAccess, foreign(String), unknown(String)
    }

    /// Derives the analysed fields of one policy.
    public static func derive(_ r: inout Resource, policy: JSONValue, settings: AnalysisSettings) {
        let owner: String? = { if case .string(let s) = r.value("account") { return s }; return nil }()
        let ownerNumber = r.observed?["owner_project_number"]?.stringValue
        let trustedProjects = Set(settings.trustedAccounts)
        let trustedDomains = Set(settings.trustedOrganizations.map { $0.lowercased() })
        var findings: [String] = []
        var publicAccess = false
        var foreign: Set<String> = []
        var unknownReasons: [String] = []
        var adminUsers: Set<String> = []
        var rolesByMember: [String: Set<String>] = [:]
        let bindings = policy["bindings"]?.asList ?? []

        func tenancy(_ member: String, role: String) -> Tenancy {
            let parts = member.split(separator: ":", maxSplits: 1).map(String.init)
            let kind = parts.first ?? member
            let rest = parts.count > 1 ? parts[1] : ""
            func project(_ p: String) -> Tenancy {
                if p == owner || (ownerNumber != nil && p == ownerNumber) { return .owner }
                if trustedProjects.contains(p) { return .trusted }
                return .foreign("project \(p)")
            }
            switch kind {
            case "allUsers", "allAuthenticatedUsers":
                return .publicAccess
            case "serviceAccount":
                let email = rest.lowercased()
                if let number = GCPValues.serviceAgentProjectNumber(email) {
                    if number == ownerNumber || trustedProjects.contains(number) { return number == ownerNumber ? .owner : .trusted }
                    if ownerNumber == nil, owner?.allSatisfy(\.isNumber) != true {
                        return .unknown("\(member) is a Google service agent of project number \(number); whether that is project \(owner ?? "?") is not known — list the number under trusted_accounts")
                    }
                    return .foreign("project number \(number) (service agent \(rest))")
                }
                if let p = GCPValues.serviceAccountProject(email) { return project(p) }
                return .unknown("\(member) is a service account whose project cannot be read from its address")
            case "user", "group", "domain":
                let domain = (kind == "domain" ? rest : String(rest.split(separator: "@").last ?? "")).lowercased()
                if trustedDomains.contains(domain) { return .trusted }
                if trustedDomains.isEmpty {
                    return .unknown("\(member): whether domain \(domain) is the customer's is not known — list it under trusted_organizations")
                }
                return .foreign("domain \(domain)")
            case "projectOwner", "projectEditor", "projectViewer":
                return project(rest)
            case "deleted":
                return .unknown("\(member) is a deleted principal still bound to \(role)")
            default:
                return .unknown("\(member) is a federated or unrecognised principal whose tenant is not known")
            }
        }

        for (n, b) in bindings.enumerated() {
            guard let role = b["role"]?.stringValue else {
                unknownReasons.append("binding \(n + 1) has no role")
                continue
            }
            let members = (b["members"]?.asList ?? []).compactMap(\.stringValue)
            let conditional = b["condition"] != nil
            let readOnly = readOnlyRoles.contains(role)
            let custom = role.hasPrefix("projects/") || role.hasPrefix("organizations/")
            for m in members {
                rolesByMember[m, default: []].insert(role)
                if adminRoles.contains(role), m.hasPrefix("user:") { adminUsers.insert(m) }
                if readOnly { continue }
                let scopeNote = conditional ? " (with an IAM condition)" : ""
                switch tenancy(m, role: role) {
                case .owner, .trusted: break
                case .publicAccess:
                    publicAccess = true
                    findings.append("\(role) is granted to \(m)\(scopeNote): anyone\(m == "allAuthenticatedUsers" ? " with a Google account" : "") can \(custom ? "use what the custom role allows on" : "use or manage") the key")
                case .foreign(let who):
                    foreign.insert(who)
                    findings.append("\(role) is granted to \(m)\(scopeNote), outside the key's project and the trusted projects and domains (\(who))")
                case .unknown(let why):
                    unknownReasons.append(why)
                    findings.append(why)
                }
            }
        }
        var sod: [String] = []
        for (m, roles) in rolesByMember.sorted(by: { $0.key < $1.key }) {
            let admin = roles.intersection(adminRoles)
            let use = roles.filter { !adminRoles.contains($0) && !readOnlyRoles.contains($0) && $0.hasPrefix("roles/cloudkms.") && $0 != "roles/cloudkms.importer" }
            if !admin.isEmpty, !use.isEmpty {
                sod.append("\(m) holds \(admin.sorted().joined(separator: ", ")) and \(use.sorted().joined(separator: ", ")): one principal both administers and uses the key")
            }
        }
        r.fields["statements"] = .int(bindings.count)
        r.fields["public"] = .bool(publicAccess)
        if publicAccess || !foreign.isEmpty {
            r.fields["cross_tenant"] = .bool(true)
        } else if let why = unknownReasons.first {
            r.fields["cross_tenant"] = .unknown(reason: why)
        } else {
            r.fields["cross_tenant"] = .bool(false)
        }
        r.fields["foreign_accounts"] = .strings(foreign.sorted())
        // Cloud KMS keys live in the customer's project: its owners and Cloud KMS admins hold the lifecycle through
        // IAM inheritance, whatever this key-level policy adds.
        r.fields["customer_controls_lifecycle"] = owner == nil ? .unknown(reason: "the key's project is not known") : .bool(true)
        r.fields["admin_users"] = .strings(adminUsers.sorted())
        r.fields["separation_of_duties"] = .strings(sod)
        r.fields["findings"] = .strings(findings + sod)
        r.fields["unresolved"] = .strings([])
    }
}

/// The CMEK coverage analysis of the normalize stage for Google Cloud data stores: ties a store's `key_ref` to a
/// collected Cloud KMS key (or records that it names a Cloud KMS key that was not collected: customer-managed, custody
/// unknown), and applies the organization policies `constraints/gcp.restrictNonCmekServices` (services that must
/// use CMEK) and `constraints/gcp.restrictCmekCryptoKeyProjects` (projects keys may come from) to every store in
/// their scope (Organization Policy documentation, "CMEK organization policies"; a policy on a folder or
/// organization applies to the projects under it).
public struct GCPCMEKAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "gcp CMEK coverage" }

    /// The data-store kinds of Google Cloud (``GCPFacts/dataStoreKinds``).
    public static var kinds: Set<String> { Set(GCPFacts.dataStoreKinds.values.map(\.kind)) }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        let keys = Normalizer.keyIndex(facts)
        let policies = facts.resources.filter { $0.type == .orgPolicy }
        let kinds = Self.kinds
        let context = Self.projectContext(facts)
        for i in facts.resources.indices where facts.resources[i].type == .dataStore {
            guard case .string(let kind) = facts.resources[i].value("kind"), kinds.contains(kind) else { continue }
            Self.complete(&facts.resources[i], context: context)
            Self.derive(&facts.resources[i], keys: keys, policies: policies)
        }
    }

    /// What any collected fact tells about each project: `projects/P` → every scope it is known by (its id and
    /// number) and its ancestors, read from keys' and stores' `ancestry` (an asset export names a project by number,
    /// Cloud KMS key names and Terraform by id). Lets a store declared in Terraform meet an org policy an export
    /// names by project number.
    static func projectContext(_ facts: FactSet) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in facts.resources where r.type == .key || r.type == .dataStore {
            let scopes = strings(r.value("ancestry"))
            let projects = scopes.filter { $0.hasPrefix("projects/") }
            for p in projects {
                var known = out[p] ?? [p]
                for s in scopes where !known.contains(s) { known.append(s) }
                out[p] = known
            }
        }
        return out
    }

    /// A store's ancestry from its `project` when no source gave one, widened with what ``projectContext(_:)`` knows.
    static func complete(_ r: inout Resource, context: [String: [String]]) {
        var scopes = strings(r.value("ancestry"))
        if scopes.isEmpty, case .string(let p) = r.value("project") { scopes = ["projects/\(p)"] }
        guard !scopes.isEmpty else { return }
        for p in scopes where p.hasPrefix("projects/") {
            for s in context[p] ?? [] where !scopes.contains(s) { scopes.append(s) }
        }
        r.fields["ancestry"] = .strings(scopes)
    }

    static func strings(_ v: FactValue) -> [String] {
        if case .list(let l) = v { return l.compactMap { if case .string(let s) = $0 { return s }; return nil } }
        return []
    }

    /// Derives `cmek.required_by`, `cmek.key_project_allowed` and, for a key that was not collected, `key_manager`
    /// and `key_custody`.
    public static func derive(_ r: inout Resource, keys: [String: Resource], policies: [Resource]) {
        if case .string(let ref) = r.value("key_ref"), r.fields["key_manager"] == nil, keys[ref] == nil, let name = GCPResourceName(ref), name.keyName != nil {
            r.fields["key_manager"] = .string("customer")
            r.fields["key_custody"] = .unknown(reason: "Cloud KMS key \(ref) is customer-managed but was not collected; add the source that lists it")
        }
        let ancestry = Set(strings(r.value("ancestry")))
        let service: String? = { if case .string(let s) = r.value("service") { return s }; return nil }()
        func applies(_ p: Resource) -> Bool? {
            guard case .string(let scope) = p.value("scope") else { return nil }
            if ancestry.contains(scope) { return true }
            return ancestry.isEmpty ? nil : false
        }
        var required: [String] = []
        var unknownScope = false
        for p in policies where p.value("constraint") == .string("constraints/gcp.restrictNonCmekServices") {
            guard let service else { continue }
            let denied = strings(p.value("denied_values"))
            guard denied.contains(service) || p.value("deny_all") == .bool(true) else { continue }
            switch applies(p) {
            case true?: required.append("constraints/gcp.restrictNonCmekServices on \(p.value("scope").displayText)")
            case nil: unknownScope = true
            default: break
            }
        }
        if !required.isEmpty {
            r.fields["cmek.required_by"] = .string(required.sorted().joined(separator: "; "))
        } else if unknownScope {
            r.fields["cmek.required_by"] = .unknown(reason: "the store's project and ancestry are not known, so whether a CMEK organization policy covers it cannot be told")
        } else if let why = r.observed?["org_policy_unread"]?.stringValue {
            r.fields["cmek.required_by"] = .unknown(reason: "the CMEK organization policies of the store's project could not be read: \(why)")
        } else {
            r.fields["cmek.required_by"] = .null
        }

        var allowedLists: [[String]] = []
        for p in policies where p.value("constraint") == .string("constraints/gcp.restrictCmekCryptoKeyProjects") && applies(p) == true {
            if p.value("allow_all") == .bool(true) { continue }
            allowedLists.append(strings(p.value("allowed_values")))
        }
        guard !allowedLists.isEmpty else {
            r.fields["cmek.key_project_allowed"] = .null
            return
        }
        guard case .string(let ref) = r.value("key_ref"), let keyName = GCPResourceName(ref) else {
            r.fields["cmek.key_project_allowed"] = .null   // no Cloud KMS key: restrictNonCmekServices decides
            return
        }
        let keyAncestry = Set(["projects/\(keyName.project)"] + strings(keys[ref]?.value("ancestry") ?? .null))
        var verdict: Bool? = true
        for allowed in allowedLists {
            let ok = allowed.contains { v in
                let target = v.hasPrefix("under:") ? String(v.dropFirst("under:".count)) : v
                return keyAncestry.contains(target)
            }
            if !ok {
                let folderRules = allowed.contains { $0.contains("folders/") || $0.contains("organizations/") }
                if folderRules && keys[ref]?.fields["ancestry"] == nil { verdict = nil } else { verdict = false; break }
            }
        }
        r.fields["cmek.key_project_allowed"] = verdict.map(FactValue.bool)
            ?? .unknown(reason: "the key's project ancestry is not known, and the allowed key projects are named by folder or organization")
    }
}
