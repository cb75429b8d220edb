# The key ring, keys, IAM and bucket of Fixtures/tf-google/plan.json, as written in .tf files.
locals {
  project  = "example-project"
  location = "europe-west4"
}

resource "google_kms_key_ring" "ring" {
  name     = "prod-ring"
  location = local.location
  project  = local.project
}

resource "google_kms_crypto_key" "hsm" {
  name            = "orders-hsm"
  key_ring        = google_kms_key_ring.ring.id
  rotation_period = "${90 * 24 * 3600}s"
  labels = {
    team = "payments"
  }

  version_template {
    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"
    protection_level = "HSM"
  }
}

resource "google_kms_crypto_key" "mac" {
  name                       = "api-mac"
  key_ring                   = google_kms_key_ring.ring.id
  purpose                    = "MAC"
  destroy_scheduled_duration = "604800s"

  key_access_justifications_policy {
    allowed_access_reasons = ["CUSTOMER_INITIATED_ACCESS", "GOOGLE_INITIATED_SYSTEM_OPERATION"]
  }

  version_template {
    algorithm        = "HMAC_SHA256"
    protection_level = "HSM"
  }
}
