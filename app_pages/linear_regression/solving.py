"""The Your data tab: generated, sample or uploaded data, every solver side by side, and why squaring the
condition number (the normal equations) loses digits that QR and lstsq keep."""
import numpy as np
import streamlit as st

from app_pages.parts import export, ui
from core.learn import linreg
from core.viz import linreg as viz


COLLINEARITY = [0.0, 0.5, 0.9, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10, 1.0]  # cond(X) ~ 1/(1 − c)


def render():
    """Returns the chosen data set (a linreg Dataset), or None while there is none."""
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
    return dataset
