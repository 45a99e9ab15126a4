"""The Projection tab: the normal equation as a projection, b onto a line in 2-D and onto a plane in 3-D."""
import numpy as np
import pandas as pd
import streamlit as st

from app_pages.parts import ui
from core.learn import linreg
from core.viz import linreg as viz


def render() -> None:
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
