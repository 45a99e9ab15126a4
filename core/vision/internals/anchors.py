"""Anchor boxes at one feature-map cell: one per (size, aspect ratio)."""
from __future__ import annotations

import torch

import core.runtime  # noqa: F401  (sets the thread count once for the process)


def anchors_at(cx: float, cy: float, sizes: list[float], ratios: list[float]) -> torch.Tensor:
    """The anchor boxes centred on one feature-map cell: one per (size, aspect ratio h/w).
    Area stays size², so w = size / sqrt(ratio), h = size · sqrt(ratio). -> Tensor[len(sizes)*len(ratios), 4]"""
    out = []
    for s in sizes:
        for a in ratios:
            w, h = s / a**0.5, s * a**0.5
            out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return torch.tensor(out)
