"""STAC tab: the three stages, with the threshold's precision/recall and stage 3 live."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import live, ui

from app_pages.semi_supervised import common
from core.live import LiveRun


@st.cache_data(max_entries=8, show_spinner=False)
def _stac_raw(seed: int):
    from core.learn.ssl import detector

    model, _ = common.burn_in()
    _, unl, _ = common.det_data(seed, 0.10)
    return detector.predict(model, unl.images[:24]), unl.targets[:24]


def _draw_stac(run: LiveRun) -> None:
    from types import SimpleNamespace

    from core.learn.ssl.detect import progress_line
    from core.viz.ssl import line_chart

    hist = run.history
    first = hist[0]
    quality = (f", precision {first['precision']:.2f}, recall {first['recall']:.2f} vs hidden truth"
               if first.get("precision", float("nan")) == first.get("precision") else "")
    st.caption(f"Stage 2: {first['n_pseudo']} pseudo-boxes kept on {first['images']} images (frozen from now on)"
               f"{quality}. Stage 3: " + progress_line([SimpleNamespace(step=e["step"], elapsed_s=e["elapsed_s"])
                                                    for e in hist], run.config.steps) + f" ({run.state}).")
    rows = [{"step": e["step"], "series": "STAC student", "value": e["student_map"]} for e in hist if e.get("student_map") is not None]
    e2e = st.session_state.get("ssl_det")
    if e2e is not None:  # the end-to-end run of the Detection tab, on the same held-out images
        rows += [{"step": e.step, "series": f"E2E teacher ({common.label(e)})", "value": e.teacher_map}
                 for e in e2e.history if e.teacher_map is not None]
        rows += [{"step": e.step, "series": "supervised only", "value": e.baseline_map}
                 for e in e2e.history if e.baseline_map is not None]
    ui.chart(st, line_chart(rows, "mAP@[.5:.95]", title="STAC's student beside the end-to-end run",
                               dashed=["supervised only"]), width="stretch")


def render():
    from core.learn.ssl import stac
    from core.viz.ssl import pseudo_box_pictures, sweep_chart

    st.markdown("**STAC** (Sohn et al., 2020) in three stages: (1) a teacher trained on the labels only (the "
                "burn-in); (2) it labels the unlabeled images *once*, keeping boxes with score >= tau; (3) a "
                "student retrains on labels + those frozen pseudo-labels under strong augmentation. The "
                "end-to-end methods improve their pseudo-labels as they train; STAC's never change.")
    model, why = common.burn_in_or_warn()
    if model is None:
        return
    st.caption(f"Stage 1: the {why}.")
    tau = st.slider("Confidence threshold tau", 0.3, 0.99, 0.8, 0.01, key="ssl_stac_tau", bind="query-params",
                    help="STAC's paper uses 0.9; this small burn-in is rarely that sure, so 0.8 keeps some boxes. "
                         "Move it and watch precision and recall trade places.")
    dets, gts = _stac_raw(ui.seed())
    kept = stac.keep_confident(dets[:6], tau)
    shown = [{"image": (img.permute(1, 2, 0) * 255).byte().cpu().numpy(), "boxes": k["boxes"].cpu().numpy(),
              "labels": (k["labels"] - 1).cpu().numpy(), "scores": k["scores"].cpu().numpy(),
              "gt": t["boxes"].cpu().numpy()} for img, k, t in zip(common.det_data(ui.seed(), 0.10)[1].images[:6], kept, gts)]
    s1, s2 = st.columns([3, 2])
    s1.image(pseudo_box_pictures(shown), width=200,
             caption=[f"{len(k['boxes'])} kept, {len(t['boxes'])} true" for k, t in zip(kept, gts)])
    sweep = stac.threshold_sweep(dets, gts, [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    ui.chart(s2, sweep_chart(sweep, tau), width="stretch")
    s2.caption("On 24 unlabeled images: a low tau keeps wrong boxes (precision falls), a high one misses "
               "objects (recall falls), and the student learns from whatever is kept.")

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting STAC"):
            cfg = stac.lesson_config(tau=tau)
            return LiveRun(stac.train(cfg, model, common.det_data(ui.seed(), 0.10), seed=ui.seed()), cfg)
        return None

    run = live.controls("ssl_stac", start, key="stac", start_label="Run stages 2 and 3")
    if run:
        live.show(run, _draw_stac, common.TICK_S, max_seconds=1.2)
    else:
        st.info("Press **Run stages 2 and 3**; run the Detection tab too to see the end-to-end methods beside it.")
    ui.show_code(stac.stac_filter, stac.threshold_sweep, stac.train)
