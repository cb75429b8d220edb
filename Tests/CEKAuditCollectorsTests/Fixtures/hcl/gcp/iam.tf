variable "encrypters" {
  type = map(string)
  default = {
    app    = "serviceAccount:app-sa@example-project.iam.gserviceaccount.com"
    public = "allUsers"
  }
}

resource "google_kms_crypto_key_iam_member" "encrypter" {
  for_each      = var.encrypters
  crypto_key_id = google_kms_crypto_key.hsm.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}

resource "google_kms_crypto_key_iam_member" "partner" {
  crypto_key_id = google_kms_crypto_key.hsm.id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  member        = "serviceAccount:etl@partner-project.iam.gserviceaccount.com"

  condition {
    title      = "until-2027"
    expression = "request.time < timestamp(\"2027-01-01T00:00:00Z\")"
  }
}

resource "google_kms_key_ring_iam_binding" "admins" {
  key_ring_id = google_kms_key_ring.ring.id
  role        = "roles/cloudkms.admin"
  members     = ["group:kms-admins@example.com"]
}

resource "google_storage_bucket" "data" {
  name                        = "${local.project}-training-data"
  project                     = local.project
  location                    = "EUROPE-WEST4"
  uniform_bucket_level_access = true

  encryption {
    default_kms_key_name = google_kms_crypto_key.hsm.id
  }
}
