"""Semi-supervised learning, trained live: Mean Teacher and FixMatch on toy classification;
end-to-end Mean Teacher vs Soft Teacher (+ box jittering) on ShapesWorld detection, with a toggle
that switches method mid-run; and the reproduction table next to the paper's COCO numbers."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.parts import shapes_tab
from app_pages.parts import ssl_reproduction as ssl_reproduction_tab
from app_pages.parts import live, ui
from core.live import LiveRun

ROOT = Path(__file__).resolve().parents[1]
TICK_S = 1.5  # a live fragment reruns this often while a run is going


# ----------------------------------------------------------------------------- helpers
def _switches(history: list[dict]) -> list[dict]:
    """Steps where the method (or box jittering) changed, for vertical rules on every chart."""
    from core.viz.ssl import switch_marks

    return switch_marks([(r["step"], r["label"]) for r in history])


# ----------------------------------------------------------------------------- classification
@st.cache_data(show_spinner=False)
def _cls_data(name: str, per_class: int, seed: int):
    from core.learn.ssl import data as ssl_data

    return ssl_data.load(name, per_class=per_class, seed=seed)


def _boundary_chart(event, data, ext: float, which: str):
    from core.viz.ssl import boundary_chart

    grid = event.grid_student if which == "student" else event.grid_teacher
    return boundary_chart(grid, ext, data.x_unl.cpu().numpy()[:400], data.x_lab.cpu().numpy(),
                          data.y_lab.tolist(), f"{which} (step {event.step})")


def _draw_cls(run: LiveRun) -> None:
    from core.viz.ssl import line_chart

    hist = run.history
    last = hist[-1]
    st.caption(f"Step {last.step} / {run.config.steps} ({run.state}), method **{last.method}**")
    rows_h = [{"step": e.step, "label": e.method} for e in hist]
    sw = _switches(rows_h)
    c1, c2 = st.columns(2)
    acc = [{"step": e.step, "series": s, "value": v} for e in hist
           for s, v in (("student", e.student_acc), ("teacher (EMA)", e.teacher_acc))]
    c1.altair_chart(line_chart(acc, "test accuracy", sw), width="stretch")
    mask = [{"step": e.step, "series": s, "value": v} for e in hist
            for s, v in (("share >= tau", e.mask_rate), ("pseudo-label accuracy", e.pseudo_acc)) if v == v]
    c2.altair_chart(line_chart(mask, "unlabeled batch", sw), width="stretch")
    if last.grid_student is not None:
        b1, b2 = st.columns(2)
        b1.altair_chart(_boundary_chart(last, run.extra["data"], run.config.extent, "student"), width="stretch")
        b2.altair_chart(_boundary_chart(last, run.extra["data"], run.config.extent, "teacher"), width="stretch")


def classification_tab():
    from core.learn.ssl import classify as sc

    st.markdown("A few labels, many unlabeled points. **Mean Teacher** pulls the student towards an EMA "
                "teacher's predictions on a differently-noised copy; **FixMatch** turns the model's confident "
                "predictions (max prob >= tau) on a weak view into hard labels for a strong view.")
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Data", ["two_moons", "digits"], key="cls_data",
                        format_func=lambda n: {"two_moons": "two moons (2-D)", "digits": "digits (8x8)"}[n])
    per_class = c1.slider("Labels per class", 1, 20, 5, key="cls_per_class")
    method = c2.radio("Method", sc.METHODS, index=2, key="cls_method", horizontal=True,
                      help="Can be switched while a run is going: the same student continues.")
    steps = c2.slider("Steps", 50, 2000, 600, 50, key="cls_steps")
    tau = c3.slider("FixMatch tau", 0.5, 0.99, 0.95, 0.01, key="cls_tau")
    lam = c3.slider("FixMatch lambda_u", 0.0, 5.0, 1.0, 0.1, key="cls_lambda")
    with st.expander("Mean Teacher settings"):
        d1, d2, d3 = st.columns(3)
        ema = d1.slider("EMA momentum", 0.9, 0.999, 0.95, 0.001, format="%.3f", key="cls_ema")
        cons = d2.slider("Max consistency weight", 0.0, 300.0, 100.0, 5.0, key="cls_cons")
        ramp = d3.slider("Ramp-up steps", 0, 1000, 200, 10, key="cls_ramp")
    def start() -> LiveRun | None:
        with ui.friendly_errors("Loading the data"):
            data = _cls_data(name, per_class, ui.seed())
            cfg = sc.ClassifyConfig(method=method, steps=steps, tau=tau, lambda_u=lam, ema=ema,
                                    consistency=cons, rampup_steps=ramp,
                                    hidden=64 if name == "two_moons" else 128)
            return LiveRun(sc.train(data, cfg, seed=ui.seed()), cfg, extra={"data": data})
        return None

    run = live.controls("ssl_cls", start, key="cls")
    if run:  # the live controls write into the config the running loop reads every step
        run.update(method=method, tau=tau, lambda_u=lam, ema=ema, consistency=cons, rampup_steps=ramp)
        live.show(run, _draw_cls, TICK_S, max_events=2)  # two events (2 x eval_every steps) a tick
    else:
        st.info("Press **Start training**; the charts update as it trains.")
    ui.show_code(sc.train, sc.unlabeled_loss, sc.fixmatch_mask)


# ----------------------------------------------------------------------------- detection
@st.cache_resource(show_spinner="Generating ShapesWorld...")
def _det_data(seed: int, fraction: float):
    from core.learn.ssl import det_data, detector

    return det_data.load_shapes(seed, fraction)  # shared, read-only: the loop only indexes into it


@st.cache_resource(show_spinner="Loading the burn-in detector...")
def _burn_in():
    from core.learn.ssl.burn_in import load_burn_in

    return load_burn_in(0.10)  # (model | None, reason); never trained here: the loop deep-copies it


def _draw_pseudo(shown: list) -> list:
    import numpy as np
    from PIL import Image, ImageDraw

    from core.vision.types import Detections
    from core.vision.shapes.generator import CLASSES
    from core.viz.overlay import draw_detections

    out = []
    for s in shown:
        big = np.asarray(Image.fromarray(s["image"]).resize((256, 256), Image.NEAREST))
        dets = Detections(boxes=np.asarray(s["boxes"], np.float32).reshape(-1, 4) * 2, scores=np.asarray(s["scores"], np.float32),
                          labels=np.asarray(s["labels"], np.int64), class_names=list(CLASSES))
        pil = Image.fromarray(draw_detections(big, dets, line_width=2))
        draw = ImageDraw.Draw(pil)
        for b in np.asarray(s["gt"]).reshape(-1, 4) * 2:  # hidden truth, thin white: for the class to compare
            draw.rectangle([float(v) for v in b], outline=(255, 255, 255), width=1)
        out.append(np.asarray(pil))
    return out


def _draw_det(run: LiveRun) -> None:
    from core.viz.ssl import line_chart, threshold_chart, variance_iou_chart

    hist = run.history
    label = lambda e: e.method + (" + jitter" if e.box_jitter and e.method != "supervised" else "")  # noqa: E731
    sw = _switches([{"step": e.step, "label": label(e)} for e in hist])
    last = hist[-1]
    st.caption(f"Step {last.step} / {run.config.steps} ({run.state}); "
               f"now **{label(last)}**; pseudo-boxes this step: {last.n_pseudo} for classification, "
               f"{last.n_reg} for regression")
    evals = [e for e in hist if e.student_map is not None]
    c1, c2 = st.columns(2)
    maps = [{"step": e.step, "series": s, "value": v} for e in evals
            for s, v in (("student mAP", e.student_map), ("teacher mAP", e.teacher_map),
                         ("teacher mAP@.5", e.teacher_map50))]
    c1.altair_chart(line_chart(maps, "held-out mAP", sw, title="mAP on held-out ShapesWorld"), width="stretch")
    keys = [k for k in ("sup", "cls_u", "reg_u", "rpn_u") if k in last.losses]
    losses = [{"step": e.step, "series": k, "value": e.losses[k]} for e in hist for k in keys if k in e.losses]
    c2.altair_chart(line_chart(losses, "loss", sw, title="losses"), width="stretch")
    ev = evals[-1] if evals else None
    if ev is None:
        return
    d1, d2, d3 = st.columns(3)
    pr = [{"step": e.step, "series": s, "value": v} for e in evals
          for s, v in (("precision", e.precision), ("recall", e.recall)) if v == v]
    d1.altair_chart(line_chart(pr, f"at threshold {run.config.fg_threshold:.2f}", sw,
                               title="pseudo-boxes vs hidden truth"), width="stretch")
    if ev.pr_curve:
        d2.altair_chart(threshold_chart(ev.pr_curve, f"Fig. 3a: vs score threshold (step {ev.step})"), width="stretch")
    if ev.var_iou:
        d3.altair_chart(variance_iou_chart(ev.var_iou, run.config.reg_threshold), width="stretch")
    if ev.shown:
        st.caption(f"The teacher's pseudo-boxes (score >= {run.config.fg_threshold:.2f}) on unlabeled images at "
                   f"step {ev.step}; thin white boxes are the hidden ground truth.")
        st.image(_draw_pseudo(ev.shown), width=256)


def detection_tab():
    from core.learn.ssl import detect as sd
    from core.learn.ssl.soft_teacher import box_uncertainty, reliability_weights

    st.markdown("Every step the EMA **teacher** labels weakly augmented unlabeled images; boxes above the "
                "foreground threshold become pseudo-boxes for the **student**, which sees a strong "
                "augmentation; L = L_s + alpha L_u. **Soft Teacher** weights each background candidate by the "
                "teacher's background score; **box jittering** trains regression only on boxes whose refined "
                "jitters agree. Switch method while it trains: the charts mark the switch.")
    c1, c2, c3, c4 = st.columns(4)
    fraction = c1.select_slider("Labeled", [0.01, 0.05, 0.10], value=0.10, key="det_frac",
                                format_func=lambda f: f"{f:.0%}")
    method = c2.radio("Method", ["mean_teacher", "soft_teacher", "supervised"], index=1, key="det_method",
                      format_func={"mean_teacher": "Mean Teacher (E2E)", "soft_teacher": "Soft Teacher",
                                   "supervised": "supervised only"}.get, help="Switch any time.")
    jitter = c2.toggle("Box jittering", value=True, key="det_jitter")
    steps = c3.number_input("Steps", 10, 5000, 300, 10, key="det_steps")
    ema = c3.slider("EMA momentum", 0.9, 0.9999, 0.99, 0.0005, format="%.4f", key="det_ema",
                    help="The paper uses 0.999 over 180k steps; a teacher remembers about 1/(1-m) steps, so in "
                         "a 300-step class demo 0.999 would barely move it. 0.99 keeps it ~100 steps behind.")
    alpha = c4.slider("Unsupervised weight alpha", 0.0, 8.0, 4.0, 0.5, key="det_alpha")
    fg = c4.slider("Foreground threshold", 0.5, 0.99, 0.9, 0.01, key="det_fg")
    with st.expander("More settings (paper defaults)"):
        e1, e2, e3 = st.columns(3)
        reg = e1.number_input("Regression variance threshold", 0.001, 0.2, 0.02, 0.005, format="%.3f", key="det_reg")
        times = e1.number_input("Jitters per box", 2, 20, 10, key="det_times")
        scale = e2.number_input("Jitter scale", 0.01, 0.3, 0.06, 0.01, key="det_scale")
        lr = e2.number_input("Learning rate", 0.0005, 0.05, 0.002, 0.0005, format="%.4f", key="det_lr")
        norm = e2.radio("Soft Teacher normalisation", ["code", "paper"], key="det_norm", horizontal=True,
                        help="code: the released implementation divides by N_fg + sum of bg scores. paper: Eq. 3, "
                             "1/N_fg for pseudo-boxes, r_j / sum r for background; with very few pseudo-boxes "
                             "this gives one box the weight of all the background and can wreck the student.")
        bl = e3.number_input("Labeled images / step", 1, 16, 8, key="det_bl")
        bu = e3.number_input("Unlabeled images / step", 1, 16, 8, key="det_bu")
        every = e3.number_input("Evaluate every (steps)", 5, 200, 20, 5, key="det_every")
    model, why = _burn_in()
    if model is None:
        st.warning(f"No burn-in detector: {why}. A run would start from random weights.")
    else:
        from core.zoo import get_card, resolve

        ui.source_badge(resolve(get_card("ssl-burn-in-10"), ui.model_source()))
        st.caption(f"Starts from the {why} (supervised on the 10% split"
                   + ("; at 1% and 5% it has seen more labels than the run's labeled loss uses" if fraction != 0.10 else "")
                   + ").")
    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            from core.learn.ssl import det_data, detector

            data = _det_data(ui.seed(), fraction)
            begin = model if model is not None else detector.build_detector()
            cfg = sd.DetectConfig(method=method, box_jitter=jitter, steps=int(steps), ema=ema, unsup_weight=alpha,
                                  fg_threshold=fg, reg_threshold=reg, jitter_times=int(times), jitter_scale=scale,
                                  lr=lr, batch_labeled=int(bl), batch_unlabeled=int(bu), eval_every=int(every),
                                  n_eval=32, normalise=norm)
            return LiveRun(sd.train(cfg, begin, data, seed=ui.seed()), cfg)
        return None

    run = live.controls("ssl_det", start, key="det")
    if run:  # live: the loop reads these every step
        run.update(method=method, box_jitter=jitter, unsup_weight=alpha, fg_threshold=fg, reg_threshold=reg,
                   jitter_times=int(times), jitter_scale=scale, ema=ema, normalise=norm)
        # a few steps a tick, stopping at an evaluation
        live.show(run, _draw_det, TICK_S, max_seconds=1.5, until=lambda e: e.student_map is not None)
    else:
        st.info("Press **Start training**. On a 2-core CPU a Soft Teacher step takes about a second.")
    ui.show_code(sd.unsup_loss, reliability_weights, box_uncertainty)


def main():
    st.title("Semi-supervised learning")
    tabs = st.tabs(["Classification", "Detection", "Reproduction", "ShapesWorld"])
    with tabs[0]:
        classification_tab()
    with tabs[1]:
        detection_tab()
    with tabs[2]:
        ssl_reproduction_tab.render()
    with tabs[3]:
        shapes_tab.render(key="ssl_shapes")


main()
