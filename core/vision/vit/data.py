"""ShapesWorld images as tensors for the small ViT and MAE (one shape per image, offline)."""
from __future__ import annotations

import numpy as np
import torch

from core.vision.image import to_tensor as image_tensor
from core.vision.shapes.classification import classification_set

MEAN = (0.5, 0.5, 0.5)  # the bundled models' normalisation (google/vit-base-patch16-224 uses the same)
STD = (0.5, 0.5, 0.5)


def to_tensor(images: np.ndarray, mean=MEAN, std=STD) -> torch.Tensor:
    """uint8[N, H, W, 3] RGB -> float32[N, 3, H, W], normalised with mean/std."""
    x = image_tensor(images)
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    return (x - m) / s


def from_tensor(x: torch.Tensor, mean=MEAN, std=STD) -> np.ndarray:
    """float32[N, 3, H, W] normalised -> uint8[N, H, W, 3] (clipped)."""
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    y = ((x.detach().float().cpu() * s + m).clamp(0, 1) * 255).round().byte()
    return y.permute(0, 2, 3, 1).numpy()


def zoom_on_shape(image: np.ndarray, box: np.ndarray, size: int, fill: float = 0.55,
                  offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A square crop centred on the shape's box, the shape spanning about `fill` of its side,
    resized to size x size (the model then spends its effort on the shape, not on the background).
    offset: the crop centre moved by this fraction of its side (x, y), so the shape is off-centre."""
    import cv2

    H, W = image.shape[:2]
    x1, y1, x2, y2 = box
    side = int(min(H, W, max(16.0, max(x2 - x1, y2 - y1) / fill)))
    cx, cy = (x1 + x2) / 2 + offset[0] * side, (y1 + y2) / 2 + offset[1] * side
    x0 = int(np.clip(round(cx - side / 2), 0, W - side))
    y0 = int(np.clip(round(cy - side / 2), 0, H - side))
    crop = image[y0:y0 + side, x0:x0 + side]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR)


def shapes_tensors(n: int, seed: int, size: int, texture: float = 1.0, zoom: bool = False, fill: float = 0.55,
                   jitter: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """n ShapesWorld classification images: (float32[n, 3, size, size] normalised, int64[n] labels).
    zoom: drawn at 128 px and cropped around the shape (zoom_on_shape) instead of shrunk whole;
    jitter: the crop centre moves up to this fraction of its side (seeded), so shapes sit anywhere."""
    if not zoom:
        s = classification_set(n, seed=seed, size=size, texture=texture)
        return to_tensor(s.images), torch.from_numpy(s.labels)
    s = classification_set(n, seed=seed, size=128, texture=texture)
    off = np.random.default_rng(seed).uniform(-jitter, jitter, (n, 2))
    imgs = np.stack([zoom_on_shape(im, b, size, fill, tuple(o)) for im, b, o in zip(s.images, s.boxes, off)])
    return to_tensor(imgs), torch.from_numpy(s.labels)


def flipped_batch(x: torch.Tensor, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n random images of x [N, 3, S, S], each flipped left-right with probability 1/2 (a shape keeps
    its class). Returns (indices [n], images [n, 3, S, S]), a copy: x is not changed."""
    idx = torch.randint(0, len(x), (n,), generator=gen)
    xb = x[idx]  # [n, 3, S, S]
    flip = torch.rand(n, generator=gen) < 0.5
    xb[flip] = xb[flip].flip(-1)
    return idx, xb


def save_shapes_bundle(model, out, record, name: str, cfg) -> None:
    """Save a ViT-family model trained on ShapesWorld (core.zoo.bundle) with its image processor (the
    normalisation above at cfg.image_size) and a card naming the config and parameter count."""
    from dataclasses import asdict

    from transformers import ViTImageProcessor

    from core.zoo.bundle import save_bundle
    from core.zoo.record import describe

    card = {"name": name, "config": asdict(cfg), "params": sum(p.numel() for p in model.parameters()),
            "mean": MEAN, "std": STD}
    proc = ViTImageProcessor(size={"height": cfg.image_size, "width": cfg.image_size}, image_mean=list(MEAN),
                             image_std=list(STD))
    save_bundle(model, out, record, card, [proc])
    print(describe(record), flush=True)

