"""A tiny SSD (Liu et al. 2016) for ShapesWorld: torchvision's SSD with a small backbone.

SSD predicts, at every cell of several feature maps, class scores and box offsets for a fixed
set of default boxes (a few scales and aspect ratios per map): fine maps for small shapes,
coarse maps for big ones. Training matches each object to its best default box (and any with
IoU > 0.5), regresses offsets with smooth L1, and trains the classifier on all positives plus
the hardest negatives only (3 per positive: hard-negative mining), as torchvision's
`SSD.compute_loss` does.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
from torchvision.models.detection.ssd import SSD

from core.vision.types import DETECT
from core.vision.shapes.generator import CLASSES, ShapesConfig
from core.vision.shapes.models.family import Family, rcnn_loss, rcnn_predict


@dataclass
class SSDConfig:
    image_size: int = 128                      # input side in pixels
    scales: tuple = (0.12, 0.2, 0.32, 0.45)    # default-box size / image side on each map (+1 for the last's extra box)
    aspect_ratios: tuple = ((2,), (2,), (2,))  # per map: 1:1 (two sizes) plus 2:1 and 1:2
    steps: tuple = (8, 16, 32)                 # strides of the three feature maps
    width: int = 64                            # backbone channels


def _conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SSDBackbone(nn.Module):
    """image [N, 3, H, W] -> {"0": [N, w, H/8, W/8], "1": [N, w, H/16, W/16], "2": [N, w, H/32, W/32]}."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(_conv(3, 32, 2), _conv(32, 48, 2), _conv(48, width, 2), _conv(width, width))
        self.down1 = nn.Sequential(_conv(width, width, 2), _conv(width, width))
        self.down2 = nn.Sequential(_conv(width, width, 2), _conv(width, width))

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        f0 = self.body(x)
        f1 = self.down1(f0)
        f2 = self.down2(f1)
        return OrderedDict([("0", f0), ("1", f1), ("2", f2)])


def build_tiny_ssd(cfg: SSDConfig | None = None, num_classes: int = len(CLASSES) + 1) -> SSD:
    """torchvision SSD; class 0 is background. Same input/target format as the R-CNNs."""
    cfg = cfg or SSDConfig()
    anchors = DefaultBoxGenerator([list(a) for a in cfg.aspect_ratios], scales=list(cfg.scales),
                                  steps=list(cfg.steps))
    return SSD(SSDBackbone(cfg.width), anchors, (cfg.image_size, cfg.image_size), num_classes,
               image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25],
               score_thresh=0.05, detections_per_img=50, topk_candidates=100)


def family():
    """The training adapter (see core.vision.shapes.models.family.Family)."""
    return Family(name="ssd", task=DETECT, build=build_tiny_ssd, loss=rcnn_loss, predict=rcnn_predict,
                  data=ShapesConfig(easy=True), batch=16, lr=2e-3)
