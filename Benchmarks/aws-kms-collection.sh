#!/usr/bin/env bash
# Benchmark (not a test): wall time of the live AWS KMS collector against moto, with bounded concurrency versus one
# request at a time.
#
#   Benchmarks/aws-kms-collection.sh [KEYS=500] [CONCURRENCY=8] [LATENCY_MS=0]
#
# Seeds KEYS keys into an in-process moto server (Benchmarks/moto_bench_server.py, fast seeding), then runs
# `cek-audit assess` twice on the same account — `concurrency: CONCURRENCY` and `concurrency: 1` — and prints both
# wall times. LATENCY_MS adds a per-request delay on the server, as a network round trip to AWS would; moto itself
# answers from one Python process, so without latency the gain is bounded by its speed. Uses .venv-moto (made by
# scripts/services/moto.sh) and the debug build unless CONFIG=release.
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-500}; concurrency=${2:-8}; latency=${3:-0}; config=${CONFIG:-debug}
venv=.venv-moto
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import moto, boto3, flask' 2>/dev/null; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" boto3
fi
swift build -c "$config" --product cek-audit >&2
bin=$(swift build -c "$config" --show-bin-path)/cek-audit
work=$(mktemp -d)
coproc SERVER { exec "$venv/bin/python" Benchmarks/moto_bench_server.py "$keys" "$latency" 2>"$work/server.log"; }
server_pid=$SERVER_PID
cleanup() { kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
read -r _ port <&"${SERVER[0]}"
read -r seeded <&"${SERVER[0]}"
echo "moto on 127.0.0.1:$port: ${seeded,,} s (latency ${latency} ms per request)"

run() {
  local n=$1 dir="$work/c$1"
  mkdir -p "$dir"
  cat >"$dir/audit.yaml" <<YAML
schema_version: 1
name: bench-c$n
targets:
  - {kind: aws-kms, name: bench, regions: [us-east-1], endpoint: "http://127.0.0.1:$port", concurrency: $n, max_attempts: 1, timeout_seconds: 60}
YAML
  local start end
  start=$(date +%s.%N)
  AWS_ACCESS_KEY_ID=AKIABENCHEXAMPLE0001 AWS_SECRET_ACCESS_KEY=benchSecretEXAMPLEKEY00000000000000000000 \
    "$bin" assess "$dir" -o "$dir/out" -q >"$dir/stdout" 2>"$dir/stderr" || true
  end=$(date +%s.%N)
  local found
  found=$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["resources"].get("key", 0))' \
    "$dir/out/report.json" 2>/dev/null || echo "?")
  printf '%s\n' "$(echo "$end - $start" | bc)" >"$dir/seconds"
  echo "concurrency $n: $(printf '%.2f' "$(cat "$dir/seconds")") s wall, $found keys in the report"
}

run "$concurrency"
run 1
awk -v a="$(cat "$work/c$concurrency/seconds")" -v b="$(cat "$work/c1/seconds")" -v c="$concurrency" \
  'BEGIN { printf "speed-up with concurrency %s: %.1fx\n", c, b / a }'
