"""Semi-supervised learning, trained live: Mean Teacher and FixMatch on toy classification;
end-to-end Mean Teacher vs Soft Teacher (+ box jittering) on ShapesWorld detection, with a toggle
that switches method mid-run; box jittering one pseudo-box at a time; STAC's three stages; and the
reproduction table next to the paper's COCO numbers."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import shapes_tab
from app_pages.parts import ssl_reproduction as ssl_reproduction_tab
from app_pages.parts import live, ui
from core.live import LiveRun

TICK_S = 1.5  # a live fragment reruns this often while a run is going


def _switches(history: list[dict]) -> list[dict]:
    """Steps where the method (or box jittering) changed, for vertical rules on every chart."""
    from core.viz.ssl import switch_marks

    return switch_marks([(r["step"], r["label"]) for r in history])


# ----------------------------------------------------------------------------- classification
@st.cache_data(show_spinner=False)
def _cls_data(name: str, per_class: int, seed: int):
    from core.learn.ssl import data as ssl_data

    return ssl_data.load(name, per_class=per_class, seed=seed)


def _draw_cls(run: LiveRun) -> None:
    from core.learn.ssl.classify import METHOD_NAMES as NAMES
    from core.viz.ssl import boundary_chart, line_chart

    hist, last = run.history, run.history[-1]
    st.caption(f"Step {last.step} / {run.config.steps} ({run.state}), method **{NAMES[last.method]}**")
    sw = _switches([{"step": e.step, "label": NAMES[e.method]} for e in hist])
    c1, c2 = st.columns(2)
    acc = [{"step": e.step, "series": s, "value": v} for e in hist
           for s, v in (("student", e.student_acc), ("teacher (EMA)", e.teacher_acc),
                        ("supervised only, same labels", e.baseline_acc)) if v is not None]
    c1.altair_chart(line_chart(acc, "test accuracy", sw, title="test accuracy",
                               dashed=["supervised only, same labels"]), width="stretch")
    mask = [{"step": e.step, "series": s, "value": v} for e in hist
            for s, v in (("share >= tau", e.mask_rate), ("pseudo-label accuracy", e.pseudo_acc)) if v == v]
    c2.altair_chart(line_chart(mask, "share of the unlabeled batch", sw, title="confident pseudo-labels"),
                    width="stretch")
    if last.grid_student is not None:
        data, ext = run.extra["data"], run.config.extent
        b1, b2 = st.columns(2)
        for col, which, grid in ((b1, "student", last.grid_student), (b2, "teacher (EMA)", last.grid_teacher)):
            col.altair_chart(boundary_chart(grid, ext, data.x_unl.cpu().numpy()[:400], data.x_lab.cpu().numpy(),
                                            data.y_lab.tolist(), f"{which} (step {last.step})"), width="stretch")


def classification_tab():
    from core.learn.ssl import classify as sc

    st.markdown("A few labels, many unlabeled points. **Mean Teacher** pulls the student towards an EMA "
                "teacher's predictions on a differently-noised copy; **FixMatch** turns the model's confident "
                "predictions (max prob >= tau) on a weak view into hard labels for a strong view. The dashed "
                "line is a supervised-only model trained on the same labeled batches.")
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Data", ["two_moons", "digits"], key="cls_data",
                        format_func=lambda n: {"two_moons": "two moons (2-D)", "digits": "digits (8x8)"}[n])
    per_class = c1.slider("Labels per class", 1, 20, 5, key="cls_per_class")
    method = c2.radio("Method", sc.METHODS, index=2, key="cls_method", horizontal=True, format_func=sc.METHOD_NAMES.get,
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
            cfg = sc.ClassifyConfig(method=method, steps=steps, tau=tau, lambda_u=lam, ema=ema, consistency=cons,
                                    rampup_steps=ramp, hidden=64 if name == "two_moons" else 128, baseline=True)
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
    from core.learn.ssl import det_data

    return det_data.load_shapes(seed, fraction)  # shared, read-only: the loop only indexes into it


@st.cache_resource(show_spinner="Loading the burn-in detector...")
def _burn_in():
    import torch

    from core.learn.ssl import detector
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)  # never trained here: every loop deep-copies it
    if model is not None:
        detector.predict(model, torch.zeros(1, 3, 128, 128))  # warm the kernels once, not on the first step
    return model, why


def _label(e) -> str:
    from core.learn.ssl.detect import METHOD_NAMES

    return METHOD_NAMES[e.method] + (" + jittering" if e.box_jitter and e.method != "supervised" else "")


def _draw_det(run: LiveRun) -> None:
    from core.learn.ssl.detect import LOSS_NAMES, progress_line
    from core.viz.ssl import line_chart, pseudo_box_pictures, threshold_chart, variance_iou_chart

    hist, last, cfg = run.history, run.history[-1], run.config
    sw = _switches([{"step": e.step, "label": _label(e)} for e in hist])
    st.caption(f"{progress_line(hist, cfg.steps)} ({run.state}); now **{_label(last)}**; pseudo-boxes this step: "
               f"{last.n_pseudo} for classification, {last.n_reg} for regression")
    evals = [e for e in hist if e.student_map is not None]
    c1, c2 = st.columns(2)
    maps = [{"step": e.step, "series": s, "value": v} for e in evals
            for s, v in (("student", e.student_map), ("teacher (EMA)", e.teacher_map),
                         ("supervised only, same labels", e.baseline_map)) if v is not None]
    c1.altair_chart(line_chart(maps, "mAP@[.5:.95]", sw, title=f"mAP on {cfg.n_eval} fixed held-out images",
                               dashed=["supervised only, same labels"]), width="stretch")
    keys = [k for k in ("sup", "cls_u", "reg_u", "rpn_u") if k in last.losses]
    losses = [{"step": e.step, "series": LOSS_NAMES[k], "value": e.losses[k]} for e in hist for k in keys if k in e.losses]
    c2.altair_chart(line_chart(losses, "loss", sw, title="losses"), width="stretch")
    ev = next((e for e in reversed(hist) if e.pr_curve), None)
    if ev is None:
        return
    d1, d2, d3 = st.columns(3)
    pr = [{"step": e.step, "series": s, "value": v} for e in hist if e.pr_curve
          for s, v in (("precision", e.precision), ("recall", e.recall)) if v == v]
    d1.altair_chart(line_chart(pr, f"at threshold {cfg.fg_threshold:.2f}", sw, title="pseudo-boxes vs hidden truth"),
                    width="stretch")
    d2.altair_chart(threshold_chart(ev.pr_curve, f"Fig. 3a: vs score threshold (step {ev.step})", cfg.fg_threshold),
                    width="stretch")
    if ev.var_iou:
        d3.altair_chart(variance_iou_chart(ev.var_iou, cfg.reg_threshold), width="stretch")
    if ev.shown:
        st.caption(f"The teacher's pseudo-boxes (score >= {cfg.fg_threshold:.2f}) on unlabeled images at "
                   f"step {ev.step}; thin white boxes are the hidden ground truth.")
        st.image(pseudo_box_pictures(ev.shown), width=256)


def detection_tab():
    from core.learn.ssl import detect as sd
    from core.learn.ssl.soft_teacher import box_uncertainty, reliability_weights

    d = sd.lesson_config()
    st.markdown("Every step the EMA **teacher** labels weakly augmented unlabeled images; boxes above the "
                "foreground threshold become pseudo-boxes for the **student**, which sees a strong "
                "augmentation; L = L_s + alpha L_u. **Soft Teacher** weights each background candidate by the "
                "teacher's background score; **box jittering** trains regression only on boxes whose refined "
                "jitters agree. Switch method while it trains: the charts mark the switch.")
    c1, c2, c3, c4 = st.columns(4)
    fraction = c1.select_slider("Labeled", [0.01, 0.05, 0.10], value=0.10, key="det_frac",
                                format_func=lambda f: f"{f:.0%}")
    method = c2.radio("Method", ["mean_teacher", "soft_teacher", "supervised"], index=1, key="det_method",
                      format_func=sd.METHOD_NAMES.get, help="Switch any time.")
    jitter = c2.toggle("Box jittering", value=True, key="det_jitter")
    steps = c3.number_input("Steps", 10, 5000, d.steps, 10, key="det_steps")
    ema = c3.slider("EMA momentum", 0.9, 0.9999, d.ema, 0.0005, format="%.4f", key="det_ema",
                    help="The paper uses 0.999 over 180k steps; a teacher remembers about 1/(1-m) steps, so in "
                         "a 200-step class demo 0.999 would barely move it. 0.99 keeps it ~100 steps behind.")
    alpha = c4.slider("Unsupervised weight alpha", 0.0, 8.0, d.unsup_weight, 0.5, key="det_alpha")
    fg = c4.slider("Foreground threshold", 0.5, 0.99, d.fg_threshold, 0.01, key="det_fg")
    with st.expander("More settings (paper defaults)"):
        e1, e2, e3 = st.columns(3)
        reg = e1.number_input("Regression variance threshold", 0.001, 0.2, d.reg_threshold, 0.005, format="%.3f", key="det_reg")
        times = e1.number_input("Jitters per box", 2, 20, d.jitter_times, key="det_times")
        scale = e1.number_input("Jitter scale", 0.01, 0.3, d.jitter_scale, 0.01, key="det_scale")
        vnorm = e2.radio("Box variance normalisation", ["paper", "code"], key="det_vnorm", horizontal=True,
                         help="paper: every coordinate's spread / 0.5 (h + w), as the notes teach. code: x by the "
                              "width, y by the height, as the released implementation does.")
        norm = e2.radio("Soft Teacher weights", ["code", "paper"], key="det_norm", horizontal=True,
                        help="code: the released implementation divides by N_fg + sum of bg scores. paper: Eq. 3, "
                             "1/N_fg for pseudo-boxes, r_j / sum r for background; with very few pseudo-boxes "
                             "this gives one box the weight of all the background and can wreck the student.")
        lr = e2.number_input("Learning rate", 0.0005, 0.05, d.lr, 0.0005, format="%.4f", key="det_lr")
        bl = e3.number_input("Labeled images / step", 1, 16, d.batch_labeled, key="det_bl")
        bu = e3.number_input("Unlabeled images / step", 1, 16, d.batch_unlabeled, key="det_bu")
        every = e3.number_input("Evaluate every (steps)", 1, 200, d.eval_every, 1, key="det_every")
        base = e3.toggle("Supervised-only line", value=True, key="det_base",
                         help="A supervised twin trained on the same labeled images each step (costs ~30% speed).")
    model, why = _burn_in()
    if model is None:
        st.warning(f"No burn-in detector: {why}. A run would start from random weights.")
    else:
        from core.zoo import get_card, resolve

        ui.source_badge(resolve(get_card("ssl-burn-in-10"), ui.model_source()))
        st.caption(f"Starts from the {why} (supervised on the 10% split"
                   + ("; at 1% and 5% it has seen more labels than the run's labeled loss uses" if fraction != 0.10 else "")
                   + "). The default run (200 steps) takes about 2 minutes on an idle 2-core CPU; "
                     "a busy one is slower, and the progress line says how fast this one goes.")
    with ui.friendly_errors("Preparing ShapesWorld"):
        _det_data(ui.seed(), fraction)  # warm now, so pressing start shows the first step at once

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            from core.learn.ssl import detector

            begin = model if model is not None else detector.build_detector()
            cfg = sd.lesson_config(method=method, box_jitter=jitter, steps=int(steps), ema=ema, unsup_weight=alpha,
                                   fg_threshold=fg, reg_threshold=reg, jitter_times=int(times), jitter_scale=scale,
                                   lr=lr, batch_labeled=int(bl), batch_unlabeled=int(bu), eval_every=int(every),
                                   normalise=norm, variance_norm=vnorm, baseline=base)
            return LiveRun(sd.train(cfg, begin, _det_data(ui.seed(), fraction), seed=ui.seed()), cfg)
        return None

    run = live.controls("ssl_det", start, key="det")
    if run:  # live: the loop reads these every step
        run.update(method=method, box_jitter=jitter, unsup_weight=alpha, fg_threshold=fg, reg_threshold=reg,
                   jitter_times=int(times), jitter_scale=scale, ema=ema, normalise=norm, variance_norm=vnorm)
        live.show(run, _draw_det, TICK_S, max_seconds=1.2, until=lambda e: e.step > 0 and e.student_map is not None)
    else:
        st.info("Press **Start training**: the first step appears at once, then mAP every few steps.")
    ui.show_code(sd.unsup_loss, reliability_weights, box_uncertainty)


# ----------------------------------------------------------------------------- box jittering
@st.cache_data(max_entries=16, show_spinner=False)
def _fig3(seed: int, times: int, scale: float, norm: str):
    from core.learn.ssl.jitter_view import fig3_points

    model, _ = _burn_in()
    _, unl, _ = _det_data(seed, 0.10)
    return fig3_points(model, unl.images[:24], unl.targets[:24], times, scale, 0.5, norm, seed)


def jittering_tab():
    from core.learn.ssl.jitter_view import explain_box, spread_rows, teacher_boxes
    from core.viz.ssl import jitter_picture, score_iou_chart, spread_chart, variance_iou_chart

    st.markdown("Is a pseudo-box well placed? The teacher's score says how sure it is *what* the object is, "
                "not *where* it is. Soft Teacher jitters the box, lets the teacher refine every copy, and "
                "measures how much the refined copies disagree: sigma = mean over the 4 coordinates of "
                "std / (0.5 (h + w)). Only boxes with sigma below the threshold train the box regression.")
    model, why = _burn_in()
    if model is None:
        st.warning(f"No burn-in detector: {why}.")
        return
    _, unl, _ = _det_data(ui.seed(), 0.10)
    c1, c2, c3 = st.columns(3)
    idx = c1.number_input("Unlabeled image", 0, min(len(unl.images), 200) - 1, 0, key="jit_img")
    times = c2.slider("Jitters", 2, 20, 10, key="jit_times")
    scale = c2.slider("Jitter scale", 0.01, 0.2, 0.06, 0.01, key="jit_scale")
    norm = c3.radio("Normalisation", ["paper", "code"], key="jit_norm", horizontal=True,
                    format_func={"paper": "paper: 0.5 (h + w)", "code": "released code: w or h"}.get)
    thr = c3.number_input("Variance threshold", 0.001, 0.2, 0.02, 0.005, format="%.3f", key="jit_thr")
    found = teacher_boxes(model, unl.images[int(idx)])
    if not len(found["boxes"]):
        st.info("The teacher finds no box with score >= 0.5 on this image; pick another.")
        return
    pick = c1.selectbox("Pseudo-box", list(range(len(found["boxes"]))), key="jit_box",
                        format_func=lambda i: f"#{i}: score {float(found['scores'][i]):.2f}")
    with ui.friendly_errors("Jittering"):
        v = explain_box(model, unl.images[int(idx)], unl.targets[int(idx)], int(pick), times, scale, seed=ui.seed())
        p1, p2 = st.columns([1, 1])
        p1.image(jitter_picture(v.image, v.box, v.jittered, v.refined, unl.targets[int(idx)]["boxes"].cpu().numpy()),
                 width=384, caption="red: pseudo-box · grey: jittered copies · orange: teacher's refinements · "
                                    "white: hidden truth")
        p2.altair_chart(spread_chart(spread_rows(v)), width="stretch")
        p2.dataframe(spread_rows(v), hide_index=True)
        sigma = v.variance[norm]
        p2.metric(f"variance ({norm})", f"{sigma:.4f}",
                  "trains regression" if sigma < thr else "too unsure: no regression loss", delta_color="off")
        p2.caption(f"w = {v.width:.1f}, h = {v.height:.1f} px; paper {v.variance['paper']:.4f}, code "
                   f"{v.variance['code']:.4f}; IoU with the truth {v.iou:.2f}, score {v.score:.2f}.")
        pts = _fig3(ui.seed(), int(times), float(scale), norm)
        f1, f2 = st.columns(2)
        f1.altair_chart(score_iou_chart(pts, 0.9), width="stretch")
        f2.altair_chart(variance_iou_chart(pts, thr), width="stretch")
        st.caption(f"{len(pts)} teacher boxes (score >= 0.5) on 24 unlabeled images. The paper's Fig. 3: "
                   "IoU rises with the score only loosely, while a small variance picks well-placed boxes.")
    ui.show_code(explain_box, teacher_boxes)


# ----------------------------------------------------------------------------- STAC
@st.cache_data(max_entries=8, show_spinner=False)
def _stac_raw(seed: int):
    from core.learn.ssl import detector

    model, _ = _burn_in()
    _, unl, _ = _det_data(seed, 0.10)
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
        rows += [{"step": e.step, "series": f"E2E teacher ({_label(e)})", "value": e.teacher_map}
                 for e in e2e.history if e.teacher_map is not None]
        rows += [{"step": e.step, "series": "supervised only", "value": e.baseline_map}
                 for e in e2e.history if e.baseline_map is not None]
    st.altair_chart(line_chart(rows, "mAP@[.5:.95]", title="STAC's student beside the end-to-end run",
                               dashed=["supervised only"]), width="stretch")


def stac_tab():
    from core.learn.ssl import stac
    from core.viz.ssl import pseudo_box_pictures, sweep_chart

    st.markdown("**STAC** (Sohn et al., 2020) in three stages: (1) a teacher trained on the labels only (the "
                "burn-in); (2) it labels the unlabeled images *once*, keeping boxes with score >= tau; (3) a "
                "student retrains on labels + those frozen pseudo-labels under strong augmentation. The "
                "end-to-end methods improve their pseudo-labels as they train; STAC's never change.")
    model, why = _burn_in()
    if model is None:
        st.warning(f"No burn-in detector: {why}.")
        return
    st.caption(f"Stage 1: the {why}.")
    tau = st.slider("Confidence threshold tau", 0.3, 0.99, 0.8, 0.01, key="stac_tau",
                    help="STAC's paper uses 0.9; this small burn-in is rarely that sure, so 0.8 keeps some boxes. "
                         "Move it and watch precision and recall trade places.")
    dets, gts = _stac_raw(ui.seed())
    kept = stac.keep_confident(dets[:6], tau)
    shown = [{"image": (img.permute(1, 2, 0) * 255).byte().cpu().numpy(), "boxes": k["boxes"].cpu().numpy(),
              "labels": (k["labels"] - 1).cpu().numpy(), "scores": k["scores"].cpu().numpy(),
              "gt": t["boxes"].cpu().numpy()} for img, k, t in zip(_det_data(ui.seed(), 0.10)[1].images[:6], kept, gts)]
    s1, s2 = st.columns([3, 2])
    s1.image(pseudo_box_pictures(shown), width=200,
             caption=[f"{len(k['boxes'])} kept, {len(t['boxes'])} true" for k, t in zip(kept, gts)])
    sweep = stac.threshold_sweep(dets, gts, [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    s2.altair_chart(sweep_chart(sweep, tau), width="stretch")
    s2.caption("On 24 unlabeled images: a low tau keeps wrong boxes (precision falls), a high one misses "
               "objects (recall falls), and the student learns from whatever is kept.")

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting STAC"):
            cfg = stac.lesson_config(tau=tau)
            return LiveRun(stac.train(cfg, model, _det_data(ui.seed(), 0.10), seed=ui.seed()), cfg)
        return None

    run = live.controls("ssl_stac", start, key="stac", start_label="Run stages 2 and 3")
    if run:
        live.show(run, _draw_stac, TICK_S, max_seconds=1.2)
    else:
        st.info("Press **Run stages 2 and 3**; run the Detection tab too to see the end-to-end methods beside it.")
    ui.show_code(stac.stac_filter, stac.threshold_sweep, stac.train)


def main():
    st.title("Semi-supervised learning")
    tabs = st.tabs(["Classification", "Detection (end-to-end)", "Box jittering", "STAC", "Reproduction", "ShapesWorld"])
    with tabs[0]:
        classification_tab()
    with tabs[1]:
        detection_tab()
    with tabs[2]:
        jittering_tab()
    with tabs[3]:
        stac_tab()
    with tabs[4]:
        ssl_reproduction_tab.render()
    with tabs[5]:
        shapes_tab.render(key="ssl_shapes")


main()
