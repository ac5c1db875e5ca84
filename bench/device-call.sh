# Sourced by the bench/ab-*.sh device calls (bench/gpu-bundle copies it into .device/ beside them):
# unpacks the bundle, names the results folder, and defines say (log a line), bounded (run with a
# time limit, logging a failure), left (seconds of BUDGET left) and S (execute --json's summary).
set -uo pipefail
out=${OUT:-/tmp/out}; res=/tmp/res; mkdir -p /tmp/b "$res" "$out"
[ -d /tmp/b/bin ] || tar xJf .device/bundle.tar.xz -C /tmp/b
export IOSCOPE_SHARED_DIR=/tmp/b/extra QT_QPA_PLATFORM=offscreen
R=/tmp/b/run
say() { echo "$*" | tee -a "$res/summary.txt"; cp "$res/summary.txt" "$out/summary.txt"; }
bounded() { local s=$1; shift; timeout "$s" "$@"; local rc=$?; [ $rc -ne 0 ] && say "  (rc=$rc: $*)"; return $rc; }
trap 'tar czf "$out/res.tgz" -C /tmp res' EXIT
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee -a "$res/summary.txt"
T0=$(date +%s); left() { echo $(( ${BUDGET:-560} - ($(date +%s) - T0) )); }
S() { python3 .device/execute_summary.py "$1"; }
