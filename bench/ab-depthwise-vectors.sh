#!/usr/bin/env bash
# The device call that decides whether the probe branch's two default changes go to main: the row
# kernel's channels per thread timed per problem in fp16/bf16 (GpuOptions::depthwiseVector), and
# cuDNN's operation graph tried for grouped convs without an epilogue (ResNeXt's, RegNet's). Base =
# main's CLI, new = this branch's, one sequential schedule each network, precision and batch (the
# model's hash is the same for both builds), then the fp16 peer. Here: build main, copy
# build/bin/ioscope-cli to build/bin/ioscope-cli-base, build this branch, then
#   bench/gpu-bundle build/bin/ioscope-cli build/bin/ioscope-cli-base
#   cp bench/ab-depthwise-vectors.sh .device/    and run with carry [".device"]:
#   bash .device/ab-depthwise-vectors.sh
# NETS, PRECS and BATCHES choose what runs; PEER_NETS (default nasnetalarge:331) the peer's networks.
# MIN_LEFT (default 120): the seconds of BUDGET a run needs to start.
. "$(dirname "$0")/device-call.sh" # bundle, results folder, say, bounded, left, S
# Depthwise kernel time by kernel family and vector width (row/8, row/4, ...), cuDNN's grouped ones apart.
D() { python3 -c "
import json,re,sys,collections
ks=json.load(open(sys.argv[1]))['kernels']; c=collections.Counter(); t=collections.Counter()
for k in ks:
    n=k['name']; m=re.search(r'depthwise(\w+?)KernelI(\w+?)Li(\d+)E',n)
    if m: key=m.group(1)+'/'+m.group(3)
    elif re.search(r'depthwise|grouped',n,re.I): key='cudnn:'+n[:40]
    else: continue
    c[key]+=1; t[key]+=k['end_ms']-k['start_ms']
print('depthwise '+' '.join('%s %d %.4f' % (k,c[k],t[k]) for k in sorted(c)))" "$1" 2>&1 | tail -1; }
ex() { # model cli prec batch schedule tag
  [ $(left) -lt ${MIN_LEFT-120} ] && return
  timeout 90 $R $2 execute $1 $5 --precision $3 --batch $4 --runs 100 --json > $res/$6.json 2> $res/$6.err
  say "$(basename $1 .onnx) $3 b$4 $6: $(S $res/$6.json) | $(D $res/$6.json)"
}
for net in ${NETS-nasnetalarge pnasnet5large mobilenet_v2 efficientnet_b0 resnext50_32x4d regnet_y_400mf}; do
  M=tests/data/zoo/$net.onnx
  for p in ${PRECS-fp16}; do for b in ${BATCHES-1 16}; do
    s=$res/seq-$net-$p-$b.json
    bounded 60 $R ioscope-cli schedule $M --scheduler sequential --precision $p --batch $b -o $s --quiet > /dev/null
    ex $M ioscope-cli-base $p $b $s $net-$p-b$b-base
    ex $M ioscope-cli $p $b $s $net-$p-b$b-new
  done; done
done
say "ioscope done at $(( $(date +%s) - T0 )) s"
peers fp16 ${PEER_NETS-nasnetalarge:331} 100 ${PEER_BATCHES-16 1}
say "done at $(( $(date +%s) - T0 )) s"
