# Sourced by the bench/ab-*.sh device calls (bench/gpu-bundle copies it into .device/ beside them):
# unpacks the bundle, names the results folder, and defines say (log a line), bounded (run with a
# time limit, logging a failure), left (seconds of BUDGET left), S (execute --json's summary) and peers.
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
# peers PREC NETS MIN_SECONDS BATCH...: the peer (peer_baseline.py through peer_zoo.py) at each batch
# while at least MIN_SECONDS of BUDGET are left, its JSON lines logged.
peers() {
  local prec=$1 nets=$2 least=$3; shift 3
  for b in "$@"; do [ $(left) -lt $least ] && continue
    OUT=$res/peers-$b PREC=$prec BATCH=$b NETS=$nets timeout $(( $(left) + 30 )) \
      python3 .device/peer_zoo.py /tmp/b/extra/peer_baseline.py 2>&1 | grep "^[a-z0-9_:]* {" \
      | sed "s/^/$prec b$b peer /" | tee -a $res/summary.txt
  done
}
