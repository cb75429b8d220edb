import CEKAuditHCL
import Foundation
import Testing

/// Offline evaluation: values, the unknown that propagates, Terraform functions, and file access only inside the folder.
struct HCLEvaluatorTests {
    func eval(_ text: String, _ vars: [String: HCLValue] = [:], root: URL? = nil) throws -> HCLValue {
        let e = HCLEvaluator(variables: vars, root: root)
        return try e.evaluate(try HCLParser.parseExpression(text))
    }

    let vars: [String: HCLValue] = [
        "var": .object(["account": .string("111122223333"), "missing": .unknown("variable missing has no value"),
                        "tenants": .object(["a": .string("111122223333"), "b": .string("444455556666")]),
                        "list": .list([.number(1), .number(2), .number(3)])]),
        "local": .object(["name": .string("key")]),
    ]

    @Test func operatorsTemplatesAndConditionals() throws {
        #expect(try eval("1 + 2 * 3") == .number(7))
        #expect(try eval("(1 + 2) * 3 % 4") == .number(1))
        #expect(try eval("-3 < 2 && !false") == .bool(true))
        #expect(try eval("\"a\" == \"a\" ? \"yes\" : \"no\"") == .string("yes"))
        #expect(try eval("\"arn:aws:iam::${var.account}:root\"", vars) == .string("arn:aws:iam::111122223333:root"))
        #expect(try eval("\"${var.list}\"", vars) == .list([.number(1), .number(2), .number(3)]))
        #expect(try eval("\"%{for k, v in var.tenants}${k}=${v};%{endfor}\"", vars) == .string("a=111122223333;b=444455556666;"))
        #expect(try eval("\"%{if length(var.list) > 2}many%{else}few%{endif}\"", vars) == .string("many"))
    }

    @Test func unknownPropagatesAndIsNeverGuessed() throws {
        #expect(try eval("\"arn:aws:iam::${var.missing}:root\"", vars).isUnknown)
        #expect(try eval("var.missing == \"x\"", vars).isUnknown)
        #expect(try eval("var.missing ? 1 : 2", vars).isUnknown)
        #expect(try eval("upper(var.missing)", vars).isUnknown)
        #expect(try eval("jsonencode({a = [var.missing]})", vars).isUnknown)
        #expect(try eval("length([var.missing, 1])", vars) == .number(2))
        #expect(try eval("[for x in [var.missing] : x]", vars) == .list([.unknown("variable missing has no value")]))
        // A resource's attribute not in its configuration is provider-computed: unknown, not an error.
        let key = HCLValue.object(["description": .string("k"), HCLEvaluator.computedMarker: .bool(true)])
        #expect(try eval("aws_kms_key.main.arn", ["aws_kms_key": .object(["main": key])]).isUnknown)
        #expect(throws: HCLEvaluationError.self) { try eval("var.nope", vars) }
        #expect(throws: HCLEvaluationError.self) { try eval("undefined_name") }
        #expect(throws: HCLEvaluationError.self) { try eval("not_a_function(1)") }
    }

    @Test func collectionsSplatsAndFor() throws {
        #expect(try eval("[{a = 1}, {a = 2}][*].a") == .list([.number(1), .number(2)]))
        #expect(try eval("[{a = {b = 1}}].*.a.b") == .list([.number(1)]))
        #expect(try eval("{a = 1}[*].a") == .list([.number(1)]), "a value that is not a list is a one-element tuple")
        #expect(try eval("null[*].a") == .list([]))
        #expect(try eval("{for k, v in var.tenants : v => k}", vars)
                == .object(["111122223333": .string("a"), "444455556666": .string("b")]))
        #expect(try eval("{for v in [\"a\", \"b\", \"a\"] : v => v...}") == .object(["a": .list([.string("a"), .string("a")]), "b": .list([.string("b")])]))
        #expect(throws: HCLEvaluationError.self) { try eval("{for v in [\"a\", \"a\"] : v => v}") }
        #expect(try eval("[for i, v in var.list : i * v if v > 1]", vars) == .list([.number(2), .number(6)]))
        #expect(try eval("var.list[1]", vars) == .number(2))
        #expect(try eval("var.tenants[\"b\"]", vars) == .string("444455556666"))
        #expect(try eval("{ (local.name) = 1, plain = 2 }", vars) == .object(["key": .number(1), "plain": .number(2)]))
    }

    @Test func terraformFunctions() throws {
        #expect(try eval("jsonencode({b = [1, true, null], a = \"<x>\"})") == .string(#"{"a":"\u003cx\u003e","b":[1,true,null]}"#))
        #expect(try eval("jsondecode(\"{\\\"a\\\": [1, 2.5]}\")") == .object(["a": .list([.number(1), .number(2.5)])]))
        #expect(try eval("format(\"%s-%d-%q-%%\", \"a\", 4, \"q\")") == .string("a-4-\"q\"-%"))
        #expect(try eval("join(\",\", split(\"/\", \"a/b/c\"))") == .string("a,b,c"))
        #expect(try eval("concat([1], [2, 3])") == .list([.number(1), .number(2), .number(3)]))
        #expect(try eval("merge({a = 1, b = 1}, {b = 2})") == .object(["a": .number(1), "b": .number(2)]))
        #expect(try eval("lookup({a = 1}, \"b\", 5)") == .number(5))
        #expect(try eval("element([\"a\", \"b\"], 3)") == .string("b"))
        #expect(try eval("toset([\"b\", \"a\", \"b\"])") == .list([.string("a"), .string("b")]))
        #expect(try eval("keys({b = 1, a = 2})") == .list([.string("a"), .string("b")]))
        #expect(try eval("values({b = 1, a = 2})") == .list([.number(2), .number(1)]))
        #expect(try eval("coalesce(null, \"\", \"x\")") == .string("x"))
        #expect(try eval("try(var.nope, \"fallback\")", vars) == .string("fallback"))
        #expect(try eval("can(var.nope)", vars) == .bool(false))
        #expect(try eval("can(var.account)", vars) == .bool(true))
        #expect(try eval("lower(\"AbC\") == \"abc\" && upper(\"a\") == \"A\"") == .bool(true))
        #expect(try eval("replace(\"a-b-c\", \"-\", \"_\")") == .string("a_b_c"))
        #expect(try eval("replace(\"a1b22\", \"/[0-9]+/\", \"#\")") == .string("a#b#"))
        #expect(try eval("flatten([[1], [[2]], 3])") == .list([.number(1), .number(2), .number(3)]))
        #expect(try eval("distinct([1, 2, 1])") == .list([.number(1), .number(2)]))
        #expect(try eval("contains([\"a\"], \"a\")") == .bool(true))
        #expect(try eval("tomap({a = 1})") == .object(["a": .number(1)]))
        #expect(try eval("tolist([1])") == .list([.number(1)]))
        #expect(try eval("max([1, 5, 2]...)") == .number(5))
    }

    @Test func filesOnlyInsideTheAssessedFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hcl-eval-\(UUID().uuidString)")
        let inside = dir.appendingPathComponent("conf")
        try FileManager.default.createDirectory(at: inside.appendingPathComponent("policies"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"Version\": \"2012-10-17\"}".utf8).write(to: inside.appendingPathComponent("policies/key.json"))
        try Data("arn:aws:iam::${account}:root%{ if admin } admin%{ endif }".utf8).write(to: inside.appendingPathComponent("p.tpl"))
        try Data("secret".utf8).write(to: dir.appendingPathComponent("outside.txt"))
        #expect(try eval("file(\"policies/key.json\")", root: inside) == .string("{\"Version\": \"2012-10-17\"}"))
        #expect(try eval("jsondecode(file(\"policies/key.json\")).Version", root: inside) == .string("2012-10-17"))
        #expect(try eval("templatefile(\"p.tpl\", {account = \"111122223333\", admin = true})", root: inside)
                == .string("arn:aws:iam::111122223333:root admin"))
        let e = HCLEvaluator(root: inside)
        let v = e.value(try HCLParser.parseExpression("file(\"../outside.txt\")"))
        #expect(v.isUnknown)
        #expect(e.notes.count == 1)
        #expect(e.notes.first?.message.contains("leaves the assessed folder") == true)
        #expect(try eval("file(\"/etc/passwd\")", root: inside).isUnknown)
        #expect(try eval("file(\"missing.json\")", root: inside).isUnknown)
        #expect(try eval("file(\"x\")").isUnknown)
    }

    @Test func jsonForm() throws {
        let doc = try HCLJSON.parse(Data(#"{"resource": {"aws_kms_key": {"k": {"description": "a\u00e9\/", "n": -1.5e2}}}, "b": [true, null]}"#.utf8), filename: "main.tf.json")
        #expect(doc.value["b"] == .list([.bool(true), .null]))
        #expect(doc.value["resource"]?["aws_kms_key"]?["k"]?["description"] == .string("aé/"))
        #expect(doc.value["resource"]?["aws_kms_key"]?["k"]?["n"] == .number(-150))
        #expect(throws: HCLSyntaxError.self) { try HCLJSON.parse(Data("{\"a\": }".utf8), filename: "x.json") }
        #expect(throws: HCLSyntaxError.self) { try HCLJSON.parse(Data("[1] 2".utf8), filename: "x.json") }
    }
}
