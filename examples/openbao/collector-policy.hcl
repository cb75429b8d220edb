# A read-only policy for the cek-audit collection token, written in the root namespace. It lists and reads key
# metadata, mounts, namespaces and policies; it cannot use, change or export a key, so the namespace isolation
# analysis does not count it as reaching tenants' keys. `+/` covers one level of namespaces: add `+/+/` lines for
# deeper ones. A LIST is checked against the path with a trailing slash, so `…/*` rules carry `list` as well.
path "sys/namespaces"        { capabilities = ["list"] }
path "+/sys/namespaces"      { capabilities = ["list"] }
path "sys/mounts"            { capabilities = ["read"] }
path "+/sys/mounts"          { capabilities = ["read"] }
path "+/transit/keys/*"      { capabilities = ["read", "list"] }
# A transit mount at another path needs a line of its own (ACL paths cannot select a mount by its type, and `+/+/keys/*`
# would also read a KV v1 mount's secrets under keys/): the test server's tenant-b has a second mount, transit-archive/.
# A mount the token cannot list leaves its keys unknown: the report shows it as a failed listing, never as "no keys".
path "+/transit-archive/keys/*" { capabilities = ["read", "list"] }
path "sys/policies/acl/*"    { capabilities = ["read", "list"] }
path "+/sys/policies/acl/*"  { capabilities = ["read", "list"] }
path "sys/audit"             { capabilities = ["read", "sudo"] }
