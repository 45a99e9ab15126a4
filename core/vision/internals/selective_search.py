"""Selective search (Uijlings et al. 2013): R-CNN's region proposals, by hierarchical grouping.

    over-segment (Felzenszwalb's graph segmentation, scikit-image) -> repeat: merge the two most
    similar neighbouring regions -> every region ever formed, initial and merged, is a proposal box

Similarity of regions i, j (each in [0, 1], summed): colour (intersection of their colour
histograms), size (small regions merge first, so one big region does not eat the image) and fill
(how well i and j fill their joint bounding box). The paper also adds a texture term and runs
several colour spaces and thresholds ("diversification"); we run `len(scales)` segmentations.
OpenCV's implementation lives in opencv-contrib, which would replace the project's
opencv-python-headless (both install `cv2`), so this is written out with NumPy.
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

BINS = 25  # colour-histogram bins per channel (the paper's value)


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


def _regions(img: np.ndarray, labels: np.ndarray):
    """Per label: size, bbox [x1, y1, x2, y2] (exclusive ends) and the normalised colour histogram."""
    n = int(labels.max()) + 1
    flat = labels.ravel()
    size = np.bincount(flat, minlength=n).astype(np.float64)
    ys, xs = np.indices(labels.shape)
    bbox = np.stack([np.full(n, np.inf), np.full(n, np.inf), np.zeros(n), np.zeros(n)], 1)
    np.minimum.at(bbox[:, 0], flat, xs.ravel())
    np.minimum.at(bbox[:, 1], flat, ys.ravel())
    np.maximum.at(bbox[:, 2], flat, xs.ravel() + 1)
    np.maximum.at(bbox[:, 3], flat, ys.ravel() + 1)
    q = np.minimum(img.reshape(-1, 3).astype(np.int64) * BINS // 256, BINS - 1)  # bin of each pixel, per channel
    hist = np.zeros((n, 3 * BINS))
    for c in range(3):
        np.add.at(hist, (flat, c * BINS + q[:, c]), 1.0)
    hist /= np.maximum(hist.sum(1, keepdims=True), 1)  # L1-normalised: colour similarity in [0, 1]
    return size, bbox, hist


def _neighbours(labels: np.ndarray) -> set[tuple[int, int]]:
    """Pairs (i < j) of labels that touch horizontally or vertically."""
    pairs = np.concatenate([np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], 1),
                            np.stack([labels[:-1].ravel(), labels[1:].ravel()], 1)])
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.unique(np.sort(pairs, 1), axis=0)
    return {(int(a), int(b)) for a, b in pairs}


def group(img: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hierarchical grouping of one over-segmentation -> (boxes float[2n - 1 at most, 4], level int[...])."""
    size, bbox, hist = _regions(img, labels)
    n, im = len(size), float(labels.size)
    size, bbox, hist = list(size), [b for b in bbox], [h for h in hist]
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in _neighbours(labels):
        adj[a].add(b)
        adj[b].add(a)

    def sim(i: int, j: int) -> float:
        colour = np.minimum(hist[i], hist[j]).sum() / 3.0  # three channels, each summing to 1
        small = 1.0 - (size[i] + size[j]) / im
        x1, y1 = min(bbox[i][0], bbox[j][0]), min(bbox[i][1], bbox[j][1])
        x2, y2 = max(bbox[i][2], bbox[j][2]), max(bbox[i][3], bbox[j][3])
        fill = 1.0 - ((x2 - x1) * (y2 - y1) - size[i] - size[j]) / im
        return colour + small + fill

    heap = [(-sim(i, j), i, j) for i in adj for j in adj[i] if i < j]
    heapq.heapify(heap)
    alive = set(range(n))
    level = [0] * n
    while heap:
        _, i, j = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue  # a stale pair: one of them was merged already
        t = len(size)
        size.append(size[i] + size[j])
        bbox.append(np.concatenate([np.minimum(bbox[i][:2], bbox[j][:2]), np.maximum(bbox[i][2:], bbox[j][2:])]))
        hist.append((hist[i] * size[i] + hist[j] * size[j]) / size[t])
        level.append(t - n + 1)
        alive -= {i, j}
        adj[t] = (adj.pop(i) | adj.pop(j)) - {i, j}
        for k in adj[t]:
            adj[k] -= {i, j}
            adj[k].add(t)
            heapq.heappush(heap, (-sim(k, t), k, t))
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
