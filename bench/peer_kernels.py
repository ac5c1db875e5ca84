# Where the peer's GPU time goes: the same peer as ../shared/tools/peer_baseline.py (torch.compile,
# mode reduce-overhead, Inductor freezing: batch norm folded, CUDA graphs), one replay profiled with
# torch.profiler (CUPTI) and its kernels put in ioscope's classes (engine/exec/kernel_classes.cpp:
# transposes, element-wise, convolutions, other), so a breakdown of `execute --json` can be set
# beside the peer's from the same call. Inductor's own kernels are classed by their prefix:
# triton_poi_ (point-wise) is element-wise, triton_red_/triton_per_ (reductions) other, triton_tem_
# (templates: matmuls, convolutions) convolutions.
# Env: NETS (torchvision or timm names, NAME:SIZE for another input size), PREC (tf32|fp32|fp16|bf16),
# BATCH (default 1), OUT (writes peer-kernels-PREC-bBATCH.json there). Prints one JSON line per net.
import json
import os
import re

import torch
import torchvision

CLASSES = ("transposes", "element-wise", "convolutions", "other")


def contains(lower, needles):
    return any(n in lower for n in needles)


def classify(name):
    """Mirrors classifyKernel in engine/exec/kernel_classes.cpp, Inductor's Triton kernels first."""
    lower = name.lower()
    if lower.startswith("triton_poi_"):
        return "element-wise"
    if lower.startswith(("triton_red_", "triton_per_")):
        return "other"
    if lower.startswith("triton_tem_"):
        return "convolutions"
    if contains(lower, ("nchwtonhwc", "nhwctonchw", "transpose", "nchw2nhwc", "nhwc2nchw", "convert_layout")):
        return "transposes"
    if contains(lower, ("depthwise", "gemv")):
        return "convolutions"
    if contains(lower, ("conv", "fprop")) and "convert" not in lower:
        return "convolutions"
    if contains(lower, ("nhwcslice", "nchwslice")):
        return "element-wise"
    if contains(lower, ("nvjet", "splitkreduce")):
        return "convolutions"
    if "cublaslt" in lower and "epilogue" in lower:
        return "element-wise"
    if contains(lower, ("elementwise", "pointwise", "op_tensor", "optensor", "add_tensor", "addtensor",
                        "scale_tensor", "activation_fw", "activationfw", "bias_kernel", "vectorized_elementwise",
                        "cat_", "catarray")):
        return "element-wise"
    if contains(lower, ("conv", "xmma", "implicit", "fprop", "winograd", "fft", "cutlass", "sm90_", "sm80_",
                        "gemm", "hmma", "wgmma", "dgrad")):
        return "convolutions"
    return "other"


def model(spec):
    name, size = (spec.split(":") + [""])[:2]
    tv = torchvision.models
    if name == "inception_v3":
        m, hw = tv.inception_v3(weights=None, aux_logits=False, init_weights=False), 299
    elif name == "googlenet":
        m, hw = tv.googlenet(weights=None, aux_logits=False, init_weights=False), 224
    elif hasattr(tv, name):
        m, hw = getattr(tv, name)(weights=None), 224
    else:
        import timm

        m = timm.create_model(name, pretrained=False)
        hw = m.default_cfg["input_size"][-1]
    return m, int(size or hw)


def kernels_of_one_run(fn):
    """(name, ms) of every GPU kernel one call of fn launches, CUDA-graph replays included."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    out = []
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA and not re.match(r"^(Memcpy|Memset)", e.name):
            us = getattr(e, "device_time_total", None)
            out.append((e.name, (us if us is not None else e.cuda_time_total) / 1000.0))
    return out


def breakdown(kernels):
    total = sum(ms for _, ms in kernels) or 1.0
    classes = {}
    for c in CLASSES:
        ms = sum(t for n, t in kernels if classify(n) == c)
        classes[c] = {"count": sum(1 for n, _ in kernels if classify(n) == c), "ms": round(ms, 4),
                      "share": round(ms / total, 4)}
    heaviest = {}
    for n, t in kernels:
        heaviest[n] = heaviest.get(n, 0.0) + t
    top = sorted(heaviest.items(), key=lambda kv: -kv[1])[:8]
    # Depthwise (grouped) convolutions by kernel, beside ioscope's per-kernel depthwise figures.
    grouped = {n: t for n, t in heaviest.items() if contains(n.lower(), ("depthwise", "grouped"))}
    return {"kernels": len(kernels), "kernel_ms": round(sum(t for _, t in kernels), 4), "kernel_classes": classes,
            "heaviest": [{"name": n[:120], "class": classify(n), "ms": round(t, 4)} for n, t in top],
            "depthwise": {"count": sum(1 for n, _ in kernels if n in grouped), "ms": round(sum(grouped.values()), 4),
                          "by_kernel": [{"name": n[:160], "ms": round(t, 4)}
                                        for n, t in sorted(grouped.items(), key=lambda kv: -kv[1])]}}


def main():
    prec = os.environ.get("PREC", "tf32")
    batch = int(os.environ.get("BATCH", "1"))
    out = os.environ.get("OUT", "/tmp/out")
    os.makedirs(out, exist_ok=True)
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = prec == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(prec, torch.float32)
    import torch._inductor.config as inductor_config

    inductor_config.freezing = True
    result = {"prec": prec, "batch": batch, "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
              "nets": {}}
    for spec in filter(None, os.environ.get("NETS", "densenet121").split(",")):
        try:
            m, hw = model(spec)
            m = m.eval().cuda().to(dtype)
            x = torch.randn(batch, 3, hw, hw, device="cuda", dtype=dtype)
            with torch.no_grad():
                torch._dynamo.reset()
                compiled = torch.compile(m, mode="reduce-overhead")
                for _ in range(5):
                    compiled(x)
                kernels = kernels_of_one_run(lambda: compiled(x))
                graphs = True
                if not kernels:  # no kernels seen inside graph replays: the same model without CUDA graphs
                    torch._dynamo.reset()
                    compiled = torch.compile(m)
                    for _ in range(5):
                        compiled(x)
                    kernels, graphs = kernels_of_one_run(lambda: compiled(x)), False
                r = breakdown(kernels)
                r["profiled_in_cuda_graph"] = graphs
        except Exception as e:  # one network's failure is reported, the others still run
            r = {"error": repr(e)[:300]}
        result["nets"][spec] = r
        print(spec, json.dumps(r), flush=True)
    with open(f"{out}/peer-kernels-{prec}-b{batch}.json", "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
