# A read-only policy for the cek-audit collection token, written in the root namespace. It lists and reads key
# metadata, mounts, namespaces and policies; it cannot use, change or export a key, so the namespace isolation
# analysis does not count it as reaching tenants' keys. `+/` covers one level of namespaces: add `+/+/` lines for
# deeper ones. A LIST is checked against the path with a trailing slash, so `…/*` rules carry `list` as well.
path "sys/namespaces"        { capabilities = ["list"] }
path "+/sys/namespaces"      { capabilities = ["list"] }
path "sys/mounts"            { capabilities = ["read"] }
path "+/sys/mounts"          { capabilities = ["read"] }
path "+/transit/keys/*"      { capabilities = ["read", "list"] }
path "sys/policies/acl/*"    { capabilities = ["read", "list"] }
path "+/sys/policies/acl/*"  { capabilities = ["read", "list"] }
path "sys/audit"             { capabilities = ["read", "sudo"] }
