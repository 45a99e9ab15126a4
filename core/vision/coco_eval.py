"""COCO-style scores for ShapesWorld: mAP@[.5:.95] and mAP@.5 with pycocotools, and mIoU.

Ground truth becomes a COCO dataset dict (the same one the ShapesWorld tab downloads), the
predictions COCO result rows, and pycocotools' COCOeval does the matching and the 101-point
interpolated precision, exactly as on the COCO leaderboard.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from core.vision.shapesworld import CLASSES, ShapesSample


def _rle(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")  # JSON-safe
    return rle


def coco_dataset(samples: list[ShapesSample], file_names: list[str] | None = None,
                 with_masks: bool = True) -> dict:
    """A COCO instances dict: images, annotations (bbox [x, y, w, h], RLE masks), categories (id = 1 + label)."""
    images, anns = [], []
    for i, s in enumerate(samples):
        H, W = s.image.shape[:2]
        images.append({"id": i, "width": W, "height": H,
                       "file_name": file_names[i] if file_names else f"{i:05d}.png"})
        for j in range(len(s.labels)):
            x1, y1, x2, y2 = (float(v) for v in s.boxes[j])
            a = {"id": len(anns) + 1, "image_id": i, "category_id": int(s.labels[j]) + 1,
                 "bbox": [x1, y1, x2 - x1, y2 - y1], "area": float(s.masks[j].sum()), "iscrowd": 0}
            if with_masks:
                a["segmentation"] = _rle(s.masks[j])
            anns.append(a)
    cats = [{"id": k + 1, "name": n, "supercategory": "shape"} for k, n in enumerate(CLASSES)]
    return {"images": images, "annotations": anns, "categories": cats}


def evaluate(preds: list, samples: list[ShapesSample], iou_type: str = "bbox") -> dict:
    """mAP of per-image predictions against the samples' ground truth.

    preds: one per sample, each with .boxes (float[N, 4] xyxy), .scores (float[N]), .labels (int[N], index
    into CLASSES) and, for iou_type="segm", .masks (float[N, H, W], thresholded at 0.5) -- a Detections works.
    Returns {"map": mAP@[.5:.95], "map50": mAP@.5, "map75": mAP@.75}; 0 when nothing is predicted.
    """
    gt = coco_dataset(samples, with_masks=iou_type == "segm")
    rows = []
    for i, p in enumerate(preds):
        for j in range(len(p.scores)):
            x1, y1, x2, y2 = (float(v) for v in p.boxes[j])
            r = {"image_id": i, "category_id": int(p.labels[j]) + 1, "score": float(p.scores[j]),
                 "bbox": [x1, y1, x2 - x1, y2 - y1]}
            if iou_type == "segm":
                r["segmentation"] = _rle(np.asarray(p.masks[j]) >= 0.5)
            rows.append(r)
    if not rows:
        return {"map": 0.0, "map50": 0.0, "map75": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its tables
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        dt = coco.loadRes(rows)
        ev = COCOeval(coco, dt, iou_type)
        ev.params.maxDets = [1, 10, 100]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    return {"map": max(0.0, float(s[0])), "map50": max(0.0, float(s[1])), "map75": max(0.0, float(s[2]))}


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
