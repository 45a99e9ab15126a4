"""Selective search (Uijlings et al. 2013): R-CNN's region proposals, by hierarchical grouping.

    over-segment (Felzenszwalb's graph segmentation, scikit-image) -> repeat: merge the two most
    similar neighbouring regions -> every region ever formed, initial and merged, is a proposal box

Similarity of regions i, j is the sum of the paper's four terms (section 3.2), each in [0, 1]:
    colour   sum_k min(c_i^k, c_j^k), c a 75-bin colour histogram (25 bins per channel), L1-normalised
    texture  sum_k min(t_i^k, t_j^k), t a 240-bin histogram: Gaussian derivatives (sigma = 1) in 8
             orientations per channel, 10 bins each, L1-normalised
    size     1 - (size(r_i) + size(r_j)) / size(im): small regions merge first
    fill     1 - (size(BB_ij) - size(r_i) - size(r_j)) / size(im): regions that fill each other's gap
A merged region's histograms are the size-weighted mean of its parts'. The paper also runs several
colour spaces and term subsets ("diversification"); we run `len(scales)` segmentations.
OpenCV's implementation lives in opencv-contrib, which would replace the project's
opencv-python-headless (both install `cv2`), so this is written out with NumPy.
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

BINS = 25  # colour-histogram bins per channel (the paper's value)
TEXTURE_BINS = 10  # texture-histogram bins per orientation and channel (the paper's value)
ORIENTATIONS = 8  # Gaussian-derivative orientations (the paper's value), every 45 degrees


@dataclass
class SelectiveSearchConfig:
    scales: tuple = (100.0, 300.0)  # Felzenszwalb's k per segmentation: larger -> fewer, bigger first regions
    sigma: float = 0.8              # Gaussian smoothing before segmenting
    min_size: int = 20              # smallest first region, in pixels (of the working image)
    max_side: int = 256             # the image is shrunk to this side first (speed); boxes come back in its pixels


@dataclass
class SelectiveSearch:
    """boxes float32[K, 4] xyxy in the input image's pixels, unique, largest regions last;
    level int[K] (0 = a first segment, n = formed by the n-th merge); segments int[h, w] the first
    over-segmentation (of the working image); n_initial; ms."""

    boxes: np.ndarray
    level: np.ndarray
    segments: np.ndarray
    n_initial: int
    ms: float


def texture_features(img: np.ndarray) -> np.ndarray:
    """uint8[H, W, 3] -> int[H, W, 3 * ORIENTATIONS]: each pixel's texture bin per (channel, orientation).

    The derivative of the Gaussian-smoothed channel (sigma = 1) along each of 8 directions (every 45
    degrees), keeping the positive part (so opposite directions differ), put in TEXTURE_BINS bins over
    the image's own range of that response."""
    from scipy.ndimage import gaussian_filter

    out = []
    for c in range(3):
        ch = img[..., c].astype(np.float64)
        gy = gaussian_filter(ch, 1.0, order=(1, 0))  # d/dy
        gx = gaussian_filter(ch, 1.0, order=(0, 1))  # d/dx
        for k in range(ORIENTATIONS):
            theta = 2 * np.pi * k / ORIENTATIONS
            r = np.maximum(np.cos(theta) * gx + np.sin(theta) * gy, 0.0)
            top = r.max()
            out.append(np.zeros(r.shape, np.int64) if top <= 0 else
                       np.minimum((r / top * TEXTURE_BINS).astype(np.int64), TEXTURE_BINS - 1))
    return np.stack(out, -1)


def _histograms(flat: np.ndarray, bins: np.ndarray, n: int, per: int) -> np.ndarray:
    """flat int[P] region of each pixel, bins int[P, F] each pixel's bin in each of F features ->
    float[n, F * per] histograms, each L1-normalised over all F * per bins (so sum_k min is in [0, 1])."""
    width = bins.shape[1] * per
    index = flat[:, None] * width + np.arange(bins.shape[1]) * per + bins  # [P, F]: the bin each pixel counts in
    hist = np.bincount(index.ravel(), minlength=n * width).reshape(n, width).astype(np.float64)
    return hist / np.maximum(hist.sum(1, keepdims=True), 1)


def _regions(img: np.ndarray, labels: np.ndarray):
    """Per label: size, bbox [x1, y1, x2, y2] (exclusive ends), colour and texture histograms."""
    n = int(labels.max()) + 1
    flat = labels.ravel()
    size = np.bincount(flat, minlength=n).astype(np.float64)
    ys, xs = np.indices(labels.shape)
    bbox = np.stack([np.full(n, np.inf), np.full(n, np.inf), np.zeros(n), np.zeros(n)], 1)
    np.minimum.at(bbox[:, 0], flat, xs.ravel())
    np.minimum.at(bbox[:, 1], flat, ys.ravel())
    np.maximum.at(bbox[:, 2], flat, xs.ravel() + 1)
    np.maximum.at(bbox[:, 3], flat, ys.ravel() + 1)
    colour_bins = np.minimum(img.reshape(-1, 3).astype(np.int64) * BINS // 256, BINS - 1)  # [P, 3]
    colour = _histograms(flat, colour_bins, n, BINS)  # [n, 75]
    texture = _histograms(flat, texture_features(img).reshape(len(flat), -1), n, TEXTURE_BINS)  # [n, 240]
    return size, bbox, colour, texture


def similarity(colour_i, colour_j, texture_i, texture_j, size_i: float, size_j: float, bbox_i, bbox_j,
               image_size: float) -> dict[str, float]:
    """The paper's four similarity terms of two regions, each in [0, 1]."""
    x1, y1 = min(bbox_i[0], bbox_j[0]), min(bbox_i[1], bbox_j[1])
    x2, y2 = max(bbox_i[2], bbox_j[2]), max(bbox_i[3], bbox_j[3])
    return {"colour": float(np.minimum(colour_i, colour_j).sum()),
            "texture": float(np.minimum(texture_i, texture_j).sum()),
            "size": 1.0 - (size_i + size_j) / image_size,
            "fill": 1.0 - ((x2 - x1) * (y2 - y1) - size_i - size_j) / image_size}


def _neighbours(labels: np.ndarray) -> set[tuple[int, int]]:
    """Pairs (i < j) of labels that touch horizontally or vertically."""
    pairs = np.concatenate([np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], 1),
                            np.stack([labels[:-1].ravel(), labels[1:].ravel()], 1)])
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.unique(np.sort(pairs, 1), axis=0)
    return {(int(a), int(b)) for a, b in pairs}


def group(img: np.ndarray, labels: np.ndarray, trace: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hierarchical grouping of one over-segmentation -> (boxes float[2n - 1 at most, 4], level int[...]).
    `trace`, if given, receives (i, j, terms) for every merge, in order (region t >= n is the (t - n)-th merge)."""
    size, bbox, colour, texture = _regions(img, labels)
    n, im = len(size), float(labels.size)
    size, bbox, colour, texture = list(size), list(bbox), list(colour), list(texture)
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in _neighbours(labels):
        adj[a].add(b)
        adj[b].add(a)

    def terms(i: int, j: int) -> dict[str, float]:
        return similarity(colour[i], colour[j], texture[i], texture[j], size[i], size[j], bbox[i], bbox[j], im)

    heap = [(-sum(terms(i, j).values()), i, j) for i in adj for j in adj[i] if i < j]
    heapq.heapify(heap)
    alive = set(range(n))
    level = [0] * n
    while heap:
        _, i, j = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue  # a stale pair: one of them was merged already
        if trace is not None:
            trace.append((i, j, terms(i, j)))
        t = len(size)
        size.append(size[i] + size[j])
        bbox.append(np.concatenate([np.minimum(bbox[i][:2], bbox[j][:2]), np.maximum(bbox[i][2:], bbox[j][2:])]))
        colour.append((colour[i] * size[i] + colour[j] * size[j]) / size[t])  # the paper's propagation
        texture.append((texture[i] * size[i] + texture[j] * size[j]) / size[t])
        level.append(t - n + 1)
        alive -= {i, j}
        adj[t] = (adj.pop(i) | adj.pop(j)) - {i, j}
        for k in adj[t]:
            adj[k] -= {i, j}
            adj[k].add(t)
            heapq.heappush(heap, (-sum(terms(k, t).values()), k, t))
        alive.add(t)
    return np.asarray(bbox, np.float32), np.asarray(level, np.int64)


def selective_search(rgb: np.ndarray, cfg: SelectiveSearchConfig | None = None) -> SelectiveSearch:
    """rgb uint8[H, W, 3] -> every region proposal of the hierarchy (see the module docstring)."""
    import cv2
    from skimage.segmentation import felzenszwalb

    cfg = cfg or SelectiveSearchConfig()
    t0 = time.perf_counter()
    H, W = rgb.shape[:2]
    r = min(1.0, cfg.max_side / max(H, W))
    small = cv2.resize(rgb, (max(1, round(W * r)), max(1, round(H * r))), interpolation=cv2.INTER_AREA) if r < 1 else rgb
    boxes, levels, first = [], [], None
    for k in cfg.scales:
        labels = felzenszwalb(small, scale=k, sigma=cfg.sigma, min_size=cfg.min_size)
        first = labels if first is None else first
        b, lv = group(small, labels)
        boxes.append(b)
        levels.append(lv)
    boxes, levels = np.concatenate(boxes) / r, np.concatenate(levels)
    boxes = np.clip(boxes, 0, [W, H, W, H]).astype(np.float32)
    _, idx = np.unique(np.round(boxes).astype(np.int64), axis=0, return_index=True)  # drop repeated boxes
    idx = idx[np.argsort(levels[idx], kind="stable")]
    return SelectiveSearch(boxes[idx], levels[idx], first, int(first.max()) + 1, (time.perf_counter() - t0) * 1000)


def recall(proposals: np.ndarray, gt: np.ndarray, iou: float = 0.5) -> float:
    """Fraction of ground-truth boxes float[M, 4] covered by some proposal at IoU >= iou."""
    from core.vision.boxes import box_iou

    if len(gt) == 0:
        return 1.0
    if len(proposals) == 0:
        return 0.0
    return float((box_iou(gt, proposals).max(1) >= iou).mean())
