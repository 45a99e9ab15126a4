"""Linear regression: the normal equation vs gradient descent on the same points."""
import numpy as np
import pandas as pd
import streamlit as st

from core.learn import linreg
from core.viz import linreg as viz
from app_pages.parts import ui

st.title("Linear regression")
st.markdown("Fit a line $y \\approx w_0 + w_1 x$ to noisy points two ways. The **normal equation** "
            "$X^\\top X\\,w = X^\\top y$ jumps straight to the minimum of the squared error; "
            "**gradient descent** walks downhill, $w \\leftarrow w - \\eta \\cdot \\frac{1}{n} X^\\top (Xw - y)$.")

with st.sidebar.expander("Data", expanded=True):
    n = st.slider("Points", 5, 500, 50, key="lr_n")
    noise = st.slider("Noise", 0.0, 3.0, 0.5, 0.1, key="lr_noise")
    slope = st.slider("True slope", -3.0, 3.0, 2.0, 0.1, key="lr_slope")
    intercept = st.slider("True intercept", -3.0, 3.0, -1.0, 0.1, key="lr_intercept")

data = linreg.make_data(n=n, slope=slope, intercept=intercept, noise=noise, seed=ui.seed())
X = linreg.design_matrix(data.x)
w_star = linreg.normal_equation(X, data.y)
bound = linreg.max_stable_lr(X)

c1, c2 = st.columns(2)
lr = c1.select_slider("Learning rate η", options=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 0.8, 1.0, 1.5], value=0.1,
                      key="lr_eta")
steps = c2.slider("Gradient-descent steps", 1, 300, 60, key="lr_steps")
trace = list(linreg.gradient_descent(X, data.y, lr=lr, steps=steps, w0=np.array([-3.0, -2.0])))
diverged = len(trace) <= steps or not np.isfinite(trace[-1].loss)
t = st.slider("Replay: step", 0, len(trace) - 1, len(trace) - 1, key="lr_replay")
w_t = trace[t].w

m1, m2, m3 = st.columns(3)
m1.metric("Normal equation w", f"[{w_star[0]:.3f}, {w_star[1]:.3f}]",
          help=f"loss {linreg.loss(X, data.y, w_star):.4f}")
m2.metric(f"Gradient descent w at step {t}", f"[{w_t[0]:.3g}, {w_t[1]:.3g}]",
          delta=f"{trace[t].loss - linreg.loss(X, data.y, w_star):.2e} above the minimum", delta_color="inverse")
m3.metric("Largest stable η", f"{bound:.3f}", help="GD on a quadratic converges iff η < 2 / λmax(XᵀX / n)")
if diverged or lr >= bound:
    st.warning(f"η = {lr} is above 2/λmax = {bound:.3f}: each step overshoots the valley and the loss grows.")

xs = np.linspace(-2.2, 2.2, 2)
lines = pd.DataFrame({"x": np.concatenate([xs, xs]),
                      "y": np.concatenate([w_star[0] + w_star[1] * xs, w_t[0] + w_t[1] * xs]),
                      "fit": ["normal equation"] * 2 + [f"gradient descent, step {t}"] * 2})
left, right = st.columns(2)
left.altair_chart(viz.fit_chart(data.x, data.y, lines), width="stretch")

finite = [s for s in trace if np.isfinite(s.loss) and np.abs(s.w).max() < 50]
W0, W1, L = linreg.loss_surface(X, data.y, (-4, 4), (-4, 5), n=45)
path = pd.DataFrame({"w0": [s.w[0] for s in finite[: t + 1]], "w1": [s.w[1] for s in finite[: t + 1]],
                     "step": [s.step for s in finite[: t + 1]]})
right.altair_chart(viz.loss_surface_chart(W0, W1, L, path, w_star), width="stretch")

curve = pd.DataFrame({"step": [s.step for s in finite], "loss": [s.loss for s in finite]})
st.altair_chart(viz.loss_curve_chart(curve), width="stretch")
st.caption("Try η just below and just above the largest stable value: below, the path zig-zags but settles; "
           "above, every step overshoots further.")
ui.show_code(linreg.normal_equation, linreg.gradient_descent)
