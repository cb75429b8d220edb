#!/usr/bin/env bash
# Escaping and amplification figures of cek-audit. Not a test: prints time, peak memory and report size.
#
#   1. A key alias, description and file name made of N KB of `&`, rendered in each report format: escaping is one
#      pass, so time grows linearly with N (a quadratic escaper took 24.6 s for 200 KB as HTML).
#   2. A CloudFormation YAML template that repeats one long string through aliases: below the expanded-text limit it
#      is read and every report stays near the size of the text once; above it the file is refused with the limit.
#
# Usage: Benchmarks/escaping.sh [KB …]   (default: 50 100 200)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cek-audit >&2
bin=.build/release/cek-audit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # label, command…
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || true
  read -r secs kb < <(tail -n 1 "$work/time")   # the last line: GNU time first notes a non-zero exit status
  local bytes
  bytes=$(du -sb "$work/out" 2>/dev/null | cut -f1 || echo 0)
  [ -n "${VERBOSE:-}" ] && ls -l "$work/out" >&2
  awk -v l="$label" -v s="$secs" -v k="$kb" -v b="$bytes" \
    'BEGIN { printf "%-44s %7.2f s %8.1f MB peak RSS %9.1f MB of reports\n", l, s, k / 1024, b / 1e6 }'
  rm -rf "$work/out"
}

echo "1. escaping: alias, description and file name of N KB of '&'"
for kb in "${@:-50 100 200}"; do
  for n in $kb; do
    dir="$work/amp-$n"
    mkdir -p "$dir"
    python3 - "$dir" "$n" <<'PY'
import json, sys
folder, kb = sys.argv[1], int(sys.argv[2])
amp = "&" * (kb * 1000)
template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
    "K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True, "RotationPeriodInDays": 900, "Description": amp}},
    "A": {"Type": "AWS::KMS::Alias", "Properties": {"AliasName": "alias/" + amp, "TargetKeyId": {"Ref": "K"}}}}}
with open(f"{folder}/{'&' * 200}.json", "w") as f:
    json.dump(template, f)
PY
    for format in json html sarif junit; do
      measure "$n KB, $format" "$bin" assess "$dir" -o "$work/out" -q --format "$format"
    done
  done
done

echo "2. amplification: one string repeated through YAML aliases"
for spec in "20000 1000" "100000 400"; do
  read -r length count <<< "$spec"
  dir="$work/alias-$length-$count"
  mkdir -p "$dir"
  python3 - "$dir" "$length" "$count" <<'PY'
import sys
folder, length, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{folder}/stack.yaml", "w") as f:
    f.write("AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n  Big: &big \"" + "x" * length + "\"\nResources:\n")
    for i in range(count):
        f.write(f"  Key{i}:\n    Type: AWS::KMS::Key\n    Properties: {{Description: *big, EnableKeyRotation: true}}\n")
PY
  size=$(stat -c %s "$dir/stack.yaml")
  measure "$((size / 1000)) KB file, $((length * count / 1000000)) MB expanded" \
    "$bin" assess "$dir" -o "$work/out" -q --format json html sarif junit
  grep -o 'expands to more than [^(]*' "$work/stderr" | head -1 || true
done
