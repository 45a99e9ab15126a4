"""The one COCO module: class names and ids, RLE masks, COCO-format JSON of Detections and of
ground truth, and mAP with pycocotools (COCO's own evaluator, exactly as on the leaderboard).

COCO has 80 classes but numbers them 1..90 with gaps (ids left from an earlier 91-class plan).
YOLOX numbers them 0..79 (contiguous); torchvision and DETR index a 91-slot list whose index *is*
the COCO id. Export always writes the official id, so the JSON loads into pycocotools as is.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np

from core.vision.types import Detections

# The 80 COCO classes in contiguous order (YOLOX label i is COCO_CLASSES[i]).
COCO_CLASSES: list[str] = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
]

# Official COCO category id of each of the 80 classes, in the same order.
COCO_IDS: list[int] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28,
    31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84,
    85, 86, 87, 88, 89, 90,
]
_ALIASES = {"motorbike": "motorcycle", "aeroplane": "airplane", "sofa": "couch", "tvmonitor": "tv",
            "diningtable": "dining table", "pottedplant": "potted plant"}  # Pascal VOC spellings
_ID_OF = dict(zip(COCO_CLASSES, COCO_IDS))


def category_ids(class_names: list[str]) -> list[int]:
    """The COCO id of each class name. A list with no COCO name at all (e.g. ShapesWorld) is
    numbered index + 1 (0 is never an id); in a COCO list, the odd non-COCO slot ("N/A",
    "__background__") gets 1000 + index so it can never collide with a real id."""
    names = [_ALIASES.get(n, n) for n in class_names]
    if not any(n in _ID_OF for n in names):
        return [i + 1 for i in range(len(names))]
    return [_ID_OF.get(n, 1000 + i) for i, n in enumerate(names)]


def rle(mask: np.ndarray) -> dict:
    """A binary mask (bool[H, W]) as COCO run-length encoding, JSON-ready."""
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def coco_results(dets: Detections, image_id: int = 1) -> list[dict]:
    """Detections as a COCO *results* list (what `COCO.loadRes` and the evaluators read).

    bbox is [x, y, width, height] in pixels; masks (if any) become RLE at threshold 0.5.
    """
    ids = category_ids(dets.class_names)
    out = []
    for i in range(len(dets)):
        x1, y1, x2, y2 = (float(v) for v in dets.boxes[i])
        r = {"image_id": image_id, "category_id": ids[int(dets.labels[i])],
             "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
             "score": round(float(dets.scores[i]), 5)}
        if dets.masks is not None:
            r["segmentation"] = rle(dets.masks[i] >= 0.5)
        out.append(r)
    return out


def coco_dataset(dets: Detections, width: int, height: int, file_name: str = "image.png",
                 image_id: int = 1) -> dict:
    """A whole COCO-format document (images, annotations with scores, categories) for one image."""
    ids = category_ids(dets.class_names)
    used = sorted({int(l) for l in dets.labels})
    anns = []
    for k, r in enumerate(coco_results(dets, image_id), start=1):
        x, y, w, h = r["bbox"]
        anns.append({"id": k, "iscrowd": 0, "area": round(w * h, 2), **r})
    return {
        "info": {"description": "KeyPoint detections", "version": "1.0"},
        "images": [{"id": image_id, "file_name": file_name, "width": int(width), "height": int(height)}],
        "annotations": anns,
        "categories": [{"id": ids[l], "name": dets.class_names[l]} for l in used],
    }


def ground_truth(objects: list[dict], categories: list[dict], sizes: list[tuple[int, int]] | None = None,
                 file_names: list[str] | None = None) -> dict:
    """A COCO instances document from per-image ground truth.

    objects: one dict per image with "boxes" (float[n, 4] xyxy), "labels" (int[n], COCO category ids)
    and optionally "masks" (bool[n, H, W], written as RLE). sizes: (width, height) per image.
    """
    images, anns = [], []
    for i, obj in enumerate(objects):
        w, h = sizes[i] if sizes else (0, 0)
        images.append({"id": i, "width": int(w), "height": int(h),
                       "file_name": file_names[i] if file_names else f"{i:05d}.png"})
        boxes, labels = np.asarray(obj["boxes"], np.float64).reshape(-1, 4), np.asarray(obj["labels"]).reshape(-1)
        masks = obj.get("masks")
        for j in range(len(labels)):
            x1, y1, x2, y2 = (float(v) for v in boxes[j])
            a = {"id": len(anns) + 1, "image_id": i, "category_id": int(labels[j]), "iscrowd": 0,
                 "bbox": [x1, y1, x2 - x1, y2 - y1],
                 "area": float(np.asarray(masks[j]).sum()) if masks is not None else (x2 - x1) * (y2 - y1)}
            if masks is not None:
                a["segmentation"] = rle(np.asarray(masks[j]))
            anns.append(a)
    return {"images": images, "annotations": anns, "categories": categories}


def coco_map(preds: list[dict], gts: list[dict], iou_type: str = "bbox",
             sizes: list[tuple[int, int]] | None = None) -> dict:
    """mAP of per-image predictions against per-image ground truth, with pycocotools.

    preds: one dict per image with "boxes" (float[N, 4] xyxy), "scores" (float[N]), "labels" (int[N],
    COCO category ids) and, for iou_type="segm", "masks" (float[N, H, W], thresholded at 0.5).
    gts: as for `ground_truth` (masks needed for "segm"). Arrays or tensors both work.
    Returns {"map": mAP@[.5:.95], "map50": mAP@.5, "map75": mAP@.75}; 0 when nothing is predicted.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rows = []
    for i, p in enumerate(preds):
        boxes = np.asarray(p["boxes"], np.float64).reshape(-1, 4)
        for j, (score, label) in enumerate(zip(np.asarray(p["scores"]).tolist(), np.asarray(p["labels"]).tolist())):
            x1, y1, x2, y2 = boxes[j].tolist()
            r = {"image_id": i, "category_id": int(label), "score": float(score), "bbox": [x1, y1, x2 - x1, y2 - y1]}
            if iou_type == "segm":
                r["segmentation"] = rle(np.asarray(p["masks"][j]) >= 0.5)
            rows.append(r)
    if not rows:
        return {"map": 0.0, "map50": 0.0, "map75": 0.0}
    used = {int(l) for g in gts for l in np.asarray(g["labels"]).reshape(-1).tolist()} | {r["category_id"] for r in rows}
    # Categories without ground truth are skipped by COCOeval's mean, so listing the used ones is enough.
    doc = ground_truth(gts, [{"id": c} for c in sorted(used)], sizes)
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its tables
        coco = COCO()
        coco.dataset = doc
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(rows), iou_type)
        ev.params.maxDets = [1, 10, 100]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    return {"map": max(0.0, float(s[0])), "map50": max(0.0, float(s[1])), "map75": max(0.0, float(s[2]))}


@dataclass
class ImageEval:
    """One image's detections judged against its ground truth at one IoU threshold, as COCOeval judges them."""

    status: list[str]  # per detection: "TP", "FP" (no object of its class there) or "duplicate" (object taken)
    iou: np.ndarray  # float[N]: the matched object's IoU (TP), else the best same-class IoU
    matched: np.ndarray  # int64[N]: the ground-truth index a TP took, -1 otherwise
    missed: np.ndarray  # int64[K]: ground-truth objects no detection took
    precision: float  # TP / detections (1.0 when there are none: nothing claimed, nothing wrong)
    recall: float  # TP / objects (nan without objects)
    ap50: float  # COCO's AP at this IoU (101-point interpolation), mean over the classes with objects


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from core.vision.boxes import box_iou

    return box_iou(a.reshape(-1, 4), b.reshape(-1, 4))


def evaluate_image(gt_boxes, gt_labels, det_boxes, det_scores, det_labels, iou_thr: float = 0.5,
                   max_dets: int = 100) -> ImageEval:
    """COCOeval's matching on one image, kept per detection so a page can mark them.

    Per class, detections go in order of score (at most max_dets); each takes the free object of its class
    it overlaps most, if that IoU reaches iou_thr. A detection whose only good overlap is an object already
    taken is a duplicate (what NMS should have removed). Boxes (x1, y1, x2, y2) in pixels."""
    gb, gl = np.asarray(gt_boxes, np.float64).reshape(-1, 4), np.asarray(gt_labels).reshape(-1)
    db, dl = np.asarray(det_boxes, np.float64).reshape(-1, 4), np.asarray(det_labels).reshape(-1)
    ds = np.asarray(det_scores, np.float64).reshape(-1)
    N = len(db)
    status, iou, matched = ["FP"] * N, np.zeros(N), np.full(N, -1, np.int64)
    aps = []
    taken = np.zeros(len(gb), bool)
    for c in np.unique(np.concatenate([gl, dl])):
        d_idx = np.flatnonzero(dl == c)
        d_idx = d_idx[np.argsort(-ds[d_idx], kind="mergesort")][:max_dets]  # COCOeval's order and cap
        g_idx = np.flatnonzero(gl == c)
        ious = _iou(db[d_idx], gb[g_idx]) if len(g_idx) else np.zeros((len(d_idx), 0))
        tp = np.zeros(len(d_idx), bool)
        for k, d in enumerate(d_idx):
            free = ~taken[g_idx]
            best = np.where(free, ious[k], -1.0)
            if len(g_idx) and best.max() >= iou_thr:
                j = int(best.argmax())
                taken[g_idx[j]] = True
                status[d], iou[d], matched[d], tp[k] = "TP", ious[k, j], g_idx[j], True
            else:
                iou[d] = ious[k].max() if len(g_idx) else 0.0
                if len(g_idx) and iou[d] >= iou_thr:
                    status[d] = "duplicate"
        if len(g_idx):
            aps.append(_ap_101(tp, len(g_idx)))
    n_tp = sum(s == "TP" for s in status)
    return ImageEval(status, iou, matched, np.flatnonzero(~taken), n_tp / N if N else 1.0,
                     n_tp / len(gb) if len(gb) else float("nan"), float(np.mean(aps)) if aps else float("nan"))


def _ap_101(tp: np.ndarray, n_gt: int) -> float:
    """COCO's AP of one class: precision made non-increasing, read at recall 0, 0.01, ..., 1 (0 past the end)."""
    if len(tp) == 0:
        return 0.0
    tps, fps = np.cumsum(tp), np.cumsum(~tp)
    rc = tps / n_gt
    pr = tps / (tps + fps + np.spacing(1))
    pr = np.maximum.accumulate(pr[::-1])[::-1]
    idx = np.searchsorted(rc, np.linspace(0, 1, 101), side="left")
    return float(np.where(idx < len(pr), pr[np.minimum(idx, len(pr) - 1)], 0.0).mean())
