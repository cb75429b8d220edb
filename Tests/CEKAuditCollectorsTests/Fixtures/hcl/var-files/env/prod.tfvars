# -var-file for production: later files win over terraform.tfvars.
rotate        = true
admin_account = "111122223333"
