#!/usr/bin/env bash
# The device call that measures the depthwise row kernel's narrow vectors (2 or 4 channels where
# 16-byte packs do not fit) and its four-column variant (IOSCOPE_DEPTHWISE_COLUMNS=4) against the
# build before them, self-contained. Here: build the base, copy build/bin/ioscope-cli to
# build/bin/ioscope-cli-base, build this tree, then
#   bench/gpu-bundle build/bin/ioscope-cli build/bin/ioscope-cli-base build/tests/engine_tst_gpu_executor \
#     build/tests/engine_tst_gpu_modern_ops build/tests/engine_tst_profiler_switches
#   cp bench/ab-dw-columns.sh .device/          and run with carry [".device"]:  bash .device/ab-dw-columns.sh
# GPU tests first; then networks with depthwise convs (tests/data/zoo), sequential, base / new /
# new with four columns in turn on one schedule; the fp16 peer for nasnetalarge last.
# NETS, TESTS and PEER_BATCHES choose the networks, the GPU tests and the peer's batches.
. "$(dirname "$0")/device-call.sh" # bundle, results folder, say, bounded, left, S
# Depthwise kernel time by kernel family (row / columns / tile / other) and vector width.
D() { python3 -c "
import json,re,sys,collections
ks=json.load(open(sys.argv[1]))['kernels']; c=collections.Counter(); t=collections.Counter()
for k in ks:
    m=re.search(r'depthwise(\w+?)KernelI(\w+?)Li(\d+)E',k['name'])
    if 'depthwise' not in k['name']: continue
    key=(m.group(1)+'/'+m.group(3)) if m else 'other'
    c[key]+=1; t[key]+=k['end_ms']-k['start_ms']
print('depthwise '+' '.join('%s %d %.4f' % (k,c[k],t[k]) for k in sorted(c)))" "$1" 2>&1 | tail -1; }
for t in ${TESTS-engine_tst_profiler_switches engine_tst_gpu_modern_ops engine_tst_gpu_executor}; do
  bounded 180 $R $t > $res/$t.log 2>&1; say "$t rc=$?"; grep -E "^FAIL|Totals|   Loc" $res/$t.log | head -6 | tee -a $res/summary.txt
done
ex() { # model cli prec batch schedule tag [columns]
  [ $(left) -lt 150 ] && return
  IOSCOPE_DEPTHWISE_COLUMNS=${7:-1} timeout 60 $R $2 execute $1 $5 --precision $3 --batch $4 --runs 100 --json \
    > $res/$6.json 2> $res/$6.err
  say "$(basename $1 .onnx) $3 b$4 $6: $(S $res/$6.json) | $(D $res/$6.json)"
}
for net in ${NETS-nasnetalarge mobilenet_v2 pnasnet5large legacy_xception}; do
  M=tests/data/zoo/$net.onnx
  for p in fp16 tf32; do for b in 1 16; do
    [ $net != nasnetalarge ] && [ $p = tf32 ] && continue
    s=$res/seq-$net-$p-$b.json
    bounded 60 $R ioscope-cli schedule $M --scheduler sequential --precision $p --batch $b -o $s --quiet > /dev/null
    ex $M ioscope-cli-base $p $b $s $net-$p-b$b-base
    ex $M ioscope-cli $p $b $s $net-$p-b$b-new
    ex $M ioscope-cli $p $b $s $net-$p-b$b-new4 4
  done; done
done
say "ioscope done at $(( $(date +%s) - T0 )) s"
peers fp16 nasnetalarge 100 ${PEER_BATCHES-16 1}
say "done at $(( $(date +%s) - T0 )) s"
