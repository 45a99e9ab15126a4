"""Teacher and student views whose geometry is known.

Views are per-image axis-aligned affine maps x' = sx * x + tx, y' = sy * y + ty (a flip has
sx = -1), so a box found in one view can be carried into another exactly: Soft Teacher needs the
teacher's scores on the *student's* candidate boxes, and those live in a different view.
Each affine is a Tensor[4] (sx, tx, sy, ty); a batch of them Tensor[B, 4].
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from core.runtime import device


def invert_affine(a: torch.Tensor) -> torch.Tensor:
    """x = (x' - tx) / sx, so the inverse has sx' = 1/sx and tx' = -tx/sx."""
    return torch.stack([1 / a[:, 0], -a[:, 1] / a[:, 0], 1 / a[:, 2], -a[:, 3] / a[:, 2]], dim=1)


def compose_affine(first: torch.Tensor, then: torch.Tensor) -> torch.Tensor:
    """The map `then(first(x))`."""
    return torch.stack([then[:, 0] * first[:, 0], then[:, 0] * first[:, 1] + then[:, 1],
                        then[:, 2] * first[:, 2], then[:, 2] * first[:, 3] + then[:, 3]], dim=1)


def map_boxes(boxes: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """boxes (Tensor[N, 4]) xyxy through one affine a (Tensor[4]); flips swap x1 and x2."""
    x = boxes[:, 0::2] * a[0] + a[1]
    y = boxes[:, 1::2] * a[2] + a[3]
    return torch.stack([x.min(1).values, y.min(1).values, x.max(1).values, y.max(1).values], dim=1)


def warp(images: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Resample images (Tensor[B, 3, H, W]) so that content at x appears at sx * x + tx."""
    B, _, H, W = images.shape
    theta = torch.zeros(B, 2, 3, device=images.device)
    theta[:, 0, 0] = 1 / a[:, 0]
    theta[:, 0, 2] = (1 - 2 * a[:, 1] / W) / a[:, 0] - 1   # derived from align_corners=False coords
    theta[:, 1, 1] = 1 / a[:, 2]
    theta[:, 1, 2] = (1 - 2 * a[:, 3] / H) / a[:, 2] - 1
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(n: int, size: int, g: torch.Generator, flip: bool = True, scale: tuple = (1.0, 1.0),
                  shift: float = 0.0) -> torch.Tensor:
    """Random flips, isotropic scales about the centre, and shifts (a fraction of the size)."""
    s = scale[0] + (scale[1] - scale[0]) * torch.rand(n, generator=g)
    fx = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    c = size / 2
    dx, dy = (torch.rand(2, n, generator=g) * 2 - 1) * shift * size
    a = torch.stack([fx * s, c - fx * s * c + dx, s, c - s * c + dy], dim=1)
    return a.to(device())


def photometric(images: torch.Tensor, g: torch.Generator, cutouts: int = 2) -> torch.Tensor:
    """Colour jitter, noise and a few cut-out squares: the strong view's non-geometric part."""
    B, _, H, W = images.shape
    d = images.device
    bright = (torch.rand(B, 1, 1, 1, generator=g) * 0.4 - 0.2).to(d)
    contrast = (0.7 + torch.rand(B, 1, 1, 1, generator=g) * 0.6).to(d)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    out = (images - mean) * contrast + mean + bright
    out = out[:, torch.randperm(3, generator=g).to(d)] if bool(torch.rand(1, generator=g) < 0.3) else out
    out = out + 0.04 * torch.randn(out.shape, generator=g).to(d)
    side = int(H * 0.12)
    ys = torch.randint(0, H - side, (B, cutouts, 1, 1), generator=g).to(d)
    xs = torch.randint(0, W - side, (B, cutouts, 1, 1), generator=g).to(d)
    r = torch.arange(H, device=d).view(1, 1, H, 1)
    c = torch.arange(W, device=d).view(1, 1, 1, W)
    hole = ((r >= ys) & (r < ys + side) & (c >= xs) & (c < xs + side)).any(dim=1, keepdim=True)  # [B, 1, H, W]
    return out.masked_fill(hole, 0.5).clamp(0, 1)


def weak_view(images: torch.Tensor, g: torch.Generator):
    """Random horizontal flip only (Soft Teacher's weak view: flip + resize)."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True)
    return warp(images, a), a


def strong_view(images: torch.Tensor, g: torch.Generator):
    """Flip, scale 0.8-1.2, shift up to 8%, then colour jitter, noise, cut-outs."""
    a = random_affine(images.shape[0], images.shape[-1], g, flip=True, scale=(0.8, 1.2), shift=0.08)
    return photometric(warp(images, a), g), a


def boxes_into_view(boxes: torch.Tensor, a: torch.Tensor, size: int, min_side: float = 2.0):
    """Carry boxes into a view, clip to the image, drop those squeezed below min_side.
    Returns (boxes Tensor[M, 4], keep Tensor[N] bool)."""
    b = map_boxes(boxes, a).clamp(0, size)
    keep = ((b[:, 2] - b[:, 0]) >= min_side) & ((b[:, 3] - b[:, 1]) >= min_side)
    return b[keep], keep


def targets_into_view(targets: list, affines: torch.Tensor, size: int) -> list:
    out = []
    for t, a in zip(targets, affines):
        b, keep = boxes_into_view(t["boxes"], a, size)
        out.append({k: (b if k == "boxes" else v[keep]) for k, v in t.items()})
    return out
