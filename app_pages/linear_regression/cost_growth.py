"""The Cost as the problem grows tab: the normal equation's O(nd² + d³) against gradient descent's O(ndk),
measured on this machine."""
import streamlit as st

from app_pages.parts import ui
from core.learn.linreg import cost
from core.viz import linreg as viz


def render() -> None:
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
