"""Altair charts for the Sequence models page: next-word bars, perplexity, training curves, gate
heatmaps. Every function takes plain rows or arrays and only arranges them."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

CENTRED = ("h", "candidate n", "candidate g", "cell c")  # tanh-valued: centre the colour scale at 0, gates at 0.5


def next_word_chart(dist: list[tuple[str, float]], title: str) -> alt.Chart:
    """P(next word | context) as horizontal bars, most likely first."""
    df = pd.DataFrame(dist, columns=["next word", "P"])
    return alt.Chart(df).mark_bar().encode(
        x="P:Q", y=alt.Y("next word:N", sort="-x", axis=alt.Axis(labelOverlap=False)), tooltip=["next word", "P"]
    ).properties(title=title, height=300)


def ngram_perplexity_chart(ns: list[int], perplexities: list[float], title: str) -> alt.Chart:
    df = pd.DataFrame({"n": ns, "perplexity": perplexities})
    return alt.Chart(df).mark_line(point=True).encode(
        x="n:O", y=alt.Y("perplexity:Q", scale=alt.Scale(type="log"))).properties(title=title, height=260)


def training_curve_chart(steps: list[int], bits: list[float], title: str) -> alt.Chart:
    df = pd.DataFrame({"step": steps, "train": bits})
    return alt.Chart(df).mark_line().encode(x="step", y=alt.Y("train", title="bits per character")).properties(
        title=title, height=180)


def gate_heatmap(chars: str, values: np.ndarray, gate: str) -> alt.Chart:
    """values [T, H]: one gate (or the hidden state) per time step and unit."""
    df = pd.DataFrame([(t, f"{t:02d} {repr(c)[1:-1]}", u, float(values[t, u]))
                       for t, c in enumerate(chars) for u in range(values.shape[1])],
                      columns=["t", "char", "unit", "value"])
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("char:N", sort=None, title="time step (input character)"), y=alt.Y("unit:O", title="hidden unit"),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domainMid=0 if gate in CENTRED else 0.5)),
        tooltip=["char", "unit", "value"]).properties(title=f"{gate} at every step", height=320)
