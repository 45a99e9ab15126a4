"""Box jittering tab: one pseudo-box's jitters, refinements and spread; Fig. 3b beside Fig. 3c."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import ui

from app_pages.semi_supervised import common


@st.cache_data(max_entries=16, show_spinner=False)
def _fig3(seed: int, times: int, scale: float, norm: str):
    from core.learn.ssl.jitter_view import fig3_points

    model, _ = common.burn_in()
    _, unl, _ = common.det_data(seed, 0.10)
    return fig3_points(model, unl.images[:24], unl.targets[:24], times, scale, 0.5, norm, seed)


def render():
    from core.learn.ssl.jitter_view import explain_box, spread_rows, teacher_boxes
    from core.viz.ssl import jitter_picture, score_iou_chart, spread_chart, variance_iou_chart

    st.markdown("Is a pseudo-box well placed? The teacher's score says how sure it is *what* the object is, "
                "not *where* it is. Soft Teacher jitters the box, lets the teacher refine every copy, and "
                "measures how much the refined copies disagree: sigma = mean over the 4 coordinates of "
                "std / (0.5 (h + w)). Only boxes with sigma below the threshold train the box regression.")
    model, why = common.burn_in_or_warn()
    if model is None:
        return
    _, unl, _ = common.det_data(ui.seed(), 0.10)
    c1, c2, c3 = st.columns(3)
    idx = c1.number_input("Unlabeled image", 0, min(len(unl.images), 200) - 1, 0, key="ssl_jit_img", bind="query-params")
    times = c2.slider("Jitters", 2, 20, 10, key="ssl_jit_times", bind="query-params")
    scale = c2.slider("Jitter scale", 0.01, 0.2, 0.06, 0.01, key="ssl_jit_scale", bind="query-params")
    norm = c3.radio("Normalisation", ["paper", "code"], key="ssl_jit_norm", bind="query-params", horizontal=True,
                    format_func={"paper": "paper: 0.5 (h + w)", "code": "released code: w or h"}.get)
    thr = c3.number_input("Variance threshold", 0.001, 0.2, 0.02, 0.005, format="%.3f", key="ssl_jit_thr", bind="query-params")
    found = teacher_boxes(model, unl.images[int(idx)])
    if not len(found["boxes"]):
        st.info("The teacher finds no box with score >= 0.5 on this image; pick another.")
        return
    pick = c1.selectbox("Pseudo-box", list(range(len(found["boxes"]))), key="ssl_jit_box", bind="query-params",
                        format_func=lambda i: f"#{i}: score {float(found['scores'][i]):.2f}")
    with ui.friendly_errors("Jittering"):
        v = explain_box(model, unl.images[int(idx)], unl.targets[int(idx)], int(pick), times, scale, seed=ui.seed())
        p1, p2 = st.columns([1, 1])
        p1.image(jitter_picture(v.image, v.box, v.jittered, v.refined, unl.targets[int(idx)]["boxes"].cpu().numpy()),
                 width=384, caption="red: pseudo-box · grey: jittered copies · orange: teacher's refinements · "
                                    "white: hidden truth")
        ui.chart(p2, spread_chart(spread_rows(v)), width="stretch")
        p2.dataframe(spread_rows(v), hide_index=True)
        sigma = v.variance[norm]
        p2.metric(f"variance ({norm})", f"{sigma:.4f}",
                  "trains regression" if sigma < thr else "too unsure: no regression loss", delta_color="off")
        p2.caption(f"w = {v.width:.1f}, h = {v.height:.1f} px; paper {v.variance['paper']:.4f}, code "
                   f"{v.variance['code']:.4f}; IoU with the truth {v.iou:.2f}, score {v.score:.2f}.")
        pts = _fig3(ui.seed(), int(times), float(scale), norm)
        f1, f2 = st.columns(2)
        ui.chart(f1, score_iou_chart(pts, 0.9), width="stretch")
        ui.chart(f2, variance_iou_chart(pts, thr), width="stretch")
        st.caption(f"{len(pts)} teacher boxes (score >= 0.5) on 24 unlabeled images. The paper's Fig. 3: "
                   "IoU rises with the score only loosely, while a small variance picks well-placed boxes.")
    ui.show_code(explain_box, teacher_boxes)
