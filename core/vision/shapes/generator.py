"""ShapesWorld: a generated detection and segmentation dataset a CPU can learn in minutes.

Each image holds a few shapes (circle, square, triangle, star, ring) of varied size, colour and
rotation on a textured, noisy background; later shapes may occlude earlier ones. Per image we
return the instance masks (visible pixels only), the tight boxes around them, the class labels
and the semantic map.

Fast because it is vectorised: every shape is rasterised inside a small square window with numpy
(one window per shape, all images at once), and the windows are pasted into an instance-id map
from the top shape down, so occlusion is exact and a shape that would be mostly hidden is
simply not drawn (no unlabelled slivers).

Deterministic by seed, and prefix-stable: `generate(n, s)[:k] == generate(k, s)`, because the
random draws happen per chunk of CHUNK images seeded by (seed, chunk index).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import torch

CLASSES = ["circle", "square", "triangle", "star", "ring"]
CHUNK = 64  # images whose random draws share one generator (the unit of determinism)


@dataclass
class ShapesConfig:
    size: int = 128            # image height = width, pixels
    min_shapes: int = 2        # shapes drawn per image, at least (before occlusion drops some)
    max_shapes: int = 5        # ... and at most
    min_radius: float = 8.0    # shape radius in pixels at size 128 (scaled with size)
    max_radius: float = 22.0   # ... largest radius at size 128
    rotate: bool = True        # random rotation of each shape
    texture: float = 1.0       # 0 = flat background, 1 = smooth blotches + stripes
    noise: float = 8.0         # std of per-pixel Gaussian noise, in 0..255 grey levels
    min_visible: float = 0.5   # a shape whose visible fraction would fall below this is not drawn
    easy: bool = False         # easy setting: flat background, bigger shapes, no overlap at all

    def effective(self) -> "ShapesConfig":
        """The config actually used: `easy` overrides the harder knobs."""
        if not self.easy:
            return self
        return ShapesConfig(size=self.size, min_shapes=self.min_shapes, max_shapes=min(self.max_shapes, 4),
                            min_radius=max(self.min_radius, 11.0), max_radius=max(self.max_radius, 22.0),
                            rotate=self.rotate, texture=0.0, noise=min(self.noise, 4.0),
                            min_visible=1.0, easy=True)


@dataclass
class ShapesSample:
    """One image and its ground truth.

    image    (uint8[H, W, 3])  RGB
    boxes    (float32[N, 4])   (x1, y1, x2, y2) pixels, tight around the mask: x2 = last column + 1
    labels   (int64[N])        index into CLASSES
    masks    (bool[N, H, W])   visible pixels of each instance
    semantic (int64[H, W])     0 = background, 1 + label elsewhere
    """

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    semantic: np.ndarray


def boxes_from_masks(masks: np.ndarray) -> np.ndarray:
    """masks (bool[N, H, W]) -> float32[N, 4] tight (x1, y1, x2, y2); x2/y2 exclusive. Empty -> zeros."""
    N = masks.shape[0]
    boxes = np.zeros((N, 4), np.float32)
    if N == 0:
        return boxes
    rows = masks.any(axis=2)  # [N, H]
    cols = masks.any(axis=1)  # [N, W]
    has = rows.any(axis=1)
    H, W = masks.shape[1:]
    y1 = rows.argmax(axis=1)
    y2 = H - rows[:, ::-1].argmax(axis=1)
    x1 = cols.argmax(axis=1)
    x2 = W - cols[:, ::-1].argmax(axis=1)
    boxes[:] = np.stack([x1, y1, x2, y2], axis=1)
    boxes[~has] = 0
    return boxes


def _shape_masks(kind: np.ndarray, radius: np.ndarray, angle: np.ndarray,
                 du: np.ndarray, dv: np.ndarray) -> np.ndarray:
    """Inside-tests for M shapes on their own window.

    kind, radius, angle (M,); du, dv (M, Wn, Wn) pixel offsets from each shape's centre.
    Returns bool[M, Wn, Wn]. Each test runs only on the shapes of its kind (speed).
    """
    out = np.zeros(du.shape, bool)
    for k in range(len(CLASSES)):
        idx = np.nonzero(kind == k)[0]
        if idx.size == 0:
            continue
        a = angle[idx].astype(np.float32)
        c, s = np.cos(a)[:, None, None], np.sin(a)[:, None, None]
        u = c * du[idx] + s * dv[idx]            # rotate the grid into the shape's own frame
        v = -s * du[idx] + c * dv[idx]
        R = radius[idx].astype(np.float32)[:, None, None]
        if k == 0:    # circle: inside the radius
            inside = u * u + v * v <= R * R
        elif k == 1:  # square: half-side 0.8 R so its area is close to the circle's
            inside = np.maximum(np.abs(u), np.abs(v)) <= 0.8 * R
        elif k == 2:  # triangle: equilateral, circumradius R -> inradius R/2 on three edge normals
            inside = np.ones(u.shape, bool)
            for j in range(3):
                t = np.pi / 3 + j * 2 * np.pi / 3
                inside &= (u * np.float32(np.cos(t)) + v * np.float32(np.sin(t))) <= 0.5 * R
        elif k == 3:  # star: 5 points; fold the angle into one half-arm, then the straight edge
            ri = 0.45 * R  # from the outer point (R, 0) to the inner corner (ri, pi/5), in polar form
            phi = np.mod(np.arctan2(v, u), 2 * np.pi / 5)
            phi = np.minimum(phi, 2 * np.pi / 5 - phi)
            edge = R * ri * np.sin(np.pi / 5) / (R * np.sin(phi) + ri * np.sin(np.pi / 5 - phi))
            inside = u * u + v * v <= edge * edge
        else:         # ring: annulus, its hole of 0.55 R shows what is beneath
            r2 = u * u + v * v
            inside = (r2 <= R * R) & (r2 >= (0.55 * R) ** 2)
        out[idx] = inside
    return out


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB in [0, 1]; h, s, v (...,) -> (..., 3)."""
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    table = np.stack([np.stack(x, -1) for x in
                      [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]], 0)
    return np.take_along_axis(table, i[None, ..., None].repeat(3, -1), 0)[0]


@lru_cache(maxsize=8)
def _noise_bank(seed: int, size: int) -> np.ndarray:
    """Standard normal noise float32[2 * size, 2 * size, 3], one per seed (read-only)."""
    bank = np.random.default_rng([seed, 99]).standard_normal((2 * size, 2 * size, 3), np.float32)
    bank.setflags(write=False)
    return bank


def _draw_chunk(seed: int, chunk: int, count: int, cfg: ShapesConfig) -> list[ShapesSample]:
    """Draw a whole chunk's random parameters, rasterise only its first `count` images."""
    rng = np.random.default_rng([seed, chunk])
    C, K, S = CHUNK, cfg.max_shapes, cfg.size
    scale = S / 128.0
    # --- every random draw for the full chunk, in a fixed order (prefix stability) ---
    n_shapes = rng.integers(cfg.min_shapes, cfg.max_shapes + 1, size=C)
    kind = rng.integers(0, len(CLASSES), size=(C, K))
    radius = rng.uniform(cfg.min_radius, cfg.max_radius, size=(C, K)) * scale
    angle = rng.uniform(0, 2 * np.pi, size=(C, K)) * (1.0 if cfg.rotate else 0.0)
    cx = rng.uniform(0, 1, size=(C, K))
    cy = rng.uniform(0, 1, size=(C, K))
    hue = rng.uniform(0, 1, size=(C, K))
    sat = rng.uniform(0.55, 1.0, size=(C, K))
    val = rng.uniform(0.7, 1.0, size=(C, K))
    bg_base = rng.uniform(0.1, 0.45, size=(C, 3))               # dark backgrounds, bright shapes
    bg_blobs = rng.normal(0, 0.12, size=(C, 3, 6, 6))            # smooth texture, upsampled below
    stripe_f = rng.uniform(0.05, 0.3, size=C)                    # stripe frequency (cycles / px)
    stripe_a = rng.uniform(0, np.pi, size=C)                     # stripe direction
    noise_off = rng.integers(0, cfg.size, size=(C, 2))               # where each image cuts the noise bank
    # --- rasterise the first `count` ---
    n = count
    kind, radius, angle = kind[:n], radius[:n], angle[:n]
    margin = radius + 1                                          # keep each shape inside the image
    cxp = (margin + cx[:n] * (S - 2 * margin)).astype(np.float64)
    cyp = (margin + cy[:n] * (S - 2 * margin)).astype(np.float64)
    active = np.arange(K)[None, :] < n_shapes[:n, None]          # (n, K)
    half = int(np.ceil(cfg.max_radius * scale)) + 2
    Wn = 2 * half + 1                                            # window side
    pad = half + 1
    ids = np.full((n, S + 2 * pad, S + 2 * pad), -1, np.int8)  # instance id map, padded
    off = np.arange(-half, half + 1)
    x0 = np.round(cxp).astype(int)                               # window centre pixel
    y0 = np.round(cyp).astype(int)
    shape4 = (n, K, Wn, Wn)
    du = np.broadcast_to(((x0 - cxp)[..., None, None] + off[None, None, None, :]).astype(np.float32), shape4)
    dv = np.broadcast_to(((y0 - cyp)[..., None, None] + off[None, None, :, None]).astype(np.float32), shape4)
    inside = _shape_masks(kind.ravel(), radius.ravel(), angle.ravel(),
                          du.reshape(-1, Wn, Wn), dv.reshape(-1, Wn, Wn)).reshape(n, K, Wn, Wn)
    inside &= active[..., None, None]
    full_area = inside.sum(axis=(2, 3))
    rows = np.arange(n)[:, None, None]
    yy = (y0[:, :, None] + pad + off[None, None, :])             # (n, K, Wn)
    xx = (x0[:, :, None] + pad + off[None, None, :])
    drawn = np.zeros((n, K), bool)
    for k in range(K - 1, -1, -1):                               # top shape first: exact occlusion
        win = ids[rows, yy[:, k, :, None], xx[:, k, None, :]]    # (n, Wn, Wn)
        vis = inside[:, k] & (win < 0)
        seen = vis.sum(axis=(1, 2))
        ok = (seen > 0) & (seen >= cfg.min_visible * full_area[:, k] - 1e-6)
        vis &= ok[:, None, None]
        ids[rows, yy[:, k, :, None], xx[:, k, None, :]] = np.where(vis, k, win)
        drawn[:, k] = ok
    ids = ids[:, pad:pad + S, pad:pad + S]                        # (n, S, S)
    # --- compose colours: background texture + shapes + noise ---
    blobs = np.stack([cv2.resize(bl.transpose(1, 2, 0), (S, S), interpolation=cv2.INTER_LINEAR)
                      for bl in bg_blobs[:n].astype(np.float32)])  # (n, S, S, 3) smooth texture
    g = np.arange(S, dtype=np.float32)
    proj = (np.cos(stripe_a[:n]).astype(np.float32)[:, None, None] * g[None, None, :]
            + np.sin(stripe_a[:n]).astype(np.float32)[:, None, None] * g[None, :, None])
    stripes = 0.06 * np.sin(2 * np.pi * stripe_f[:n, None, None].astype(np.float32) * proj)  # (n, S, S)
    img = bg_base[:n, None, None, :].astype(np.float32) + np.float32(cfg.texture) * (blobs + stripes[..., None])
    palette = _hsv_to_rgb(hue[:n], sat[:n], val[:n]).astype(np.float32)  # (n, K, 3)
    on_shape = ids >= 0
    img[on_shape] = palette[np.nonzero(on_shape)[0], ids[on_shape]]      # paint only the shape pixels
    img *= np.float32(255)
    lut = np.concatenate([np.zeros((n, 1), np.int64), 1 + kind], 1)  # id -> semantic class
    sem = lut[np.arange(n)[:, None, None], ids + 1]                # (n, S, S)
    bank = _noise_bank(seed, S)
    out = []
    for i in range(n):
        im = img[i]
        if cfg.noise > 0:  # a window of a shared noise bank: same statistics, a fraction of the cost
            oy, ox = noise_off[i]
            im = im + np.float32(cfg.noise) * bank[oy:oy + S, ox:ox + S]
        keep = np.nonzero(drawn[i])[0]
        masks = ids[i][None] == keep[:, None, None]               # (N, S, S)
        labels = kind[i, keep].astype(np.int64)
        out.append(ShapesSample(image=np.clip(im, 0, 255).astype(np.uint8), boxes=boxes_from_masks(masks),
                                labels=labels, masks=masks, semantic=sem[i]))
    return out


def generate(n: int, seed: int = 0, cfg: ShapesConfig | None = None) -> list[ShapesSample]:
    """n images with ground truth; the same (n, seed, cfg) always gives the same images."""
    cfg = (cfg or ShapesConfig()).effective()
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 1 <= cfg.min_shapes <= cfg.max_shapes:
        raise ValueError("need 1 <= min_shapes <= max_shapes")
    if not 0 < cfg.min_radius <= cfg.max_radius or 2 * cfg.max_radius + 4 > 128:
        raise ValueError("need 0 < min_radius <= max_radius < 62")
    out: list[ShapesSample] = []
    for chunk in range((n + CHUNK - 1) // CHUNK):
        out.extend(_draw_chunk(seed, chunk, min(CHUNK, n - chunk * CHUNK), cfg))
    return out


LABELED_FRACTIONS = (0.01, 0.05, 0.10, 1.0)


def splits(seed: int = 0, n_train: int = 1000, n_val: int = 200, n_test: int = 200,
           labeled_fraction: float = 0.10) -> dict:
    """Index lists into `generate(n_train + n_val + n_test, seed)`.

    Returns {"train", "val", "test", "labeled", "unlabeled", "by_fraction": {f: labeled indices}}.
    Labeled sets are nested (1% within 5% within 10% within full), so results compare fairly,
    and hold at least one image.
    """
    total = n_train + n_val + n_test
    perm = np.random.default_rng([seed, 7]).permutation(total)
    train = sorted(perm[:n_train].tolist())
    val = sorted(perm[n_train:n_train + n_val].tolist())
    test = sorted(perm[n_train + n_val:].tolist())
    order = np.random.default_rng([seed, 11]).permutation(train).tolist() if train else []
    by_fraction = {f: sorted(order[:max(1, int(round(f * n_train)))]) if train else []
                   for f in sorted(set(LABELED_FRACTIONS) | {labeled_fraction})}
    labeled = by_fraction[labeled_fraction]
    lab = set(labeled)
    return {"train": train, "val": val, "test": test, "labeled": labeled,
            "unlabeled": [i for i in train if i not in lab], "by_fraction": by_fraction}


def to_torch_targets(samples: list[ShapesSample], with_masks: bool = False, label_offset: int = 1):
    """Images float[B, 3, H, W] in [0, 1] and torchvision detection targets.

    label_offset=1 because torchvision's detectors reserve 0 for background.
    """
    from core.vision.image import to_tensor

    images = to_tensor(np.stack([s.image for s in samples]))
    targets = []
    for s in samples:
        t = {"boxes": torch.from_numpy(s.boxes).reshape(-1, 4),
             "labels": torch.from_numpy(s.labels) + label_offset}
        if with_masks:
            t["masks"] = torch.from_numpy(s.masks.astype(np.uint8))
        targets.append(t)
    return images, targets
