"""End-to-end semi-supervised detection tab: Mean Teacher vs Soft Teacher (+ box jittering), live, with a method switch mid-run."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import live, ui

from app_pages.semi_supervised import common
from core.live import LiveRun


def _draw_det(run: LiveRun) -> None:
    from core.learn.ssl.detect import LOSS_NAMES, progress_line
    from core.viz.ssl import line_chart, pseudo_box_pictures, threshold_chart, variance_iou_chart

    hist, last, cfg = run.history, run.history[-1], run.config
    sw = common.switches([{"step": e.step, "label": common.label(e)} for e in hist])
    st.caption(f"{progress_line(hist, cfg.steps)} ({run.state}); now **{common.label(last)}**; pseudo-boxes this step: "
               f"{last.n_pseudo} for classification, {last.n_reg} for regression")
    evals = [e for e in hist if e.student_map is not None]
    c1, c2 = st.columns(2)
    maps = [{"step": e.step, "series": s, "value": v} for e in evals
            for s, v in (("student", e.student_map), ("teacher (EMA)", e.teacher_map),
                         ("supervised only, same labels", e.baseline_map)) if v is not None]
    ui.chart(c1, line_chart(maps, "mAP@[.5:.95]", sw, title=f"mAP on {cfg.n_eval} fixed held-out images",
                               dashed=["supervised only, same labels"]), width="stretch")
    keys = [k for k in ("sup", "cls_u", "reg_u", "rpn_u") if k in last.losses]
    losses = [{"step": e.step, "series": LOSS_NAMES[k], "value": e.losses[k]} for e in hist for k in keys if k in e.losses]
    ui.chart(c2, line_chart(losses, "loss", sw, title="losses"), width="stretch")
    ev = next((e for e in reversed(hist) if e.pr_curve), None)
    if ev is None:
        return
    d1, d2, d3 = st.columns(3)
    pr = [{"step": e.step, "series": s, "value": v} for e in hist if e.pr_curve
          for s, v in (("precision", e.precision), ("recall", e.recall)) if v == v]
    ui.chart(d1, line_chart(pr, f"at threshold {cfg.fg_threshold:.2f}", sw, title="pseudo-boxes vs hidden truth"),
                    width="stretch")
    ui.chart(d2, threshold_chart(ev.pr_curve, f"Fig. 3a: vs score threshold (step {ev.step})", cfg.fg_threshold),
                    width="stretch")
    if ev.var_iou:
        ui.chart(d3, variance_iou_chart(ev.var_iou, cfg.reg_threshold), width="stretch")
    if ev.shown:
        st.caption(f"The teacher's pseudo-boxes (score >= {cfg.fg_threshold:.2f}) on unlabeled images at "
                   f"step {ev.step}; thin white boxes are the hidden ground truth.")
        st.image(pseudo_box_pictures(ev.shown), width=256)


def render():
    from core.learn.ssl import detect as sd
    from core.learn.ssl.soft_teacher import box_uncertainty, reliability_weights

    d = sd.lesson_config()
    st.markdown("Every step the EMA **teacher** labels weakly augmented unlabeled images; boxes above the "
                "foreground threshold become pseudo-boxes for the **student**, which sees a strong "
                "augmentation; L = L_s + alpha L_u. **Soft Teacher** weights each background candidate by the "
                "teacher's background score; **box jittering** trains regression only on boxes whose refined "
                "jitters agree. Switch method while it trains: the charts mark the switch.")
    c1, c2, c3, c4 = st.columns(4)
    fraction = c1.select_slider("Labeled", [0.01, 0.05, 0.10], value=0.10, key="ssl_det_frac", bind="query-params",
                                format_func=lambda f: f"{f:.0%}")
    method = c2.radio("Method", ["mean_teacher", "soft_teacher", "supervised"], index=1, key="ssl_det_method", bind="query-params",
                      format_func=sd.METHOD_NAMES.get, help="Switch any time.")
    jitter = c2.toggle("Box jittering", value=True, key="ssl_det_jitter", bind="query-params")
    steps = c3.number_input("Steps", 10, 5000, d.steps, 10, key="ssl_det_steps", bind="query-params")
    ema = c3.slider("EMA momentum", 0.9, 0.9999, d.ema, 0.0005, format="%.4f", key="ssl_det_ema", bind="query-params",
                    help="The paper uses 0.999 over 180k steps; a teacher remembers about 1/(1-m) steps, so in "
                         "a 200-step class demo 0.999 would barely move it. 0.99 keeps it ~100 steps behind.")
    alpha = c4.slider("Unsupervised weight alpha", 0.0, 8.0, d.unsup_weight, 0.5, key="ssl_det_alpha", bind="query-params")
    fg = c4.slider("Foreground threshold", 0.5, 0.99, d.fg_threshold, 0.01, key="ssl_det_fg", bind="query-params")
    with st.expander("More settings (paper defaults)"):
        e1, e2, e3 = st.columns(3)
        reg = e1.number_input("Regression variance threshold", 0.001, 0.2, d.reg_threshold, 0.005, format="%.3f", key="ssl_det_reg", bind="query-params")
        times = e1.number_input("Jitters per box", 2, 20, d.jitter_times, key="ssl_det_times", bind="query-params")
        scale = e1.number_input("Jitter scale", 0.01, 0.3, d.jitter_scale, 0.01, key="ssl_det_scale", bind="query-params")
        vnorm = e2.radio("Box variance normalisation", ["paper", "code"], key="ssl_det_vnorm", bind="query-params", horizontal=True,
                         help="paper: every coordinate's spread / 0.5 (h + w), as the notes teach. code: x by the "
                              "width, y by the height, as the released implementation does.")
        norm = e2.radio("Soft Teacher weights", ["code", "paper"], key="ssl_det_norm", bind="query-params", horizontal=True,
                        help="code: the released implementation divides by N_fg + sum of bg scores. paper: Eq. 3, "
                             "1/N_fg for pseudo-boxes, r_j / sum r for background; with very few pseudo-boxes "
                             "this gives one box the weight of all the background and can wreck the student.")
        lr = e2.number_input("Learning rate", 0.0005, 0.05, d.lr, 0.0005, format="%.4f", key="ssl_det_lr", bind="query-params")
        bl = e3.number_input("Labeled images / step", 1, 16, d.batch_labeled, key="ssl_det_bl", bind="query-params")
        bu = e3.number_input("Unlabeled images / step", 1, 16, d.batch_unlabeled, key="ssl_det_bu", bind="query-params")
        every = e3.number_input("Evaluate every (steps)", 1, 200, d.eval_every, 1, key="ssl_det_every", bind="query-params")
        base = e3.toggle("Supervised-only line", value=True, key="ssl_det_base", bind="query-params",
                         help="A supervised twin trained on the same labeled images each step (costs ~30% speed).")
    model, why = common.burn_in()
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
        common.det_data(ui.seed(), fraction)  # warm now, so pressing start shows the first step at once

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            from core.learn.ssl import detector

            begin = model if model is not None else detector.build_detector()
            cfg = sd.lesson_config(method=method, box_jitter=jitter, steps=int(steps), ema=ema, unsup_weight=alpha,
                                   fg_threshold=fg, reg_threshold=reg, jitter_times=int(times), jitter_scale=scale,
                                   lr=lr, batch_labeled=int(bl), batch_unlabeled=int(bu), eval_every=int(every),
                                   normalise=norm, variance_norm=vnorm, baseline=base)
            return LiveRun(sd.train(cfg, begin, common.det_data(ui.seed(), fraction), seed=ui.seed()), cfg)
        return None

    run = live.controls("ssl_det", start, key="det")
    if run:  # live: the loop reads these every step
        run.update(method=method, box_jitter=jitter, unsup_weight=alpha, fg_threshold=fg, reg_threshold=reg,
                   jitter_times=int(times), jitter_scale=scale, ema=ema, normalise=norm, variance_norm=vnorm)
        live.show(run, _draw_det, common.TICK_S, max_seconds=1.2, until=lambda e: e.step > 0 and e.student_map is not None,
                  steps=lambda r: (r.history[-1].step, r.config.steps))
    else:
        st.info("Press **Start training**: the first step appears at once, then mAP every few steps.")
    if model is not None:
        _background_weights(model, fraction, fg, norm)
    ui.show_code(sd.unsup_loss, reliability_weights, box_uncertainty)


@st.cache_data(max_entries=16, show_spinner="Asking the teacher about every background candidate...")
def _bg_weights(seed: int, fraction: float, index: int, fg: float, norm: str) -> dict:
    from core.learn.ssl import detect as sd
    from core.learn.ssl.bg_weights import background_weights

    model, _ = common.burn_in()
    _, unl, _ = common.det_data(seed, fraction)
    cfg = sd.lesson_config(fg_threshold=fg, normalise=norm)
    out = background_weights(model, model, unl.images[index], cfg, seed)
    out["image"] = (unl.images[index].permute(1, 2, 0) * 255).byte().cpu().numpy()
    return out


def _background_weights(model, fraction: float, fg: float, norm: str) -> None:
    """Soft Teacher's r_j drawn: the student's background candidates coloured by the teacher's background score."""
    from core.viz.ssl import background_weight_chart, background_weight_picture

    st.markdown("#### Soft Teacher's background weights r_j, on one unlabeled image")
    st.markdown("The student's sampled candidates that match no pseudo-box count as **background**. Soft Teacher "
                "weights each by r_j, the teacher's background probability on that very box: where the teacher "
                "suspects an object it missed (purple), the background loss almost vanishes; where it is sure "
                "(yellow), it counts fully. White: the teacher's pseudo-boxes (score >= the foreground threshold). "
                "Teacher and student here are the burn-in, as at step 0.")
    n = len(common.det_data(ui.seed(), fraction)[1].images)
    index = st.number_input("Unlabeled image", 0, n - 1, 0, key="ssl_det_rj_image", bind="query-params")
    with ui.friendly_errors("Computing the background weights"):
        out = _bg_weights(ui.seed(), fraction, int(index), fg, norm)
        p1, p2 = st.columns([1, 1])
        p1.image(background_weight_picture(out["image"], out["bg"], out["r"], out["pseudo"]), width=384,
                 caption=f"{len(out['bg'])} background candidates, {len(out['pseudo'])} pseudo-boxes, "
                         f"{len(out['fg'])} foreground candidates")
        ui.chart(p2, background_weight_chart(out["r"], out["w"], out["w_fg"]), width="stretch")
        low = int((out["r"] < 0.5).sum())
        p2.caption(f"{low} of {len(out['r'])} background candidates have r_j < 0.5: the teacher suspects an object "
                   f"there, so their summed weight is {out['w'][out['r'] < 0.5].sum():.3f} of the loss instead of "
                   f"{low / max(len(out['r']) + len(out['fg']), 1):.3f} under a plain cross-entropy.")


# ----------------------------------------------------------------------------- box jittering
