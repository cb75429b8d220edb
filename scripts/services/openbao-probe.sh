#!/usr/bin/env bash
# A second OpenBao dev server, for the active-probe tests only (issue 15): probes create and remove namespaces and
# keys, which must not show up in what the live-collector tests read from the first server (scripts/services/openbao.sh)
# while both run in parallel. Same server and seed; its `export` lines are those of openbao.sh renamed
# CEK_AUDIT_BAO_* → CEK_AUDIT_PROBE_BAO_*.
# start STATE_DIR | stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: openbao-probe.sh start|stop STATE_DIR}
state=${2:?usage: openbao-probe.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$cmd" = stop ]; then exec bash "$here/openbao.sh" stop "$state"; fi
exports=$(bash "$here/openbao.sh" "$cmd" "$state")
printf '%s\n' "$exports" | sed 's/^export CEK_AUDIT_BAO_/export CEK_AUDIT_PROBE_BAO_/'
