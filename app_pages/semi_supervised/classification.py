"""Semi-supervised classification tab: supervised vs Mean Teacher vs FixMatch, live, with a supervised twin."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import live, ui

from app_pages.semi_supervised import common
from core.live import LiveRun


@st.cache_data(show_spinner=False)
def _cls_data(name: str, per_class: int, seed: int):
    from core.learn.ssl import data as ssl_data

    return ssl_data.load(name, per_class=per_class, seed=seed)


def _draw_cls(run: LiveRun) -> None:
    from core.learn.ssl.classify import METHOD_NAMES as NAMES
    from core.viz.ssl import boundary_chart, line_chart

    hist, last = run.history, run.history[-1]
    st.caption(f"Step {last.step} / {run.config.steps} ({run.state}), method **{NAMES[last.method]}**")
    sw = common.switches([{"step": e.step, "label": NAMES[e.method]} for e in hist])
    c1, c2 = st.columns(2)
    acc = [{"step": e.step, "series": s, "value": v} for e in hist
           for s, v in (("student", e.student_acc), ("teacher (EMA)", e.teacher_acc),
                        ("supervised only, same labels", e.baseline_acc)) if v is not None]
    ui.chart(c1, line_chart(acc, "test accuracy", sw, title="test accuracy",
                               dashed=["supervised only, same labels"]), width="stretch")
    mask = [{"step": e.step, "series": s, "value": v} for e in hist
            for s, v in (("share >= tau", e.mask_rate), ("pseudo-label accuracy", e.pseudo_acc)) if v == v]
    ui.chart(c2, line_chart(mask, "share of the unlabeled batch", sw, title="confident pseudo-labels"),
                    width="stretch")
    if last.views:  # digits: FixMatch's two views of the same unlabeled image, and what crossed tau
        from core.viz.ssl import view_caption, view_pair_picture

        st.markdown(f"**FixMatch's views at step {last.step}** (left weak: shifted by up to 1 px; right strong: "
                    "shifted, contrast, noise, a cut-out). Only a weak prediction that crosses τ becomes a "
                    "pseudo-label, and the strong view is trained towards it.")
        st.image([view_pair_picture(v["weak"], v["strong"]) for v in last.views], width=200,
                 caption=[view_caption(v, run.config.tau) for v in last.views])
    if last.grid_student is not None:
        data, ext = run.extra["data"], run.config.extent
        b1, b2 = st.columns(2)
        for col, which, grid in ((b1, "student", last.grid_student), (b2, "teacher (EMA)", last.grid_teacher)):
            ui.chart(col, boundary_chart(grid, ext, data.x_unl.cpu().numpy()[:400], data.x_lab.cpu().numpy(),
                                            data.y_lab.tolist(), f"{which} (step {last.step})"), width="stretch")


def render():
    from core.learn.ssl import classify as sc

    st.markdown("A few labels, many unlabeled points. **Mean Teacher** pulls the student towards an EMA "
                "teacher's predictions on a differently-noised copy; **FixMatch** turns the model's confident "
                "predictions (max prob >= tau) on a weak view into hard labels for a strong view. The dashed "
                "line is a supervised-only model trained on the same labeled batches.")
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Data", ["two_moons", "digits"], key="ssl_cls_data", bind="query-params",
                        format_func=lambda n: {"two_moons": "two moons (2-D)", "digits": "digits (8x8)"}[n])
    per_class = c1.slider("Labels per class", 1, 20, 5, key="ssl_cls_per_class", bind="query-params")
    method = c2.radio("Method", sc.METHODS, index=2, key="ssl_cls_method", bind="query-params", horizontal=True, format_func=sc.METHOD_NAMES.get,
                      help="Can be switched while a run is going: the same student continues.")
    steps = c2.slider("Steps", 50, 2000, 600, 50, key="ssl_cls_steps", bind="query-params")
    tau = c3.slider("FixMatch tau", 0.5, 0.99, 0.95, 0.01, key="ssl_cls_tau", bind="query-params")
    lam = c3.slider("FixMatch lambda_u", 0.0, 5.0, 1.0, 0.1, key="ssl_cls_lambda", bind="query-params")
    with st.expander("Mean Teacher settings"):
        d1, d2, d3 = st.columns(3)
        ema = d1.slider("EMA momentum", 0.9, 0.999, 0.95, 0.001, format="%.3f", key="ssl_cls_ema", bind="query-params")
        cons = d2.slider("Max consistency weight", 0.0, 300.0, 100.0, 5.0, key="ssl_cls_cons", bind="query-params")
        ramp = d3.slider("Ramp-up steps", 0, 1000, 200, 10, key="ssl_cls_ramp", bind="query-params")

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
        live.show(run, _draw_cls, common.TICK_S, max_events=2,  # two events (2 x eval_every steps) a tick
                  steps=lambda r: (r.history[-1].step, r.config.steps))
    else:
        st.info("Press **Start training**; the charts update as it trains.")
    ui.show_code(sc.train, sc.unlabeled_loss, sc.fixmatch_mask)
