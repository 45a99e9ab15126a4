"""R-CNN's three steps on the R-CNN tab: the warped crops the CNN sees, the per-class linear SVMs on their
features, and the box regression that moves a proposal onto its object."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import ui
from app_pages.detector_internals.common import Picture, class_names, draw, shapes_model

NMS_IOU = 0.3  # R-CNN's test-time greedy NMS, per class


@st.cache_resource(show_spinner="Training R-CNN's SVMs and box regressor on ShapesWorld proposals…", max_entries=4)
def _heads(seed: int):
    """One training per seed per server (a few seconds: selective search on 10 scenes, then closed forms)."""
    from core.vision.internals.rcnn_steps import train_rcnn

    return train_rcnn(shapes_model("frcnn").model.backbone, seed, len(class_names()))


@st.cache_data(show_spinner=False, max_entries=16)
def _features(image: np.ndarray, boxes: np.ndarray):
    from core.vision.internals.rcnn_steps import crop_features, warp_crops

    crops = warp_crops(image, boxes)
    return crops, crop_features(shapes_model("frcnn").model.backbone, crops)


def rcnn_steps(pic: Picture, boxes: np.ndarray) -> None:
    """boxes: the picture's selective-search proposals, float[K, 4] xyxy in pic.rgb's pixels."""
    from core.vision.boxes import batched_nms, box_iou
    from core.vision.internals.rcnn_steps import POS_IOU, RcnnConfig, encode, fit_heads, regress, svm_scores, warp_crops

    st.subheader("R-CNN's three steps, trained here")
    seed = ui.seed()
    heads = _heads(seed)
    names = class_names()
    crops, feats = _features(pic.rgb, boxes)
    scores = svm_scores(heads, feats)                                   # [K, C]
    best, cls = scores.max(1), scores.argmax(1)
    order = np.argsort(-best)

    st.markdown("**1. Warp.** Every proposal is cut out and stretched to the CNN's fixed input, "
                f"{crops.shape[1]}×{crops.shape[2]} px, whatever its shape; the CNN (the ShapesWorld Faster "
                "R-CNN's backbone, max-pooled to a 2×2 grid) turns each crop into a feature vector of "
                f"{feats.shape[1]} numbers. The crops with the highest SVM scores, and the lowest:")
    shown = np.concatenate([order[:8], order[-4:]]) if len(order) > 12 else order
    cols = st.columns(6)
    for n, i in enumerate(shown):
        cols[n % 6].image(np.repeat(np.repeat(crops[i], 2, 0), 2, 1), width="stretch",
                          caption=f"#{i}: {names[cls[i]] if best[i] > 0 else 'background'} ({best[i]:+.2f})")

    st.markdown(f"**2. One linear SVM per class** (scikit-learn's `LinearSVC`), trained on the CNN features of "
                f"selective-search proposals of {RcnnConfig().scenes} ShapesWorld scenes drawn from the session's seed: each object's own box is a "
                f"positive of its class, proposals with IoU < 0.3 to every object ({heads.negatives}) are "
                "negatives, the rest is not used (the paper's rule). A proposal's score for class c is "
                "w_c · f + b_c; above 0 the SVM says \"c\".")
    thr = st.slider("Keep proposals whose best SVM score is above", -1.0, 2.0, 0.0, 0.1, key="int_rcnn_svm",
                    bind="query-params")
    above = np.flatnonzero(best > thr)
    keep = above[batched_nms(boxes[above], best[above], cls[above], NMS_IOU)] if len(above) else above
    a, b = st.columns(2)
    k = 3 if pic.shapes else 1
    a.image(draw(pic.rgb, boxes[keep], names, cls[keep], best[keep], k=k, line_width=1), width="stretch",
            caption=f"{len(above)} of {len(boxes)} proposals score above {thr:+.1f}; {len(keep)} remain after "
                    f"R-CNN's per-class NMS (IoU {NMS_IOU}), labelled by their best class")
    table = {"proposal": [f"#{i}" for i in order[:10]]} | {n: scores[order[:10], c].round(2) for c, n in enumerate(names)}
    b.dataframe(table, hide_index=True)
    b.caption(f"The SVM scores of the 10 best proposals. Trained in {heads.ms:.0f} ms on the session's seed {seed} "
              f"(positives per class: {', '.join(f'{n} {p}' for n, p in zip(names, heads.positives))}).")

    st.markdown("**3. Box regression.** A proposal rarely sits exactly on its object. From the same features, a "
                "ridge regression predicts how to move it: t_x = (g_x − p_x)/p_w, t_y = (g_y − p_y)/p_h, "
                "t_w = log(g_w/p_w), t_h = log(g_h/p_h) (p the proposal, g the object, x, y centres), learnt "
                f"on the {heads.regress_pairs} training proposals with IoU ≥ {POS_IOU} to an object.")
    moved = regress(heads, feats, boxes)
    if pic.gt_boxes is None or not len(pic.gt_boxes):
        near = order[: min(6, len(order))]
        a, b = st.columns(2)
        a.image(draw(pic.rgb, boxes[near], ["proposal"], np.zeros(len(near)), k=k), width="stretch", caption="Before")
        b.image(draw(pic.rgb, moved[near], ["regressed"], np.zeros(len(near)), k=k), width="stretch",
                caption="After (no ground truth on a photo: IoU cannot be measured)")
    else:
        iou0 = box_iou(boxes, pic.gt_boxes)                              # [K, M]
        j = iou0.argmax(1)
        before = iou0.max(1)
        after = box_iou(moved, pic.gt_boxes)[np.arange(len(boxes)), j]
        near = np.flatnonzero((before >= 0.5) & (before < 0.999))
        if not len(near):
            st.info("No proposal overlaps an object by IoU ≥ 0.5 here: pick another scene.")
        else:
            near = near[np.argsort(before[near])][:8]
            a, b = st.columns(2)
            a.image(draw(pic.rgb, np.concatenate([pic.gt_boxes, boxes[near]]), ["object", "proposal"],
                         np.r_[np.zeros(len(pic.gt_boxes)), np.ones(len(near))], k=k, show_labels=False),
                    width="stretch", caption=f"Before: {len(near)} proposals with IoU ≥ 0.5 (blue) and the "
                                             f"objects (red); mean IoU {before[near].mean():.3f}")
            b.image(draw(pic.rgb, np.concatenate([pic.gt_boxes, moved[near]]), ["object", "regressed"],
                         np.r_[np.zeros(len(pic.gt_boxes)), np.ones(len(near))], k=k, show_labels=False),
                    width="stretch", caption=f"After regression: mean IoU {after[near].mean():.3f} "
                                             f"({(after[near] > before[near]).sum()} of {len(near)} improved)")
            t = encode(pic.gt_boxes[j[near]], boxes[near])
            st.dataframe({"proposal": [f"#{i}" for i in near], "IoU before": before[near].round(3),
                          "IoU after": after[near].round(3), "target t_x": t[:, 0].round(3),
                          "t_y": t[:, 1].round(3), "t_w": t[:, 2].round(3), "t_h": t[:, 3].round(3)},
                         hide_index=True)
    ui.show_code(warp_crops, fit_heads, svm_scores, encode)
