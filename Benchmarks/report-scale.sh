#!/usr/bin/env bash
# Report size, write time, browser load time and peak memory at scale (issue 16, item 5): `cek-audit assess` over a
# generated AWS KMS key export (describe-key / get-key-rotation-status / get-key-policy, Benchmarks/gen_kms_export.py)
# of N keys — the real pipeline (content recognition, collector, normalizer, rules engine, reporters), no live
# server. Prints, per key count: report.json and report.html sizes and write times (CEK_AUDIT_REPORT_TIMINGS=1), the
# whole run's wall time and peak RSS (/usr/bin/time -v), and how long headless Chromium takes to open report.html
# (Benchmarks/report_load_time.py, when chromium, chromedriver and selenium are installed).
# Not a test: prints figures. Targets at 10,000 keys: report.html ≤ 15 MB opening in ≤ 2 s, report.json ≤ 30 MB,
# each written in ≤ 2 s (release build).
#
# With PER_KEY=1 the export is written one file per key and API call (gen_kms_export.py --per-key: ~3.9 evidence
# items per key with live-like locators, as live collection keeps one item per API answer), and the figures include
# evidence.html, the page of evidence items report.html links to (its size and write time).
#
# Usage: Benchmarks/report-scale.sh [KEYS ...]        (default: 1000 10000)
# Environment: CEK_AUDIT_BIN   the binary to measure (default .build-release/release/cek-audit when it exists, else
#                              .build/debug/cek-audit; the figures say which)
#              CEK_AUDIT_PYTHON a Python with selenium for the Chromium timing (default .venv-tools/bin/python, else python3)
#              WORK            where corpora and reports go (default ${TMPDIR:-/tmp}/cek-audit-report-scale)
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000)
bin=${CEK_AUDIT_BIN:-}
if [ -z "$bin" ]; then
  if [ -x .build-release/release/cek-audit ]; then bin=.build-release/release/cek-audit; else bin=.build/debug/cek-audit; fi
fi
[ -x "$bin" ] || { echo "no cek-audit binary at $bin: swift build (or swift build -c release --scratch-path .build-release)" >&2; exit 2; }
case "$bin" in *release*) build=release ;; *) build="debug (not representative of write times)" ;; esac
python=${CEK_AUDIT_PYTHON:-}
[ -n "$python" ] || { if [ -x .venv-tools/bin/python ]; then python=.venv-tools/bin/python; else python=python3; fi; }
work=${WORK:-${TMPDIR:-/tmp}/cek-audit-report-scale}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
browser=0
if [ -x /usr/bin/chromedriver ] && "$python" -c 'import selenium' 2>/dev/null; then browser=1; fi

per_key=${PER_KEY:-0}
echo "cek-audit report scale — binary $bin ($build), $(nproc) cores, $(date -u +%FT%TZ)$([ "$per_key" = 1 ] && echo ", one evidence file per key and call")"
printf '%7s  %12s %9s  %12s %9s  %13s %9s %9s  %9s %9s  %s\n' keys report.json write_ms report.html write_ms evidence.html write_ms items wall_s rss_MB chromium_load_ms
for n in "${counts[@]}"; do
  if [ "$per_key" = 1 ]; then
    corpus="$work/keys-$n-per-key"
    [ -d "$corpus/aws-kms" ] || python3 Benchmarks/gen_kms_export.py "$n" "$corpus" --per-key
  else
    corpus="$work/keys-$n"
    [ -f "$corpus/describe-key.json" ] || python3 Benchmarks/gen_kms_export.py "$n" "$corpus"
  fi
  out="$work/report-$n"
  rm -rf "$out"
  status=0
  CEK_AUDIT_REPORT_TIMINGS=1 SOURCE_DATE_EPOCH=1767225600 /usr/bin/time -v "$bin" assess "$corpus" -o "$out" -q \
    >"$work/stdout-$n.txt" 2>"$work/stderr-$n.txt" || status=$?
  # Failing checks exit 1 by design (the corpus holds failures); anything else is a broken run.
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "cek-audit assess exited $status on $n keys:" >&2; tail -20 "$work/stderr-$n.txt" >&2; exit 1
  fi
  json_ms=$(sed -n 's/^report-timing: report.json [0-9]* bytes written in \([0-9]*\) ms$/\1/p' "$work/stderr-$n.txt")
  html_ms=$(sed -n 's/^report-timing: report.html [0-9]* bytes written in \([0-9]*\) ms$/\1/p' "$work/stderr-$n.txt")
  evidence_ms=$(sed -n 's/^report-timing: evidence.html [0-9]* bytes written in \([0-9]*\) ms$/\1/p' "$work/stderr-$n.txt")
  # report.json 3.0.0 keeps evidence items in tables (one per collector, kind, folder and time); 2.0.0 as a flat list.
  items=$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["evidence"]; print(sum(len(t["items"]) if "items" in t else 1 for t in e))' "$out/report.json" 2>/dev/null || echo "?")
  rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): \([0-9]*\)$/\1/p' "$work/stderr-$n.txt")
  wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): \(.*\)$/\1/p' "$work/stderr-$n.txt" \
    | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
  load="n/a (no chromium/selenium)"
  if [ "$browser" = 1 ]; then
    load=$("$python" Benchmarks/report_load_time.py "$out/report.html" 3 | sed -n 's/^chromium_load_ms_median=\([0-9]*\).*/\1/p')
  fi
  printf '%7s  %12s %9s  %12s %9s  %13s %9s %9s  %9s %9s  %s\n' "$n" "$(stat -c %s "$out/report.json")" "$json_ms" \
    "$(stat -c %s "$out/report.html")" "$html_ms" "$(stat -c %s "$out/evidence.html")" "$evidence_ms" "$items" "$wall" "$((rss_kb / 1024))" "$load"
done
echo "(sizes in bytes; write_ms = render + credential scrub + write of that file; wall_s and rss_MB for the whole assess run)"
