"""Paint on a picture -> the ViT/MAE patches it touches (the ones MAE then hides).

The canvas is stretched over the square model input, so canvas pixel (y, x) lies in patch row
floor(y * grid / H), column floor(x * grid / W). A patch counts as touched by a single painted pixel.
"""
from __future__ import annotations

import numpy as np


def paint_mask(rgba: np.ndarray | None, min_alpha: int = 32) -> np.ndarray | None:
    """The canvas's drawing (uint8[H, W, 4], transparent where nothing is painted) -> bool[H, W] painted."""
    if rgba is None:
        return None
    a = np.asarray(rgba)
    if a.ndim != 3 or a.shape[-1] != 4:
        raise ValueError(f"expected an RGBA drawing [H, W, 4], got shape {a.shape}")
    return a[..., 3] >= min_alpha


def painted_patches(painted: np.ndarray, grid: int) -> np.ndarray:
    """bool[H, W] painted pixels -> int64[K] sorted raster indices (row * grid + col) of every patch of a
    grid x grid patching that holds at least one painted pixel. Nothing painted -> empty."""
    H, W = painted.shape
    ys, xs = np.nonzero(painted)
    rows = np.minimum(ys * grid // H, grid - 1)
    cols = np.minimum(xs * grid // W, grid - 1)
    return np.unique(rows * grid + cols).astype(np.int64)


def patch_mask(indices: np.ndarray, grid: int) -> np.ndarray:
    """Patch indices -> bool[grid * grid], True = hidden (what MAE's encoder drops)."""
    m = np.zeros(grid * grid, bool)
    m[np.asarray(indices, np.int64)] = True
    return m
