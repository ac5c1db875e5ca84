# Runs ../shared/tools/peer_baseline.py (its path the first argument; same environment: NETS, PREC,
# BATCH, COMPILE, OUT) with torchvision's segmentation networks reachable by name as well, e.g.
# NETS=lraspp_mobilenet_v3_large. They are wrapped the way bench/export_onnx.py exports them: the
# model's 'out' tensor only, no pretrained weights. The peer script itself is used unchanged; timm
# networks are given their own input size (below).
import os
import runpy
import sys

import torch
import torchvision


class Segmentation(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)["out"]


def segmentation_factory(build):
    return lambda weights=None: Segmentation(build(weights=None, weights_backbone=None))


for name in dir(torchvision.models.segmentation):
    build = getattr(torchvision.models.segmentation, name)
    if callable(build) and name.islower() and not name.startswith("_") and not hasattr(torchvision.models, name):
        setattr(torchvision.models, name, segmentation_factory(build))

# The peer script gives timm networks 224x224 (331 for NASNets) unless told NAME:SIZE, while
# bench/export_onnx.py exports each at its own default size (Inception V4, Inception-ResNet-v2 and
# Xception: 299): name each timm network's own size so both sides run the same input.
def with_own_size(spec):
    if ":" in spec or hasattr(torchvision.models, spec):
        return spec
    try:
        import timm

        return f"{spec}:{timm.create_model(spec, pretrained=False).default_cfg['input_size'][-1]}"
    except Exception:  # not a timm name either: the peer script reports it
        return spec


if os.environ.get("NETS"):  # unset: the peer script's own default list, torchvision names at their sizes
    os.environ["NETS"] = ",".join(with_own_size(n) for n in os.environ["NETS"].split(",") if n)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
