"""Detector internals tabs: IoU / GIoU, the NMS stepper, RoI Pool vs RoI Align."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app_pages.parts import ui
from app_pages.parts.present import stepper
from app_pages.detector_internals.common import Picture, draw, real_yolox, shapes_model, yolox_model
from core.vision.boxes import box_convert
from core.vision.image import normalise, to_tensor
from core.vision.internals.iou import box_iou, generalized_box_iou
from core.vision.internals.nms import nms_steps
from core.vision.types import Detections
from core.viz.internals import boxes_chart, boxes_frame, curve_chart, feature_map_chart, heatmap


def _box_a_picture(a: list[float], size: tuple[int, int] = (180, 160)) -> np.ndarray:
    """A white 180 x 160 picture with box A outlined in blue: what box B is drawn against."""
    img = np.full((size[1], size[0], 3), 255, np.uint8)
    x1, y1, x2, y2 = (int(round(v)) for v in a)
    img[y1:y2, x1:x2] = (225, 235, 250)
    img[[y1, y2 - 1], x1:x2] = img[y1:y2, [x1, x2 - 1]] = (31, 119, 180)
    return img


def iou_tab() -> None:
    from app_pages.parts import canvas

    a = torch.tensor([[40.0, 40, 100, 90]])
    drawn = canvas.box_input("iou_canvas", _box_a_picture(a[0].tolist()), (60.0, 50.0, 120.0, 100.0), zoom=2,
                             caption="Draw box B (red) against box A (blue).")
    if drawn is None:  # no canvas: sliders
        c1, c2, c3 = st.columns(3)
        dx = c1.slider("Move box B right", -60, 60, 20, key="int_iou_dx", bind="query-params")
        dy = c2.slider("Move box B down", -60, 60, 10, key="int_iou_dy", bind="query-params")
        s = c3.slider("Scale box B", 0.3, 2.0, 1.0, 0.05, key="int_iou_scale", bind="query-params")
        cx, cy, w, h = 70 + dx, 65 + dy, 60 * s, 50 * s
        b = box_convert(torch.tensor([[cx, cy, w, h]], dtype=torch.float32), "cxcywh", "xyxy")
    elif drawn.box is None:
        return
    else:
        b = torch.tensor([drawn.box.tolist()], dtype=torch.float32)
    iou = box_iou(a, b).item()
    giou = generalized_box_iou(a, b).item()
    hull = torch.cat([torch.minimum(a[:, :2], b[:, :2]), torch.maximum(a[:, 2:], b[:, 2:])], 1)
    left, right = st.columns([3, 2])
    ui.chart(left, boxes_chart(boxes_frame(torch.cat([a, b, hull]), ["A", "B", "hull (GIoU)"]), (180, 160),
                                  title="Two boxes and their hull"), width="content")
    right.metric("IoU = intersection / union", f"{iou:.3f}")
    right.metric("GIoU = IoU − (hull − union) / hull", f"{giou:.3f}")
    offsets = np.arange(-120, 121, 4)
    shifted = torch.tensor([[40.0 + o, 40, 100 + o, 90] for o in offsets])
    ui.chart(right, curve_chart(offsets, {"IoU": box_iou(a, shifted)[0].numpy(),
                                             "GIoU": generalized_box_iou(a, shifted)[0].numpy()},
                                   x_title="shift", title="Sliding a copy of A sideways"), width="stretch")
    st.caption("Once the boxes stop overlapping, IoU is flat at 0 (no gradient to learn from); GIoU keeps falling "
               "with the distance, which is why DETR trains its boxes with it.")
    ui.show_code(box_iou, generalized_box_iou)


@st.cache_data(show_spinner="Running the detector once…", max_entries=8)
def _yolox_candidates(sample: str, mode: str) -> Detections:
    from core.vision.detect import predict
    from core.vision.samples import load_sample

    return predict(yolox_model(mode), load_sample(sample))


@st.cache_data(show_spinner=False, max_entries=16)
def _yolo_candidates(image: np.ndarray) -> Detections:
    from core.vision.internals.yolo import yolo_grid

    return yolo_grid(shapes_model("yolo").model, image).candidates()


def nms_tab(pic: Picture) -> None:
    from core.vision.samples import SAMPLES, load_sample

    mode = ui.model_source()
    real = real_yolox(mode)
    c1, c2, c3 = st.columns(3)
    if real:
        sample = c1.selectbox("Image", list(SAMPLES), index=list(SAMPLES).index("coffee"), key="int_nms_sample", bind="query-params")
    thr = c2.slider("IoU threshold", 0.1, 0.9, 0.45, 0.05, key="int_nms_iou", bind="query-params")
    min_score = c3.slider("Candidates scoring at least", 0.01, 0.9, 0.2 if real else 0.05, 0.01, key="int_nms_min_score", bind="query-params")
    with ui.friendly_errors("Finding candidates"):
        if real:
            raw, image, k = _yolox_candidates(sample, mode), load_sample(sample), 1
            ui.source_badge(yolox_model(mode).resolution)
        else:
            raw, image, k = _yolo_candidates(pic.square), pic.square, 3
            st.caption(":material/home: No YOLOX weights here: these are the raw candidates (all 8 x 8 cells x 2 "
                       "boxes, score = confidence x class probability) of KeyPoint's ShapesWorld YOLOv1 on the "
                       "page's picture, before its NMS.")
        cand = raw.filter(min_score)
        if len(cand) == 0:
            st.info("No candidate scores that high: lower the score floor.")
            return
        present = sorted({cand.class_names[i] for i in cand.labels})
        which = st.selectbox("Run NMS on", ["all classes together"] + present, key="int_nms_class", bind="query-params",
                             help="Detectors run NMS per class (a cup never suppresses a table); "
                                  "all together shows more steps.")
        if which != "all classes together":
            cand = cand.filter(0.0, {which})
        order = np.argsort(-cand.scores, kind="stable")[:60]
        boxes, scores = torch.from_numpy(cand.boxes[order]), torch.from_numpy(cand.scores[order])
        labels = cand.labels[order]
        keep, steps = nms_steps(boxes, scores, thr)
        t = stepper("Replay: NMS step", range(len(steps) + 1), len(steps), key="int_nms_step")
        state = np.full(len(boxes), 3)  # 0 kept, 1 suppressed at this step, 2 suppressed before, 3 waiting
        state[[j for s_ in steps[: max(t - 1, 0)] for j in s_.suppressed]] = 2
        state[steps[t - 1].suppressed if t else []] = 1
        state[[s_.kept for s_ in steps[:t]]] = 0
        status = ["kept", "suppressed now", "suppressed earlier", "waiting"]
        shown = state != 2
        tags = [f"{cand.class_names[c]} ({status[s]})" for c, s in zip(labels[shown], state[shown])]
        st.image(draw(image, boxes.numpy()[shown], status, state[shown], scores.numpy()[shown], k=k, tags=tags),
                 width="stretch",
                 caption=f"{len(boxes)} candidates ({which}) → {len(keep)} kept. Step {t}: keep the best box still "
                         f"waiting, remove every box with IoU > {thr} with it. Tags: class (status) and score.")
    ui.show_code(nms_steps)


@st.cache_data(show_spinner=False, max_entries=16)
def _feature_map(image: np.ndarray) -> np.ndarray:
    """The ShapesWorld Faster R-CNN's backbone on the picture: float[C, 32, 32] (stride 4)."""
    m = shapes_model("frcnn").model
    x = normalise(to_tensor(image)[None])  # the ShapesWorld networks' input
    with torch.no_grad():
        return m.backbone(x)["0"][0].numpy()


def roi_tab(pic: Picture) -> None:
    from core.vision.internals.roi import bilinear, roi_align, roi_pool

    st.markdown("A real feature map (the ShapesWorld Faster R-CNN's backbone, stride 4: 128 px → 32 × 32 cells) and "
                "a box that does not sit on the grid. **RoI Pool** (Fast R-CNN) rounds the box to whole cells and "
                "max-pools whole-cell bins (blue); **RoI Align** (Mask R-CNN) samples exact positions (red dots) "
                "bilinearly and averages them. Both outputs equal `torchvision.ops.roi_pool` / `roi_align` (tested).")
    from app_pages.parts import canvas

    fmap_all = _feature_map(pic.square)
    scale = fmap_all.shape[-1] / pic.square.shape[1]  # 32 cells / 128 px = 1/4
    c1, c2, c3 = st.columns(3)
    ch = c3.selectbox("Channel", ["mean of all"] + list(range(fmap_all.shape[0])), key="int_roi_ch", bind="query-params")
    S = c1.select_slider("Output size", [2, 3, 4, 7], value=4, key="int_roi_S", bind="query-params")
    r = c2.select_slider("Samples per bin side (Align)", [1, 2, 3], value=2, key="int_roi_r", bind="query-params")
    drawn = canvas.box_input("roi_canvas", pic.square, (21.0, 17.0, 74.0, 61.0), zoom=3, spatial_scale=scale,
                             caption="Draw the RoI on the picture: it is mapped to the feature map by the spatial "
                                     "scale (1/4).")
    if drawn is None:  # no canvas: sliders
        x1, x2 = c1.slider("Box x range (image px)", 0.0, 128.0, (21.0, 74.0), 1.0, key="int_roi_x", bind="query-params")
        y1, y2 = c2.slider("Box y range (image px)", 0.0, 128.0, (17.0, 61.0), 1.0, key="int_roi_y", bind="query-params")
        box = torch.tensor([x1, y1, x2, y2])
    elif drawn.box is None:
        return
    else:
        box = torch.tensor(drawn.box.tolist(), dtype=torch.float32)
        st.caption(f"Your RoI: x {box[0]:.1f}..{box[2]:.1f}, y {box[1]:.1f}..{box[3]:.1f} image px → "
                   f"x {box[0] * scale:.2f}..{box[2] * scale:.2f}, y {box[1] * scale:.2f}..{box[3] * scale:.2f} cells.")
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        st.info("Make the box at least half a cell (2 px) wide and tall.")
        return
    fmap = torch.from_numpy(fmap_all.mean(0, keepdims=True) if ch == "mean of all" else fmap_all[[int(ch)]])
    pooled, bins = roi_pool(fmap, box, S, scale)
    aligned, pts = roi_align(fmap, box, S, spatial_scale=scale, sampling_ratio=r)
    fbox = (box * scale).tolist()
    m1, m2, m3 = st.columns(3)
    m1.metric("RoI Pool output, mean", f"{pooled.mean():.4f}")
    m2.metric("RoI Align output, mean", f"{aligned.mean():.4f}")
    m3.metric("Largest |Pool − Align|", f"{(pooled - aligned).abs().max():.4f}")
    a, b = st.columns(2)
    ui.chart(a, feature_map_chart(fmap[0].numpy(), box=fbox, cells=bins.numpy(), size=300,
                                     title="RoI Pool: the box rounded, whole-cell bins"), width="content")
    ui.chart(a, heatmap(pooled[0].numpy(), title=f"RoI Pool output {S}×{S} (max per bin)", scheme="greys",
                           x_title="bin column", y_title="bin row"), width="content")
    ui.chart(b, feature_map_chart(fmap[0].numpy(), box=fbox, points=pts.numpy() + 0.5, size=300,
                                     title="RoI Align: exact bins, bilinear samples"), width="content")
    ui.chart(b, heatmap(aligned[0].numpy(), title=f"RoI Align output {S}×{S} (mean of samples)", scheme="greys",
                           x_title="bin column", y_title="bin row"), width="content")
    st.caption(f"RoI Pool read the box as cells x {round(fbox[0])}..{round(fbox[2])}, y {round(fbox[1])}..{round(fbox[3])} "
               f"(it was {fbox[0]:.2f}..{fbox[2]:.2f}, {fbox[1]:.2f}..{fbox[3]:.2f}): up to half a cell, 2 image px, "
               "of misalignment, which is what hurt Mask R-CNN's masks before RoI Align.")
    ui.show_code(roi_pool, roi_align, bilinear)
