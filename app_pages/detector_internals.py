"""Detector internals: the small algorithms every detector is built from, one at a time."""
import numpy as np
import pandas as pd
import streamlit as st
import torch

from core.vision.internals.anchors import anchors_at
from core.vision.internals.iou import box_iou, generalized_box_iou
from core.vision.internals.nms import nms_steps
from core.vision.internals.roi import bilinear, roi_align
from core.vision.types import Detections
from core.vision.internals.hungarian import hungarian
from core.viz.internals import boxes_chart, boxes_frame, curve_chart, feature_map_chart, heatmap
from app_pages.parts import ui

st.title("Detector internals")
st.markdown("A detector is a handful of small algorithms around a network. Each tab runs one of them "
            "for real; the tests check every one against `torchvision.ops` or SciPy.")
tab_iou, tab_nms, tab_anchor, tab_roi, tab_match = st.tabs(
    ["IoU and GIoU", "Non-maximum suppression", "Anchors", "RoI Align", "Hungarian matching"])

with tab_iou:
    c1, c2, c3 = st.columns(3)
    dx = c1.slider("Move box B right", -60, 60, 20, key="iou_dx")
    dy = c2.slider("Move box B down", -60, 60, 10, key="iou_dy")
    s = c3.slider("Scale box B", 0.3, 2.0, 1.0, 0.05, key="iou_scale")
    a = torch.tensor([[40.0, 40, 100, 90]])
    cx, cy, w, h = 70 + dx, 65 + dy, 60 * s, 50 * s
    b = torch.tensor([[cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]])
    iou = box_iou(a, b).item()
    giou = generalized_box_iou(a, b).item()
    hull = torch.cat([torch.minimum(a[:, :2], b[:, :2]), torch.maximum(a[:, 2:], b[:, 2:])], 1)
    left, right = st.columns([3, 2])
    left.altair_chart(boxes_chart(boxes_frame(torch.cat([a, b, hull]), ["A", "B", "hull (GIoU)"]), (180, 160),
                                  title="Two boxes and their hull"), width="content")
    right.metric("IoU = intersection / union", f"{iou:.3f}")
    right.metric("GIoU = IoU − (hull − union) / hull", f"{giou:.3f}")
    offsets = np.arange(-120, 121, 4)
    shifted = torch.tensor([[40.0 + o, 40, 100 + o, 90] for o in offsets])
    right.altair_chart(curve_chart(offsets, {"IoU": box_iou(a, shifted)[0].numpy(),
                                             "GIoU": generalized_box_iou(a, shifted)[0].numpy()},
                                   x_title="shift", title="Sliding a copy of A sideways"), width="stretch")
    st.caption("Once the boxes stop overlapping, IoU is flat at 0 (no gradient to learn from); GIoU keeps falling "
               "with the distance, which is why DETR trains its boxes with it.")
    ui.show_code(box_iou, generalized_box_iou)


@st.cache_resource(show_spinner="Loading the detector…")
def _detector(mode: str):
    from core.vision.detect import load_model

    return load_model("yolox-nano", mode)


@st.cache_data(show_spinner="Running the detector once…", max_entries=8)
def _candidates(sample: str, mode: str) -> Detections:
    from core.vision.detect import predict
    from core.vision.samples import load_sample

    return predict(_detector(mode), load_sample(sample))


with tab_nms:
    from core.vision.samples import SAMPLES, load_sample
    from core.viz.overlay import draw_detections

    c1, c2, c3 = st.columns(3)
    sample = c1.selectbox("Image", list(SAMPLES), index=list(SAMPLES).index("coffee"), key="nms_sample")
    thr = c2.slider("IoU threshold", 0.1, 0.9, 0.45, 0.05, key="nms_iou")
    min_score = c3.slider("Candidates scoring at least", 0.05, 0.9, 0.2, 0.05, key="nms_min_score")
    with ui.friendly_errors("Finding candidates"):
        raw = _candidates(sample, ui.model_source())
        ui.source_badge(_detector(ui.model_source()).resolution)
        cand = raw.filter(min_score)
        if len(cand) == 0:
            st.info("No candidate scores that high: lower the score floor.")
        else:
            present = sorted({cand.class_names[i] for i in cand.labels})
            which = st.selectbox("Run NMS on", ["all classes together"] + present, key="nms_class",
                                 help="Detectors run NMS per class (a cup never suppresses a table); "
                                      "all together shows more steps.")
            if which != "all classes together":
                cand = cand.filter(0.0, {which})
            order = np.argsort(-cand.scores)[:60]
            boxes = torch.from_numpy(cand.boxes[order])
            scores = torch.from_numpy(cand.scores[order])
            keep, steps = nms_steps(boxes, scores, thr)
            t = st.slider("Replay: NMS step", 0, len(steps), len(steps), key="nms_step") if len(steps) > 1 else len(steps)
            kept_so_far = [s_.kept for s_ in steps[:t]]
            gone_before = [j for s_ in steps[: max(t - 1, 0)] for j in s_.suppressed]
            gone_now = steps[t - 1].suppressed if t else []
            state = np.full(len(boxes), 3)  # 0 kept, 1 suppressed at this step, 2 suppressed before, 3 waiting
            state[gone_before] = 2
            state[gone_now] = 1
            state[kept_so_far] = 0
            names = ["kept", "suppressed at this step", "suppressed earlier", "waiting"]
            shown = state != 2
            view = Detections(boxes.numpy()[shown], scores.numpy()[shown], state[shown], names)
            st.image(draw_detections(load_sample(sample), view, line_width=2), width="stretch",
                     caption=f"{len(boxes)} candidates ({which}) → {len(keep)} kept. "
                             f"Step {t}: keep the best box still waiting, remove every box with IoU > {thr} with it.")
    ui.show_code(nms_steps)

with tab_anchor:
    c1, c2, c3 = st.columns(3)
    stride = c1.select_slider("Feature-map stride (pixels per cell)", [8, 16, 32, 64], value=32, key="anc_stride")
    sizes = c2.multiselect("Anchor sizes", [32, 64, 128, 256], default=[64, 128], key="anc_sizes") or [64]
    ratios = c3.multiselect("Aspect ratios (h / w)", [0.5, 1.0, 2.0], default=[0.5, 1.0, 2.0], key="anc_ratios") or [1.0]
    img = load_sample("astronaut")
    H, W = img.shape[:2]
    cells = W // stride
    col = st.slider("Cell column", 0, cells - 1, cells // 2, key="anc_col")
    row = st.slider("Cell row", 0, H // stride - 1, (H // stride) // 2, key="anc_row")
    anchors = anchors_at((col + 0.5) * stride, (row + 0.5) * stride, sizes, ratios)
    names = [f"{s}px, h/w {r}" for s in sizes for r in ratios]
    view = Detections(anchors.numpy(), np.ones(len(anchors), np.float32), np.arange(len(anchors)), names)
    grid = img.copy()
    grid[::stride, :] = 255
    grid[:, ::stride] = 255
    st.image(draw_detections(grid, view, show_scores=False, line_width=2), width=520,
             caption=f"{len(anchors)} anchors at cell ({row}, {col}); the whole map has {cells * (H // stride)} "
                     f"cells, so {len(anchors) * cells * (H // stride)} anchors per image at this stride.")
    ui.show_code(anchors_at)

with tab_roi:
    st.markdown("A 16×16 'feature map' (the cat, in grey) and a box that does not sit on the grid. RoI Align "
                "samples it at exact positions (dots) with bilinear interpolation; RoI Pool would round the box "
                "to whole cells first.")
    from PIL import Image

    fmap = torch.from_numpy(np.asarray(Image.fromarray(load_sample("chelsea")).convert("L").resize((16, 16)),
                                       dtype=np.float32) / 255.0)[None]  # [1, 16, 16]
    c1, c2 = st.columns(2)
    x1, x2 = c1.slider("Box x range", 0.0, 16.0, (3.3, 11.6), 0.1, key="roi_x")
    y1, y2 = c2.slider("Box y range", 0.0, 16.0, (2.7, 9.4), 0.1, key="roi_y")
    S = c1.select_slider("Output size", [2, 3, 4, 7], value=4, key="roi_S")
    r = c2.select_slider("Samples per bin side", [1, 2, 3], value=2, key="roi_r")
    if x2 - x1 < 0.5 or y2 - y1 < 0.5:
        st.info("Make the box at least half a cell wide and tall.")
    else:
        out, pts = roi_align(fmap, torch.tensor([x1, y1, x2, y2]), S, sampling_ratio=r)
        left, right = st.columns(2)
        left.altair_chart(feature_map_chart(fmap[0].numpy(), box=(x1, y1, x2, y2), points=pts.numpy() + 0.5,
                                            title="Feature map, box, sample points"))
        right.altair_chart(heatmap(out[0].numpy(), title=f"RoI Align output {S}×{S}", scheme="greys"), width="content")
    ui.show_code(roi_align, bilinear)

with tab_match:
    st.markdown("DETR predicts a fixed set of boxes and must decide which prediction answers which object. "
                "The cost of a pair is −P(class) + λ₁·L1 + λ_g·(−GIoU); the Hungarian algorithm finds the "
                "one-to-one assignment with the least total cost. Unmatched predictions learn 'no object'.")
    from core.vision.shapes.generator import CLASSES, generate

    c1, c2, c3 = st.columns(3)
    n_pred = c1.slider("Predictions (queries)", 3, 12, 8, key="hm_pred")
    noise = c2.slider("How wrong the predictions are", 0.0, 30.0, 8.0, 1.0, key="hm_noise")
    img_seed = c3.number_input("ShapesWorld image", 0, 999, ui.seed(), key="hm_img")
    sample = generate(1, seed=int(img_seed))[0]
    gt = torch.from_numpy(sample.boxes)
    rng = np.random.default_rng(int(img_seed) + 1)
    # Predictions are jittered copies of the truth plus strays, standing in for a half-trained DETR.
    src = rng.integers(0, len(gt), n_pred)
    pred = (gt[src] + torch.from_numpy(rng.normal(0, noise, (n_pred, 4))).float()).clamp(0, 128)
    pred[:, 2:] = torch.maximum(pred[:, 2:], pred[:, :2] + 2)
    logits = torch.from_numpy(rng.normal(0, 1, (n_pred, len(CLASSES)))).float()
    logits[torch.arange(n_pred), torch.from_numpy(sample.labels[src])] += 2.0
    prob = logits.softmax(-1)
    cost = (-prob[:, torch.from_numpy(sample.labels)] + 5 * torch.cdist(pred / 128, gt / 128, p=1)
            - 2 * generalized_box_iou(pred, gt)).numpy()  # [queries, objects]
    rows, cols = hungarian(cost)
    left, right = st.columns(2)
    left.altair_chart(heatmap(cost, title="Cost: queries × objects (red: the matching)", x_title="object",
                              y_title="query", marks=list(zip(rows.tolist(), cols.tolist()))), width="content")
    matched = {int(r_): int(c_) for r_, c_ in zip(rows, cols)}
    df = pd.concat([boxes_frame(gt, [f"object {j}: {CLASSES[sample.labels[j]]}" for j in range(len(gt))], kind="truth"),
                    boxes_frame(pred, [f"query {i} → object {matched[i]}" if i in matched else f"query {i}: no object"
                                       for i in range(n_pred)], kind="prediction")])
    right.image(sample.image, width=256, caption="The ShapesWorld image")
    st.altair_chart(boxes_chart(df, (128, 128), color="name", title="Truth and matched predictions", size=420),
                    width="content")
    st.caption(f"Total cost {cost[rows, cols].sum():.3f}; SciPy's linear_sum_assignment gives the same total (tested).")
    ui.show_code(hungarian)
