# Root module: one customer-managed key per tenant, from the local key module.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "tenant_accounts" {
  description = "The AWS account of each tenant, by tenant name."
  type        = map(string)
}

variable "delta_account" {
  description = "The account of the tenant onboarded last; set at apply time."
  type        = string
}

locals {
  tenants = merge(var.tenant_accounts, { delta = var.delta_account })
}

module "tenant_key" {
  source   = "./modules/kms"
  for_each = local.tenants

  tenant         = each.key
  tenant_account = each.value
  admin_role_arn = "arn:aws:iam::111122223333:role/KeyAdministrator"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "alpha" {
  bucket = "alpha-tenant-data"

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.tenant_key["alpha"].key_arn
    }
  }
}
