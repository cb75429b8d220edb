# Vaults, access policies and the rotating key of Fixtures/tf-azure/plan.json, as written in .tf files: a premium vault
# with a separate access policy and an RSA-HSM key with a rotation policy; a standard vault whose inline access policy
# (a dynamic block over a variable) names another Entra tenant.
variable "entra_tenant" {
  type    = string
  default = "f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f"
}

variable "partners" {
  type = list(object({ tenant_id = string, object_id = string }))
  default = [
    { tenant_id = "0badc0de-1111-2222-3333-444455556666", object_id = "77777777-8888-9999-aaaa-bbbbbbbbbbbb" },
  ]
}

resource "azurerm_key_vault" "premium" {
  name                       = "kv-premium"
  location                   = "westeurope"
  resource_group_name        = "rg-ai"
  tenant_id                  = var.entra_tenant
  sku_name                   = "premium"
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
}

resource "azurerm_key_vault_access_policy" "app" {
  key_vault_id    = azurerm_key_vault.premium.id
  tenant_id       = var.entra_tenant
  object_id       = "12121212-3434-5656-7878-909090909090"
  key_permissions = ["Get", "Create", "Purge"]
}

resource "azurerm_key_vault" "audited" {
  name                       = "kv-audited"
  location                   = "westeurope"
  resource_group_name        = "rg-ai"
  tenant_id                  = var.entra_tenant
  sku_name                   = "standard"
  purge_protection_enabled   = false
  soft_delete_retention_days = 7

  dynamic "access_policy" {
    for_each = var.partners
    content {
      tenant_id       = access_policy.value.tenant_id
      object_id       = access_policy.value.object_id
      key_permissions = ["Get", "WrapKey", "UnwrapKey"]
    }
  }
}

resource "azurerm_key_vault_key" "cmk" {
  name         = "cmk"
  key_vault_id = azurerm_key_vault.premium.id
  key_type     = "RSA-HSM"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]

  rotation_policy {
    automatic {
      time_after_creation = "P90D"
    }
    expire_after         = "P1Y"
    notify_before_expiry = "P29D"
  }
}
