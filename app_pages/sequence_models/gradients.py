"""Sequence models, tab "Vanishing gradients & clipping": how far back a gradient reaches through an RNN and
an LSTM, and a plain RNN trained with and without clipping the gradient norm (on a button)."""
import pandas as pd
import streamlit as st

from app_pages.parts import export, progress, ui
from app_pages.sequence_models.common import char_text
from core.text.rnn import view as sequence_lab
from core.viz import sequence as charts


@st.cache_data(show_spinner=False, max_entries=8)
def clip_runs(theta: float, lr: float, steps: int, seed: int, _on_progress=None) -> list[dict]:
    return sequence_lab.clipping_runs(char_text(seed), theta, lr, steps, seed, on_progress=_on_progress)


gradient_study = st.cache_data(show_spinner=False, max_entries=32)(sequence_lab.gradient_study)


def render(seed: int) -> None:
    c1, c2, c3 = st.columns(3)
    T = c1.slider("Sequence length", 10, 120, 60, 10, key="seq_grad_T", bind="query-params")
    scale = c2.slider("Recurrent weight scale", 0.5, 3.0, 1.0, 0.25, key="seq_grad_scale", bind="query-params")
    fb = c3.slider("LSTM forget-gate bias", 0.0, 3.0, 2.0, 0.5, key="seq_grad_fb", bind="query-params")
    ui.chart(st, charts.gradient_chart(gradient_study(T, scale, fb, seed)), width="stretch")
    st.caption("A plain RNN multiplies one Jacobian diag(1 − h²)·W per step back: the gradient shrinks geometrically "
               "(raise the weight scale and it can explode instead). The LSTM's cell path is scaled only by the "
               "forget gate, so with a forget bias near 2 its gradient reaches far back.")
    st.markdown("**Gradient clipping**: a plain RNN trained with plain SGD at a large step, with and without clipping "
                "the global gradient norm to θ.")
    c1, c2, c3 = st.columns(3)
    theta = c1.select_slider("θ", [0.25, 0.5, 1.0, 2.0, 5.0], value=1.0, key="seq_clip_theta", bind="query-params")
    lr = c2.select_slider("Learning rate (SGD)", [1.0, 2.0, 5.0, 10.0, 50.0], value=5.0, key="seq_clip_lr", bind="query-params")
    if c3.button("Train both (80 steps each)", key="clip_go"):
        st.session_state["clip_settings"] = (theta, lr)
    if "clip_settings" in st.session_state:
        with progress.bar("Training with and without clipping", 160) as bar:
            rows = clip_runs(*st.session_state["clip_settings"], 80, seed, _on_progress=bar)
        a, b = st.columns(2)
        ui.chart(a, charts.runs_chart(rows, "bits per character", "Training loss"), width="stretch")
        norms = [{"run": f"{r['run']}: {w}", "step": r["step"], "gradient norm": r[k]} for r in rows
                 for w, k in (("before", "norm before"), ("after", "norm after")) if r["run"] != "no clipping" or w == "before"]
        ui.chart(b, charts.runs_chart(norms, "gradient norm", "Gradient norm per step", log=True), width="stretch")
        export.csv(pd.DataFrame(rows), "clipping", theta=st.session_state["clip_settings"][0],
                   lr=st.session_state["clip_settings"][1], seed=seed, label="Both runs (CSV)")
        if any(r["diverged"] for r in rows):
            st.warning("The unclipped run diverged (its loss became infinite) and stopped there.")
    from core.text.rnn import gradients

    ui.show_code(gradients.rnn_bptt, gradients.clip_by_global_norm)
