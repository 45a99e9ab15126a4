"""Scores and export for ShapesWorld: mAP (through core.vision.coco), mIoU for segmentation, and a
COCO zip of a batch (the ShapesWorld tab's download)."""
from __future__ import annotations

import io

import numpy as np

from core.vision.coco import coco_map, ground_truth
from core.vision.shapes.generator import CLASSES, ShapesSample


def _ground_truth_objects(samples: list[ShapesSample], with_masks: bool) -> list[dict]:
    return [{"boxes": s.boxes, "labels": np.asarray(s.labels) + 1, **({"masks": s.masks} if with_masks else {})}
            for s in samples]


def coco_dataset(samples: list[ShapesSample], file_names: list[str] | None = None,
                 with_masks: bool = True) -> dict:
    """A COCO instances dict: images, annotations (bbox [x, y, w, h], RLE masks), categories (id = 1 + label)."""
    cats = [{"id": k + 1, "name": n, "supercategory": "shape"} for k, n in enumerate(CLASSES)]
    sizes = [(s.image.shape[1], s.image.shape[0]) for s in samples]
    return ground_truth(_ground_truth_objects(samples, with_masks), cats, sizes, file_names)


def evaluate(preds: list, samples: list[ShapesSample], iou_type: str = "bbox") -> dict:
    """mAP of per-image predictions against the samples' ground truth (core.vision.coco.coco_map).

    preds: one per sample, each with .boxes (float[N, 4] xyxy), .scores (float[N]), .labels (int[N], index
    into CLASSES) and, for iou_type="segm", .masks (float[N, H, W], thresholded at 0.5) -- a Detections works.
    Returns {"map": mAP@[.5:.95], "map50": mAP@.5, "map75": mAP@.75}; 0 when nothing is predicted.
    """
    rows = [{"boxes": p.boxes, "scores": p.scores, "labels": np.asarray(p.labels) + 1,
             **({"masks": p.masks} if iou_type == "segm" else {})} for p in preds]
    return coco_map(rows, _ground_truth_objects(samples, iou_type == "segm"), iou_type)


def confusion(pred: np.ndarray, gt: np.ndarray, num_classes: int) -> np.ndarray:
    """int64[C, C] pixel counts, rows = ground truth, columns = prediction."""
    idx = gt.astype(np.int64).ravel() * num_classes + pred.astype(np.int64).ravel()
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def mean_iou(preds: list[np.ndarray], gts: list[np.ndarray], num_classes: int = len(CLASSES) + 1) -> dict:
    """Mean IoU over classes present (in ground truth or prediction), background included.

    Returns {"miou": float, "iou": list per class (nan where absent), "pixel_acc": float}.
    """
    cm = sum(confusion(p, g, num_classes) for p, g in zip(preds, gts))
    tp = np.diag(cm).astype(np.float64)
    union = cm.sum(0) + cm.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return {"miou": float(np.nanmean(iou)), "iou": iou.tolist(), "pixel_acc": float(tp.sum() / cm.sum())}


def boundary_f1(pred: np.ndarray, gt: np.ndarray, tolerance: int = 1) -> float:
    """How well predicted class boundaries sit on the true ones: F1 of boundary pixels matched within
    `tolerance` pixels. pred, gt int[H, W] class maps."""
    import cv2

    def edges(m):
        e = np.zeros(m.shape, bool)
        e[:, 1:] |= m[:, 1:] != m[:, :-1]
        e[1:, :] |= m[1:, :] != m[:-1, :]
        return e

    pe, ge = edges(pred), edges(gt)
    if not pe.any() and not ge.any():
        return 1.0
    k = np.ones((2 * tolerance + 1, 2 * tolerance + 1), np.uint8)
    near_g = cv2.dilate(ge.astype(np.uint8), k).astype(bool)
    near_p = cv2.dilate(pe.astype(np.uint8), k).astype(bool)
    precision = (pe & near_g).sum() / max(pe.sum(), 1)
    recall = (ge & near_p).sum() / max(ge.sum(), 1)
    return float(2 * precision * recall / max(precision + recall, 1e-9))


def coco_zip(samples: list[ShapesSample], meta: dict | None = None) -> bytes:
    """A zip a COCO tool can open: images/00000.png ..., semantic/00000.png (class index per pixel),
    annotations.json (instances with RLE masks; `info` holds `meta`, e.g. the generator's seed and config)."""
    import json
    import zipfile

    from PIL import Image
    names = [f"{i:05d}.png" for i in range(len(samples))]
    data = coco_dataset(samples, file_names=[f"images/{n}" for n in names])
    data["info"] = {"description": "ShapesWorld (KeyPoint)", **(meta or {})}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, s in zip(names, samples):
            for folder, arr in (("images", s.image), ("semantic", s.semantic.astype(np.uint8))):
                png = io.BytesIO()
                Image.fromarray(arr).save(png, format="PNG")
                z.writestr(f"{folder}/{n}", png.getvalue())
        z.writestr("annotations.json", json.dumps(data))
    return buf.getvalue()
