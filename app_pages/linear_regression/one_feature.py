"""The One feature, two ways tab: the normal equation and gradient descent on the sidebar's data, the
largest stable learning rate, and the descent replayed step by step."""
import numpy as np
import pandas as pd
import streamlit as st

from app_pages.parts import present, ui
from core.learn import linreg
from core.viz import linreg as viz


def _set_eta(key: str, value: float) -> None:
    st.session_state[key] = round(value, 4)


def render(data, X: np.ndarray, w_star: np.ndarray, bound: float) -> None:
    """data: the sidebar's points; X their design matrix [n, 2]; w_star the normal equation's w; bound 2/λmax."""
    c1, c2, c3 = st.columns([2, 1, 1])
    lr = c1.number_input("Learning rate η", 0.0001, 5.0, 0.1, step=0.005, format="%.4f", key="lin_eta", bind="query-params",
                         help=f"Stable below 2/λmax = {bound:.4f}")
    c2.button(f"Just below: {0.98 * bound:.4f}", on_click=_set_eta, args=("lin_eta", 0.98 * bound), key="lr_below")
    c3.button(f"Just above: {1.02 * bound:.4f}", on_click=_set_eta, args=("lin_eta", 1.02 * bound), key="lr_above")
    steps = st.slider("Gradient-descent steps", 1, 300, 60, key="lin_steps", bind="query-params")
    trace = list(linreg.gradient_descent(X, data.y, lr=lr, steps=steps, w0=np.array([-3.0, -2.0])))
    diverged = len(trace) <= steps or not np.isfinite(trace[-1].loss)
    t = present.stepper("Replay: step", range(steps + 1), steps, key="lin_replay")
    shown = min(t, len(trace) - 1)  # an overflowing run stops early; show its last finite step
    w_t = trace[shown].w

    m1, m2, m3 = st.columns(3)
    m1.metric("Normal equation w", f"[{w_star[0]:.3f}, {w_star[1]:.3f}]",
              help=f"loss {linreg.loss(X, data.y, w_star):.4f}")
    m2.metric(f"Gradient descent w at step {shown}", f"[{w_t[0]:.3g}, {w_t[1]:.3g}]",
              delta=f"{trace[shown].loss - linreg.loss(X, data.y, w_star):.2e} above the minimum", delta_color="off")
    m3.metric("Largest stable η", f"{bound:.4f}", help="GD on a quadratic converges iff η < 2 / λmax(XᵀX / n)")
    if shown < t:
        st.caption(f"The run overflowed after step {shown}; steps {shown + 1}–{t} are off every scale.")
    if diverged or lr >= bound:
        st.warning(f"η = {lr} is above 2/λmax = {bound:.4f}: each step overshoots the valley and the loss grows.")

    xs = np.linspace(-2.2, 2.2, 2)
    lines = pd.DataFrame({"x": np.concatenate([xs, xs]),
                          "y": np.concatenate([w_star[0] + w_star[1] * xs, w_t[0] + w_t[1] * xs]),
                          "fit": ["normal equation"] * 2 + [f"gradient descent, step {shown}"] * 2})
    left, right = st.columns(2)
    ui.chart(left, viz.fit_chart(data.x, data.y, lines), width="stretch")
    W0, W1, L = linreg.loss_surface(X, data.y, (-4, 4), (-4, 5), n=45)
    path = pd.DataFrame({"w0": [s.w[0] for s in trace[: shown + 1]], "w1": [s.w[1] for s in trace[: shown + 1]],
                         "step": [s.step for s in trace[: shown + 1]]})
    ui.chart(right, viz.loss_surface_chart(W0, W1, L, path, w_star), width="stretch")
    curve = pd.DataFrame({"step": [s.step for s in trace], "loss": [s.loss for s in trace]})
    ui.chart(st, viz.loss_curve_chart(curve, steps=steps, title=f"Loss per gradient-descent step, 0 to {steps}",
                                         floor=linreg.loss(X, data.y, w_star)), width="stretch")
    st.caption("The axes stay put: above the stable η the line and the path leave the frame. Try the two buttons: "
               "just below, the path zig-zags but settles; just above, every step overshoots a little further.")
    ui.show_code(linreg.normal_equation, linreg.fit, linreg.gradient_descent, linreg.max_stable_lr)
