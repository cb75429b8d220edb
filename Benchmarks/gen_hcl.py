#!/usr/bin/env python3
"""Generates a Terraform root module for Benchmarks/hcl-parse.sh: FILES files of about LINES lines each, in the
styles key configurations use (variables, locals, for_each, aws_iam_policy_document, heredoc and jsonencode
policies, templates with directives, references between resources). Placeholder accounts only."""
import os
import sys

out, files, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "terraform.tfvars"), "w") as f:
    f.write('accounts = {\n' + ''.join(f'  t{i} = "1111222233{i:02d}"\n' for i in range(10)) + '}\n')
with open(os.path.join(out, "variables.tf"), "w") as f:
    f.write('variable "accounts" {\n  type = map(string)\n}\n\nvariable "unset" {\n  type = string\n}\n')
for n in range(files):
    body = []
    # About 50 lines per group of blocks.
    for i in range(max(1, lines // 50)):
        body.append(f'''locals {{
  names_{n}_{i} = [for k, v in var.accounts : "${{k}}-{n}-{i}" if v != ""]
  tags_{n}_{i}  = merge({{ team = "t{n}" }}, {{ index = {i} * 2 + 1 }})
}}

data "aws_iam_policy_document" "p_{n}_{i}" {{
  statement {{
    sid       = "Tenant"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {{
      type        = "AWS"
      identifiers = [for a in values(var.accounts) : "arn:aws:iam::${{a}}:root"]
    }}
    condition {{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.eu-west-1.amazonaws.com"]
    }}
  }}
}}

resource "aws_kms_key" "k_{n}_{i}" {{
  for_each            = var.accounts
  description         = "key ${{each.key}} %{{if each.value != ""}}for ${{each.value}}%{{else}}unassigned%{{endif}}"
  enable_key_rotation = length(local.names_{n}_{i}) > 0 ? true : false
  policy              = data.aws_iam_policy_document.p_{n}_{i}.json
  tags                = local.tags_{n}_{i}
}}

resource "aws_kms_key" "h_{n}_{i}" {{
  description = upper(format("%s-%d", "heredoc", {i}))
  policy      = <<-EOT
    {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "${{var.unset}}"}}, "Action": "kms:*", "Resource": "*"}}]}}
  EOT
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b_{n}_{i}" {{
  bucket = "bucket-{n}-{i}"
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.k_{n}_{i}["t1"].arn
    }}
  }}
}}
''')
    text = "\n".join(body)
    # Comments fill the file up to LINES lines, so the total is FILES x LINES.
    text += "".join(f"# padding line {k}\n" for k in range(max(0, lines - text.count("\n"))))
    with open(os.path.join(out, f"file_{n:03d}.tf"), "w") as f:
        f.write(text)
