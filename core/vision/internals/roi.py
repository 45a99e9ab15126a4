"""RoI Align written out: bilinear sampling and the bins of one box (checked against torchvision.ops.roi_align)."""
from __future__ import annotations

import torch

import core.runtime  # noqa: F401  (sets the thread count once for the process)


def bilinear(feature: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Sample feature [C, H, W] at real-valued points (y, x) of shape [P] -> [C, P].
    Pixel centres sit at integer coordinates; points outside by more than a pixel read 0."""
    C, H, W = feature.shape
    valid = (y >= -1) & (y <= H) & (x >= -1) & (x <= W)
    y, x = y.clamp(min=0), x.clamp(min=0)
    y0, x0 = y.floor().long().clamp(max=H - 1), x.floor().long().clamp(max=W - 1)
    y1, x1 = (y0 + 1).clamp(max=H - 1), (x0 + 1).clamp(max=W - 1)
    y = torch.where(y0 >= H - 1, y0.to(y.dtype), y)
    x = torch.where(x0 >= W - 1, x0.to(x.dtype), x)
    ly, lx = y - y0, x - x0  # distances to the top-left neighbour
    hy, hx = 1 - ly, 1 - lx
    out = (feature[:, y0, x0] * hy * hx + feature[:, y0, x1] * hy * lx
           + feature[:, y1, x0] * ly * hx + feature[:, y1, x1] * ly * lx)
    return out * valid


def roi_align(feature: torch.Tensor, box: torch.Tensor, output_size: int, spatial_scale: float = 1.0,
              sampling_ratio: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """RoI Align for one box (aligned=True): split the box into output_size² bins, average
    sampling_ratio² bilinear samples per bin. No rounding anywhere (RoI Pool rounds twice).

    feature [C, H, W], box [4] in image coordinates -> (Tensor[C, S, S], sample points [S*S*r*r, 2] as (x, y))
    """
    S, r = output_size, sampling_ratio
    x1, y1, x2, y2 = (box * spatial_scale - 0.5).tolist()  # aligned: pixel centres at +0.5
    bin_w, bin_h = (x2 - x1) / S, (y2 - y1) / S
    offsets = (torch.arange(r, dtype=feature.dtype) + 0.5) / r  # sample positions inside a bin
    xs = x1 + (torch.arange(S, dtype=feature.dtype)[:, None] + offsets[None, :]).flatten() * bin_w  # [S*r]
    ys = y1 + (torch.arange(S, dtype=feature.dtype)[:, None] + offsets[None, :]).flatten() * bin_h
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # [S*r, S*r]
    samples = bilinear(feature, gy.flatten(), gx.flatten()).view(-1, S, r, S, r)  # [C, S, r, S, r]
    return samples.mean(dim=(2, 4)), torch.stack([gx.flatten(), gy.flatten()], dim=1)
