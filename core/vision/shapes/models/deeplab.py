"""A tiny DeepLabv3+ (Chen et al. 2018) for ShapesWorld's semantic maps.

    image -> backbone (stride 8, last stage atrous) -> ASPP -> decoder (+ stride-4 low-level
    features) -> per-pixel class scores, upsampled to the image

Atrous (dilated) convolutions keep the feature map at stride 8 while widening the receptive
field; ASPP looks at that map through several dilation rates at once plus a global-pool branch,
so one layer sees both a star's points and the whole image. The decoder brings back sharp edges
from the early, high-resolution features.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.vision.types import SEGMENT, Segmentation
from core.vision.shapes.generator import CLASSES, ShapesConfig
from core.vision.image import normalise, to_tensor
from core.vision.shapes.models.family import Family, model_device, stack_images


@dataclass
class DeepLabConfig:
    num_classes: int = len(CLASSES) + 1   # background + the shapes
    width: int = 64                       # backbone channels at stride 8
    aspp_rates: tuple = (2, 4, 6)         # atrous rates of ASPP's 3x3 branches (on a 16x16 map at 128 px)
    aspp_channels: int = 64               # channels of each ASPP branch and of its projection
    low_level_channels: int = 24          # the stride-4 features after their 1x1 reduction
    decoder_channels: int = 64            # the decoder's 3x3 convs


def conv_bn(cin, cout, k=3, stride=1, dilation=1):
    pad = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: x [N, C, h, w] -> [N, out, h, w].

    Branches: a 1x1 conv, one 3x3 atrous conv per rate, and image-level pooling; concatenated
    and projected by a 1x1 conv.
    """

    def __init__(self, cin: int, out: int, rates: tuple):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn(cin, out, k=1)] + [conv_bn(cin, out, 3, dilation=r) for r in rates])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, out, 1), nn.ReLU(inplace=True))
        self.project = conv_bn(out * (len(rates) + 2), out, k=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        feats = [b(x) for b in self.branches]
        feats.append(F.interpolate(self.pool(x), size=(h, w), mode="nearest"))  # global context, broadcast
        return self.project(torch.cat(feats, dim=1))


class DeepLabV3Plus(nn.Module):
    """image float[N, 3, H, W] in [0, 1] -> logits float[N, num_classes, H, W]."""

    def __init__(self, cfg: DeepLabConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or DeepLabConfig()
        w = cfg.width
        self.stem = nn.Sequential(conv_bn(3, 32, stride=2), conv_bn(32, 32))           # /2
        self.low = nn.Sequential(conv_bn(32, 48, stride=2), conv_bn(48, 48))           # /4: edges, corners
        self.mid = nn.Sequential(conv_bn(48, w, stride=2), conv_bn(w, w))              # /8
        self.atrous = nn.Sequential(conv_bn(w, w, dilation=2), conv_bn(w, w, dilation=4))  # still /8, wider view
        self.aspp = ASPP(w, cfg.aspp_channels, cfg.aspp_rates)
        self.reduce = conv_bn(48, cfg.low_level_channels, k=1)
        self.decoder = nn.Sequential(conv_bn(cfg.aspp_channels + cfg.low_level_channels, cfg.decoder_channels),
                                     conv_bn(cfg.decoder_channels, cfg.decoder_channels))
        self.classifier = nn.Conv2d(cfg.decoder_channels, cfg.num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = x.shape[-2:]
        low = self.low(self.stem(normalise(x)))                   # [N, 48, H/4, W/4]
        high = self.aspp(self.atrous(self.mid(low)))                  # [N, A, H/8, W/8]
        high = F.interpolate(high, size=low.shape[-2:], mode="bilinear", align_corners=False)
        y = self.decoder(torch.cat([high, self.reduce(low)], dim=1))  # [N, D, H/4, W/4]
        return F.interpolate(self.classifier(y), size=(H, W), mode="bilinear", align_corners=False)


def family():
    """The training adapter (see core.vision.shapes.models.family.Family)."""

    def loss(model, samples):
        logits = model(to_tensor(stack_images(samples)))
        target = torch.from_numpy(np.stack([s.semantic for s in samples]))
        ce = F.cross_entropy(logits, target)
        return ce, {"ce": float(ce.detach())}

    def predict(model, images):
        with torch.no_grad():
            probs = torch.softmax(model(to_tensor(images, model_device(model))), dim=1).cpu()
        names = ["background"] + list(CLASSES)
        return [Segmentation(classes=p.argmax(0).numpy().astype(np.int64), class_names=names,
                             scores=p.numpy().astype(np.float32)) for p in probs]

    return Family(name="deeplab", task=SEGMENT, build=lambda: DeepLabV3Plus(), loss=loss, predict=predict,
                  data=ShapesConfig(), batch=8, lr=2e-3)
