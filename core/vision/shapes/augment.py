"""Augmentations for ShapesWorld that keep the ground truth right.

Geometric ops move the image, the instance masks and the semantic map with one affine matrix
(bilinear for pixels, nearest for labels); the boxes are then recomputed from the moved masks,
so a box is always the tight extent of its mask. Instances that leave the frame (or shrink below
`min_area` pixels) are dropped. Cutout erases masks too: pixels that no longer show an object
are not labelled as one.

    weak(sample, rng)            flip + small scale/shift (FixMatch's "weak")
    strong(sample, rng, cfg)     colour jitter, RandAugment-style ops, larger affine, cutout
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.vision.shapes.generator import ShapesSample, boxes_from_masks


@dataclass
class StrongConfig:
    rotate_deg: float = 30.0      # larger affine: rotation range +- degrees
    scale: tuple = (0.75, 1.25)   # ... zoom range
    shear_deg: float = 10.0       # ... shear range +- degrees
    translate: float = 0.15       # ... shift range, fraction of the image side
    jitter: float = 0.4           # colour jitter strength (brightness, contrast, saturation)
    n_ops: int = 2                # RandAugment: photometric ops applied per image
    magnitude: float = 0.6        # RandAugment: strength of those ops, 0..1
    cutout: int = 1               # cutout squares per image
    cutout_frac: float = 0.25     # cutout square side, fraction of the image side
    min_area: int = 4             # instances with fewer visible pixels are dropped


def _with_masks(s: ShapesSample, image: np.ndarray, masks: np.ndarray, semantic: np.ndarray,
                min_area: int) -> ShapesSample:
    """Rebuild a sample after an op: drop vanished instances, boxes from masks."""
    keep = masks.reshape(masks.shape[0], -1).sum(1) >= min_area
    masks = masks[keep]
    # pixels of a dropped instance no longer belong to any object in the semantic map either
    covered = masks.any(0) if masks.shape[0] else np.zeros(semantic.shape, bool)
    semantic = np.where(covered, semantic, 0)
    return ShapesSample(image=image, boxes=boxes_from_masks(masks), labels=s.labels[keep].copy(),
                        masks=masks, semantic=semantic)


def warp(s: ShapesSample, M: np.ndarray, min_area: int = 4) -> ShapesSample:
    """Apply the 2x3 affine M (output <- input pixel coordinates) to image, masks and semantic map."""
    H, W = s.image.shape[:2]
    fill = tuple(float(c) for c in s.image.reshape(-1, 3).mean(0))  # mean colour: no fake edges
    image = cv2.warpAffine(s.image, M, (W, H), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    N = s.masks.shape[0]
    masks = np.zeros((N, H, W), bool)
    for i in range(0, N, 4):  # cv2 warps up to 4 channels at once
        chunk = np.ascontiguousarray(s.masks[i:i + 4].transpose(1, 2, 0).astype(np.uint8))
        out = cv2.warpAffine(chunk, M, (W, H), flags=cv2.INTER_NEAREST, borderValue=0)
        masks[i:i + 4] = (out.reshape(H, W, -1).transpose(2, 0, 1) > 0)
    semantic = cv2.warpAffine(s.semantic.astype(np.uint8), M, (W, H), flags=cv2.INTER_NEAREST,
                              borderValue=0).astype(np.int64)
    return _with_masks(s, image, masks, semantic, min_area)


def affine_matrix(size: int, angle_deg: float = 0.0, scale: float = 1.0, shear_deg: float = 0.0,
                  tx: float = 0.0, ty: float = 0.0, flip: bool = False) -> np.ndarray:
    """2x3 matrix about the image centre: flip, then rotate/scale/shear, then shift by (tx, ty) px."""
    c = (size - 1) / 2.0
    to_c = np.array([[1, 0, -c], [0, 1, -c], [0, 0, 1]], np.float64)
    back = np.array([[1, 0, c + tx], [0, 1, c + ty], [0, 0, 1]], np.float64)
    a, sh = np.deg2rad(angle_deg), np.deg2rad(shear_deg)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    shear = np.array([[1, np.tan(sh), 0], [0, 1, 0], [0, 0, 1]])
    zoom = np.diag([scale, scale, 1.0])
    fl = np.diag([-1.0 if flip else 1.0, 1.0, 1.0])
    return (back @ rot @ shear @ zoom @ fl @ to_c)[:2]


def hflip(s: ShapesSample) -> ShapesSample:
    """Exact horizontal flip (no resampling)."""
    W = s.image.shape[1]
    b = s.boxes.copy()
    b[:, [0, 2]] = W - s.boxes[:, [2, 0]]
    return ShapesSample(image=s.image[:, ::-1].copy(), boxes=b, labels=s.labels.copy(),
                        masks=s.masks[:, :, ::-1].copy(), semantic=s.semantic[:, ::-1].copy())


def weak(s: ShapesSample, rng: np.random.Generator, scale: tuple = (0.9, 1.1),
         shift: float = 0.08) -> ShapesSample:
    """Random horizontal flip and a small zoom/shift (a random crop-and-resize, as an affine)."""
    if rng.random() < 0.5:
        s = hflip(s)
    size = s.image.shape[0]
    M = affine_matrix(size, scale=rng.uniform(*scale),
                      tx=rng.uniform(-shift, shift) * size, ty=rng.uniform(-shift, shift) * size)
    return warp(s, M)


# ---- photometric ops: image only; the ground truth is unchanged ----

def color_jitter(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Brightness, contrast and saturation, each scaled by a factor in [1 - strength, 1 + strength]."""
    x = img.astype(np.float32)
    b, c, sat = rng.uniform(1 - strength, 1 + strength, size=3)
    x = x * b
    x = (x - x.mean()) * c + x.mean()
    grey = x.mean(axis=2, keepdims=True)
    x = (x - grey) * sat + grey
    return np.clip(x, 0, 255).astype(np.uint8)


def _posterize(img, m):
    bits = int(round(8 - 4 * m))
    return (img >> (8 - bits) << (8 - bits)).astype(np.uint8)


def _solarize(img, m):
    return np.where(img >= 255 - int(200 * m), 255 - img, img).astype(np.uint8)


def _autocontrast(img, m):
    lo, hi = img.reshape(-1, 3).min(0), img.reshape(-1, 3).max(0)
    return ((img - lo) * (255.0 / np.maximum(hi - lo, 1))).clip(0, 255).astype(np.uint8)


def _equalize(img, m):
    return np.stack([cv2.equalizeHist(np.ascontiguousarray(img[..., c])) for c in range(3)], -1)


def _sharpness(img, m):
    blur = cv2.GaussianBlur(img, (3, 3), 0).astype(np.float32)
    return np.clip(img + (img - blur) * 2 * m, 0, 255).astype(np.uint8)


def _invert(img, m):
    return (255 - img).astype(np.uint8)


RANDAUG_OPS = {"posterize": _posterize, "solarize": _solarize, "autocontrast": _autocontrast,
               "equalize": _equalize, "sharpness": _sharpness, "invert": _invert}


def cutout(s: ShapesSample, rng: np.random.Generator, n: int, frac: float, min_area: int) -> ShapesSample:
    """Grey squares over the image; the masks and semantic map lose those pixels too."""
    H, W = s.image.shape[:2]
    image, masks, sem = s.image.copy(), s.masks.copy(), s.semantic.copy()
    side = max(1, int(frac * min(H, W)))
    for _ in range(n):
        y, x = int(rng.integers(0, H - side + 1)), int(rng.integers(0, W - side + 1))
        image[y:y + side, x:x + side] = 127
        masks[:, y:y + side, x:x + side] = False
        sem[y:y + side, x:x + side] = 0
    return _with_masks(s, image, masks, sem, min_area)


def strong(s: ShapesSample, rng: np.random.Generator, cfg: StrongConfig | None = None) -> ShapesSample:
    """FixMatch-style strong view: colour jitter, RandAugment ops, flip + larger affine, cutout."""
    cfg = cfg or StrongConfig()
    img = color_jitter(s.image, rng, cfg.jitter)
    names = list(RANDAUG_OPS)
    for j in rng.choice(len(names), size=min(cfg.n_ops, len(names)), replace=False):
        img = RANDAUG_OPS[names[j]](img, cfg.magnitude)
    s = replace(s, image=img)
    size = s.image.shape[0]
    M = affine_matrix(size, angle_deg=rng.uniform(-cfg.rotate_deg, cfg.rotate_deg),
                      scale=rng.uniform(*cfg.scale), shear_deg=rng.uniform(-cfg.shear_deg, cfg.shear_deg),
                      tx=rng.uniform(-cfg.translate, cfg.translate) * size,
                      ty=rng.uniform(-cfg.translate, cfg.translate) * size, flip=bool(rng.random() < 0.5))
    s = warp(s, M, cfg.min_area)
    if cfg.cutout > 0:
        s = cutout(s, rng, cfg.cutout, cfg.cutout_frac, cfg.min_area)
    return s
