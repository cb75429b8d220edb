import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// An account as it appears in a policy: a 12-digit id, the account a template is deployed into, or an
/// expression that could not be resolved (a template placeholder such as `account-id` or `${this.account-id}`).
public enum AccountRef: Sendable, Hashable, CustomStringConvertible {
    case id(String)
    /// `${AWS::AccountId}` / `{"Ref": "AWS::AccountId"}` in a CloudFormation template: the key's own account.
    case current
    case unresolved(String)

    public var description: String {
        switch self {
        case .id(let s): return s
        case .current: return "self"
        case .unresolved(let s): return "unresolved(\(s))"
        }
    }

    /// Reads the account from an IAM or STS ARN or a bare 12-digit id (IAM User Guide, "IAM identifiers").
    /// `self` is the marker the template resolver writes for the deploying account.
    public static func parse(_ text: String) -> AccountRef {
        if text.allSatisfy(\.isNumber), text.count == 12 { return .id(text) }
        if text == PolicyDialects.currentAccount { return .current }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 6, parts[0] == "arn" {
            let account = String(parts[4])
            if account == PolicyDialects.currentAccount { return .current }
            if account.count == 12, account.allSatisfy(\.isNumber) { return .id(account) }
            return .unresolved(text)
        }
        return .unresolved(text)
    }
}

/// Key-policy analysis: who can use and manage a KMS key, and whether anyone outside its tenant can.
///
/// Follows the IAM JSON policy grammar and evaluation logic (IAM User Guide, "Policy evaluation logic": an explicit
/// Deny only removes access; conditions in one block are ANDed, values of one key ORed) and the AWS KMS condition
/// keys (`kms:CallerAccount`, `kms:ViaService`) and global keys (`aws:PrincipalAccount`, `aws:PrincipalOrgID`,
/// `aws:SourceAccount`, `aws:SourceArn`, `aws:PrincipalArn`). It avoids the field's known misreadings: a wildcard
/// principal bounded by a caller-account condition is not public (Prowler #970, Steampipe #866), a Deny with a
/// wildcard principal is not public (Checkov #4394), and unresolved template placeholders are unknown, never public.
public struct KeyPolicyAnalyzer: Sendable {
    /// The account that owns the key: from its ARN, `.current` for a template, or `nil` when not known.
    public var owner: AccountRef?
    /// Accounts of the same customer (tenant accounts, organisation members) that may use the key.
    public var trustedAccounts: Set<String>
    /// Organisation ids whose members are trusted.
    public var trustedOrganizations: Set<String>

    /// How the document's expressions read (plain IAM JSON, or a template's dialect).
    public var dialect: any PolicyDialect

    public init(owner: AccountRef?, trustedAccounts: Set<String> = [], trustedOrganizations: Set<String> = [],
                dialect: any PolicyDialect = PolicyDialects.Plain()) {
        self.dialect = dialect
        self.owner = owner
        self.trustedAccounts = trustedAccounts
        self.trustedOrganizations = trustedOrganizations
    }

    /// The analysis of one policy document.
    public struct Analysis: Sendable, Hashable {
        public var owner: AccountRef?
        /// Whether the owner was inferred from the principals (all in one account).
        public var ownerInferred = false
        public var statementCount = 0
        public var isPublic = false
        public var crossTenant: Truth = .false
        public var foreignAccounts: [String] = []
        public var customerControlsLifecycle: Truth = .unknown
        public var adminUsers: [String] = []
        /// Whether an administrator's principal could not be resolved (it may be an individual user).
        public var adminUsersUnknown = false
        public var findings: [String] = []
        public var unresolved: [String] = []
        /// Statements missing an element AWS requires (Effect, Principal, Action): the policy cannot be in force as
        /// written, and what they grant is unknown.
        public var malformed: [String] = []

        /// The `key_policy` fact fields (see ``FactSchema``).
        public var facts: [String: FactValue] {
            var f: [String: FactValue] = [
                "statements": .int(statementCount),
                "public": .bool(isPublic),
                "foreign_accounts": .strings(foreignAccounts),
                "admin_users": adminUsersUnknown ? .unknown(reason: malformed.isEmpty ? "an administrator's principal is a template expression"
                                                                                     : "malformed statement(s): \(malformed.joined(separator: ", "))")
                    : .strings(adminUsers),
                "findings": .strings(findings),
                "unresolved": .strings(unresolved),
            ]
            switch owner {
            case .id(let a)?: f["account"] = .string(a)
            case .current?: f["account"] = .string("self")
            case .unresolved(let s)?: f["account"] = .unknown(reason: "owner account is a template expression: \(s)")
            case nil: f["account"] = .unknown(reason: "owner account not known: the source names none and the policy's principals do not identify one")
            }
            switch crossTenant {
            case .true: f["cross_tenant"] = .bool(true)
            case .false: f["cross_tenant"] = .bool(false)
            case .unknown:
                f["cross_tenant"] = .unknown(reason: unresolved.isEmpty ? "some principals could not be tied to an account"
                                                                       : "unresolved: \(unresolved.joined(separator: ", "))")
            }
            switch customerControlsLifecycle {
            case .true: f["customer_controls_lifecycle"] = .bool(true)
            case .false: f["customer_controls_lifecycle"] = .bool(false)
            case .unknown: f["customer_controls_lifecycle"] = .unknown(reason: malformed.isEmpty ? "the owner's principals could not be identified"
                                                                           : "malformed statement(s) \(malformed.joined(separator: ", ")) may grant or deny lifecycle actions")
            }
            return f
        }
    }

    // MARK: statement model

    enum PrincipalRef: Hashable {
        case wildcard
        case account(AccountRef, arn: String)
        case service(String)
        case other(String)
    }

    struct Restriction {
        /// Accounts the caller is bound to (intersection across restricting keys); `nil` when no key binds it.
        var accounts: Set<AccountRef>?
        /// The condition keys (lowercased) that bound ``accounts``.
        var accountKeys: Set<String> = []
        var organizations: Set<String> = []
        var viaServices: [String] = []
        var unresolved: [String] = []
        /// Whether a negated or non-string operator tests the caller's account, ARN or organization: it may exclude
        /// the very principals the statement names.
        var negatesCaller = false

        /// Whether the statement certainly admits principals of `account` when they are named (or, for a wildcard,
        /// bound to it): every account-binding key names the caller and includes it, and nothing else about the
        /// caller's identity is tested. Other conditions (transport, encryption context, service) narrow the
        /// requests, not the accounts; `aws:SourceAccount` and the like describe a service's resource and may be
        /// absent from the caller's own requests, so they decide nothing here.
        func certainlyAdmits(_ account: String, wildcard: Bool) -> Bool {
            guard organizations.isEmpty, unresolved.isEmpty, !negatesCaller else { return false }
            guard let accounts else { return !wildcard }
            return accountKeys.isSubset(of: KeyPolicyAnalyzer.callerKeys) && accounts.contains(.id(account))
        }
    }

    /// Analyses a policy document (`{"Version": …, "Statement": [...]}`; a single statement object is accepted).
    public func analyze(_ policy: JSONValue) -> Analysis {
        var a = Analysis()
        // A template condition (CloudFormation `Fn::If`) may choose a statement (or the whole list) at deployment:
        // every alternative is considered present, which over-approximates access; lifecycle control from such a
        // branch is unknown.
        var conditional: Set<Int> = []
        var statements: [JSONValue] = []
        for (list, listConditional) in dialect.branches(policy["Statement"] ?? .null) {
            for item in list.asList {
                for (branch, isConditional) in dialect.branches(item) {
                    if isConditional || listConditional { conditional.insert(statements.count) }
                    statements.append(branch)
                }
            }
        }
        a.statementCount = statements.count
        if !conditional.isEmpty {
            a.findings.append("\(conditional.count) statement(s) depend on a template condition (Fn::If); both branches were considered.")
        }

        var admitted: [(AccountRef, Set<KMSActions.Category>, String)] = []   // account, categories, statement label
        var crossUnknown = false
        var lifecycleByOwner = Set<String>()
        var lifecycleDenied = Set<String>()
        var lifecycleUnknown = false
        // Core lifecycle actions any Allow grants to anyone (conditional statements included); whether an Allow's
        // actions are written as expressions, so that what it grants is not known.
        var lifecycleAllowed = Set<String>()
        var actionsUnresolved = false
        var adminUnknown = false
        var rootAccounts = Set<AccountRef>()
        // For an owner that is not known: the literal accounts each unconditional Allow certainly admits, with the
        // use and manage actions it grants them, and every Deny that could take some of them away again.
        var certain: [String: Set<String>] = [:]
        var denials: [(principals: [PrincipalRef], actions: Set<String>)] = []

        for (index, st) in statements.enumerated() {
            let label = st["Sid"]?.stringValue.map { "statement '\($0)'" } ?? "statement \(index + 1)"
            guard case .object = st, let effect = st["Effect"].flatMap(dialect.resolve), effect == "Allow" || effect == "Deny" else {
                a.findings.append("\(label) has no readable Effect (\(st["Effect"]?.compactText ?? "missing")); what it grants is unknown.")
                a.unresolved.append("\(label): Effect")
                a.malformed.append(label)
                crossUnknown = true
                lifecycleUnknown = true
                continue
            }
            // A statement without its principal or its actions is malformed (IAM User Guide, "IAM JSON policy
            // elements": a key policy statement needs Principal or NotPrincipal, and Action or NotAction). AWS refuses
            // such a policy, so this document cannot be the one in force; dropping the statement would turn a
            // possible grant into silence.
            var missing: [String] = []
            if Self.absent(st["Principal"]) && Self.absent(st["NotPrincipal"]) { missing.append("Principal") }
            if Self.absent(st["Action"]) && Self.absent(st["NotAction"]) { missing.append("Action") }
            if !missing.isEmpty {
                a.findings.append("\(label) has no \(missing.joined(separator: " and ")); AWS rejects such a policy, so what it grants is unknown.")
                a.unresolved.append("\(label): \(missing.joined(separator: ", "))")
                a.malformed.append(label)
                crossUnknown = true
                lifecycleUnknown = true
                continue
            }
            let actions = KMSActions.expand(st["Action"] ?? st["NotAction"].map { _ in .string("kms:*") } ?? .null, dialect: dialect)
            let categories = Set(actions.map(KMSActions.category))
            let principals: [PrincipalRef]
            if st["NotPrincipal"] != nil { principals = [.wildcard] } else { principals = parsePrincipals(st["Principal"]) }
            let restriction = parseConditions(st["Condition"])

            if effect == "Deny" {
                denials.append((principals, actions))
                let lifecycle = actions.filter { KMSActions.lifecycleCore.contains($0) }
                // Only a Deny of the whole owner account (its root, or any principal) takes an action from the owner; a
                // Deny of one role leaves the account's other principals.
                if st["Condition"] == nil, !lifecycle.isEmpty, principals.contains(where: { p in
                    if case .wildcard = p { return true }
                    if case .account(let acct, let arn) = p, isOwner(acct), arn.hasSuffix(":root") || arn.allSatisfy(\.isNumber) { return true }
                    return false
                }) {
                    lifecycleDenied.formUnion(lifecycle)
                    a.findings.append("\(label) denies \(lifecycle.sorted().joined(separator: ", ")) unconditionally: the owner cannot perform them.")
                } else {
                    a.findings.append("\(label) is a Deny: it only removes access and never makes the key public.")
                }
                continue
            }
            let usesOrManages = categories.contains(.use) || categories.contains(.manage)
            lifecycleAllowed.formUnion(actions.intersection(KMSActions.lifecycleCore))
            if (st["Action"] ?? .null).asList.contains(where: { dialect.resolve($0) == nil }) {
                actionsUnresolved = true
                lifecycleUnknown = true
                a.findings.append("\(label) names actions through an expression that could not be resolved: \((st["Action"] ?? .null).compactText).")
            }
            let granted = actions.filter { KMSActions.category($0) != .read }
            let certainlyPresent = !conditional.contains(index) && st["NotPrincipal"] == nil && st["NotAction"] == nil && !granted.isEmpty
            for p in principals {
                switch p {
                case .wildcard:
                    if let accounts = restriction.accounts {
                        for acct in accounts { admitted.append((acct, categories, label)) }
                        for case .id(let id) in accounts where certainlyPresent && restriction.certainlyAdmits(id, wildcard: true) {
                            certain[id, default: []].formUnion(granted)
                        }
                        a.findings.append("\(label) admits any principal, bounded to account(s) \(accounts.map(\.description).sorted().joined(separator: ", ")) by its conditions.")
                        if accounts.contains(where: { if case .unresolved = $0 { return true }; return false }) { a.unresolved += restriction.unresolved }
                    } else if !restriction.organizations.isEmpty {
                        let untrusted = restriction.organizations.subtracting(trustedOrganizations)
                        a.findings.append("\(label) admits any principal of organization(s) \(restriction.organizations.sorted().joined(separator: ", ")).")
                        if !untrusted.isEmpty && usesOrManages { crossUnknown = true; a.unresolved.append("organization \(untrusted.sorted().joined(separator: ", ")) not listed as trusted") }
                    } else if !restriction.viaServices.isEmpty {
                        a.findings.append("\(label) admits any principal through \(restriction.viaServices.joined(separator: ", ")) without binding the caller's account (add kms:CallerAccount).")
                        if usesOrManages { crossUnknown = true; a.unresolved.append("\(label): kms:ViaService without kms:CallerAccount") }
                    } else if !restriction.unresolved.isEmpty {
                        a.findings.append("\(label) admits any principal under conditions that could not be resolved: \(restriction.unresolved.joined(separator: ", ")).")
                        a.unresolved += restriction.unresolved
                        if usesOrManages { crossUnknown = true }
                    } else {
                        a.isPublic = true
                        a.findings.append("\(label) admits any principal of any account (\(actions.count == KMSActions.all.count ? "kms:*" : actions.sorted().joined(separator: ", "))) with no restricting condition: the key is public.")
                    }
                case .account(let acct, let arn):
                    var effective = acct
                    if let bound = restriction.accounts, bound.count == 1, let only = bound.first, case .id = only, acct != only {
                        // A principal in one account bounded to another by a condition can never match.
                        a.findings.append("\(label) names \(arn) but its conditions bind the caller to \(only); it admits nobody.")
                        continue
                    }
                    if case .unresolved(let text) = acct { a.unresolved.append(text); effective = acct }
                    admitted.append((effective, categories, label))
                    if case .id(let id) = acct, certainlyPresent, restriction.certainlyAdmits(id, wildcard: false) {
                        certain[id, default: []].formUnion(granted)
                    }
                    if case .id = acct, arn.hasSuffix(":root") || arn.allSatisfy(\.isNumber) { rootAccounts.insert(acct) }
                    if categories.contains(.manage) {
                        if arn.contains(":user/") { a.adminUsers.append(arn) }
                        // An administrator whose principal is an expression could be an individual user.
                        if case .unresolved = acct { adminUnknown = true }
                        if isOwner(acct) && conditional.contains(index) {
                            lifecycleUnknown = true
                        } else if isOwner(acct) {
                            lifecycleByOwner.formUnion(actions.filter { KMSActions.lifecycleCore.contains($0) })
                        } else if case .unresolved = acct {
                            lifecycleUnknown = true
                        } else if case .id = acct, owner == .current || owner == nil {
                            // A literal account in a template may or may not be the account it is deployed into.
                            lifecycleUnknown = true
                        }
                    }
                case .service(let name):
                    let bound = restriction.accounts.map { $0.map(\.description).sorted().joined(separator: ", ") }
                    a.findings.append("\(label) lets the AWS service \(name) act on the key\(bound.map { " for account(s) \($0)" } ?? "").")
                    if let accounts = restriction.accounts { for acct in accounts { admitted.append((acct, categories, label)) } }
                    if !restriction.unresolved.isEmpty { a.unresolved += restriction.unresolved }
                case .other(let text):
                    a.findings.append("\(label) names a principal that is not an AWS account, role or service: \(text).")
                    if usesOrManages { crossUnknown = true; a.unresolved.append(text) }
                }
            }
        }

        // Owner: given, or inferred when the policy names exactly one account root (every key policy AWS writes
        // names its own account's root, so the key stays manageable) and every admitted account is that one. A
        // policy that names no root, such as a wildcard bound to some account, does not say whose key it is.
        var owner = self.owner
        let knownIDs = Set(admitted.compactMap { item -> String? in if case .id(let s) = item.0 { return s }; return nil })
        if owner == nil, knownIDs.count == 1, let only = knownIDs.first, rootAccounts == [.id(only)] {
            owner = .id(only)
            a.ownerInferred = true
            a.findings.append("Owner account inferred as \(only): every principal the policy admits is in it.")
        }
        a.owner = owner

        var foreign = Set<String>()
        let ownerID: String? = { if case .id(let s)? = owner { return s }; return nil }()
        // Whoever owns the key, it is one account: when two or more untrusted accounts are certainly admitted, at
        // least one of them is foreign, so the policy crosses tenants although the owner is not known.
        let surelyAdmitted = ownerID != nil || !a.malformed.isEmpty ? [] : certain.filter { id, granted in
            !trustedAccounts.contains(id)
                && !granted.subtracting(denials.filter { Self.mayReach($0.principals, id) }.flatMap(\.actions)).isEmpty
        }.keys.sorted()
        let someForeign = surelyAdmitted.count >= 2
        for (acct, cats, label) in admitted where cats.contains(.use) || cats.contains(.manage) {
            switch acct {
            case .current: continue
            case .id(let id):
                if ownerID == id || trustedAccounts.contains(id) { continue }
                if someForeign && surelyAdmitted.contains(id) { continue }
                if ownerID == nil {
                    // Cannot tell whether a literal id is the deploying account.
                    crossUnknown = true
                    a.unresolved.append("account \(id) (\(label)) versus an owner that is not known")
                } else {
                    foreign.insert(id)
                }
            case .unresolved:
                crossUnknown = true
            }
        }
        a.foreignAccounts = foreign.sorted()
        for id in a.foreignAccounts {
            a.findings.append("Account \(id) is outside the owner and the trusted accounts and may use or manage the key.")
        }
        if someForeign {
            a.foreignAccounts = surelyAdmitted
            a.findings.append("The owner account is not known, but accounts \(surelyAdmitted.joined(separator: ", ")) are each admitted to use or manage the key and none is trusted, so whichever account owns it, at least one of them is foreign.")
        }
        if a.isPublic || !a.foreignAccounts.isEmpty { a.crossTenant = .true } else if crossUnknown { a.crossTenant = .unknown } else { a.crossTenant = .false }

        // Lifecycle: owner principals (recomputed for an inferred owner) hold the core lifecycle actions.
        if a.ownerInferred, case .id(let only)? = owner {
            for (idx, st) in statements.enumerated() where !conditional.contains(idx) && st["Effect"]?.stringValue == "Allow" {
                for p in parsePrincipals(st["Principal"]) {
                    if case .account(.id(only), _) = p {
                        lifecycleByOwner.formUnion(KMSActions.expand(st["Action"] ?? .null, dialect: dialect).filter { KMSActions.lifecycleCore.contains($0) })
                    }
                }
            }
        }
        let held = lifecycleByOwner.subtracting(lifecycleDenied)
        // An action no statement allows to anyone is one the owner cannot perform, whoever the owner is.
        let allowedToNobody = KMSActions.lifecycleCore.subtracting(lifecycleAllowed.subtracting(lifecycleDenied))
        if owner != nil, held.isSuperset(of: KMSActions.lifecycleCore) { a.customerControlsLifecycle = .true }
        else if owner != nil, !lifecycleUnknown {
            a.customerControlsLifecycle = .false
            let missing = KMSActions.lifecycleCore.subtracting(held).sorted()
            a.findings.append("The owner's principals do not hold \(missing.joined(separator: ", ")) in this policy.")
        } else if a.malformed.isEmpty, !actionsUnresolved, !allowedToNobody.isEmpty {
            a.customerControlsLifecycle = .false
            a.findings.append("No statement lets any principal perform \(allowedToNobody.sorted().joined(separator: ", ")), so the owner cannot, whichever account it is.")
        } else {
            a.customerControlsLifecycle = .unknown
        }
        if !a.malformed.isEmpty && a.customerControlsLifecycle == .true { a.customerControlsLifecycle = .unknown }
        a.adminUsers = Array(Set(a.adminUsers)).sorted()
        a.adminUsersUnknown = (adminUnknown || !a.malformed.isEmpty) && a.adminUsers.isEmpty
        a.unresolved = Array(Set(a.unresolved)).sorted()
        return a
    }

    /// Whether a policy element is missing or null.
    static func absent(_ value: JSONValue?) -> Bool {
        guard let value else { return true }
        return value == .null
    }

    /// Whether a Deny naming `principals` could apply to principals of `account` (its conditions are not read: a
    /// conditional Deny is taken to apply, which only keeps the decision from being made).
    static func mayReach(_ principals: [PrincipalRef], _ account: String) -> Bool {
        principals.contains { p in
            switch p {
            case .wildcard, .other: return true
            case .account(.id(let id), _): return id == account
            case .account: return true   // the deploying account or an expression: it may be this one
            case .service: return false
            }
        }
    }

    private func isOwner(_ acct: AccountRef) -> Bool {
        if acct == .current { return true }
        if let owner, owner == acct { return true }
        return false
    }

    // MARK: parsing

    func parsePrincipals(_ value: JSONValue?) -> [PrincipalRef] {
        guard let value else { return [] }
        if case .string(let s) = value { return s == "*" ? [.wildcard] : [principal(fromAWS: .string(s))] }
        guard case .object(let members) = value else { return [.other(value.compactText)] }
        var out: [PrincipalRef] = []
        for key in members.keys.sorted() {
            for item in (members[key] ?? .null).asList {
                switch key {
                case "AWS": out.append(principal(fromAWS: item))
                case "Service": out.append(.service(dialect.resolve(item) ?? item.compactText))
                default: out.append(.other("\(key): \(dialect.resolve(item) ?? item.compactText)"))
                }
            }
        }
        return out
    }

    private func principal(fromAWS item: JSONValue) -> PrincipalRef {
        guard let text = dialect.resolve(item) else {
            return .account(.unresolved(item.compactText), arn: item.compactText)
        }
        if text == "*" { return .wildcard }
        return .account(AccountRef.parse(text), arn: text)
    }

    static let accountKeys: Set<String> = ["kms:calleraccount", "aws:principalaccount", "aws:sourceaccount", "aws:resourceaccount"]
    static let arnKeys: Set<String> = ["aws:principalarn", "aws:sourcearn", "kms:encryptioncontext:aws:cloudtrail:arn"]
    /// Keys every KMS request carries, so an `…IfExists` operator still binds them.
    static let alwaysPresent: Set<String> = ["kms:calleraccount", "aws:principalaccount"]
    /// Keys that name the caller's own account or ARN (IAM User Guide, "AWS global condition context keys"; AWS KMS
    /// Developer Guide, "kms:CallerAccount").
    static let callerKeys: Set<String> = ["kms:calleraccount", "aws:principalaccount", "aws:principalarn"]

    func parseConditions(_ value: JSONValue?) -> Restriction {
        var r = Restriction()
        guard case .object(let ops)? = value else { return r }
        for (rawOp, body) in ops {
            var op = rawOp
            for prefix in ["ForAnyValue:", "ForAllValues:"] where op.hasPrefix(prefix) { op = String(op.dropFirst(prefix.count)) }
            let ifExists = op.hasSuffix("IfExists")
            if ifExists { op = String(op.dropLast("IfExists".count)) }
            let positive = ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"].contains(op)
            guard case .object(let keys) = body else { continue }
            for (rawKey, vals) in keys {
                let key = rawKey.lowercased()
                let values = vals.asList.map { dialect.resolve($0) ?? "{unresolved}" }
                guard positive else {
                    if Self.accountKeys.contains(key) || Self.arnKeys.contains(key) || key == "aws:principalorgid" { r.negatesCaller = true }
                    continue
                }
                if ifExists && !Self.alwaysPresent.contains(key) { continue }
                var accounts: Set<AccountRef>?
                if Self.accountKeys.contains(key) {
                    accounts = Set(values.map { v in
                        if v == PolicyDialects.currentAccount { return .current }
                        if v.count == 12, v.allSatisfy(\.isNumber) { return .id(v) }
                        r.unresolved.append("\(rawKey) = \(v)")
                        return .unresolved(v)
                    })
                } else if Self.arnKeys.contains(key) {
                    accounts = Set(values.map { v in
                        let acct = AccountRef.parse(v)
                        if case .unresolved = acct {
                            // `arn:aws:cloudtrail:*:111122223333:trail/*`: the account field may still be literal.
                            let parts = v.split(separator: ":", omittingEmptySubsequences: false)
                            if parts.count >= 6, parts[4].count == 12, parts[4].allSatisfy(\.isNumber) { return .id(String(parts[4])) }
                            r.unresolved.append("\(rawKey) = \(v)")
                        }
                        return acct
                    })
                } else if key == "aws:principalorgid" {
                    r.organizations.formUnion(values)
                } else if key == "kms:viaservice" {
                    r.viaServices += values
                }
                if let accounts {
                    r.accountKeys.insert(key)
                    // Keys in one block are ANDed: intersect when both sides are literal ids; with unresolved
                    // values on either side, keep every candidate so nothing is hidden.
                    if let previous = r.accounts {
                        let literal = { (s: Set<AccountRef>) in s.allSatisfy { if case .unresolved = $0 { return false }; return true } }
                        r.accounts = literal(previous) && literal(accounts) ? previous.intersection(accounts) : previous.union(accounts)
                    } else {
                        r.accounts = accounts
                    }
                }
            }
        }
        r.viaServices.sort()
        return r
    }
}

/// AWS KMS actions, grouped by what they let a principal do (AWS KMS Developer Guide, "AWS KMS permissions").
public enum KMSActions {
    public enum Category: Hashable { case use, manage, read }

    /// Every KMS API action name, for expanding wildcards such as `kms:*`, `kms:Get*`, `kms:ReEncrypt*`.
    public static let all: [String] = [
        "CancelKeyDeletion", "ConnectCustomKeyStore", "CreateAlias", "CreateCustomKeyStore", "CreateGrant", "CreateKey",
        "Decrypt", "DeleteAlias", "DeleteCustomKeyStore", "DeleteImportedKeyMaterial", "DeriveSharedSecret",
        "DescribeCustomKeyStores", "DescribeKey", "DisableKey", "DisableKeyRotation", "DisconnectCustomKeyStore",
        "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GenerateRandom",
        "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport", "GetPublicKey", "ImportKeyMaterial",
        "ListAliases", "ListGrants", "ListKeyPolicies", "ListKeyRotations", "ListKeys", "ListResourceTags",
        "ListRetirableGrants", "PutKeyPolicy", "ReEncryptFrom", "ReEncryptTo", "ReplicateKey", "RetireGrant",
        "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion", "Sign", "TagResource", "UntagResource",
        "UpdateAlias", "UpdateCustomKeyStore", "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify", "VerifyMac",
    ].map { "kms:" + $0 }

    /// The lifecycle actions CEK-08 expects the customer to hold: revoke (disable), delete, rotate, and control
    /// who may use the key.
    public static let lifecycleCore: Set<String> = ["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation", "kms:PutKeyPolicy"]

    static let useActions: Set<String> = [
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "VerifyMac",
        "DeriveSharedSecret", "CreateGrant", "GetPublicKey",
    ]

    /// The category of one action.
    public static func category(_ action: String) -> Category {
        let name = action.hasPrefix("kms:") ? String(action.dropFirst(4)) : action
        if useActions.contains(name) { return .use }
        if name.hasPrefix("Describe") || name.hasPrefix("Get") || name.hasPrefix("List") { return .read }
        return .manage
    }

    /// Expands an `Action` value (string or list, `*` and `?` wildcards, case-insensitive) to KMS action names.
    /// Unknown non-KMS actions are dropped.
    public static func expand(_ value: JSONValue, dialect: any PolicyDialect = PolicyDialects.Plain()) -> Set<String> {
        var out = Set<String>()
        for item in value.asList {
            guard let pattern = dialect.resolve(item) else { continue }
            if pattern == "*" { out.formUnion(all); continue }
            let lower = pattern.lowercased()
            for a in all where matches(a.lowercased(), lower) { out.insert(a) }
        }
        return out
    }

    /// Glob match with `*` and `?` (IAM action grammar).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text), p = Array(pattern)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) { ti += 1; pi += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
