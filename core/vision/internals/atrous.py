"""Atrous (dilated) convolution's receptive field, and spatial pyramid pooling (SPP) vs ASPP.

A k x k convolution with dilation (rate) r reads k taps r pixels apart: it sees 1 + (k - 1) r
pixels per side with k² weights. Stacked layers add up: RF = 1 + sum_l (k_l - 1) r_l prod_{m<l} s_m.
DeepLab keeps the feature map large (stride 8) and widens the view with rates instead of strides.
The tests hold the closed form to what autograd says actually reaches an output pixel.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """Closed form. layers: (kernel, dilation, stride) from input to output -> the side in input pixels."""
    rf, jump = 1, 1
    for k, r, s in layers:
        rf += (k - 1) * r * jump
        jump *= s
    return rf


def taps(kernel: int, rate: int, size: int) -> np.ndarray:
    """Where one output pixel of a kernel x kernel conv with this rate reads, on a size x size grid
    centred on it: bool[size, size] (True at the k² taps that fall inside)."""
    grid = np.zeros((size, size), bool)
    c = size // 2
    offsets = (np.arange(kernel) - kernel // 2) * rate
    for dy in offsets:
        for dx in offsets:
            if 0 <= c + dy < size and 0 <= c + dx < size:
                grid[c + dy, c + dx] = True
    return grid


def measured_receptive_field(layers: list[tuple[int, int, int]], size: int = 129) -> np.ndarray:
    """The reference: push the centre output pixel's gradient back through real convs (all-ones
    weights, no padding loss: zero padding keeps the size) -> bool[size, size] of input pixels it depends on."""
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for k, r, s in layers:
        y = F.conv2d(y, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=r * (k - 1) // 2, dilation=r)
    h, w = y.shape[-2:]
    y[0, 0, h // 2, w // 2].backward()
    return (x.grad[0, 0] != 0).numpy()


def spp(feature: torch.Tensor, levels: tuple[int, ...] = (1, 2, 4)) -> torch.Tensor:
    """Spatial pyramid pooling (He et al. 2014): max-pool feature [N, C, H, W] to 1x1, 2x2, 4x4 grids and
    concatenate -> [N, C * sum(l²)], the same length whatever H and W (so any image size fits a
    fully connected head). ASPP keeps the map instead: parallel atrous convs at several rates."""
    return torch.cat([F.adaptive_max_pool2d(feature, level).flatten(1) for level in levels], dim=1)


def pyramid_bins(n: int, level: int) -> list[tuple[int, int]]:
    """The `level` bins SPP cuts a side of n cells into: bin i covers [floor(i n / level), ceil((i + 1) n / level)),
    so bins overlap by a cell when level does not divide n (torch's adaptive pooling uses the same rule)."""
    return [((i * n) // level, -((-(i + 1) * n) // level)) for i in range(level)]


def spp_grids(fmap: np.ndarray, levels: tuple[int, ...] = (1, 2, 4)) -> dict[int, np.ndarray]:
    """SPP written out on one feature map float[C, H, W] -> {level: float[C, level, level]}, each cell the
    max of its bin. `spp` above is the same numbers, flattened and concatenated."""
    C, H, W = fmap.shape
    out = {}
    for level in levels:
        grid = np.zeros((C, level, level), fmap.dtype)
        for i, (y0, y1) in enumerate(pyramid_bins(H, level)):
            for j, (x0, x1) in enumerate(pyramid_bins(W, level)):
                grid[:, i, j] = fmap[:, y0:y1, x0:x1].max(axis=(1, 2))
        out[level] = grid
    return out
