"""Linear regression: the normal equation as a projection, solved well, on your own data, against gradient descent."""
import numpy as np
import pandas as pd
import streamlit as st

from app_pages.parts import export, present, ui
from core.learn import linreg
from core.learn.linreg import cost
from core.viz import linreg as viz

st.title("Linear regression")
st.markdown("Fit $y \\approx Xw$ two ways. The **normal equation** $X^\\top X\\,w = X^\\top y$ jumps straight to the "
            "minimum of the squared error; **gradient descent** walks downhill, "
            "$w \\leftarrow w - \\eta \\cdot \\frac{1}{n} X^\\top (Xw - y)$.")
tab_line, tab_proj, tab_data, tab_gd, tab_cost = st.tabs(
    ["One feature, two ways", "Projection", "Your data: solving it well", "Gradient descent on your data",
     "Cost as the problem grows"], key="lin_tab", bind="query-params")

# ---------------------------------------------------------------- one feature, two ways
with st.sidebar.expander("Data (first tab)", expanded=True):
    n = st.slider("Points", 5, 500, 50, key="lin_n", bind="query-params")
    noise = st.slider("Noise", 0.0, 3.0, 0.5, 0.1, key="lin_noise", bind="query-params")
    slope = st.slider("True slope", -3.0, 3.0, 2.0, 0.1, key="lin_slope", bind="query-params")
    intercept = st.slider("True intercept", -3.0, 3.0, -1.0, 0.1, key="lin_intercept", bind="query-params")

data = linreg.make_data(n=n, slope=slope, intercept=intercept, noise=noise, seed=ui.seed())
X = linreg.design_matrix(data.x)
w_star = linreg.normal_equation(X, data.y)
bound = linreg.max_stable_lr(X)


def _set_eta(key: str, value: float) -> None:
    st.session_state[key] = round(value, 4)


with tab_line:
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

# ---------------------------------------------------------------- projection
with tab_proj:
    st.markdown("The normal equation is a **projection**: $Xw$ is the point of the column space of $X$ nearest "
                "to $y$, so the error $e = y - Xw$ is perpendicular to every column ($X^\\top e = 0$, which *is* "
                "$X^\\top X w = X^\\top y$).")
    st.subheader("In 2-D: b onto the line through a")
    c = st.columns(6)
    a = np.array([c[0].slider("a₁", -3.0, 3.0, 2.0, 0.1, key="lin_pj_a1", bind="query-params"), c[1].slider("a₂", -3.0, 3.0, 1.0, 0.1, key="lin_pj_a2", bind="query-params")])
    b = np.array([c[2].slider("b₁", -3.0, 3.0, 0.5, 0.1, key="lin_pj_b1", bind="query-params"), c[3].slider("b₂", -3.0, 3.0, 2.5, 0.1, key="lin_pj_b2", bind="query-params")])
    a = a * c[4].select_slider("scale a by", [0.5, 1.0, 2.0], 1.0, key="lin_pj_sa", bind="query-params")
    b = b * c[5].select_slider("scale b by", [0.5, 1.0, 2.0], 1.0, key="lin_pj_sb", bind="query-params")
    with ui.friendly_errors("Projection onto a line"):
        pr = linreg.project_onto_line(a, b)
        left, right = st.columns([3, 2])
        along = [-4 * a / np.linalg.norm(a), 4 * a / np.linalg.norm(a)]
        ui.chart(left, viz.vectors_chart({"a": a, "b": b, "p": pr.p, "e = b − p": pr.e}, {"e = b − p": pr.p},
                                            extent=6.5, span=along, title="p = a (aᵀb)/(aᵀa), e ⟂ a", size=420),
                          width="content")
        right.latex(f"\\hat x = \\frac{{a^\\top b}}{{a^\\top a}} = \\frac{{{a @ b:.3g}}}{{{a @ a:.3g}}} = {pr.x_hat[0]:.4g}")
        right.latex(f"p = \\hat x\\,a = ({pr.p[0]:.3f},\\ {pr.p[1]:.3f}),\\quad e\\cdot a = \\text{{{pr.e @ a:.1e}}}")
        right.latex("P = \\frac{aa^\\top}{a^\\top a} = \\begin{pmatrix}" + " \\\\ ".join(
            " & ".join(f"{v:.3f}" for v in row) for row in pr.P) + "\\end{pmatrix}")
        p2a, p2b = linreg.project_onto_line(2 * a, b).p, linreg.project_onto_line(a, 2 * b).p
        right.markdown(f"max |Pᵀ − P| = {pr.symmetry_error:.1e}, max |P² − P| = {pr.idempotence_error:.1e}.  \n"
                       f"With **2a**: p = ({p2a[0]:.3f}, {p2a[1]:.3f}), unchanged (the line is the same).  \n"
                       f"With **2b**: p = ({p2b[0]:.3f}, {p2b[1]:.3f}), doubled (P is linear).")

    st.subheader("In 3-D: b onto the plane of a₁ and a₂")
    cols = st.columns(3)
    defaults = {"a1": (1.0, 0.0, 0.2), "a2": (0.3, 1.0, 0.4), "b": (1.0, 1.5, 2.0)}
    vec = {name: np.array([cols[k].number_input(f"{name} {'xyz'[i]}", -5.0, 5.0, v, 0.1, key=f"lin_pj3_{name}_{i}", bind="query-params")
                           for i, v in enumerate(vals)]) for k, (name, vals) in enumerate(defaults.items())}
    with ui.friendly_errors("Projection onto a plane"):
        A = np.column_stack([vec["a1"], vec["a2"]])  # [3, 2]
        pr3 = linreg.project(A, vec["b"])
        corners = [s * vec["a1"] + t * vec["a2"] for s, t in [(-2, -2), (2, -2), (2, 2), (-2, 2), (-2, -2)]]
        arrows = {"a1": vec["a1"], "a2": vec["a2"], "b": vec["b"], "p": pr3.p, "e = b − p": pr3.e}
        v1, v2 = st.columns(2)
        ui.chart(v1, viz.vectors_chart(arrows, {"e = b − p": pr3.p}, extent=3.5, axes=(0, 1), axis_titles=("x", "y"),
                                          span=corners, title="Seen from above (x, y)", size=340), width="content")
        ui.chart(v2, viz.vectors_chart(arrows, {"e = b − p": pr3.p}, extent=3.5, axes=(0, 2), axis_titles=("x", "z"),
                                          span=corners, title="Seen from the side (x, z)", size=340), width="content")
        st.markdown(f"$\\hat x = ({pr3.x_hat[0]:.3f}, {pr3.x_hat[1]:.3f})$, $p = A\\hat x$ = "
                    f"({', '.join(f'{v:.3f}' for v in pr3.p)}), $A^\\top e$ = "
                    f"({', '.join(f'{v:.1e}' for v in pr3.orthogonality)}). "
                    f"$P = A(A^\\top A)^{{-1}}A^\\top$: max |Pᵀ − P| = {pr3.symmetry_error:.1e}, "
                    f"max |P² − P| = {pr3.idempotence_error:.1e}, trace P = {np.trace(pr3.P):.3f} (it keeps a plane).")
        st.dataframe(pd.DataFrame(pr3.P, columns=list("xyz"), index=list("xyz")).style.format("{:.4f}"))
    ui.show_code(linreg.project_onto_line, linreg.project, linreg.projection_matrix)

# ---------------------------------------------------------------- your data
COLLINEARITY = [0.0, 0.5, 0.9, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10, 1.0]  # cond(X) ~ 1/(1 − c)
with tab_data:
    source = st.radio("Data", ["Generated", "Sample CSV", "Upload a CSV"], horizontal=True, key="lin_src", bind="query-params")
    dataset = None
    with ui.friendly_errors("This data"):
        if source == "Generated":
            g = st.columns(4)
            dataset = linreg.make_features(
                n=g[0].slider("Rows n", 5, 1000, 100, key="lin_gn", bind="query-params"), d=g[1].slider("Features d", 1, 8, 3, key="lin_gd", bind="query-params"),
                collinearity=g[2].select_slider(
                    "x2 = c·x1 + (1 − c)·noise", COLLINEARITY, 0.9, key="lin_gc", bind="query-params",
                    format_func=lambda c: f"c = 1 − {1 - c:.0e}" if 0.999 < c < 1 else f"c = {c:g}"),
                noise=g[3].slider("Noise", 0.0, 2.0, 0.5, 0.1, key="lin_gnoise", bind="query-params"), seed=ui.seed())
        else:
            st.download_button("Download the sample CSV", linreg.sample_csv(), "houses.csv", "text/csv", key="lr_dl")
            delim = st.selectbox("Delimiter", list(linreg.data.DELIMITERS), key="lin_delim", bind="query-params",
                                 format_func=lambda s: linreg.data.DELIMITERS[s])
            if source == "Sample CSV":
                raw, name = linreg.sample_csv(), "houses.csv"
            else:
                up = st.file_uploader("A CSV with a header row", type=["csv", "txt", "tsv"], key="lr_upload")
                raw, name = (up.getvalue(), up.name) if up is not None else (None, "")
            if raw is None:
                st.info("Choose a CSV, or pick *Sample CSV*.")
            else:
                frame = linreg.read_csv(raw, delim)
                file_id = (name, len(raw), hash(raw), delim)
                if st.session_state.get("lr_file") != file_id:  # a new file: its own columns, fresh choices
                    st.session_state["lr_file"] = file_id
                    for k in ("lin_target", "lin_feats"):
                        st.session_state.pop(k, None)
                c1, c2 = st.columns([1, 2])
                target = c1.selectbox("Target column", list(frame.columns), len(frame.columns) - 1, key="lin_target", bind="query-params")
                feats = c2.multiselect("Feature columns", [c for c in frame.columns if c != target],
                                       [c for c in frame.columns if c != target], key="lin_feats", bind="query-params")
                dataset = linreg.dataset_from_frame(frame, target, feats)
                st.caption(f"**{name}**: {len(frame)} rows, target *{target}*, {len(feats)} feature(s).")
    if dataset is not None:
        report = linreg.compare_solvers(dataset.X, dataset.y)
        m = st.columns(3)
        m[0].metric("cond(X)", f"{report.cond_X:.3g}")
        m[1].metric("cond(XᵀX)", f"{report.cond_XtX:.3g}",
                    help=f"cond(X)² = {report.cond_X ** 2:.3g} in exact arithmetic; computed, it saturates near 1/ε")
        m[2].metric("rank of X", f"{report.rank} of {report.d}")
        if report.collinear:
            st.warning("The columns are **collinear**: XᵀX is singular, so infinitely many w fit equally well. "
                       "`solve` and `inv` return noise (or refuse); `lstsq` and `pinv` return the **minimum-norm** "
                       "solution, the one with the smallest ‖w‖ — KeyPoint's fit does the same.  \n"
                       f"Here v = ({', '.join(f'{c:.3f}' for c in report.flattest)}) has ‖Xv‖ = "
                       f"{np.linalg.norm(dataset.X @ report.flattest):.1e}: w and w + t·v predict the same for "
                       "every t, and the minimum-norm w is the one with no v in it.")
        elif report.cond_XtX > 1e8:
            st.warning(f"cond(XᵀX) = {report.cond_XtX:.1e}: solving the normal equations keeps only about "
                       f"{max(0, 16 - np.log10(report.cond_XtX)):.0f} of float64's 16 digits; QR keeps about "
                       f"{max(0, 16 - np.log10(report.cond_X)):.0f}.")
        st.dataframe(report.table(["bias"] + dataset.feature_names).style.format(
            {"max |w − w_lstsq|": "{:.1e}", "‖Xw − y‖": "{:.6g}", "‖w‖": "{:.6g}"}, precision=4), hide_index=True)
        export.csv(report.table(["bias"] + dataset.feature_names), "solvers", dataset.target_name,
                   label="Solver comparison (CSV)")
        w = linreg.fit(dataset.X, dataset.y).w
        left, right = st.columns(2)
        ui.chart(left, viz.predictions_chart(dataset.y, dataset.X @ w, dataset.target_name), width="stretch")
        ui.chart(right, viz.condition_chart(linreg.condition_sweep(), mark_cond=report.cond_X), width="stretch")
    st.markdown(
        "**Why squaring the condition number hurts.** float64 carries about 16 significant digits "
        "(ε ≈ 2.2e-16), and solving a system with condition number κ can lose about log₁₀κ of them. "
        "Forming XᵀX squares κ: with cond(X) = 1e8 the normal equations have cond 1e16 and no digit of w survives, "
        "while a factorisation of X itself (QR: R w = Qᵀy, or the SVD behind `lstsq` and `pinv`) only loses 8. "
        "The chart on the right shows it: the errors of `solve`/`inv` follow ε·cond², those of QR/lstsq ε·cond. "
        "(scikit-learn's `LinearRegression` is lstsq with a cut-off: it drops singular values below 1e-6·σmax, "
        "a silent regularisation once cond(X) passes 1e6.)")
    ui.show_code(linreg.fit, linreg.compare_solvers, linreg.dataset_from_frame)

# ---------------------------------------------------------------- gradient descent on your data
with tab_gd:
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

# ---------------------------------------------------------------- cost as the problem grows
with tab_cost:
    st.markdown("The normal equation forms XᵀX (n·d² multiply-adds) and factors it (d³/3): **O(nd² + d³)**, once. "
                "Gradient descent does two matrix-vector products per step: **O(ndk)** for k steps. By the counts, "
                "gradient descent wins once it needs fewer steps than there are features (k < d). The "
                "measurements show how much the constants matter.")
    if st.button("Measure on this machine (about 1–2 s)", key="lr_cost_run"):
        st.session_state["lr_cost"] = cost.fit_models(cost.measure())
    if "lr_cost" in st.session_state:
        timings = st.session_state["lr_cost"]
        ui.chart(st, viz.cost_chart(timings), width="stretch")
        st.caption(f"Each point is the best of {cost.CostConfig.repeats} timings on one BLAS thread; the dashed "
                   f"curves are c·(nd² + d³) and c·ndk (k = {cost.CostConfig.steps} steps), each c fitted to its "
                   "method's measurements. The counts leave out that forming XᵀX is a matrix-matrix product, which "
                   "runs many times more operations per second than gradient descent's matrix-vector products: on "
                   "a CPU the crossover comes at far larger d than the operation counts alone suggest.")
        st.dataframe(timings, hide_index=True)
    ui.show_code(cost.measure, cost.fit_models)
