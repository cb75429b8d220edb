import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Resolves the CloudFormation expressions that can be resolved without deploying: `Fn::Sub` and `Fn::Join` over
/// literals and the pseudo parameters `AWS::AccountId` (→ ``PolicyDialects/currentAccount``),
/// `AWS::Partition` (→ `aws`). Anything else (`Ref` to a parameter, `Fn::ImportValue`, `Fn::If`) is unresolved.
public enum TemplateExpression {
    /// The string value, or `nil` when it depends on something only known at deployment.
    public static func resolve(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .number: return value.compactText
        case .bool(let b): return b ? "true" : "false"
        case .object(let o) where o.count == 1:
            if let ref = o["Ref"]?.stringValue { return pseudo(ref) }
            if let sub = o["Fn::Sub"] {
                var template: String?
                var vars: [String: JSONValue] = [:]
                if case .string(let s) = sub { template = s }
                if case .array(let parts) = sub, let first = parts.first?.stringValue {
                    template = first
                    vars = parts.count > 1 ? (parts[1].objectValue ?? [:]) : [:]
                }
                guard let template else { return nil }
                return substitute(template, vars: vars)
            }
            if let join = o["Fn::Join"], case .array(let parts) = join, parts.count == 2,
               let sep = parts[0].stringValue, case .array(let items) = parts[1] {
                let resolved = items.map(resolve)
                if resolved.contains(where: { $0 == nil }) { return nil }
                return resolved.compactMap { $0 }.joined(separator: sep)
            }
            return nil
        default: return nil
        }
    }

    static func pseudo(_ name: String) -> String? {
        switch name {
        case "AWS::AccountId": return PolicyDialects.currentAccount
        case "AWS::Partition": return "aws"
        case "AWS::URLSuffix": return "amazonaws.com"
        default: return nil
        }
    }

    static func substitute(_ template: String, vars: [String: JSONValue]) -> String? {
        var out = ""
        var rest = Substring(template)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { return nil }
            let name = String(rest[start.upperBound..<end])
            if name.hasPrefix("!") { out += "${" + name.dropFirst() + "}" }
            else if let v = vars[name] { guard let r = resolve(v) else { return nil }; out += r }
            else if let p = pseudo(name) { out += p }
            else { return nil }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

/// CloudFormation as a policy dialect: `Fn::Sub`, `Fn::Join` and pseudo parameters resolve as far as they can
/// without deploying (``TemplateExpression``); `Fn::If` yields both branches, each flagged conditional, and an
/// `AWS::NoValue` branch vanishes (AWS CloudFormation User Guide, "Condition functions").
public struct CloudFormationPolicyDialect: PolicyDialect {
    public init() {}
    public var format: String { "cloudformation" }
    public func resolve(_ value: JSONValue) -> String? { TemplateExpression.resolve(value) }

    public func branches(_ value: JSONValue) -> [(value: JSONValue, conditional: Bool)] {
        guard case .object(let o) = value, o.count == 1, case .array(let parts)? = o["Fn::If"], parts.count == 3 else { return [(value, false)] }
        return [parts[1], parts[2]].flatMap { part -> [(value: JSONValue, conditional: Bool)] in
            if part == .object(["Ref": .string("AWS::NoValue")]) { return [] }
            return branches(part).map { ($0.value, true) }
        }
    }
}
