tenant_accounts = {
  alpha   = "444455556666"
  bravo   = "555566667777"
  charlie = "666677778888"
}
