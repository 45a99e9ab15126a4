"""Swin on a picture: windows and shifted windows over the image, attention inside one window of a real
Swin, and patch merging on the real stage-1 tensor.

The model is torchvision's SwinTransformer (v1): `features[0]` patch embedding, `features[1]` stage 1
(block 0: windows, block 1: shifted windows), `features[2]` patch merging, ... The attention weights are
recomputed from the block's own input and weights (torchvision's `shifted_window_attention` never
exposes them); the tests hold the recomputed output to the module's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.vision.vit.swin import cyclic_shift, patch_merge, shifted_window_mask, window_partition


def window_attention(attn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One ShiftedWindowAttention module on its input x [1, H, W, C] (H, W multiples of its window M)
    -> (weights [nW, heads, M*M, M*M] softmax over keys, output [1, H, W, C] as the module computes it)."""
    B, H, W, C = x.shape
    M, heads = attn.window_size[0], attn.num_heads
    s = attn.shift_size[0] if M < H else 0                        # torchvision: no shift when one window covers all
    xs = cyclic_shift(x, s) if s else x
    win = window_partition(xs, M)                                 # [nW, M*M, C]
    N, L, _ = win.shape
    qkv = F.linear(win, attn.qkv.weight, attn.qkv.bias).reshape(N, L, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]                              # [nW, heads, L, C/heads] each
    logits = (q * (C // heads) ** -0.5) @ k.transpose(-2, -1) + attn.get_relative_position_bias()
    if s:
        logits = logits + shifted_window_mask(H, W, M, s)[:, None]  # -100 where the roll brought strangers together
    weights = logits.softmax(-1)                                  # [nW, heads, L, L]
    out = attn.proj((weights @ v).transpose(1, 2).reshape(N, L, C))  # [nW, L, C]
    out = out.view(H // M, W // M, M, M, C).permute(0, 2, 1, 3, 4).reshape(1, H, W, C)
    return weights, (torch.roll(out, shifts=(s, s), dims=(1, 2)) if s else out)


@dataclass
class SwinPicture:
    """image uint8[S, S, 3] (what the model saw); patch (pixels); M (window); shift (patches);
    weights {0: windows, 1: shifted}: float[nW, heads, M*M, M*M]; stage1 float[H, W, C] (stage-1 output);
    merged float[H/2, W/2, 4C] (the 2x2 concatenation x0 x1 x2 x3); reduced float[H/2, W/2, 2C] (after
    norm + linear); logits float[K]."""

    image: np.ndarray
    patch: int
    M: int
    shift: int
    weights: dict
    stage1: np.ndarray
    merged: np.ndarray
    reduced: np.ndarray
    logits: np.ndarray


@torch.no_grad()
def swin_picture(model, x: torch.Tensor, image: np.ndarray) -> SwinPicture:
    """model: torchvision SwinTransformer (eval); x float[1, 3, S, S] normalised as it was trained; image the
    same picture as uint8[S, S, 3]."""
    blocks = model.features[1]
    seen = {}
    hooks = [b.attn.register_forward_pre_hook(lambda m, a, i=i: seen.__setitem__(i, a[0])) for i, b in enumerate(blocks[:2])]
    try:
        logits = model(x)[0]
    finally:
        for h in hooks:
            h.remove()
    weights = {i: window_attention(blocks[i].attn, seen[i])[0].numpy() for i in seen}
    stage1 = blocks(model.features[0](x))                         # [1, H, W, C]
    pm = model.features[2]
    merged = torch.cat([stage1[:, 0::2, 0::2], stage1[:, 1::2, 0::2], stage1[:, 0::2, 1::2], stage1[:, 1::2, 1::2]], -1)
    a = blocks[0].attn
    return SwinPicture(image, int(model.features[0][0].stride[0]), a.window_size[0], blocks[1].attn.shift_size[0],
                       weights, stage1[0].numpy(), merged[0].numpy(), patch_merge(stage1, pm.norm, pm.reduction)[0].numpy(),
                       logits.numpy())


def draw_windows(image: np.ndarray, patch: int, M: int, shift: int, scale: int = 4, pick: int | None = None) -> np.ndarray:
    """The window grid over the image (enlarged by `scale`): regular windows (shift 0) or the shifted
    partition (lines `shift` patches in; the pieces at the edges are one window with the opposite edge's
    after the roll). pick: that window's patches tinted (wrapped pieces included)."""
    img = np.ascontiguousarray(image.repeat(scale, 0).repeat(scale, 1))
    H = image.shape[0] // patch
    step = patch * scale
    if pick is not None:
        from core.vision.vit.swin import source_coords

        rows, cols = source_coords(H, H, shift)                      # shifted position -> original patch
        nw = H // M
        wr, wc = divmod(pick, nw)
        for r in range(wr * M, wr * M + M):
            for c in range(wc * M, wc * M + M):
                y, x = int(rows[r, c]) * step, int(cols[r, c]) * step
                img[y:y + step, x:x + step] = (0.5 * img[y:y + step, x:x + step] + [0, 90, 127]).astype(np.uint8)
    for k in range(H // M + 1):
        p = ((k * M + shift) % H if shift else k * M) * step
        p = min(p, img.shape[0] - 2)
        img[p:p + 2, :] = (255, 200, 0) if shift else (255, 255, 255)
        img[:, p:p + 2] = (255, 200, 0) if shift else (255, 255, 255)
    return img


SWIN_T_FILE = "swin_t-704ceda3.pth"  # torchvision's Swin_T_Weights.IMAGENET1K_V1, in torch.hub's checkpoints cache
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass
class LoadedSwin:
    model: torch.nn.Module
    kind: str          # "pretrained" (swin_t, ImageNet), "bundled" (ShapesWorld) or "untrained" (random init)
    note: str          # which weights and why, in words
    side: int          # input side in pixels
    mean: tuple
    std: tuple
    class_names: list


def load_swin(seed: int) -> LoadedSwin:
    """torchvision's swin_t when its weights are in the torch.hub cache, else the bundled ShapesWorld Swin
    (assets/vit/swin_shapes), else the same small Swin at random init (seeded, plainly untrained)."""
    import json
    from pathlib import Path

    from core.runtime import seeded
    from core.vision.shapes.generator import CLASSES
    from core.vision.vit.data import MEAN, STD
    from core.vision.vit.train_swin import OUT, SwinConfig, build

    cached = Path(torch.hub.get_dir()) / "checkpoints" / SWIN_T_FILE
    if cached.exists():
        from torchvision.models import Swin_T_Weights, swin_t

        with seeded(seed, "swin_t"):
            model = swin_t(weights=None)
        model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
        return LoadedSwin(model.eval(), "pretrained", f"torchvision's swin_t, ImageNet weights (cached: {cached.name})",
                          224, IMAGENET_MEAN, IMAGENET_STD, list(Swin_T_Weights.IMAGENET1K_V1.meta["categories"]))
    card = OUT / "card.json"
    if card.exists() and (OUT / "model.safetensors").exists():
        from safetensors.torch import load_file

        info = json.loads(card.read_text())
        cfg = SwinConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in info["config"].items()})
        with seeded(seed, "swin"):
            model = build(cfg)
        model.load_state_dict(load_file(OUT / "model.safetensors"))
        t = info["training"]
        return LoadedSwin(model.eval(), "bundled", f"the bundled small Swin trained on ShapesWorld ({t['steps']} steps, "
                          f"held-out accuracy {t['value']:.0%}); swin_t's ImageNet weights are not cached here",
                          cfg.image_size, MEAN, STD, list(CLASSES))
    with seeded(seed, "swin"):
        model = build(SwinConfig())
    return LoadedSwin(model.eval(), "untrained", "UNTRAINED: the small Swin at random initialisation (no bundled "
                      "weights found, swin_t not cached): the attention patterns below mean nothing yet",
                      SwinConfig().image_size, MEAN, STD, list(CLASSES))
