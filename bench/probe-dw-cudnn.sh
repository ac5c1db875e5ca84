#!/usr/bin/env bash
# Where Inductor's depthwise convs beat ioscope's: nasnetalarge (and pnasnet5large) sequential in fp16
# at batch 16 and 1, ioscope's own depthwise kernels against cuDNN's (IOSCOPE_DEPTHWISE_KERNEL=cudnn,
# where nothing is deferred to them, so cuDNN runs every one), each conv's cuDNN choice logged
# (IOSCOPE_CONV_LOG=1), then the peer's kernels (bench/peer_kernels.py: its depthwise kernels by
# name and time) in the same call. In session 28 (batch 1) Inductor's cuDNN ran
# sm90_xmma_depthwise_convolution_fprop_tiling and conv2d_grouped_direct_kernel.
# Here: build, then   bench/gpu-bundle build/bin/ioscope-cli build/tests/engine_tst_gpu_modern_ops
#   cp bench/probe-dw-cudnn.sh .device/     and run with carry [".device"]:  bash .device/probe-dw-cudnn.sh
# NETS and BATCHES choose the networks and batches.
. "$(dirname "$0")/device-call.sh" # bundle, results folder, say, bounded, left, S
# Depthwise convs' kernels by name (ioscope's or cuDNN's): count and ms.
D() { python3 -c "
import json,re,sys,collections
ks=json.load(open(sys.argv[1]))['kernels']; c=collections.Counter(); t=collections.Counter()
for k in ks:
    n=k['name']
    if not re.search(r'depthwise|grouped', n, re.I): continue
    key=re.sub(r'_ZN7ioscope3gpu\w*?_cu_\w{8}\d+', '', n)[:70]
    c[key]+=1; t[key]+=k['end_ms']-k['start_ms']
print('depthwise %.4f ms: ' % sum(t.values()) + '; '.join('%s %d %.4f' % (k,c[k],t[k]) for k in sorted(t, key=lambda k: -t[k])))" "$1" 2>&1 | tail -1; }
timeout 200 $R engine_tst_gpu_modern_ops depthwiseConvsMatchCpu > $res/modern_ops.log 2>&1
say "depthwise GPU tests rc=$?: $(grep -E '^Totals' $res/modern_ops.log)"
for net in ${NETS-nasnetalarge pnasnet5large}; do for b in ${BATCHES-16 1}; do
  [ $(left) -lt 200 ] && continue
  M=tests/data/zoo/$net.onnx; s=$res/seq-$net-$b.json
  timeout 60 $R ioscope-cli schedule $M --scheduler sequential --precision fp16 --batch $b -o $s --quiet > /dev/null 2>&1
  for k in default cudnn; do
    env $([ $k = cudnn ] && echo IOSCOPE_DEPTHWISE_KERNEL=cudnn IOSCOPE_CONV_LOG=1) timeout 90 $R ioscope-cli execute $M $s \
      --precision fp16 --batch $b --runs 100 --json > $res/$net-b$b-$k.json 2> $res/$net-b$b-$k.err
    say "$net fp16 b$b $k: $(S $res/$net-b$b-$k.json) | $(D $res/$net-b$b-$k.json)"
  done
done; done
say "ioscope done at $(( $(date +%s) - T0 )) s"
for b in ${BATCHES-16 1}; do [ $(left) -lt 120 ] && continue
  OUT=$res/peer-kernels PREC=fp16 BATCH=$b NETS=nasnetalarge:331 timeout $(( $(left) + 20 )) python3 .device/peer_kernels.py 2>&1 \
    | grep "^[a-z0-9_:]* {" | sed "s/^/fp16 b$b peer kernels /" | cut -c1-3000 | tee -a $res/summary.txt
done
say "done at $(( $(date +%s) - T0 )) s"
