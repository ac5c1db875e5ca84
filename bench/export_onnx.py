# Exports torchvision/timm networks to ONNX on the GPU machine, for ioscope's import and benchmarks.
# Structure only by default: weights are written as external data and dropped (as ../shared/fixtures/onnx
# are), so the files stay small. Networks come from bench/zoo.txt (NAME [SIZE] [weights] a line); NETS
# (comma list of NAME or NAME:SIZE) overrides it. OUT: the folder (default /tmp/onnx). A `weights` entry
# also writes NAME.with-weights.onnx (seeded random weights inline; no download) into OUT/with-weights.
# Prints one line per network and never stops at a failing one.
import glob, os, sys, time
import torch, torchvision, onnx

here = os.path.dirname(os.path.abspath(__file__))
out = os.environ.get("OUT", "/tmp/onnx"); os.makedirs(out, exist_ok=True)


def zoo_entries():
    if os.environ.get("NETS"):
        return [((s.split(":") + [""])[0], (s.split(":") + [""])[1], False) for s in os.environ["NETS"].split(",")]
    entries = []
    with open(os.environ.get("ZOO", os.path.join(here, "zoo.txt"))) as f:
        for line in f:
            words = line.split("#")[0].split()
            if not words: continue
            size = next((w for w in words[1:] if w.isdigit()), "")
            entries.append((words[0], size, "weights" in words[1:]))
    return entries


class Segmentation(torch.nn.Module):  # torchvision segmentation nets return a dict: keep 'out'
    def __init__(self, m):
        super().__init__(); self.m = m
    def forward(self, x):
        return self.m(x)["out"]


def model(name):
    tv = torchvision.models
    if name == "inception_v3": return tv.inception_v3(weights=None, aux_logits=False, init_weights=False), 299
    if name == "googlenet": return tv.googlenet(weights=None, aux_logits=False, init_weights=False), 224
    if hasattr(tv, name): return getattr(tv, name)(weights=None), 224
    if hasattr(tv.segmentation, name):
        return Segmentation(getattr(tv.segmentation, name)(weights=None, weights_backbone=None)), 224
    import timm
    m = timm.create_model(name, pretrained=False)
    size = m.default_cfg.get("input_size", (3, 224, 224))[-1]
    return m, size


for name, size, with_weights in zoo_entries():
    t0 = time.time()
    try:
        torch.manual_seed(0)
        m, hw = model(name)
        hw = int(size or hw)
        m.eval()
        x = torch.randn(1, 3, hw, hw)
        path = f"{out}/{name}.onnx"
        tmp = f"/tmp/{name}.full.onnx"
        with torch.no_grad():
            torch.onnx.export(m, x, tmp, opset_version=17, dynamo=False, do_constant_folding=True,
                              input_names=["input"], output_names=["output"])
        proto = onnx.load(tmp)
        if with_weights:
            os.makedirs(f"{out}/with-weights", exist_ok=True)
            onnx.save_model(proto, f"{out}/with-weights/{name}.with-weights.onnx")
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=f"{name}.weights.bin", size_threshold=0)
        for f in glob.glob(f"{out}/{name}.weights.bin"): os.remove(f)
        ops = sorted({n.op_type for n in proto.graph.node})
        print(f"{name}: {hw}x{hw}, {len(proto.graph.node)} nodes, {os.path.getsize(path)} bytes, "
              f"{time.time() - t0:.1f} s, ops {' '.join(ops)}", flush=True)
    except Exception as e:
        print(f"{name}: FAILED {repr(e)[:300]}", flush=True)
