import CEKAuditHCL
import Foundation
import Testing

/// The native-syntax parser against the constructs of HashiCorp's HCL syntax specification (hclsyntax spec.md).
struct HCLParserTests {
    func parse(_ text: String, file: String = "main.tf") throws -> HCLBody {
        try HCLParser.parse(Data(text.utf8), filename: file)
    }

    func expr(_ text: String) throws -> HCLExpression.Kind {
        try HCLParser.parseExpression(text).kind
    }

    func literal(_ e: HCLExpression.Kind) -> String? {
        guard case .template(let parts) = e else { return nil }
        return parts.map { if case .literal(let s) = $0 { s } else { "<\($0)>" } }.joined()
    }

    @Test func attributesBlocksLabelsAndComments() throws {
        let body = try parse("""
        # hash comment
        // slash comment
        /* block
           comment */ region = "eu-west-1"
        resource "aws_kms_key" main {
          description = "k" # trailing
          enable_key_rotation = true
          nested {
            a = 1
          }
        }
        empty {}
        one "line" { x = 2 }

        """)
        #expect(body.attributes.map(\.name) == ["region"])
        #expect(body.attributes[0].range.start.line == 4)
        #expect(body.attributes[0].range.start.column == 15)
        let r = try #require(body.blocks("resource").first)
        #expect(r.labels == ["aws_kms_key", "main"])
        #expect(r.typeRange.start.line == 5)
        #expect(r.body.attribute("enable_key_rotation")?.expression.kind == .bool(true))
        #expect(r.body.attribute("enable_key_rotation")?.range.start.line == 7)
        #expect(r.body.blocks("nested").first?.body.attribute("a") != nil)
        #expect(body.blocks("empty").first?.body.items.isEmpty == true)
        let one = try #require(body.blocks("one").first)
        #expect(one.labels == ["line"])
        if case .number(let n, _)? = one.body.attribute("x")?.expression.kind { #expect(n == 2) } else { Issue.record("x") }
    }

    @Test func literalsAndNumbers() throws {
        #expect(try expr("true") == .bool(true))
        #expect(try expr("null") == .null)
        #expect(try expr("1.5e3") == .number(1500, "1.5e3"))
        #expect(try expr("42") == .number(42, "42"))
        #expect(literal(try expr(#""a\n\"b\" \u00e9\U0001F600 \\""#)) == "a\n\"b\" é😀 \\")
        #expect(literal(try expr(#""$${x} %%{y}""#)) == "${x} %{y}")
    }

    @Test func operatorPrecedence() throws {
        // 1 + 2 * 3 == 7 || !a && -b < c  →  ((1 + (2*3)) == 7) || ((!a) && ((-b) < c))
        guard case .binary(.or, let l, let r) = try expr("1 + 2 * 3 == 7 || !a && -b < c") else { Issue.record("or"); return }
        guard case .binary(.equal, let sum, _) = l.kind, case .binary(.add, _, let mul) = sum.kind, case .binary(.multiply, _, _) = mul.kind else {
            Issue.record("left"); return
        }
        guard case .binary(.and, let na, let cmp) = r.kind, case .unary(.not, _) = na.kind, case .binary(.less, let neg, _) = cmp.kind,
              case .unary(.negate, _) = neg.kind else { Issue.record("right"); return }
        // Left associativity: 8 - 2 - 1 → (8 - 2) - 1.
        guard case .binary(.subtract, let ll, _) = try expr("8 - 2 - 1"), case .binary(.subtract, _, _) = ll.kind else { Issue.record("assoc"); return }
        guard case .binary(.modulo, _, _) = try expr("a % b") else { Issue.record("mod"); return }
        guard case .binary(.greaterOrEqual, _, _) = try expr("a >= b"), case .binary(.notEqual, _, _) = try expr("a != b"),
              case .binary(.lessOrEqual, _, _) = try expr("a <= b"), case .binary(.divide, _, _) = try expr("a / b") else { Issue.record("ops"); return }
    }

    @Test func conditionalAndParentheses() throws {
        guard case .conditional(let c, _, let no) = try expr("a == 1 ? \"x\" : b ? 2 : 3") else { Issue.record("cond"); return }
        guard case .binary(.equal, _, _) = c.kind, case .conditional = no.kind else { Issue.record("nested"); return }
        guard case .binary(.multiply, let p, _) = try expr("(1 + 2) * 3"), case .parenthesized = p.kind else { Issue.record("paren"); return }
    }

    @Test func traversalsAndSplats() throws {
        let e = try HCLParser.parseExpression(#"aws_kms_key.main["k"].arn"#)
        let t = try #require(e.traversal)
        #expect(t.root == "aws_kms_key")
        #expect(t.steps == [.attribute("main"), .index(.string("k")), .attribute("arn")])
        let legacy = try #require(try HCLParser.parseExpression("var.list.0.id").traversal)
        #expect(legacy.steps == [.attribute("list"), .index(.number(0)), .attribute("id")])
        guard case .splat(let s, let each, false) = try expr("aws_kms_key.k.*.arn") else { Issue.record("attr splat"); return }
        #expect(s.traversal?.steps == [.attribute("k")])
        guard case .getAttribute(_, "arn") = each.kind else { Issue.record("each"); return }
        guard case .splat(_, let each2, true) = try expr("x[*].a[0].b") else { Issue.record("full splat"); return }
        guard case .getAttribute(let i, "b") = each2.kind, case .index = i.kind else { Issue.record("full each"); return }
        // An attribute-only splat stops at an index: x.*.a[0] is (x.*.a)[0].
        guard case .index(let inner, _) = try expr("x.*.a[0]"), case .splat = inner.kind else { Issue.record("attr splat stop"); return }
    }

    @Test func functionCallsWithExpansion() throws {
        guard case .call("concat", let args, expandFinal: false) = try expr("concat([1], [2,\n 3],)") else { Issue.record("call"); return }
        #expect(args.count == 2)
        guard case .call("max", let a2, expandFinal: true) = try expr("max(var.list...)") else { Issue.record("expand"); return }
        #expect(a2.count == 1)
        guard case .call("provider::aws::arn_parse", _, _) = try expr("provider::aws::arn_parse(x)") else { Issue.record("provider"); return }
        #expect(throws: HCLSyntaxError.self) { try HCLParser.parseExpression("f(a..., b)") }
    }

    @Test func tuplesAndObjects() throws {
        guard case .tuple(let items) = try expr("[1, \"two\",\n [3],\n]") else { Issue.record("tuple"); return }
        #expect(items.count == 3)
        let body = try parse("""
        tags = {
          Name = "x"
          "quoted key": 1, (var.k) = 2
          nested = { a = [1] }
        }
        """)
        guard case .object(let o)? = body.attribute("tags")?.expression.kind else { Issue.record("object"); return }
        #expect(o.count == 4)
        #expect(o[0].key.kind == .variable("Name"))
        guard case .parenthesized = o[2].key.kind else { Issue.record("paren key"); return }
    }

    @Test func forExpressions() throws {
        guard case .forExpression(let f) = try expr("[for s in var.list : upper(s) if s != \"\"]") else { Issue.record("tuple for"); return }
        #expect(f.keyVariable == nil && f.valueVariable == "s" && f.keyResult == nil && f.condition != nil)
        guard case .forExpression(let g) = try expr("{\n for k, v in var.map :\n v => k...\n }") else { Issue.record("object for"); return }
        #expect(g.keyVariable == "k" && g.valueVariable == "v" && g.grouping && g.keyResult != nil)
    }

    @Test func templatesWithDirectivesAndStripMarkers() throws {
        guard case .template(let parts) = try expr(#""Hello, ${var.name}!""#) else { Issue.record("t"); return }
        #expect(parts.count == 3)
        guard case .interpolation(let i) = parts[1], i.traversal?.root == "var" else { Issue.record("interp"); return }
        guard case .template(let p2) = try expr(#""%{ if a }yes%{ else }no%{ endif }""#), case .conditional(_, let y, let n) = p2.first else {
            Issue.record("if"); return
        }
        #expect(y == [.literal("yes")] && n == [.literal("no")])
        guard case .template(let p3) = try expr(#""a  ${~ x ~}  b""#) else { Issue.record("strip"); return }
        #expect(p3.count == 3)
        #expect(p3.first == .literal("a") && p3.last == .literal("b"))
        guard case .template(let p4) = try expr(#""%{for k, v in m}${k}=${v},%{endfor}""#), case .loop("k", "v", _, let body) = p4.first else {
            Issue.record("for"); return
        }
        #expect(body.count == 4)
        #expect(throws: HCLSyntaxError.self) { try HCLParser.parseExpression(#""%{if a}x""#) }
        #expect(throws: HCLSyntaxError.self) { try HCLParser.parseExpression(#""%{endif}""#) }
    }

    @Test func heredocs() throws {
        let body = try parse("""
        policy = <<EOT
        {
          "Version": "${var.v}"
        }
        EOT
        flush = <<-EOT
            first
              second
            ${x}
            EOT
        after = 1
        """)
        guard case .template(let p)? = body.attribute("policy")?.expression.kind else { Issue.record("heredoc"); return }
        #expect(p == [.literal("{\n  \"Version\": \""), p[1], .literal("\"\n}\n")])
        guard case .template(let f)? = body.attribute("flush")?.expression.kind else { Issue.record("flush"); return }
        #expect(f.first == .literal("first\n  second\n"))
        #expect(f.last == .literal("\n"))
        #expect(body.attribute("after")?.range.start.line == 11)
        #expect(throws: HCLSyntaxError.self) { try parse("a = <<EOT\nno end\n") }
    }

    @Test func errorsNameFileLineAndColumn() throws {
        do {
            _ = try parse("a = 1\nb = [1, 2\nc = 3\n", file: "dir/x.tf")
            Issue.record("no error")
        } catch let error as HCLSyntaxError {
            #expect(error.range.filename == "dir/x.tf")
            #expect(error.range.start.line == 3)
            #expect(error.description.hasPrefix("dir/x.tf:3:"))
        }
        for bad in ["a = ", "a = 1 b = 2", "resource \"x\" {", "}", "a = \"unterminated\n", "a = {b = 1", "a = 1 +", "x \"${y}\" {}",
                    "a = f(", "a = x[", "a = \"\\q\"", "a = <<EOT x\nEOT\n", "a = [for x in y]", "a = {for x in y : x}", "a = 1 & 2"] {
            #expect(throws: HCLSyntaxError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test func hostileNestingIsAnErrorNotACrash() async throws {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let opened = String(repeating: "(", count: 100_000)
        let unary = "a = " + String(repeating: "-", count: 100_000) + "1"
        let blocks = String(repeating: "b {\n", count: 5000)
        let directives = "a = \"" + String(repeating: "%{if x}", count: 5000) + "\""
        let interp = "a = \"" + String(repeating: "${\"", count: 3000) + "\""
        await Task.detached {
            for text in ["a = " + deep, "a = " + opened, unary, blocks, directives, interp] {
                #expect(throws: HCLSyntaxError.self) { try HCLParser.parse(Data(text.utf8), filename: "deep.tf") }
            }
        }.value
    }

    @Test func unicodeIdentifiersAndColumns() throws {
        let body = try parse("résumé = \"é\"\nx-y = 1\n")
        #expect(body.attributes.map(\.name) == ["résumé", "x-y"])
        #expect(body.attributes[0].expression.range.start.column == 10)
    }
}
