# Runs ../shared/tools/peer_baseline.py (its path the first argument; same environment: NETS, PREC,
# BATCH, COMPILE, OUT) with torchvision's segmentation networks reachable by name as well, e.g.
# NETS=lraspp_mobilenet_v3_large. They are wrapped the way bench/export_onnx.py exports them: the
# model's 'out' tensor only, no pretrained weights. The peer script itself is used unchanged.
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

sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
