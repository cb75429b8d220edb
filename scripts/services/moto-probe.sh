#!/usr/bin/env bash
# A second moto_server, for the active-probe tests only (issue 15): the live-collector tests reset and seed the first
# one (scripts/services/moto.sh), which would wipe a probe's keys mid-run. Same server; its `export` lines are those
# of moto.sh renamed CEK_AUDIT_MOTO_* → CEK_AUDIT_PROBE_MOTO_*.
# start STATE_DIR | stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: moto-probe.sh start|stop STATE_DIR}
state=${2:?usage: moto-probe.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$cmd" = stop ]; then exec bash "$here/moto.sh" stop "$state"; fi
exports=$(bash "$here/moto.sh" "$cmd" "$state")
printf '%s\n' "$exports" | sed 's/^export CEK_AUDIT_MOTO_/export CEK_AUDIT_PROBE_MOTO_/'
