"""What the semi-supervised tabs share: the tick, the switch marks, the cached ShapesWorld split and burn-in detector."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import ui

TICK_S = 1.5  # a live fragment reruns this often while a run is going


def switches(history: list[dict]) -> list[dict]:
    """Steps where the method (or box jittering) changed, for vertical rules on every chart."""
    from core.viz.ssl import switch_marks

    return switch_marks([(r["step"], r["label"]) for r in history])


@st.cache_resource(show_spinner="Generating ShapesWorld...")
def det_data(seed: int, fraction: float):
    from core.learn.ssl import det_data

    return det_data.load_shapes(seed, fraction)  # shared, read-only: the loop only indexes into it


@ui.cached_model
def burn_in():
    import torch

    from core.learn.ssl import detector
    from core.learn.ssl.burn_in import load_burn_in

    model, why = load_burn_in(0.10)  # never trained here: every loop deep-copies it
    if model is not None:
        detector.predict(model, torch.zeros(1, 3, 128, 128))  # warm the kernels once, not on the first step
    return model, why


def burn_in_or_warn():
    """The burn-in detector, or None after saying in the page why there is none."""
    model, why = burn_in()
    if model is None:
        st.warning(f"No burn-in detector: {why}.")
    return model, why


def label(e) -> str:
    from core.learn.ssl.detect import METHOD_NAMES

    return METHOD_NAMES[e.method] + (" + jittering" if e.box_jitter and e.method != "supervised" else "")
