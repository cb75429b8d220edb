variable "rotate" {
  type    = bool
  default = false
}

variable "admin_account" {
  type = string
}

resource "aws_kms_key" "main" {
  description         = "Key configured per environment"
  enable_key_rotation = var.rotate
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Admin"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.admin_account}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
