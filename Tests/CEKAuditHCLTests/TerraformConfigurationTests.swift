import CEKAuditHCL
import Foundation
import Testing

/// Terraform module semantics over the project's HCL fixtures (Tests/CEKAuditCollectorsTests/Fixtures/hcl).
struct TerraformConfigurationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CEKAuditCollectorsTests/Fixtures/hcl")

    @Test func localModuleWithForEachOverTenants() throws {
        let c = TerraformConfiguration(folder: Self.fixtures.appendingPathComponent("tenants/terraform"))
        let keys = c.resources.filter { $0.type == "aws_kms_key" }
        #expect(keys.map(\.address) == ["module.tenant_key[\"alpha\"].aws_kms_key.this", "module.tenant_key[\"bravo\"].aws_kms_key.this",
                                        "module.tenant_key[\"charlie\"].aws_kms_key.this", "module.tenant_key[\"delta\"].aws_kms_key.this"])
        let alpha = try #require(keys.first)
        #expect(alpha.range.filename == "modules/kms/main.tf")
        #expect(alpha.range.start.line == 39)
        #expect(alpha.attributeRanges["enable_key_rotation"]?.start.line == 41)
        let policy = try #require(alpha.values["policy"]?.stringValue)
        let doc = try HCLValue.fromJSON(policy)
        #expect(doc["Statement"]?.listValue.count == 2)
        #expect(doc["Statement"]?.listValue.last?["Principal"]?["AWS"] == .string("arn:aws:iam::444455556666:root"))
        #expect(alpha.values["tags"]?["tenant"] == .string("alpha"))
        #expect(alpha.references["policy"]?.contains("module.tenant_key[\"alpha\"].data.aws_iam_policy_document.key") == true)
        // The fourth tenant's account has no value: only its policy is unknown.
        let delta = try #require(keys.last)
        #expect(delta.values["policy"]?.isUnknown == true)
        #expect(delta.values["policy"]?.unknownReason?.contains("delta_account") == true)
        #expect(keys.dropLast().allSatisfy { $0.values["policy"]?.stringValue != nil })
        // The bucket's key is a provider-computed ARN, but the reference reaches the module's key.
        let bucket = try #require(c.resources.first { $0.type == "aws_s3_bucket_server_side_encryption_configuration" })
        let refs = bucket.references["rule.apply_server_side_encryption_by_default.kms_master_key_id"] ?? []
        #expect(refs.contains("module.tenant_key[\"alpha\"].aws_kms_key.this.arn"))
        #expect(bucket.values["rule"]?.listValue.first?["apply_server_side_encryption_by_default"]?.listValue.first?["kms_master_key_id"]?.isUnknown == true)
        let alias = try #require(c.resources.first { $0.address == "module.tenant_key[\"bravo\"].aws_kms_alias.this" })
        #expect(alias.values["name"] == .string("alias/tenant-bravo"))
        #expect(alias.references["target_key_id"]?.contains("module.tenant_key[\"bravo\"].aws_kms_key.this") == true)
        #expect(c.files == ["terraform.tfvars", "main.tf", "modules/kms/main.tf"])
        #expect(c.notes.isEmpty)
    }
}

/// The JSON form (`*.tf.json`) and what cannot be known offline.
struct TerraformJSONFormAndUnknownsTests {
    func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tf-\(UUID().uuidString)")
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return dir
    }

    /// What is not known offline stays unknown: a module called with an unknown count (its resources stand for an
    /// unknown number of instances), an unknown dynamic block followed by a static one of the same type (the list stays
    /// unknown, so a policy document is not rendered from the static statement alone), for_each over a list holding a
    /// non-string, and a module folder that is a symbolic link leaving the assessed folder.
    @Test func unknownsAreNotMadeKnown() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("tf-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(#"resource "aws_kms_key" "outside" { description = "x" }"#.utf8).write(to: outside.appendingPathComponent("main.tf"))
        let dir = try folder([
            "main.tf": """
            variable "create" {}
            variable "extra_statements" {}
            module "maybe" {
              source = "./modules/k"
              count  = var.create ? 1 : 0
            }
            module "linked" {
              source = "./vendor"
            }
            data "aws_iam_policy_document" "p" {
              dynamic "statement" {
                for_each = var.extra_statements
                content {
                  actions   = ["kms:*"]
                  resources = ["*"]
                }
              }
              statement {
                actions   = ["kms:Decrypt"]
                resources = ["*"]
              }
            }
            resource "aws_kms_key" "odd" {
              for_each    = ["a", null]
              description = each.key
            }
            """,
            "modules/k/main.tf": #"resource "aws_kms_key" "this" { description = "k" }"#,
        ])
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("vendor"), withDestinationURL: outside)
        let c = TerraformConfiguration(folder: dir)
        let inModule = try #require(c.resources.first { $0.address.hasPrefix("module.maybe") && $0.type == "aws_kms_key" })
        #expect(inModule.multiplicityUnknown, "\(inModule.address)")
        #expect(!c.resources.contains { $0.address.hasPrefix("module.linked") }, "a module behind a link leaving the folder is not read")
        let policy = try #require(c.resources.first { $0.address == "data.aws_iam_policy_document.p" })
        #expect(policy.values["json"]?.isUnknown == true, "\(String(describing: policy.values["json"]))")
        let odd = c.resources.filter { $0.address.hasPrefix("aws_kms_key.odd") }
        #expect(odd.count == 1 && odd[0].multiplicityUnknown, "\(odd.map(\.address))")
    }

    /// `path.root` from a child module is the way back to the root module (not the child's own folder), the workspace is
    /// unknown offline, and a template file cannot call templatefile (Terraform forbids it; a template including itself
    /// would double the work at every level).
    @Test func pathRootWorkspaceAndTemplateRecursion() throws {
        let dir = try folder([
            "main.tf": """
            module "k" { source = "./modules/k" }
            resource "aws_kms_key" "per_workspace" {
              count       = terraform.workspace == "prod" ? 1 : 0
              description = "w"
            }
            resource "aws_kms_key" "templated" {
              description = templatefile("${path.module}/outer.tpl", {})
            }
            """,
            "root.txt": "from the root module",
            "outer.tpl": "${templatefile(\"outer.tpl\", {})}",
            "modules/k/main.tf": """
            resource "aws_kms_key" "this" { description = file("${path.root}/root.txt") }
            """,
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = TerraformConfiguration(folder: dir)
        let inner = try #require(c.resources.first { $0.address == "module.k.aws_kms_key.this" })
        #expect(inner.values["description"] == .string("from the root module"))
        let perWorkspace = c.resources.filter { $0.address.hasPrefix("aws_kms_key.per_workspace") }
        #expect(perWorkspace.count == 1 && perWorkspace[0].multiplicityUnknown)
        let templated = try #require(c.resources.first { $0.address == "aws_kms_key.templated" })
        #expect(templated.values["description"]?.unknownReason?.contains("templatefile cannot be called from a template file") == true,
                "\(String(describing: templated.values["description"]))")
    }

    @Test func jsonFormReadsIntoTheSameModel() throws {
        let dir = try folder(["main.tf.json": """
        {
          "variable": {"rotate": {"default": true}},
          "resource": {
            "aws_kms_key": {"data": {"description": "json key", "enable_key_rotation": "${var.rotate}", "tags": {"team": "a"}}},
            "aws_ebs_volume": {"v": {"encrypted": true, "kms_key_id": "${aws_kms_key.data.arn}",
                                      "dynamic": {"tag": {"for_each": ["x"], "content": {"key": "${tag.value}"}}}}}
          }
        }
        """])
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = TerraformConfiguration(folder: dir)
        #expect(c.notes.isEmpty)
        let key = try #require(c.resources.first { $0.address == "aws_kms_key.data" })
        #expect(key.values["enable_key_rotation"] == .bool(true))
        #expect(key.values["tags"] == .object(["team": .string("a")]))
        #expect(key.range.filename == "main.tf.json")
        let volume = try #require(c.resources.first { $0.address == "aws_ebs_volume.v" })
        #expect(volume.values["kms_key_id"]?.isUnknown == true, "an ARN is computed by the provider")
        #expect(volume.references["kms_key_id"] == ["aws_kms_key.data.arn", "aws_kms_key.data"])
        #expect(volume.values["tag"] == .list([.object(["key": .string("x")])]))
    }

    @Test func unknownCountRegistryModulesSyntaxErrorsAndCycles() throws {
        let dir = try folder([
            "main.tf": """
            variable "n" {}
            resource "aws_kms_key" "many" {
              count       = var.n
              description = "key ${count.index}"
            }
            resource "aws_kms_key" "listed" {
              for_each = toset(["b", "a"])
              description = each.key
            }
            locals {
              a = local.b
              b = local.a
            }
            resource "aws_kms_alias" "x" {
              name          = local.a
              target_key_id = aws_kms_key.many[0].key_id
            }
            module "remote" {
              source = "git::https://example.com/modules/kms.git"
            }
            module "local" {
              source = "./modules/k"
              name   = "inner"
            }
            output "arn" { value = module.local.arn }
            """,
            "modules/k/main.tf": """
            variable "name" {}
            resource "aws_kms_key" "this" { description = var.name }
            output "arn" { value = aws_kms_key.this.arn }
            """,
            "bad.tf": "resource \"x\" \"y\" {\n  a = [1,\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = TerraformConfiguration(folder: dir)
        let many = try #require(c.resources.first { $0.address == "aws_kms_key.many" })
        #expect(many.multiplicityUnknown)
        #expect(c.resources.filter { $0.type == "aws_kms_key" && $0.address.hasPrefix("aws_kms_key.listed") }.map(\.address)
                == ["aws_kms_key.listed[\"a\"]", "aws_kms_key.listed[\"b\"]"])
        let alias = try #require(c.resources.first { $0.address == "aws_kms_alias.x" })
        #expect(alias.values["name"]?.isUnknown == true, "a cycle is unknown, never a crash")
        #expect(alias.values["target_key_id"]?.isUnknown == true)
        #expect(c.modulesNotRead.map(\.address) == ["module.remote"])
        #expect(c.resources.contains { $0.address == "module.local.aws_kms_key.this" && $0.values["description"] == .string("inner") })
        #expect(c.moduleFolders.contains(dir.appendingPathComponent("modules/k").standardizedFileURL.path))
        let bad = try #require(c.notes.first { $0.fileSkipped })
        #expect(bad.range.filename == "bad.tf")
        #expect(bad.range.start.line == 3)
        #expect(c.files.contains("main.tf") && c.files.contains("bad.tf"))
    }
}

/// Hostile configurations end, with a note, instead of expanding without bound.
struct TerraformHostileConfigurationTests {
    @Test func aModuleCallingItselfWithCountIsBounded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("""
        module "again" {
          source = "./"
          count  = 10000
        }
        resource "aws_kms_key" "k" {
          count = 10000
        }
        """.utf8).write(to: dir.appendingPathComponent("main.tf"))
        let (count, noted) = await Task.detached {
            let c = TerraformConfiguration(folder: dir)
            return (c.resources.count, c.notes.contains { $0.message.contains("more than \(TerraformConfiguration.maximumInstances)") })
        }.value
        #expect(count <= TerraformConfiguration.maximumInstances)
        #expect(noted)
    }

    @Test func aLongChainOfLocalsIsUnknownNotAStackOverflow() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "locals {\n  l0 = \"x\"\n"
        for i in 1..<5000 { text += "  l\(i) = local.l\(i - 1)\n" }
        text += "}\nresource \"aws_kms_key\" \"k\" {\n  description = local.l4999\n}\nresource \"aws_kms_key\" \"near\" {\n  description = local.l50\n}\n"
        try Data(text.utf8).write(to: dir.appendingPathComponent("main.tf"))
        let (far, near) = await Task.detached {
            let c = TerraformConfiguration(folder: dir)
            return (c.resources.first { $0.address == "aws_kms_key.k" }?.values["description"],
                    c.resources.first { $0.address == "aws_kms_key.near" }?.values["description"])
        }.value
        #expect(far?.isUnknown == true)
        #expect(near == .string("x"))
    }
}
