"""The one COCO module: class names and ids, RLE masks, COCO-format JSON of Detections and of
ground truth, and mAP with pycocotools (COCO's own evaluator, exactly as on the leaderboard).

COCO has 80 classes but numbers them 1..90 with gaps (ids left from an earlier 91-class plan).
YOLOX numbers them 0..79 (contiguous); torchvision and DETR index a 91-slot list whose index *is*
the COCO id. Export always writes the official id, so the JSON loads into pycocotools as is.
"""
from __future__ import annotations

import contextlib
import io

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
