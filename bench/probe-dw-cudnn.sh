#!/usr/bin/env bash
# Where Inductor's depthwise convs beat ioscope's: nasnetalarge sequential in fp16 at batch 16 and 1,
# the row kernel at its widest vector (main's choice) against vectors timed per problem (this branch's
# default), also with fp16 weights (IOSCOPE_DEPTHWISE_WEIGHTS=typed); ioscope's depthwise kernels
# against cuDNN's (IOSCOPE_DEPTHWISE_KERNEL=cudnn: nothing is deferred to them, so cuDNN runs every
# one), also with cuDNN's engines that reduce in fp16 allowed (IOSCOPE_CUDNN_REDUCED_PRECISION=1, as
# PyTorch allows them), each conv's path and the engines cuDNN offers grouped convs logged
# (IOSCOPE_CONV_LOG=1); IOSCOPE_DEPTHWISE_KERNEL=timed (each depthwise conv timed against cuDNN's, the
# faster kept); Nsight Compute on the row kernel; then the peer's kernels (bench/peer_kernels.py: its
# depthwise kernels by name and time) in the same call, as BUDGET allows (the whole takes more than
# one 10-minute call: BATCHES=16, then BATCHES=1). In session 28 (batch 1) Inductor's cuDNN ran
# sm90_xmma_depthwise_convolution_fprop_tiling and conv2d_grouped_direct_kernel.
# Here: build, then   bench/gpu-bundle build/bin/ioscope-cli build/tests/engine_tst_gpu_modern_ops
#   build/tests/engine_tst_gpu_executor
#   cp bench/probe-dw-cudnn.sh .device/     and run with carry [".device"]:  bash .device/probe-dw-cudnn.sh
# NETS (default nasnetalarge) and BATCHES choose the networks and batches; KINDS the variants (also
# base: main's CLI bundled as ioscope-cli-base; timed-reduced); PROBE_NCU=0 skips Nsight Compute and
# PEER_KERNEL_BATCHES="" the peer; SKIP_TESTS=1 the GPU tests.
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
# The run's six costliest kernel names (cuDNN's grouped-conv kernels need not say depthwise or grouped).
T() { python3 -c "
import json,sys,collections
t=collections.Counter(); c=collections.Counter()
for k in json.load(open(sys.argv[1]))['kernels']: t[k['name'][:60]]+=k['end_ms']-k['start_ms']; c[k['name'][:60]]+=1
print('; '.join('%s %d %.4f' % (n,c[n],t[n]) for n,_ in t.most_common(6)))" "$1" 2>&1 | tail -1; }
if [ -z "${SKIP_TESTS-}" ]; then # SKIP_TESTS=1: the networks only
  timeout 200 $R engine_tst_gpu_modern_ops depthwiseConvsMatchCpu reluOpsMoveIntoDepthwise > $res/modern_ops.log 2>&1
  say "depthwise GPU tests rc=$?: $(grep -E '^Totals' $res/modern_ops.log)"
  grep -E '^FAIL|Loc:' $res/modern_ops.log | head -6 | tee -a $res/summary.txt
  # Separable convs (summed inputs, leading ReLU) timed against cuDNN too, against the CPU reference.
  if [ -x /tmp/b/bin/engine_tst_gpu_executor ]; then
    IOSCOPE_DEPTHWISE_KERNEL=timed timeout 200 $R engine_tst_gpu_executor everyOpKindMatchesCpu \
      fusionPatternsMatchCpu > $res/executor-timed.log 2>&1
    say "executor tests, depthwise timed against cuDNN, rc=$?: $(grep -E '^Totals' $res/executor-timed.log)"
    grep -E '^FAIL|Loc:' $res/executor-timed.log | head -6 | tee -a $res/summary.txt
  fi
fi
for net in ${NETS-nasnetalarge}; do for b in ${BATCHES-16 1}; do
  [ $(left) -lt 60 ] && continue
  M=tests/data/zoo/$net.onnx; s=$res/seq-$net-$b.json
  timeout 60 $R ioscope-cli schedule $M --scheduler sequential --precision fp16 --batch $b -o $s --quiet > /dev/null 2>&1
  for k in ${KINDS-widest default typed-weights cudnn cudnn-reduced timed}; do
    [ $(left) -lt 40 ] && continue
    cli=ioscope-cli
    case $k in base) cli=ioscope-cli-base; e=;; # main's build, when bundled as ioscope-cli-base
      widest) e="IOSCOPE_DEPTHWISE_VECTOR=8";; # main's choice: the widest vector, untimed
      default) e="IOSCOPE_CONV_LOG=1";;
      typed-weights) e="IOSCOPE_DEPTHWISE_WEIGHTS=typed IOSCOPE_CONV_LOG=1";;
      cudnn) e="IOSCOPE_DEPTHWISE_KERNEL=cudnn IOSCOPE_CONV_LOG=1";;
      cudnn-reduced) e="IOSCOPE_DEPTHWISE_KERNEL=cudnn IOSCOPE_CUDNN_REDUCED_PRECISION=1 IOSCOPE_CONV_LOG=1";;
      timed) e="IOSCOPE_DEPTHWISE_KERNEL=timed IOSCOPE_CONV_LOG=1";;
      timed-reduced) e="IOSCOPE_DEPTHWISE_KERNEL=timed IOSCOPE_CUDNN_REDUCED_PRECISION=1 IOSCOPE_CONV_LOG=1";;
      *) e=;; esac
    env $e timeout 120 $R $cli execute $M $s \
      --precision fp16 --batch $b --runs 100 --json > $res/$net-b$b-$k.json 2> $res/$net-b$b-$k.err
    say "$net fp16 b$b $k: $(S $res/$net-b$b-$k.json) | $(D $res/$net-b$b-$k.json)"
    [ $k = widest ] || [ $k = base ] && continue
    [ $k = default ] || [ $k = typed-weights ] && { say "  vectors chosen: $(grep -o 'channels a thread.*-> [0-9]*' $res/$net-b$b-$k.err \
      | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"; continue; }
    say "  top kernels: $(T $res/$net-b$b-$k.json)"
    # Which path each conv took, and which engines cuDNN offered the grouped ones (config, notes, verdict).
    say "  paths: $(grep -o "^ioscope: conv '[^']*' takes [a-z]*" $res/$net-b$b-$k.err | awk '{print $NF}' \
      | sort | uniq -c | tr '\n' ' ')"
    grep -o "engine [0-9]*, notes \[[^]]*\], .*" $res/$net-b$b-$k.err | sort | uniq -c | sort -rn | head -12 \
      | sed 's/^/  offered /' | tee -a $res/summary.txt
    grep -o "graph: engine [0-9]*[a-z ]*" $res/$net-b$b-$k.err | sort | uniq -c | sed 's/^/  chosen /' \
      | tee -a $res/summary.txt
    [ ${k%-reduced} = timed ] && say "  depthwise choices: $(grep -o "depthwise conv '[^']*' takes [a-zA-Z']*" \
      $res/$net-b$b-$k.err | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"
  done
done; done
say "ioscope done at $(( $(date +%s) - T0 )) s"
# Why the row kernel takes what it takes: Nsight Compute on three of its launches in the batch-16 run
# (throughputs, L1 wavefronts, occupancy, stalls), after the plan's own timing launches.
s=$res/seq-nasnetalarge-16.json; NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null)
if [ "${PROBE_NCU-1}" = 1 ] && [ -f "$s" ] && [ -n "$NCU" ] && [ $(left) -gt 250 ]; then
  timeout 150 $NCU --clock-control none -k regex:depthwiseRowKernel --launch-skip 150 --launch-count 3 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section WarpStateStats \
    --section LaunchStats $R ioscope-cli execute tests/data/zoo/nasnetalarge.onnx $s --precision fp16 \
    --batch 16 --runs 1 --warmup 0 --no-utilization > $res/ncu-row.txt 2>&1
  say "ncu rc=$?: $(grep -cE 'depthwiseRowKernel' $res/ncu-row.txt) kernel reports"
  grep -E 'depthwiseRowKernel|Duration|Throughput|L1/TEX Hit|Registers Per|Achieved Occupancy|Theoretical Occ|Block Limit|Warp Cycles Per Issued|Stall|Issue Slot|Wavefronts|Bank' \
    $res/ncu-row.txt | cut -c1-150 | head -60 | tee -a $res/summary.txt
fi
for b in ${PEER_KERNEL_BATCHES-${BATCHES-16 1}}; do [ $(left) -lt 120 ] && continue
  OUT=$res/peer-kernels PREC=fp16 BATCH=$b NETS=nasnetalarge:331 timeout $(( $(left) + 20 )) python3 .device/peer_kernels.py 2>&1 \
    | grep "^[a-z0-9_:]* {" | sed "s/^/fp16 b$b peer kernels /" | cut -c1-3000 | tee -a $res/summary.txt
done
say "done at $(( $(date +%s) - T0 )) s"
