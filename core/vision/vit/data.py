"""ShapesWorld images as tensors for the small ViT and MAE (one shape per image, offline)."""
from __future__ import annotations

import numpy as np
import torch

from core.vision.shapes.classification import classification_set

MEAN = (0.5, 0.5, 0.5)  # the bundled models' normalisation (google/vit-base-patch16-224 uses the same)
STD = (0.5, 0.5, 0.5)


def to_tensor(images: np.ndarray, mean=MEAN, std=STD) -> torch.Tensor:
    """uint8[N, H, W, 3] RGB -> float32[N, 3, H, W], normalised with mean/std."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    return (x - m) / s


def from_tensor(x: torch.Tensor, mean=MEAN, std=STD) -> np.ndarray:
    """float32[N, 3, H, W] normalised -> uint8[N, H, W, 3] (clipped)."""
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    y = ((x.detach().float().cpu() * s + m).clamp(0, 1) * 255).round().byte()
    return y.permute(0, 2, 3, 1).numpy()


def shapes_tensors(n: int, seed: int, size: int, texture: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """n ShapesWorld classification images: (float32[n, 3, size, size] normalised, int64[n] labels)."""
    s = classification_set(n, seed=seed, size=size, texture=texture)
    return to_tensor(s.images), torch.from_numpy(s.labels)
