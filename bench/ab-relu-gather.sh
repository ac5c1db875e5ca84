#!/usr/bin/env bash
# The device call that measures branch s30-pack-gather (pack gathers, signed pads, ReLU ops deferred into depthwise
# convs) against main, self-contained. Here: build main, copy build/bin/ioscope-cli to
# build/bin/ioscope-cli-base, check out the branch, build, then
#   bench/gpu-bundle build/bin/ioscope-cli build/bin/ioscope-cli-base build/tests/engine_tst_gpu_executor \
#     build/tests/engine_tst_gpu_modern_ops build/tests/engine_tst_profiler_switches
#   cp bench/ab-relu-gather.sh .device/          and run with carry [".device"]:  bash .device/ab-relu-gather.sh
# GPU tests first; then timm nasnetalarge (tests/data/zoo, 331x331) sequential, fp16 and tf32, batch 1 and 16,
# base and branch alternating (each its own schedule), a live IOS search at fp16 b1 by each; the fp16 peer last.
# TESTS, PREDICT_RUNS and PEER_BATCHES choose the GPU tests, reruns of the live-model prediction test and peer batches.
. "$(dirname "$0")/device-call.sh" # bundle, results folder, say, bounded, left, S
K() { python3 -c "import json,sys; ks=json.load(open(sys.argv[1]))['kernels']; t=lambda l: sum(k['end_ms']-k['start_ms'] for k in l); g=[k for k in ks if 'gather' in k['name']]; r=[k for k in ks if str(k.get('op', '')).endswith('Relu')]; print('gathers %d %.4f ms (pack %d) | ReLU-op kernels %d %.4f ms' % (len(g), t(g), sum('gatherPack' in k['name'] for k in g), len(r), t(r)))" "$1" 2>&1 | tail -1; }
for t in ${TESTS-engine_tst_profiler_switches engine_tst_gpu_modern_ops engine_tst_gpu_executor}; do
  bounded 180 $R $t > $res/$t.log 2>&1; say "$t rc=$?"; grep -E "^FAIL|Totals|   Loc" $res/$t.log | head -6 | tee -a $res/summary.txt
done
# The live model's whole-run prediction on Inception V3 (failed once on the branch's first call: 0.58 vs 0.74 ms).
for i in $(seq ${PREDICT_RUNS:-0}); do
  bounded 120 $R engine_tst_gpu_executor liveModelPredictsInceptionRuns 2>&1 | grep -E "QINFO|^FAIL|Totals" | tee -a $res/summary.txt
done
M=tests/data/zoo/nasnetalarge.onnx
ex() { # cli prec batch schedule tag
  [ $(left) -lt 200 ] && return
  timeout 60 $R $1 execute $M $4 --precision $2 --batch $3 --runs 100 --json > $res/$5.json 2> $res/$5.err
  say "nasnetalarge $2 b$3 $5: $(S $res/$5.json) | $(K $res/$5.json)"
}
for p in fp16 tf32; do for b in 1 16; do
  # Each build schedules its own model: the signed pads change the ONNX import, so the model hash differs.
  for cli in ioscope-cli-base ioscope-cli; do
    bounded 60 $R $cli schedule $M --scheduler sequential --precision $p --batch $b -o $res/seq-$p-$b-$cli.json --quiet > /dev/null
  done
  rounds="1 2"; [ $b = 16 ] && rounds=1
  for i in $rounds; do for cli in ioscope-cli-base ioscope-cli; do ex $cli $p $b $res/seq-$p-$b-$cli.json seq-$p-b$b-$cli-$i; done; done
done; done
for cli in ioscope-cli-base ioscope-cli; do
  bounded 90 $R $cli schedule $M --cost gpu --time-limit 15 --precision fp16 -o $res/ios-fp16-1-$cli.json --quiet --json > $res/ios-fp16-1-$cli.search.json
  ex $cli fp16 1 $res/ios-fp16-1-$cli.json ios-fp16-b1-$cli
done
say "ioscope done at $(( $(date +%s) - T0 )) s"
peers fp16 nasnetalarge 60 ${PEER_BATCHES-1 16}
say "done at $(( $(date +%s) - T0 )) s"
