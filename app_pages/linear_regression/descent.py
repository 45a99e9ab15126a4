"""The Gradient descent on your data tab: the loop-style gradientDescent of the course notes against the
vectorised stepper, the curvatures that set the stable step, and one step written out with your numbers."""
import numpy as np
import pandas as pd
import streamlit as st

from app_pages.parts import ui
from core.learn import linreg
from core.viz import linreg as viz


def render(dataset) -> None:
    """dataset: the Your data tab's choice, or None."""
    if dataset is None:
        st.info("Choose or fix the data in the *Your data* tab first.")
    else:
        c1, c2, c3 = st.columns(3)
        std = c1.checkbox("Standardise the features (zero mean, unit variance)", True, key="lin_gd_std", bind="query-params")
        d_gd = dataset.standardised() if std else dataset
        Xg, yg = d_gd.X, d_gd.y
        gd_bound = linreg.max_stable_lr(Xg)
        frac = c2.slider("η as a fraction of the stable bound", 0.05, 1.5, 0.9, 0.01, key="lin_gd_frac", bind="query-params",
                         help="1.00 is 2/λmax exactly; 0.99 and 1.01 are either side of it")
        k = c3.slider("Iterations", 1, 500, 100, key="lin_gd_steps", bind="query-params")
        eta = frac * gd_bound
        run = linreg.compare_with_notes(Xg, yg, eta, k)
        w_min = linreg.fit(Xg, yg).w
        m = st.columns(3)
        m[0].metric("η (stable below 2/λmax)", f"{eta:.4g}", help=f"2/λmax(XᵀX/n) = {gd_bound:.4g}")
        m[1].metric("max |θ_loop − θ_vectorised|", f"{run.max_difference:.1e}" if np.isfinite(run.max_difference)
                    else "both overflowed", help="KeyPoint's loop-style gradientDescent and its vectorised stepper, same η and start; "
                    f"relative to max |θ|: {run.relative_difference:.1e}")
        dist = float(np.linalg.norm(run.w - w_min))
        m[2].metric(f"Distance to the minimum after {k} steps", f"{dist:.3g}", help="‖θ − w*‖, w* from the QR fit")
        if run.diverged:
            st.warning(f"η = {eta:.4g} is above 2/λmax = {gd_bound:.4g}: the cost grows every iteration.")
        curves = pd.DataFrame({"step": np.tile(np.arange(1, k + 1), 2), "loss": np.concatenate([run.J_notes, run.losses]),
                               "run": ["KeyPoint's loop-style gradientDescent"] * k + ["KeyPoint's vectorised stepper"] * k})
        ui.chart(st, viz.two_runs_chart(curves, k, floor=linreg.loss(Xg, yg, w_min),
                                           cap=10 * linreg.loss(Xg, yg, np.zeros(Xg.shape[1]))), width="stretch")
        lam_min, lam_max = linreg.curvatures(Xg)
        st.caption(f"The curvatures of the loss (eigenvalues of XᵀX/n) run from λmin = {lam_min:.3g} to λmax = "
                   f"{lam_max:.3g}. Each step shrinks the error along a direction by |1 − ηλ|: λmax sets the stable "
                   f"bound 2/λmax, and the flattest direction only shrinks by {abs(1 - eta * lam_min):.4f} per step, "
                   "which is why the cost can look flat while θ is still far from the minimum (correlated features "
                   "make λmin small).")
        st.markdown("**One step with your numbers**, from θ = 0: the residuals $r = X\\theta - y$, then "
                    "$\\nabla L = \\tfrac{1}{n}X^\\top r$, then the update.")
        for line in linreg.one_step_latex(linreg.one_step(Xg, yg, np.zeros(Xg.shape[1]), eta),
                                          ["bias"] + d_gd.feature_names, rows=3):
            st.latex(line)
        ui.show_code(linreg.gradient_descent_notes, linreg.computeCost, linreg.gradient_descent, linreg.one_step)
