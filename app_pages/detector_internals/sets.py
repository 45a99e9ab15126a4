"""Detector internals tab: DETR (object queries, cross-attention, Hungarian matching); set prediction's pieces.
(The DeepLab tab lives in deeplab.py beside this file.)"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import present, ui
from app_pages.detector_internals.common import Picture, class_names, draw, shapes_model, zoom
from core.viz.internals import heatmap, matching_chart
from core.vision.internals.detr_loss import set_loss_of_match


@st.cache_data(show_spinner=False, max_entries=16)
def _detr(image: np.ndarray):
    from core.vision.internals.detr import detr_trace

    return detr_trace(shapes_model("detr").model, image)


def _attention_overlay(image: np.ndarray, att: np.ndarray) -> np.ndarray:
    """Tint the zoomed image by an attention map (float[h, w], upsampled to the image): bright where it looks."""
    import cv2

    big = zoom(image)
    a = cv2.resize(att.astype(np.float32), big.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    a = a / max(float(a.max()), 1e-9)
    return (big * (0.25 + 0.75 * a[..., None])).astype(np.uint8)


def detr_tab(pic: Picture) -> None:
    from core.vision.internals.detr import detr_trace
    from core.vision.boxes import box_convert
    from core.vision.internals.hungarian import hungarian
    from core.vision.matcher import matching_cost

    st.markdown("DETR decodes a fixed set of **object queries**; each ends as one box and a class distribution "
                "(with a *no object* class). Each query finds its object through **cross-attention** over the "
                "encoder's cells. Training pairs queries with objects one-to-one by the **Hungarian algorithm** on "
                "a cost of class, L1 and GIoU terms. Shown: KeyPoint's ShapesWorld DETR (12 queries, 8 × 8 cells).")
    tr = _detr(pic.square)
    names = class_names()
    Q = len(tr.boxes)
    a, b = st.columns(2)
    tags = [f"q{i} {names[tr.labels[i]]}" for i in range(Q)]
    a.image(draw(pic.square, tr.boxes, tags, np.arange(Q), tr.scores), width="stretch",
            caption="Every query's box, its best class and p(class); low scores mean 'no object'")
    q = b.selectbox("Query", list(range(Q)), index=int(np.argmax(tr.scores)), key="int_detr_query", bind="query-params",
                    format_func=lambda i: f"query {i}: {names[tr.labels[i]]} {tr.scores[i]:.2f} "
                                          f"(no object {tr.prob[i, -1]:.2f})")
    layer = present.stepper("Decoder layer", range(1, len(tr.attention) + 1), len(tr.attention), key="int_detr_layer",
                            where=b)
    b.image(_attention_overlay(pic.square, tr.attention[layer - 1, q]), width="stretch",
            caption=f"Where query {q} looks (layer {layer}'s cross-attention, mean of the heads)")
    st.subheader("Hungarian matching")
    c1, c2 = st.columns(2)
    n_pred = c1.slider("Predictions (queries)", 0, Q, min(8, Q), key="int_hm_pred", bind="query-params")
    if pic.gt_boxes is not None:
        objs = [f"object {j}: {names[c]}" for j, c in enumerate(pic.gt_labels)]
        keep = c2.multiselect("Ground-truth objects", objs, default=objs, key="int_hm_objects", bind="query-params")
        idx = [objs.index(o) for o in keep]
        gt_boxes, gt_labels = pic.gt_boxes[idx], pic.gt_labels[idx]
        gt_names = [objs[i] for i in idx]
    else:
        from app_pages.parts import canvas

        cls = c2.selectbox("Its class", names, key="int_hm_bcls", bind="query-params")
        with c2:
            drawn = canvas.box_input("hm_canvas", pic.square, (30.0, 30.0, 90.0, 90.0), zoom=3,
                                     caption="Draw your box on the photo (as the model sees it, 128 × 128).")
        if drawn is None:  # no canvas: sliders
            x1, x2 = c2.slider("Your box: x", 0, 128, (30, 90), key="int_hm_bx", bind="query-params")
            y1, y2 = c2.slider("Your box: y", 0, 128, (30, 90), key="int_hm_by", bind="query-params")
        elif drawn.box is None:
            return
        else:
            x1, y1, x2, y2 = drawn.box.tolist()
        gt_boxes = np.array([[x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)]], np.float32)
        gt_labels = np.array([names.index(cls)])
        gt_names = [f"object 0: {cls}"]
    side = tr.image_size  # the model's own matcher takes (cx, cy, w, h) over the image side
    cost = matching_cost(tr.prob[:n_pred, :-1], box_convert(tr.boxes[:n_pred], "xyxy", "cxcywh") / side, gt_labels,
                         box_convert(np.asarray(gt_boxes, np.float32), "xyxy", "cxcywh") / side)
    rows, cols = hungarian(cost.total)
    if n_pred == 0 or len(gt_boxes) == 0:
        st.info(f"{'No predictions' if n_pred == 0 else 'No objects'}: nothing to match; every query is trained "
                "towards 'no object'.")
    else:
        marks = list(zip(rows.tolist(), cols.tolist()))
        panels = st.columns(4)
        for p, (title, M) in zip(panels, [("class: −p(class)", cost.cls), ("L1 (cx, cy, w, h)", cost.l1),
                                          ("−GIoU", cost.giou), ("total = 1·class + 5·L1 + 2·GIoU", cost.total)]):
            ui.chart(p, heatmap(M, title=title, x_title="object", y_title="query", marks=marks, size=200),
                           width="content")
        ui.chart(st, matching_chart(gt_boxes, gt_names, tr.boxes[:n_pred], dict(marks), (128, 128)),
                        width="content")
        st.caption(f"Total cost of the assignment (red squares): {cost.total[rows, cols].sum():.3f}; SciPy's "
                   "linear_sum_assignment gives the same total (tested). Unmatched queries learn 'no object'.")
    if n_pred > 0:
        _set_loss(tr, n_pred, gt_boxes, gt_labels, rows, cols, names)
    ui.show_code(detr_trace, matching_cost, hungarian, set_loss_of_match)


def _set_loss(tr, n_pred: int, gt_boxes, gt_labels, rows, cols, names) -> None:
    """The loss DETR would train on for this matched assignment, term by term."""
    import pandas as pd

    from core.vision.boxes import box_convert

    side = tr.image_size
    loss = set_loss_of_match(tr.prob[:n_pred], box_convert(tr.boxes[:n_pred], "xyxy", "cxcywh") / side, gt_labels,
                             box_convert(np.asarray(gt_boxes, np.float32).reshape(-1, 4), "xyxy", "cxcywh") / side,
                             rows, cols)
    st.subheader("The set loss of this assignment")
    m = st.columns(4)
    m[0].metric("Class CE (all queries)", f"{loss.ce:.3f}", help="'no object' targets weigh 0.1")
    m[1].metric("L1 (matched pairs)", f"{loss.l1:.3f}")
    m[2].metric("1 − GIoU (matched pairs)", f"{loss.giou:.3f}")
    m[3].metric("Total = 1·CE + 5·L1 + 2·(1 − GIoU)", f"{loss.total:.3f}")
    pair = {int(q): j for j, q in enumerate(rows)}
    C = tr.prob.shape[1] - 1
    st.dataframe(pd.DataFrame([{
        "query": q, "target": "no object" if loss.target[q] == C else f"{names[loss.target[q]]} (object {int(cols[pair[q]])})",
        "CE weight": loss.class_weight[q], "−log p(target)": loss.nll[q],
        "L1": loss.l1_pairs[pair[q]] if q in pair else None,
        "GIoU": loss.giou_pairs[pair[q]] if q in pair else None} for q in range(n_pred)]).style.format(
        {"CE weight": "{:.1f}", "−log p(target)": "{:.3f}", "L1": "{:.3f}", "GIoU": "{:.3f}"}, na_rep="–"),
        hide_index=True)
    st.caption("The class term is a cross-entropy over every query (a weighted mean: Σ w·(−log p) / Σ w), so the "
               "unmatched queries are pushed to 'no object', gently (weight 0.1). The box terms only see matched "
               "pairs and are divided by the number of objects. Equal to the loss the ShapesWorld DETR trains with "
               "and to a hand computation of the paper's loss (tested).")
