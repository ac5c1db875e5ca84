# onnxruntime's outputs of the weighted zoo files, for the GPU test weightedNetworksMatchOnnxRuntime
# (tests/engine/tst_gpu_onnx.cpp). For each DIR/NAME.with-weights.onnx (bench/export_onnx.py writes them
# into OUT/with-weights), writes NAME.input.bin (a seeded standard-normal input, batch 1) and NAME.ort.bin
# (onnxruntime's CPU output on it): raw little-endian float32, NCHW. Usage: python3 ort_reference.py DIR
import glob, os, sys
import numpy as np
import onnxruntime as ort

folder = sys.argv[1]
files = sorted(glob.glob(os.path.join(folder, "*.with-weights.onnx")))
if not files:
    sys.exit(f"{folder}: no *.with-weights.onnx")
for path in files:
    stem = path[: -len(".with-weights.onnx")]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in first.shape]
    x = np.random.default_rng(20210401).standard_normal(shape).astype(np.float32)
    y = session.run(None, {first.name: x})[0].astype(np.float32)
    x.tofile(stem + ".input.bin")
    y.tofile(stem + ".ort.bin")
    print(f"{os.path.basename(stem)}: input {shape}, output {list(y.shape)}, max |y| {np.abs(y).max():.3g}")
