"""RoI Pool and RoI Align written out for one box, so the page can draw their bins and sample points.

Both turn a box of any size on a feature map into a fixed S x S grid of features (what the box head
needs). RoI Pool (Fast R-CNN) rounds the box to whole cells and max-pools whole-cell bins; RoI Align
(Mask R-CNN) rounds nothing: it averages bilinear samples at exact positions. The tests hold both to
torchvision.ops.roi_pool / roi_align.
"""
from __future__ import annotations

import math

import torch


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


def _round(v: float) -> int:
    """C's round(): halves go away from zero (Python's round() goes to even)."""
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def roi_pool(feature: torch.Tensor, box: torch.Tensor, output_size: int,
             spatial_scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """RoI Pool (Fast R-CNN) for one box: round the box to whole cells, cut it into S x S bins of whole
    cells (floor the start, ceil the end: bins may overlap or differ in size), take each bin's max.

    feature [C, H, W], box [4] in image coordinates -> (Tensor[C, S, S], bins [S*S, 4] as (x1, y1, x2, y2)
    in cells, end exclusive). An empty bin (outside the map) pools to 0, as in torchvision.
    """
    C, H, W = feature.shape
    S = output_size
    x1, y1, x2, y2 = (_round(v * spatial_scale) for v in box.tolist())  # first rounding: the box
    roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)  # the end cell counts: +1
    bin_w, bin_h = roi_w / S, roi_h / S
    out = torch.zeros(C, S, S, dtype=feature.dtype)
    bins = []
    for i in range(S):  # second rounding: each bin to whole cells
        ys = min(max(math.floor(i * bin_h) + y1, 0), H)
        ye = min(max(math.ceil((i + 1) * bin_h) + y1, 0), H)
        for j in range(S):
            xs = min(max(math.floor(j * bin_w) + x1, 0), W)
            xe = min(max(math.ceil((j + 1) * bin_w) + x1, 0), W)
            bins.append([xs, ys, xe, ye])
            if ye > ys and xe > xs:
                out[:, i, j] = feature[:, ys:ye, xs:xe].amax(dim=(1, 2))
    return out, torch.tensor(bins, dtype=torch.float32)
