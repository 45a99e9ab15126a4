"""Draw the ground truth on the Detection page's picture and see each detection judged: true positive (with
its IoU), false positive, duplicate; missed objects; precision, recall and AP@0.5 (core.vision.coco)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import canvas, ui
from core.vision.types import Detections

SHARED_KEY = "kp_drawn_gt"  # the Detector internals page labels anchors against it on the same photo
STATUS = ["FP", "missed", "TP", "duplicate"]  # in the overlay's palette: red, blue, green, magenta


def judged(rgb: np.ndarray, dets: Detections, gt_boxes: np.ndarray, gt_labels: np.ndarray, ev) -> np.ndarray:
    """The picture with every detection tagged by its verdict and every missed object drawn."""
    from core.viz.overlay import draw_detections

    n = len(dets)
    boxes = np.concatenate([dets.boxes.reshape(-1, 4), gt_boxes[ev.missed]]).astype(np.float32)
    labels = np.array([STATUS.index(s) for s in ev.status] + [STATUS.index("missed")] * len(ev.missed), np.int64)
    tags = [f"{s} {dets.class_names[int(dets.labels[i])]}" + (f" IoU {ev.iou[i]:.2f}" if s != "FP" else "")
            for i, s in enumerate(ev.status)]
    tags += [f"missed {dets.class_names[int(gt_labels[j])]}" for j in ev.missed]
    scores = np.ones(len(boxes), np.float32)
    return draw_detections(rgb, Detections(boxes, scores, labels, STATUS), show_scores=False, tags=tags)


def section(rgb: np.ndarray, dets: Detections, model_name: str) -> None:
    from core.vision.coco import evaluate_image
    from core.vision.draw.canvas import labelled_boxes

    st.subheader("Your ground truth: how right is it?")
    names = [c for c in dets.class_names if c not in ("N/A", "__background__")]
    c1, c2 = st.columns([1, 2])
    cls = c1.selectbox("Class of the next box", names, index=None, key="det_gt_class",
                       placeholder="pick a class, then draw", help="Each box is stamped with the class chosen when it is drawn.")
    h, w = rgb.shape[:2]
    width = min(640, w) if w >= 256 else w * max(1, 384 // w)
    with c2:
        d = canvas.draw("det_gt_canvas", mode="labelled", background=rgb, width=width, stroke="#1f77b4",
                        fill="rgba(31, 119, 180, 0.1)", label=cls or "")
    if d is None:
        return
    st.caption("Draw a box round every object and give each its class. Each detection above is then judged as "
               "COCO judges it, at IoU 0.5. On the same photo, the Detector internals page labels its RPN anchors "
               "and SSD default boxes against these boxes.")
    gt = labelled_boxes(d.json, d.scale, list(dets.class_names), w, h)
    for note in gt.notes:
        st.warning(note)
    if len(gt.boxes) == 0:
        st.info("No ground truth yet: pick a class, then drag a box round an object.")
        return
    from core.vision.draw.shared_gt import share

    st.session_state[SHARED_KEY] = share(rgb, gt.boxes, [dets.class_names[int(c)] for c in gt.labels])
    ev = evaluate_image(gt.boxes, gt.labels, dets.boxes, dets.scores, dets.labels)
    n_tp = ev.status.count("TP")
    m1, m2, m3 = st.columns(3)
    m1.metric("Precision", f"{ev.precision:.2f}", f"{n_tp} of {len(dets)} detections right", delta_color="off")
    m2.metric("Recall", f"{ev.recall:.2f}", f"{n_tp} of {len(gt.boxes)} objects found", delta_color="off")
    m3.metric("AP@0.5 on this image", f"{ev.ap50:.3f}")
    st.image(judged(rgb, dets, gt.boxes, gt.labels, ev), width=min(640, w),
             caption=f"{model_name} against your {len(gt.boxes)} boxes: TP (green, with IoU), FP (red), duplicate "
                     f"(magenta, an object already taken: NMS should have removed it), missed (blue, {len(ev.missed)}).")
    st.caption(f"Precision {ev.precision:.2f} · recall {ev.recall:.2f} · AP@0.5 {ev.ap50:.3f}: AP ranks the "
               "detections by score and averages precision over recall 0, 0.01, ..., 1 (COCO's 101 points), one "
               "class at a time; pycocotools gives the same number (tested).")
    ui.show_code(evaluate_image)
