"""Detector internals tabs for the two-stage family: R-CNN's proposals, Faster R-CNN's anchors and RPN,
Mask R-CNN's mask head."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app_pages.parts import progress, ui
from app_pages.detector_internals.rcnn import rcnn_steps
from app_pages.detector_internals.common import (Picture, class_names, draw, drawn_ground_truth, no_drawn_ground_truth_line,
                                                shapes_model)
from core.viz.internals import spatial_map, timing_chart


@st.cache_data(show_spinner="Selective search…", max_entries=16)
def _selective_search(image: np.ndarray):
    from core.vision.internals.selective_search import selective_search

    return selective_search(image)


@st.cache_data(show_spinner=False, max_entries=16)
def _timing(image: np.ndarray, boxes: np.ndarray, _on_progress=None):
    """_on_progress(done, total) per CNN pass (a leading _ keeps it out of the cache key)."""
    from core.vision.internals.prepare import square
    from core.vision.internals.rcnn import time_rcnn_vs_fast

    small, s = square(image, 128)
    return time_rcnn_vs_fast(shapes_model("frcnn").model.backbone, small, boxes / s, on_progress=_on_progress)


def rcnn_tab(pic: Picture) -> None:
    from core.vision.internals.selective_search import recall, selective_search

    st.markdown("**R-CNN** (2014) asks selective search for ~2000 regions, warps each to a fixed size and runs a "
                "whole CNN on every one. **Fast R-CNN** runs the CNN once and cuts each region's features out of "
                "the shared map (RoI Pooling). Selective search: over-segment the image (Felzenszwalb), then keep "
                "merging the two most similar neighbouring regions (colour, texture, size, fill); every region formed is a box.")
    ss = _selective_search(pic.rgb)
    n_show = st.slider("Proposals to draw (smallest regions first)", 1, len(ss.boxes), min(40, len(ss.boxes)),
                       key="int_rcnn_show", bind="query-params")
    a, b = st.columns(2)
    k = 3 if pic.shapes else 1
    a.image(draw(pic.rgb, ss.boxes[:n_show], ["proposal"], np.zeros(n_show), k=k, line_width=1, show_labels=False),
            width="stretch",
            caption=f"{len(ss.boxes)} proposals from {ss.n_initial} first segments, in {ss.ms:.0f} ms")
    if pic.gt_boxes is not None:
        b.metric("Objects covered (IoU ≥ 0.5 with some proposal)", f"{recall(ss.boxes, pic.gt_boxes, 0.5):.0%}")
        b.metric("... at IoU ≥ 0.7", f"{recall(ss.boxes, pic.gt_boxes, 0.7):.0%}")
    cap = min(len(ss.boxes), 100)
    with progress.bar("Timing R-CNN (one CNN pass per proposal) against Fast R-CNN (one pass)", unit="CNN passes",
                      where=b) as bar:
        t = _timing(pic.rgb, ss.boxes[:cap], _on_progress=bar)
    ui.chart(b, timing_chart(["R-CNN", "Fast R-CNN"], [t.rcnn_ms, t.fast_ms],
                                title=f"The same backbone, {t.proposals} proposals"), width="stretch")
    b.caption(f"R-CNN: warp each proposal to {t.warp}×{t.warp}, one CNN pass each. Fast R-CNN: one pass, then RoI "
              f"Pool per proposal. R-CNN is {t.rcnn_ms / max(t.fast_ms, 1e-3):.0f}x slower: {t.per_crop_ms:.1f} ms per proposal. At R-CNN's "
              f"2000 proposals that is {t.per_crop_ms * 2:.0f} s per image on this CPU, for this tiny network.")
    ui.show_code(selective_search)
    rcnn_steps(pic, ss.boxes)


REAL_RPN = "fasterrcnn-mobilenet-320"  # the pretrained two-stage detector the RPN tab uses on photos, when cached


@ui.cached_model
def _real_frcnn(mode: str):
    from core.vision.detect import load_model

    return load_model(REAL_RPN, mode).predictor.model


@st.cache_data(show_spinner=False, max_entries=16)
def _rpn(image: np.ndarray, real_mode: str | None = None):
    """The RPN trace of the ShapesWorld Faster R-CNN, or of the pretrained one when real_mode is given."""
    from core.vision.internals.rpn import rpn_trace

    return rpn_trace(_real_frcnn(real_mode) if real_mode else shapes_model("frcnn").model, image)


def _resized(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.resize(np.ascontiguousarray(rgb), (int(size[1]), int(size[0])), interpolation=cv2.INTER_AREA)


def rpn_tab(pic: Picture) -> None:
    from core.vision.internals.anchors import anchor_grid, assign_anchors
    from core.vision.internals.rpn import anchors_of_cell, rpn_trace

    from core.vision.detect import source_kind

    mode = ui.model_source()
    real = not pic.shapes and source_kind(REAL_RPN, mode) == "pretrained"
    st.markdown("Faster R-CNN replaces selective search by a **region proposal network**: at every cell of the "
                "feature map, a fixed set of **anchors** (sizes × aspect ratios); for each, an objectness score "
                "and a box correction. The top proposals go through NMS (IoU 0.7) to the box head. "
                + ("" if real else "Shown: the ShapesWorld Faster R-CNN's own RPN (stride 4, anchors 16–48 px, "
                   "ratios 0.75 / 1 / 1.33); on a photo, the pretrained one when its weights are cached."))
    tr = _rpn(pic.rgb if real else pic.square, mode if real else None)
    image, k = (pic.square, 3) if not real else (_resized(pic.rgb, tr.image_size), 1)
    if real:
        st.caption(f":material/public: On your photo: the pretrained `{REAL_RPN}` (FPN: {len(set(tr.before_level))} "
                   "feature levels, NMS per level); the anchors below are its finest level's. Shown at the size it "
                   f"resized the photo to, {tr.image_size[1]}×{tr.image_size[0]}.")
    h, w = tr.feature_size
    from app_pages.parts import canvas
    from core.vision.draw.canvas import cell_of

    clicked = canvas.new_click("int_rpn_click", image, zoom=2 if not real else 1,
                               caption="Click where the anchors should sit: the feature-map cell under the click.")
    if clicked is not None:  # a click moves the sliders (which keep the view in the link)
        st.session_state["int_rpn_row"], st.session_state["int_rpn_col"] = cell_of(clicked, image.shape[1] / w, (w, h))
    c1, c2, c3 = st.columns(3)
    row = c1.slider("Feature-map row", 0, h - 1, h // 2, key="int_rpn_row", bind="query-params")
    col = c2.slider("Feature-map column", 0, w - 1, w // 2, key="int_rpn_col", bind="query-params")
    top = c3.slider("Top proposals to draw", 5, len(tr.before), min(30, len(tr.before)), key="int_rpn_top", bind="query-params")
    idx = anchors_of_cell(tr, row, col)
    gen = (_real_frcnn(mode) if real else shapes_model("frcnn").model).rpn.anchor_generator
    names = [f"{s}px, h/w {r}" for r in gen.aspect_ratios[0] for s in gen.sizes[0]]  # torchvision's order: ratio-major
    a, b, c = st.columns(3)
    a.image(draw(image, tr.anchors[idx], names, np.arange(len(idx)), k=k), width="stretch",
            caption=f"{len(idx)} anchors at cell ({row}, {col}); {len(tr.anchors)} in all")
    b.image(draw(image, tr.before[:top], ["before NMS"], np.zeros(min(top, len(tr.before))), k=k, line_width=1,
                 show_labels=False), width="stretch", caption=f"Top {top} of the {len(tr.before)} proposals that enter NMS")
    c.image(draw(image, tr.after[:top], ["after NMS"], np.zeros(min(top, len(tr.after))), k=k, line_width=1,
                 show_labels=False), width="stretch",
            caption=f"{len(tr.after)} survive NMS at IoU {tr.nms_iou} (top {min(top, len(tr.after))} drawn)")
    ui.chart(st, spatial_map(tr.objectness[: h * w * tr.per_cell].reshape(h, w, -1).max(-1), size=260,
                                title="Objectness: the best anchor per cell (finest level)", legend_title="p(object)"),
                    width="content")
    gt_boxes = pic.gt_boxes  # ShapesWorld: the scene's own; a photo: the boxes drawn on the Detection page
    if gt_boxes is None:
        gt_boxes, _ = drawn_ground_truth(pic, image.shape[1], image.shape[0])
        if gt_boxes is None:
            no_drawn_ground_truth_line(pic, "its anchors are labelled")
        else:
            st.caption(f":material/edit: Ground truth: the {len(gt_boxes)} box(es) you drew on this photo on the "
                       "Detection page.")
    if gt_boxes is not None and len(gt_boxes):
        st.markdown("**Training labels**: each anchor against the ground truth, by IoU: ≥ 0.7 positive, < 0.3 "
                    "negative, in between ignored; each object's best anchor is positive whatever its IoU.")
        f1, f2 = st.columns(2)
        fg = f1.slider("Positive at IoU ≥", 0.4, 0.9, 0.7, 0.05, key="int_rpn_fg", bind="query-params")
        bg = f2.slider("Negative below IoU", 0.05, 0.5, 0.3, 0.05, key="int_rpn_bg", bind="query-params")
        labels, _, _ = assign_anchors(torch.from_numpy(tr.anchors), torch.from_numpy(np.asarray(gt_boxes, np.float32)),
                                      fg, min(bg, fg))
        pos = np.flatnonzero(labels.numpy() == 1)
        ign = np.flatnonzero(labels.numpy() == -1)
        show = np.concatenate([pos, ign[:: max(1, len(ign) // 40)]])
        kinds = np.concatenate([np.zeros(len(pos)), np.ones(len(show) - len(pos))])
        st.image(draw(image, tr.anchors[show], ["positive", "ignored"], kinds, k=k, line_width=1, show_labels=False),
                 width=420, caption=f"Red: {len(pos)} positive; blue: {len(ign)} ignored (a sample drawn); "
                         f"{int((labels == 0).sum())} negative anchors")
    ui.show_code(rpn_trace, anchor_grid, assign_anchors)


@st.cache_data(show_spinner=False, max_entries=16)
def _masks(image: np.ndarray):
    from core.vision.internals.mask import mask_trace

    return mask_trace(shapes_model("maskrcnn").model, image)


def mask_tab(pic: Picture) -> None:
    from core.vision.internals.mask import mask_trace, paste

    st.markdown("Mask R-CNN adds a small head to Faster R-CNN: each detected box is read through a 14 × 14 RoI "
                "Align, upsampled to **28 × 28 mask logits**, one map per class (only the box's own class is "
                "used). The map is then **pasted back**: resized to the box, placed in the image, thresholded at 0.5.")
    tr = _masks(pic.square)
    if len(tr.boxes) == 0:
        st.info("The ShapesWorld Mask R-CNN finds no object here: pick another scene.")
        return
    names = class_names()
    i = st.selectbox("Detected object", list(range(len(tr.boxes))), key="int_mask_roi", bind="query-params",
                     format_func=lambda j: f"#{j}: {names[tr.labels[j]]} {tr.scores[j]:.2f}")
    a, b, c = st.columns(3)
    ui.chart(a, spatial_map(tr.logits[i], title="28×28 mask logits", scheme="redblue", legend_title="logit",
                               size=220), width="content")
    prob = paste(tr.logits[i], tr.boxes[i], *pic.square.shape[:2])
    ui.chart(b, spatial_map(prob, title="Pasted into the image (probability)", legend_title="p(mask)", size=220),
                   width="content")
    from core.vision.types import Detections
    from core.viz.overlay import draw_detections

    k = 3
    big = np.repeat(np.repeat(pic.square, k, 0), k, 1)
    dets = Detections(tr.boxes[[i]] * k, tr.scores[[i]], tr.labels[[i]], names,
                      masks=np.repeat(np.repeat(prob[None], k, 1), k, 2))
    c.image(draw_detections(big, dets), width="stretch", caption="Thresholded at 0.5 over the picture")
    ui.show_code(mask_trace, paste)
