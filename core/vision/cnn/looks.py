"""Where a network looks: one layer's feature maps, the top-5 classes and Grad-CAM, from one forward
and one gradient.

Grad-CAM (Selvaraju et al. 2017) for class c at a layer with activations A [C, h, w]:
    alpha_k = mean over (i, j) of d y_c / d A_k[i, j]        (how much channel k matters for c)
    CAM     = ReLU( sum_k alpha_k A_k )                       [h, w], upsampled to the image
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Look:
    layer: str  # the module whose output is shown, e.g. "layer4" or "3"
    activations: np.ndarray  # float32[C, h, w], that layer's output for the image
    probs: np.ndarray  # float32[K], softmax over the classes
    top: list[tuple[int, float]]  # the top-5 (class index, probability)
    target: int  # the class the CAM explains
    cam_small: np.ndarray  # float32[h, w], Grad-CAM at the layer's resolution (not normalised)
    cam: np.ndarray  # float32[H, W] in [0, 1], upsampled to the input


def grad_cam(activations: torch.Tensor, gradients: torch.Tensor) -> torch.Tensor:
    """activations, gradients (Tensor[C, h, w]) -> Tensor[h, w]: ReLU(sum_k mean(dy/dA_k) A_k)."""
    alpha = gradients.mean(dim=(1, 2))  # [C]
    return F.relu((alpha[:, None, None] * activations).sum(dim=0))  # [h, w]


def spatial_layers(model: nn.Module, input_shape: tuple[int, int, int]) -> list[str]:
    """Rows of the layer table whose output is still a feature map [C, h, w] with h * w > 1 (where a CAM
    makes sense; a globally pooled 1 x 1 map is not one)."""
    from core.vision.cnn.table import layer_rows

    rows = layer_rows(model)
    seen: dict[str, int] = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, n=n: seen.__setitem__(n, o.dim() == 4 and o.shape[2] * o.shape[3] > 1)) for n, m in rows]
    try:
        with torch.no_grad():
            p = next(model.parameters())
            model(torch.zeros(1, *input_shape, device=p.device, dtype=p.dtype))
    finally:
        for h in hooks:
            h.remove()
    return [n for n, _ in rows if seen.get(n)]


def look(model: nn.Module, x: torch.Tensor, layer: str, target: int | None = None, k: int = 5) -> Look:
    """x (Tensor[1, C, H, W]) through model (in eval mode, not changed: no parameter gets a .grad).

    The layer's output is swapped for a leaf copy that requires grad, so one torch.autograd.grad
    gives d y_target / d A without backpropagating into the layers before it."""
    module = model.get_submodule(layer)
    captured: dict[str, torch.Tensor] = {}

    def swap(mod, inp, out):
        a = out.detach().requires_grad_(True)
        captured["a"] = a
        return a.clone()  # later in-place ops (ReLU(inplace=True)) act on the clone, not on A

    handle = module.register_forward_hook(swap)
    try:
        with torch.enable_grad():
            logits = model(x)  # [1, K]
            probs = logits.detach().softmax(dim=1)[0]
            c = int(probs.argmax()) if target is None else int(target)
            (grads,) = torch.autograd.grad(logits[0, c], captured["a"])
    finally:
        handle.remove()
    a = captured["a"].detach()[0]  # [C, h, w]
    cam_small = grad_cam(a, grads[0])
    cam = F.interpolate(cam_small[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
    cam = cam / cam.max() if float(cam.max()) > 0 else cam
    top = torch.topk(probs, min(k, probs.numel()))
    return Look(layer, a.numpy(), probs.numpy(), [(int(i), float(p)) for p, i in zip(top.values, top.indices)], c,
                cam_small.numpy(), cam.numpy())


def strongest_channels(activations: np.ndarray, n: int = 16) -> list[int]:
    """The n channels with the largest mean activation (what the grid shows first)."""
    means = activations.reshape(activations.shape[0], -1).mean(axis=1)
    return [int(i) for i in np.argsort(-means)[:n]]
