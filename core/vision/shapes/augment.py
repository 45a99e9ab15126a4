"""Augmentations for ShapesWorld that keep the ground truth right.

Geometric ops move the image, the instance masks and the semantic map with one affine matrix
(bilinear for pixels, nearest for labels); the boxes are then recomputed from the moved masks,
so a box is always the tight extent of its mask. Instances that leave the frame (or shrink below
`min_area` pixels) are dropped. Cutout erases masks too: pixels that no longer show an object
are not labelled as one.

    weak(sample, rng)            flip + small scale/shift (FixMatch's "weak")
    strong(sample, rng, cfg)     colour jitter, RandAugment-style ops, larger affine, cutout

The same geometry, batched on tensors, for the semi-supervised detectors (core.learn.ssl.views
builds its teacher/student views from these):

    axis_affine(M)               a flip/scale/shift matrix from `affine_matrix` as (sx, tx, sy, ty)
    random_affine(n, size, g)    a batch of those, drawn with a torch.Generator
    warp_batch(images, a)        resample Tensor[B, 3, H, W] through them (grid_sample)
    photometric_batch(images, g) colour jitter, noise and cut-out: the strong view's non-geometric part

One matrix convention for both: `affine_matrix` works in pixel-index coordinates (cv2's); an axis
affine works in continuous coordinates (pixel i spans [i, i + 1), boxes' and grid_sample's), and
`axis_affine` converts, so a flip + scale + shift is defined once.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
import torch
import torch.nn.functional as F

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


# ---- batched tensor views with known axis-aligned geometry (the semi-supervised detectors) ----
# An axis affine is Tensor[4] (sx, tx, sy, ty): x' = sx * x + tx, y' = sy * y + ty in continuous
# coordinates (a flip has sx < 0); a batch of them Tensor[B, 4]. No rotation or shear: a box must
# stay a tight box when carried from one view to another (pseudo-boxes have no masks to recompute from).

def axis_affine(M: np.ndarray) -> np.ndarray:
    """A 2x3 matrix from `affine_matrix` without rotation/shear -> f64[4] (sx, tx, sy, ty).

    Pixel index i covers [i, i + 1): x_idx' = a x_idx + b means x' = a x + b + (1 - a) / 2.
    """
    if abs(M[0, 1]) > 1e-9 or abs(M[1, 0]) > 1e-9:
        raise ValueError("an axis affine has no rotation or shear")
    a, d = M[0, 0], M[1, 1]
    return np.array([a, M[0, 2] + 0.5 * (1 - a), d, M[1, 2] + 0.5 * (1 - d)])


def random_affine(n: int, size: int, g: torch.Generator, flip: bool = True, scale: tuple = (1.0, 1.0),
                  shift: float = 0.0) -> torch.Tensor:
    """n random flips, isotropic scales about the centre and shifts (a fraction of the size), as
    Tensor[n, 4] axis affines: `affine_matrix`'s flip/zoom/shift, drawn with a torch.Generator."""
    from core.runtime import device

    s = scale[0] + (scale[1] - scale[0]) * torch.rand(n, generator=g)
    fx = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    dx, dy = (torch.rand(2, n, generator=g) * 2 - 1) * shift * size
    rows = [axis_affine(affine_matrix(size, scale=float(s[i]), tx=float(dx[i]), ty=float(dy[i]), flip=bool(fx[i] < 0)))
            for i in range(n)]
    return torch.tensor(np.stack(rows) if rows else np.zeros((0, 4)), dtype=torch.float32).to(device())


def warp_batch(images: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Resample images (Tensor[B, 3, H, W]) so that content at x appears at sx * x + tx (a: Tensor[B, 4])."""
    B, _, H, W = images.shape
    theta = torch.zeros(B, 2, 3, device=images.device)
    theta[:, 0, 0] = 1 / a[:, 0]
    theta[:, 0, 2] = (1 - 2 * a[:, 1] / W) / a[:, 0] - 1   # derived from align_corners=False coords
    theta[:, 1, 1] = 1 / a[:, 2]
    theta[:, 1, 2] = (1 - 2 * a[:, 3] / H) / a[:, 2] - 1
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def photometric_batch(images: torch.Tensor, g: torch.Generator, cutouts: int = 2) -> torch.Tensor:
    """Colour jitter, noise and a few cut-out squares on Tensor[B, 3, H, W] in [0, 1]: the strong
    view's non-geometric part. Boxes are not changed (pseudo-boxes have no masks to erase)."""
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
