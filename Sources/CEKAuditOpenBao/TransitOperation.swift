import CEKAuditCollectorKit
import CEKAuditCore
/// A transit secrets engine request classified by what it does to a key (OpenBao API docs, "Transit secrets
/// engine": `keys/:name`, `keys/:name/config|rotate|trim|import|import_version|soft-delete|soft-delete-restore`,
/// `encrypt|decrypt|rewrap|sign|verify|hmac/:name`, `datakey/:type/:name`, `export/:type/:name`, `backup/:name`,
/// `restore[/:name]`).
struct TransitOperation: Sendable, Hashable {
    /// `usage`, `lifecycle` or `access`.
    enum Group: String, Sendable {
        case usage, lifecycle, access
    }

    /// encrypt, decrypt, sign, verify, hmac, rewrap, datakey (uses); create, import, rotate, configure, delete,
    /// disable (soft delete), enable (restore from soft delete), restore (from a backup), export, backup (lifecycle);
    /// read, list (access).
    var category: String
    var group: Group
    /// The key the request names, when it names one (`list` does not).
    var key: String?

    /// Classifies a request `operation` (`create`, `update`, `read`, `delete`, `list`) on `rest`, the path relative
    /// to the transit mount. `nil` for endpoints that do not act on keys (`random`, `hash`, `cache-config` …).
    static func classify(operation rawOperation: String, rest: String) -> TransitOperation? {
        let op = rawOperation.lowercased()
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let head = parts.first else { return nil }
        let key = parts.count > 1 ? parts[1] : nil
        func make(_ category: String, _ group: Group, _ key: String?) -> TransitOperation {
            TransitOperation(category: category, group: group, key: key)
        }
        switch head {
        case "keys":
            guard let key else { return op == "list" ? make("list", .access, nil) : nil }
            if parts.count == 2 {
                switch op {
                case "create", "update": return make("create", .lifecycle, key)
                case "read": return make("read", .access, key)
                case "delete": return make("delete", .lifecycle, key)
                default: return nil
                }
            }
            switch parts[2] {
            case "config", "trim": return make("configure", .lifecycle, key)
            case "rotate": return make("rotate", .lifecycle, key)
            case "import", "import_version": return make("import", .lifecycle, key)
            case "soft-delete": return make("disable", .lifecycle, key)
            case "soft-delete-restore": return make("enable", .lifecycle, key)
            default: return nil
            }
        case "encrypt", "decrypt", "rewrap", "sign", "verify", "hmac":
            guard let key else { return nil }
            return make(head, .usage, key)
        case "datakey":
            guard parts.count > 2 else { return nil }
            return make("datakey", .usage, parts[2])
        case "export":
            guard parts.count > 2 else { return nil }
            return make("export", .lifecycle, parts[2])
        case "backup":
            guard let key else { return nil }
            return make("backup", .lifecycle, key)
        case "restore":
            return make("restore", .lifecycle, key)
        default:
            return nil
        }
    }
}

extension TransitOperation {
    /// The log-source category shared with CloudTrail (`encrypt`, `decrypt`, `generate-data-key`, `re-encrypt`,
    /// `sign-verify-mac`, `lifecycle`, `access`).
    var logCategory: String {
        switch category {
        case "encrypt", "decrypt": return category
        case "datakey": return "generate-data-key"
        case "rewrap": return "re-encrypt"
        case "sign", "verify", "hmac": return "sign-verify-mac"
        default: return group == .access ? "access" : "lifecycle"
        }
    }
}
