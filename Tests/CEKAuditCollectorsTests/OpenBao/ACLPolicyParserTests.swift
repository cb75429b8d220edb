import Testing
@testable import CEKAuditCollectorKit
@testable import CEKAuditCore
@testable import CEKAuditOpenBao

struct ACLPolicyParserTests {
    @Test func readsHCLStanzasWithCommentsAndNestedBlocks() throws {
        let text = """
        # tenant A's key users
        path "transit/encrypt/*" {
          capabilities = ["update"]
        }
        // legacy shorthand
        path "transit/keys/*" { policy = "read" }
        /* parameters are parsed and ignored */
        path "transit/keys/orders/config" {
          capabilities = ["update", "read"]
          allowed_parameters = {
            "auto_rotate_period" = []
            "*" = ["x"]
          }
          min_wrapping_ttl = "1s"
        }
        path "sys/health" { capabilities = ["read", "sudo"], }
        """
        let rules = try ACLPolicyParser.parse(text)
        #expect(rules.map(\.path) == ["transit/encrypt/*", "transit/keys/*", "transit/keys/orders/config", "sys/health"])
        #expect(rules[0].capabilities == ["update"])
        #expect(rules[1].capabilities == ["read", "list"])
        #expect(rules[2].capabilities == ["update", "read"])
        #expect(rules[0].line == 2)
        #expect(rules[2].line == 8)
    }

    @Test func readsTheJSONForm() throws {
        let text = #"{"path": {"tenant-b/transit/decrypt/*": {"capabilities": ["update"]}, "transit/keys/*": {"policy": "deny"}}}"#
        let rules = try ACLPolicyParser.parse(text)
        #expect(Set(rules.map(\.path)) == ["tenant-b/transit/decrypt/*", "transit/keys/*"])
        #expect(rules.first { $0.path == "transit/keys/*" }?.capabilities == ["deny"])
    }

    @Test func readsHeredocsAndEmptyPolicies() throws {
        #expect(try ACLPolicyParser.parse("").isEmpty)
        let rules = try ACLPolicyParser.parse("""
        path "transit/*" {
          capabilities = ["read"]
          description = <<EOT
        several "quoted" lines
        EOT
        }
        """)
        #expect(rules.map(\.path) == ["transit/*"])
    }

    @Test(arguments: [
        ("path \"transit/*\" { capabilities = [\"read\"]", 1),
        ("path \"transit/*\n\" {}", 1),
        ("path \"a\" {}\npath \"b\" { capabilities = [\"read\" }", 2),
        ("path \"a\" { capabilities = [\"read\"] } @", 1),
    ])
    func syntaxErrorsNameTheirLine(_ text: String, _ line: Int) {
        #expect(throws: ACLPolicyParser.SyntaxError.self) { try ACLPolicyParser.parse(text) }
        do { _ = try ACLPolicyParser.parse(text) } catch let e as ACLPolicyParser.SyntaxError {
            #expect(e.line == line, "\(e)")
        } catch { Issue.record("unexpected \(error)") }
    }
}
