#!/usr/bin/env bash
# Fuzzes every parser of cek-audit with libFuzzer (Sources/CEKAuditKit/FuzzTargets.swift): builds the project's own
# targets with -sanitize=fuzzer,address (CEK_AUDIT_FUZZ=1; dependencies are reused uninstrumented), then runs each
# target for a bounded time, seeded from the project's fixtures and examples and from ../shared/corpus when present.
# An input that crashes, hangs (over 10 s) or trips AddressSanitizer is copied to
# Tests/CEKAuditCollectorsTests/Fixtures/fuzz-regressions/<target>/, where the test suite replays it, and the run
# fails.
#
#   scripts/fuzz.sh                   every target, CEK_AUDIT_FUZZ_SECONDS each (default 15)
#   scripts/fuzz.sh cloudtrail yaml   the named targets only
#
# The build shares .build with the normal one (set CEK_AUDIT_FUZZ_BUILD_PATH=.build-fuzz to keep them apart); a
# normal `swift build` afterwards recompiles the project's targets without instrumentation.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${CEK_AUDIT_FUZZ_SECONDS:-15}
build_path=${CEK_AUDIT_FUZZ_BUILD_PATH:-.build}
CEK_AUDIT_FUZZ=1 swift build --build-path "$build_path" --product CEKAuditFuzz 2>&1 | grep -v "Cannot export local symbol" || true
fuzzer="$build_path/debug/CEKAuditFuzz"
[ -x "$fuzzer" ] || { echo "fuzz.sh: the fuzz driver did not build" >&2; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json yaml catalog assessment-file recognizer cloudformation terraform key-policy kms-api-export
           k8s-encryption-config attestations cloudtrail openbao-audit-log gcp-audit-log gcp-export azure-export
           azure-keyvault-audit-log arm-template hcl log-query-result)
fi

fixtures=Tests/CEKAuditCollectorsTests/Fixtures
shared=../shared/corpus
# Seed folders and file patterns per target (missing folders are skipped).
seeds_for() {
  case "$1" in
    json)                  echo "$fixtures examples $shared/key-policies|*.json" ;;
    yaml)                  echo "$fixtures examples Controls $shared/cloudformation|*.yaml *.yml *.template" ;;
    catalog)               echo "Controls|*.yaml" ;;
    assessment-file)       echo "examples $fixtures|audit.yaml" ;;
    recognizer)            echo "$fixtures/by-content $fixtures/mixed $fixtures/openbao examples/acme-ai-platform|*" ;;
    cloudformation)        echo "$fixtures/cases $fixtures/mixed $fixtures/hostile examples/acme-ai-platform/cloudformation $shared/cloudformation|*.yaml *.json *.template" ;;
    terraform)             echo "$fixtures/tf $fixtures/by-content examples/acme-ai-platform/terraform $shared/terraform|*.json *.tfstate *.backup" ;;
    key-policy)            echo "$fixtures/cases examples/acme-ai-platform/policies $shared/key-policies|*.json" ;;
    kms-api-export)        echo "$fixtures/kms-export $fixtures/aws $shared/cases|*.json" ;;
    k8s-encryption-config) echo "$fixtures/k8s examples/acme-ai-platform/k8s $shared/k8s-encryption-config|*.yaml *.json" ;;
    attestations)          echo "$fixtures/attestations examples/acme-ai-platform|*.yaml" ;;
    cloudtrail)            echo "$fixtures/cloudtrail $fixtures/cloudtrail-malformed $shared/cloudtrail|*.json *.json.gz" ;;
    openbao-audit-log)     echo "$fixtures/openbao examples/openbao|*.log *.jsonl *" ;;
    gcp-audit-log)         echo "$fixtures/gcp-audit-log $shared/gcp-audit-log|*.json *.jsonl *.json.gz" ;;
    gcp-export)            echo "$fixtures/gcp examples/gcp-vertex-platform|*.json *.jsonl" ;;
    azure-export)          echo "$fixtures/azure|*.json" ;;
    azure-keyvault-audit-log) echo "$fixtures/azure-audit-log|*.json *.jsonl" ;;
    arm-template)          echo "$fixtures/arm|*.json" ;;
    hcl)                   echo "$fixtures/hcl $shared/terraform|*.tf *.tfvars *.tf.json *.tpl" ;;
    log-query-result)      echo "$fixtures/log-query/results|*.csv *.jsonl" ;;
  esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
failed=()
for t in "${targets[@]}"; do
  spec=$(seeds_for "$t")
  [ -n "$spec" ] || { echo "fuzz.sh: unknown target $t" >&2; exit 64; }
  mkdir -p "$work/$t/seeds" "$work/$t/corpus" "$work/$t/artifacts"
  IFS='|' read -r dirs patterns <<<"$spec"
  n=0
  set -f   # the patterns are for find, not for the shell
  for d in $dirs; do
    [ -d "$d" ] || continue
    for p in $patterns; do
      while IFS= read -r -d '' f; do
        n=$((n + 1)); cp "$f" "$work/$t/seeds/$n-$(basename "$f")"
      done < <(find "$d" -type f -name "$p" -size -256k -print0 2>/dev/null | head -z -n 200)
    done
  done
  set +f
  regressions="$fixtures/fuzz-regressions/$t"
  [ -d "$regressions" ] && cp "$regressions"/* "$work/$t/seeds/" 2>/dev/null || true
  echo "fuzz.sh: $t — $n seed(s), ${seconds}s"
  if ! CEK_AUDIT_FUZZ_TARGET="$t" "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
        -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1 "$work/$t/corpus" "$work/$t/seeds" >"$work/$t/log" 2>&1; then
    mkdir -p "$regressions"
    cp "$work/$t/artifacts/"* "$regressions/" 2>/dev/null || true
    echo "fuzz.sh: $t FAILED; the input is in $regressions/ (log below)" >&2
    tail -40 "$work/$t/log" >&2
    failed+=("$t")
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t/log" | tr '\n' ' ' | sed "s/^/fuzz.sh: $t ok: /"; echo
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s) fuzzed for ${seconds}s each without a crash, hang or sanitizer report."
