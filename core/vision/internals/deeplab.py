"""The ShapesWorld DeepLabv3+ opened up: each ASPP branch's output, and what the decoder adds.

Forward hooks record the model's own tensors (nothing is recomputed differently): the 1x1 branch,
one 3x3 atrous branch per rate, the image-pooling branch, the projected ASPP output, and the
final logits. "v3 boundary" is the same logits read only at the ASPP's stride (8) and upsampled
bilinearly, i.e. the resolution at which DeepLabv3, which has no decoder, draws its boundaries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.vision.shapes.evaluate import boundary_f1  # noqa: F401  (its home is evaluate; the tab imports it from here too)


@dataclass
class AsppTrace:
    """branches: name -> float[C, h, w] (h = w = image / 8); logits float[K, H, W] (v3+, with the decoder);
    v3_logits float[K, H, W] (the same at stride 8, upsampled); rates (the 3x3 branches' dilation)."""

    branches: dict[str, np.ndarray]
    logits: np.ndarray
    v3_logits: np.ndarray
    rates: tuple
    class_names: list[str]


@torch.no_grad()
def aspp_trace(model, image: np.ndarray) -> AsppTrace:
    """model: the ShapesWorld DeepLabV3Plus (eval); image uint8[S, S, 3]."""
    from core.vision.shapes.generator import CLASSES
    from core.vision.image import to_tensor

    aspp = model.aspp
    names = ["1x1 conv"] + [f"3x3 atrous, rate {r}" for r in aspp_rates(model)] + ["image pooling"]
    got: dict[str, torch.Tensor] = {}
    mods = list(aspp.branches) + [aspp.pool]
    hooks = [m.register_forward_hook(lambda mod, args, out, n=n: got.__setitem__(n, out[0]))
             for n, m in zip(names, mods)]
    try:
        logits = model(to_tensor(image[None]))[0]               # [K, H, W]
    finally:
        for h in hooks:
            h.remove()
    H, W = logits.shape[-2:]
    h, w = got[names[0]].shape[-2:]
    got["image pooling"] = got["image pooling"].expand(-1, h, w)      # one vector, broadcast over the map (as ASPP does)
    coarse = F.interpolate(logits[None], size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    v3 = F.interpolate(coarse, size=(H, W), mode="bilinear", align_corners=False)[0]
    return AsppTrace({n: got[n].numpy() for n in names}, logits.numpy(), v3.numpy(), aspp_rates(model),
                     ["background"] + list(CLASSES))


def aspp_rates(model) -> tuple:
    return tuple(model.cfg.aspp_rates)


@torch.no_grad()
def backbone_map(model, image: np.ndarray) -> np.ndarray:
    """The map ASPP reads: the ShapesWorld DeepLab's backbone (stride 8, last stage atrous) on one picture.
    image uint8[H, W, 3] (any size) -> float[C, H/8, W/8]."""
    from core.vision.image import normalise, to_tensor

    x = normalise(to_tensor(image[None]))                                  # [1, 3, H, W]
    return model.atrous(model.mid(model.low(model.stem(x))))[0].numpy()   # [C, H/8, W/8]
