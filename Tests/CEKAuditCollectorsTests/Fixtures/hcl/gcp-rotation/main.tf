# Cloud KMS keys declared in HCL, where the computed `primary` block never appears: the first version is created
# enabled, so rotation applies and is judged on rotation_period alone.
resource "google_kms_key_ring" "ring" {
  name     = "ring-a"
  location = "europe-west4"
  project  = "example-project"
}

resource "google_kms_crypto_key" "ninety_days" {
  name            = "ninety-days"
  key_ring        = google_kms_key_ring.ring.id
  rotation_period = "7776000s"
}

resource "google_kms_crypto_key" "no_rotation" {
  name     = "no-rotation"
  key_ring = google_kms_key_ring.ring.id
}

resource "google_kms_crypto_key" "skipped_first_version" {
  name                          = "skipped-first-version"
  key_ring                      = google_kms_key_ring.ring.id
  rotation_period               = "7776000s"
  skip_initial_version_creation = true
}
