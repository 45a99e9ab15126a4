"""The Live training tab: two networks trained side by side from the same seed on the same batches."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.parts import export, live, ui
from core.live import LiveRun

TICK_S = 1.0  # a live fragment reruns this often while a run is going


@st.cache_resource(show_spinner="Preparing the data...", max_entries=4)
def _live_data(name: str, seed: int):
    from core.vision.cnn.explore import load_data

    return load_data(name, seed)  # read-only: the loops only index into it


def _draw_live(run: LiveRun) -> None:
    from core.viz import cnn as viz

    hist = run.history
    last = hist[-1]
    st.caption(f"Step {next(iter(last.values())).step} / {run.config.steps} ({run.state})")
    rows = lambda f: [{"step": e.step, "run": k, "value": f(e)} for ev in hist for k, e in ev.items()  # noqa: E731
                      if f(e) is not None]
    history = pd.DataFrame([{"step": e.step, "run": k, "loss": e.loss, "held-out accuracy": e.test_acc,
                             "gradient at the first layer": e.grad_first} for ev in hist for k, e in ev.items()])
    export.csv(history, "cnn-pair-history", *history["run"].unique(), steps=run.config.steps, lr=run.config.lr,
               label="Training history (CSV)", key="cnn_live_csv")
    c1, c2, c3 = st.columns(3)
    ui.chart(c1, viz.curves_chart(rows(lambda e: e.loss), "training loss", "Loss"), width="stretch")
    ui.chart(c2, viz.curves_chart(rows(lambda e: e.test_acc), "held-out accuracy", "Accuracy", unit=True), width="stretch")
    ui.chart(c3, viz.curves_chart(rows(lambda e: max(e.grad_first, 1e-12)), "gradient norm (log)",
                                     "Gradient at the first layer", log=True), width="stretch")
    evals = [ev for ev in hist if next(iter(ev.values())).act]
    if evals:
        acts = [{"run": k, "depth": i, "layer": n, "mean": mu, "std": sd}
                for k, e in evals[-1].items() for i, (n, mu, sd) in enumerate(e.act)]
        ui.chart(st, viz.activation_chart(acts), width="content")
        st.caption(f"Each layer's output on the training batch at step {next(iter(evals[-1].values())).step}.")


def render():
    from core.vision.cnn import loop
    from core.vision.cnn.explore import PRESETS, start_pair
    from core.vision.cnn.registry import SMALL

    names = list(PRESETS) + ["Choose two networks"]
    choice = st.selectbox("Compare", names, key="cnn_live_preset", bind="query-params")
    if choice in PRESETS:
        p = PRESETS[choice]
        data_name, left, right, cfg = p.data, p.left, p.right, p.cfg
        st.caption(p.why)
    else:
        c1, c2, c3 = st.columns(3)
        data_name = c1.radio("Data", ["digits", "shapes"], key="cnn_live_data", bind="query-params", horizontal=True,
                             format_func={"digits": "digits (28 px)", "shapes": "ShapesWorld (32 px)"}.get)
        left = c2.selectbox("Left", list(SMALL), format_func=lambda n: SMALL[n].title, key="cnn_live_left", bind="query-params")
        right = c3.selectbox("Right", list(SMALL), index=list(SMALL).index("lenet_bn"),
                             format_func=lambda n: SMALL[n].title, key="cnn_live_right", bind="query-params")
        cfg = loop.TrainConfig(steps=300, batch=32, lr=0.003, eval_every=20, n_eval=200, flip=data_name == "shapes")
    c1, c2 = st.columns(2)
    steps = c1.slider("Steps", 20, 1000, cfg.steps, 10, key="cnn_live_steps", bind="query-params")
    lr = c2.select_slider("Learning rate (Adam)", [0.0003, 0.001, 0.003, 0.01, 0.03], value=cfg.lr, key="cnn_live_lr", bind="query-params")

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            import dataclasses

            run_cfg = dataclasses.replace(cfg, steps=int(steps), lr=float(lr))
            data = _live_data(data_name, ui.seed())
            return LiveRun(start_pair(data, left, right, run_cfg, seed=ui.seed()), run_cfg)
        return None

    run = live.controls("cnn_live", start, key="cnn_live")
    if run:
        live.show(run, _draw_live, TICK_S, max_seconds=0.8,
                  steps=lambda r: (next(iter(r.history[-1].values())).step, r.config.steps), what="Training the pair")
    else:
        st.info("Press **Start training**: both networks start from the same seed and see the same batches.")
    ui.show_code(loop.train, loop.side_by_side)
