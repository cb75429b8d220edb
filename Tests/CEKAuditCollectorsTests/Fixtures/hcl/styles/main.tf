# Styles public configurations use: a heredoc key policy, jsonencode, a policy file, variables from terraform.tfvars,
# a key whose rotation comes from a variable, and a registry module that is not read offline.
variable "account_id" {
  type = string
}

variable "rotate" {
  type    = bool
  default = false
}

resource "aws_kms_key" "heredoc" {
  description         = "Key whose policy is a heredoc"
  enable_key_rotation = true
  policy              = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Root",
          "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::${var.account_id}:root"},
          "Action": "kms:*",
          "Resource": "*"
        }
      ]
    }
  EOT
}

resource "aws_kms_key" "encoded" {
  description         = "Key whose policy is jsonencode()"
  enable_key_rotation = var.rotate
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Everyone"
      Effect    = "Allow"
      Principal = "*"
      Action    = ["kms:Decrypt"]
      Resource  = "*"
    }]
  })
}

resource "aws_kms_key" "from_file" {
  description         = "Key whose policy is a file of the folder"
  enable_key_rotation = true
  policy              = templatefile("${path.module}/policies/key.tpl", { account = var.account_id })
}

resource "aws_kms_key" "outside" {
  description         = "Key whose policy file is outside the assessed folder"
  enable_key_rotation = true
  policy              = file("../../outside-policy.json")
}

resource "aws_kms_alias" "heredoc" {
  name          = "alias/heredoc"
  target_key_id = aws_kms_key.heredoc.key_id
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = true
  kms_key_id        = aws_kms_key.heredoc.arn
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
  name    = "main"
}
