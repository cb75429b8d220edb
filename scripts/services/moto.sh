#!/usr/bin/env bash
# moto_server (AWS KMS / STS / IAM / CloudTrail emulator) for the live AWS KMS collector's tests.
#
#   scripts/services/moto.sh start STATE_DIR   installs moto[server]==5.2.1 and boto3 into .venv-moto (first run only),
#                                              starts the venv's own moto_server on a free 127.0.0.1 port, waits until
#                                              GET /moto-api/ answers, and prints the `export` lines scripts/test.sh evals.
#   scripts/services/moto.sh stop STATE_DIR    stops the server it started (by the pid it recorded).
#
# Only stdout is evaluated; progress goes to stderr. Loopback only; state lives in STATE_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:-}; state=${2:-}
[ -n "$action" ] && [ -n "$state" ] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 64; }
venv=.venv-moto

case "$action" in
start)
  mkdir -p "$state"
  if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c 'import moto, boto3, flask; assert moto.__version__ == "5.2.1"' 2>/dev/null; then
    echo "moto.sh: preparing $venv (moto[server]==5.2.1, boto3) from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" boto3 >&2
  fi
  port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  # The venv's real console script (not a shim), so the recorded pid is the server's own.
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$state/moto.log" 2>&1 &
  pid=$!
  echo "$pid" >"$state/moto.pid"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "moto.sh: moto_server exited; see $state/moto.log" >&2; tail -5 "$state/moto.log" >&2; exit 1; fi
    if "$venv/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
      echo "moto.sh: moto_server $pid ready on 127.0.0.1:$port" >&2
      echo "export CEK_AUDIT_MOTO_ENDPOINT=http://127.0.0.1:$port"
      echo "export CEK_AUDIT_MOTO_PYTHON=$PWD/$venv/bin/python"
      exit 0
    fi
    sleep 0.2
  done
  echo "moto.sh: moto_server did not answer within 60 s" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
  ;;
stop)
  if [ -f "$state/moto.pid" ]; then
    pid=$(cat "$state/moto.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$state/moto.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop STATE_DIR" >&2; exit 64 ;;
esac
