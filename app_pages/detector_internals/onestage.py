"""Detector internals tabs for the single-shot family: SSD's default boxes, YOLO's grid (v1 and YOLOX)."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app_pages.parts import ui
from app_pages.detector_internals.common import (Picture, class_names, draw, drawn_ground_truth, no_drawn_ground_truth_line,
                                                real_yolox, shapes_model, yolox_model)
from core.viz.internals import maps_grid, spatial_map


def _ssd_settings():
    gen = shapes_model("ssd").model.anchor_generator  # torchvision's DefaultBoxGenerator inside the model
    return [list(a) for a in gen.aspect_ratios], list(gen.scales), list(gen.steps)


def ssd_tab(pic: Picture) -> None:
    from core.vision.internals.anchors import default_boxes, match_default_boxes

    ratios, scales, steps = _ssd_settings()
    maps = [(128 // s, 128 // s) for s in steps]
    st.markdown("SSD predicts, at every cell of **several** feature maps, a class and a box offset for each of a few "
                "**default boxes**: small boxes on the fine map (stride 8), large ones on the coarse maps. Shown: the "
                f"ShapesWorld SSD's own settings (maps {', '.join(f'{h}×{w}' for h, w in maps)}, scales "
                f"{', '.join(f'{s:.2f}' for s in scales)}, ratios 1, 2, 1/2), laid out as torchvision's "
                "`DefaultBoxGenerator` does (tested equal).")
    boxes, level = default_boxes(maps, (128, 128), ratios, scales, steps)
    from app_pages.parts import canvas

    clicked = canvas.new_click("int_ssd_click", pic.square, zoom=2,
                               caption="Click a point: each map's cell under it shows its default boxes below.")
    if clicked is not None:  # a click moves the sliders (which keep the view in the link)
        st.session_state["int_ssd_x"], st.session_state["int_ssd_y"] = (int(np.clip(v, 0, 127)) for v in clicked)
    c1, c2 = st.columns(2)
    x = c1.slider("Point x (px)", 0, 127, 64, key="int_ssd_x", bind="query-params")
    y = c2.slider("Point y (px)", 0, 127, 64, key="int_ssd_y", bind="query-params")
    cols = st.columns(len(maps))
    for k, (h, w) in enumerate(maps):
        idx = np.flatnonzero(level.numpy() == k)
        per_cell = len(idx) // (h * w)
        cell = (min(y // steps[k], h - 1) * w + min(x // steps[k], w - 1)) * per_cell
        sel = idx[cell:cell + per_cell]
        names = ["square s_k", "square √(s_k s_k+1)", "2:1", "1:2", "3:1", "1:3"][:per_cell]
        cols[k].image(draw(pic.square, boxes[sel].numpy(), names, np.arange(per_cell)), width="stretch",
                      caption=f"Map {k}: {h}×{w} cells, stride {steps[k]}, {per_cell} boxes per cell, {len(idx)} in all")
    gt_boxes = pic.gt_boxes  # ShapesWorld: the scene's own; a photo: the boxes drawn on the Detection page
    gt_names = None if gt_boxes is None else [class_names()[c] for c in pic.gt_labels]
    if gt_boxes is None:
        gt_boxes, gt_names = drawn_ground_truth(pic)
        if gt_boxes is None:
            no_drawn_ground_truth_line(pic, "the default boxes are matched")
    if gt_boxes is not None and len(gt_boxes):
        match = match_default_boxes(boxes, torch.from_numpy(np.asarray(gt_boxes, np.float32))).numpy()
        pos = np.flatnonzero(match >= 0)
        names = [f"object {j}: {n}" for j, n in enumerate(gt_names)]
        st.image(draw(pic.square, boxes[pos].numpy(), names, match[pos], line_width=1), width=420,
                 caption=f"Matching: {len(pos)} of {len(boxes)} default boxes match an object (IoU ≥ 0.5, plus each "
                         f"object's best box); maps used: {sorted(set(level[pos].tolist()))}. All others are "
                         "background, and only the hardest 3 per positive train the classifier.")
    ui.show_code(default_boxes, match_default_boxes)


@st.cache_data(show_spinner=False, max_entries=16)
def _grid(image: np.ndarray, gt: np.ndarray | None):
    from core.vision.internals.yolo import yolo_grid

    return yolo_grid(shapes_model("yolo").model, image, gt)


@st.cache_data(show_spinner="Running YOLOX once…", max_entries=8)
def _yolox_levels(sample: str, mode: str):
    from core.vision.internals.yolo import yolox_levels
    from core.vision.samples import load_sample

    return yolox_levels(yolox_model(mode).predictor, load_sample(sample))


def yolo_tab(pic: Picture) -> None:
    from core.vision.internals.yolo import yolo_grid, yolox_levels

    st.markdown("**YOLOv1** cuts the image into an S × S grid; the cell holding an object's centre is "
                "**responsible** for it. Each cell predicts B boxes with a confidence each, and one class "
                "distribution. Shown: KeyPoint's ShapesWorld YOLOv1 (S = 8, B = 2), its raw output tensor.")
    g = _grid(pic.square, pic.gt_boxes)
    S, names = g.S, class_names()
    from app_pages.parts import canvas
    from core.vision.draw.canvas import cell_of

    lined = pic.square.copy()
    lined[::128 // S, :] = 255
    lined[:, ::128 // S] = 255
    clicked = canvas.new_click("int_yolo_click", lined, zoom=2, caption="Click a cell to open its predictions.")
    if clicked is not None:  # a click moves the sliders (which keep the view in the link)
        st.session_state["int_yolo_row"], st.session_state["int_yolo_col"] = cell_of(clicked, 128 / S, (S, S))
    c1, c2 = st.columns(2)
    row = c1.slider("Cell row", 0, S - 1, int(np.argwhere(g.responsible)[0][0]) if g.responsible.any() else S // 2,
                    key="int_yolo_row", bind="query-params")
    col = c2.slider("Cell column", 0, S - 1, int(np.argwhere(g.responsible)[0][1]) if g.responsible.any() else S // 2,
                    key="int_yolo_col", bind="query-params")
    grid = pic.square.copy()
    grid[::128 // S, :] = 255
    grid[:, ::128 // S] = 255
    a, b = st.columns(2)
    cell = 128 / S
    resp = [[j * cell, i * cell, (j + 1) * cell, (i + 1) * cell] for i, j in zip(*np.nonzero(g.responsible))]
    chosen = [[col * cell, row * cell, (col + 1) * cell, (row + 1) * cell]]
    boxes = np.array(resp + chosen + g.boxes[row, col].tolist(), np.float32).reshape(-1, 4)
    kinds = [0] * len(resp) + [1] + [2 + k for k in range(g.B)]
    tag = ["responsible cell", "chosen cell"] + [f"box {k + 1}" for k in range(g.B)]
    scores = np.array([1.0] * (len(resp) + 1) + g.conf[row, col].tolist(), np.float32)
    a.image(draw(grid, boxes, tag, kinds, scores), width="stretch",
            caption=f"Cell ({row}, {col}): box confidences {', '.join(f'{c:.2f}' for c in g.conf[row, col])}; "
                    f"p(class) {', '.join(f'{n} {p:.2f}' for n, p in zip(names, g.probs[row, col]))}")
    ui.chart(b, spatial_map(g.conf.max(-1), title="Best box confidence per cell", legend_title="confidence",
                               size=230, domain=(0, 1)), width="content")
    ui.chart(st, maps_grid({n: g.probs[..., k] for k, n in enumerate(names)}, columns=5, size=110,
                              legend_title="p(class)"), width="content")
    st.caption("Class-probability map: p(class | object) per cell, one panel per class. A box's score is its "
               "confidence × its cell's class probability.")
    st.markdown("**YOLOX** keeps the idea without anchors: three grids (strides 8, 16, 32), one prediction per "
                "cell, decoded as centre = (offset + cell) × stride, size = exp(log-size) × stride.")
    mode = ui.model_source()
    if not real_yolox(mode):
        st.info("The YOLOX-Nano weights are not on this machine (`python -m core.zoo download yolox-nano`), "
                "so its grids cannot be shown; the YOLOv1 above is real.")
    else:
        from core.vision.samples import SAMPLES, load_sample

        sample = st.selectbox("Photo", list(SAMPLES), index=list(SAMPLES).index("coffee"), key="int_yolox_sample", bind="query-params")
        levels = _yolox_levels(sample, mode)
        cols = st.columns(len(levels))
        for c, lv in zip(cols, levels):
            top = np.argsort(-lv.scores)[:5]
            ui.chart(c, spatial_map(lv.objectness, title=f"stride {lv.stride}: {lv.n}×{lv.n} objectness",
                                       legend_title="p(object)", size=200, domain=(0, 1)), width="content")
            from core.vision.coco import COCO_CLASSES

            c.image(draw(load_sample(sample), lv.boxes[top], list(COCO_CLASSES), lv.labels[top], lv.scores[top], k=1),
                    width="stretch", caption=f"the 5 best boxes decoded at stride {lv.stride}")
        ui.show_code(yolox_levels)
    ui.show_code(yolo_grid)
