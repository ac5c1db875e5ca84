# Exports torchvision/timm networks to ONNX on the GPU machine (structure only: weights are written
# as external data and dropped, as ../shared/fixtures/onnx are), for ioscope's import and benchmark.
# Env: NETS (comma list, NAME or NAME:SIZE), OUT (folder). Prints one line per network.
import os, sys, time, glob
import torch, torchvision, onnx

out = os.environ.get("OUT", "/tmp/onnx"); os.makedirs(out, exist_ok=True)
nets = os.environ.get("NETS", "densenet121").split(",")

def model(name):
    tv = torchvision.models
    if name == "inception_v3": return tv.inception_v3(weights=None, aux_logits=False, init_weights=False), 299
    if name == "googlenet": return tv.googlenet(weights=None, aux_logits=False, init_weights=False), 224
    if hasattr(tv, name): return getattr(tv, name)(weights=None), 224
    import timm
    m = timm.create_model(name, pretrained=False)
    size = m.default_cfg.get("input_size", (3, 224, 224))[-1]
    return m, size

for spec in nets:
    name, size = (spec.split(":") + [""])[:2]
    t0 = time.time()
    try:
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
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=f"{name}.weights.bin", size_threshold=0)
        for f in glob.glob(f"{out}/{name}.weights.bin"): os.remove(f)
        print(f"{name}: {hw}x{hw}, {len(proto.graph.node)} nodes, {os.path.getsize(path)} bytes, "
              f"{time.time() - t0:.1f} s", flush=True)
    except Exception as e:
        print(f"{name}: FAILED {repr(e)[:300]}", flush=True)
