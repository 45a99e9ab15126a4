"""A tiny DeepLab family (Chen et al. 2015-2018) for ShapesWorld's semantic maps: v1, v2, v3, v3+
on one backbone, switched by DeepLabConfig.variant.

    image -> backbone (stride 8, last stage atrous) -> head -> per-pixel class scores, upsampled

    v1:  head = a 3x3 conv and a 1x1 classifier                      (no pyramid)
    v2:  head = ASPP-v2: one 3x3 atrous conv -> class scores per rate, summed   (no BatchNorm)
    v3:  head = ASPP: 1x1 + one 3x3 atrous per rate + image pooling, BatchNorm, projected; 1x1 classifier
    v3+: v3's ASPP, then a decoder that adds the stride-4 low-level features before classifying

Atrous (dilated) convolutions keep the feature map at stride 8 while widening the receptive
field; ASPP looks at that map through several dilation rates at once (v3 adds a global-pool
branch, so one layer sees both a star's points and the whole image). The v3+ decoder brings back
sharp edges from the early, high-resolution features. (v1/v2's CRF post-processing is left out.)
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

VARIANTS = ("v1", "v2", "v3", "v3+")


@dataclass
class DeepLabConfig:
    variant: str = "v3+"                  # one of VARIANTS: which head sits on the shared backbone
    num_classes: int = len(CLASSES) + 1   # background + the shapes
    width: int = 64                       # backbone channels at stride 8
    aspp_rates: tuple = (2, 4, 6)         # atrous rates of ASPP's 3x3 branches (on a 16x16 map at 128 px)
    aspp_channels: int = 64               # channels of each ASPP branch and of its projection (v1: its head conv)
    low_level_channels: int = 24          # v3+: the stride-4 features after their 1x1 reduction
    decoder_channels: int = 64            # v3+: the decoder's 3x3 convs


def conv_bn(cin, cout, k=3, stride=1, dilation=1):
    pad = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """DeepLabv3's atrous spatial pyramid pooling: x [N, C, h, w] -> [N, out, h, w].

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


class ASPPv2(nn.Module):
    """DeepLabv2's ASPP: x [N, C, h, w] -> class scores [N, K, h, w], the sum over rates of
    (3x3 atrous conv at that rate -> ReLU -> 1x1 conv -> ReLU -> 1x1 to classes). No BatchNorm, no image pooling."""

    def __init__(self, cin: int, width: int, num_classes: int, rates: tuple):
        super().__init__()
        self.branches = nn.ModuleList(nn.Sequential(
            nn.Conv2d(cin, width, 3, padding=r, dilation=r), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 1), nn.ReLU(inplace=True), nn.Conv2d(width, num_classes, 1)) for r in rates)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum(b(x) for b in self.branches)


class DeepLab(nn.Module):
    """image float[N, 3, H, W] in [0, 1] -> logits float[N, num_classes, H, W]; cfg.variant picks the head."""

    def __init__(self, cfg: DeepLabConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or DeepLabConfig()
        if cfg.variant not in VARIANTS:
            raise ValueError(f"unknown DeepLab variant {cfg.variant!r}; choose one of {', '.join(VARIANTS)}")
        w, A, K = cfg.width, cfg.aspp_channels, cfg.num_classes
        self.stem = nn.Sequential(conv_bn(3, 32, stride=2), conv_bn(32, 32))           # /2
        self.low = nn.Sequential(conv_bn(32, 48, stride=2), conv_bn(48, 48))           # /4: edges, corners
        self.mid = nn.Sequential(conv_bn(48, w, stride=2), conv_bn(w, w))              # /8
        self.atrous = nn.Sequential(conv_bn(w, w, dilation=2), conv_bn(w, w, dilation=4))  # still /8, wider view
        if cfg.variant == "v1":
            self.head = conv_bn(w, A)                                   # v1's fc6/fc7 in small
            self.classifier = nn.Conv2d(A, K, 1)
        elif cfg.variant == "v2":
            self.aspp = ASPPv2(w, A, K, cfg.aspp_rates)                 # already class scores
        else:
            self.aspp = ASPP(w, A, cfg.aspp_rates)
            if cfg.variant == "v3+":
                self.reduce = conv_bn(48, cfg.low_level_channels, k=1)
                self.decoder = nn.Sequential(conv_bn(A + cfg.low_level_channels, cfg.decoder_channels),
                                             conv_bn(cfg.decoder_channels, cfg.decoder_channels))
            self.classifier = nn.Conv2d(cfg.decoder_channels if cfg.variant == "v3+" else A, K, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = x.shape[-2:]
        low = self.low(self.stem(normalise(x)))                      # [N, 48, H/4, W/4]
        feat = self.atrous(self.mid(low))                            # [N, w, H/8, W/8]
        v = self.cfg.variant
        if v == "v1":
            y = self.classifier(self.head(feat))                     # [N, K, H/8, W/8]
        elif v == "v2":
            y = self.aspp(feat)                                      # [N, K, H/8, W/8]
        elif v == "v3":
            y = self.classifier(self.aspp(feat))                     # [N, K, H/8, W/8]
        else:
            high = self.aspp(feat)                                   # [N, A, H/8, W/8]
            high = F.interpolate(high, size=low.shape[-2:], mode="bilinear", align_corners=False)
            y = self.classifier(self.decoder(torch.cat([high, self.reduce(low)], dim=1)))  # [N, K, H/4, W/4]
        return F.interpolate(y, size=(H, W), mode="bilinear", align_corners=False)


DeepLabV3Plus = DeepLab  # the default variant (v3+); the name the bundled model was first saved under


def family_name(variant: str) -> str:
    """The registry's name of a variant: "deeplab" (v3+, the bundled default), "deeplab_v1", ..."""
    return "deeplab" if variant == "v3+" else f"deeplab_{variant}"


def family(variant: str = "v3+"):
    """The training adapter (see core.vision.shapes.models.family.Family) of one variant."""

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

    return Family(name=family_name(variant), task=SEGMENT, build=lambda: DeepLab(DeepLabConfig(variant=variant)),
                  loss=loss, predict=predict, data=ShapesConfig(), batch=8, lr=2e-3)
