"""Altair charts for BERT's pre-training tab: the three input embeddings, the masking recipe,
fill-mask candidates and next-sentence scores."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def embeddings_chart(tokens: list[str], parts: dict[str, np.ndarray], dims: int = 32) -> alt.Chart:
    """parts: name -> [T, D] (token, segment, position, sum, after LayerNorm); the first `dims`
    dimensions of each as a tokens x dimensions heat map, side by side, each part divided by its
    own largest |value| (the raw embeddings are ~0.05, the LayerNorm output ~1)."""
    frames = []
    labels = [f"{i}: {t}" for i, t in enumerate(tokens)]
    for k, (name, M) in enumerate(parts.items()):
        M = np.asarray(M)[:, :dims]
        M = M / (np.abs(M).max() + 1e-12)
        r, c = np.indices(M.shape)
        frames.append(pd.DataFrame({"token": np.asarray(labels)[r.ravel()], "pos": r.ravel(), "dimension": c.ravel(),
                                    "value": M.ravel().astype(np.float64), "part": name, "order": k}))
    df = pd.concat(frames)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("dimension:O", title="dimension", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("token:N", title=None, sort=labels),
        color=alt.Color("value:Q", title="value / part's max |value|",
                        scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True)),
        tooltip=["part", "token", "dimension", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=150, height=14 * len(tokens)).facet(
        column=alt.Column("part:N", title=None, sort=list(parts)), spacing=6,
    ).properties(title=f"The input embeddings, first {dims} dimensions")


def fill_mask_chart(rows: pd.DataFrame, title: str = "What the masked-LM head predicts") -> alt.Chart:
    """rows: slot (e.g. '3: [MASK] (was cat)'), token, probability."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("probability:Q", title="probability", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("token:N", title=None, sort="-x"),
        color=alt.Color("slot:N", title=None, legend=None),
        tooltip=["slot", "token", alt.Tooltip("probability:Q", format=".3f")],
    ).properties(width=220, height=110).facet(facet=alt.Facet("slot:N", title=None), columns=3).resolve_scale(
        y="independent").properties(title=title)


def nsp_chart(rows: pd.DataFrame, title: str = "Next-sentence head: P(IsNext)") -> alt.Chart:
    """rows: pair (label), score (P(IsNext)), truth ('IsNext' | 'NotNext')."""
    bars = alt.Chart(rows).mark_bar().encode(
        x=alt.X("score:Q", title="P(IsNext)", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("pair:N", title=None, sort=None),
        color=alt.Color("truth:N", title="really", scale=alt.Scale(domain=["IsNext", "NotNext"],
                                                                   range=["#54a24b", "#e45756"])),
        tooltip=["pair", "truth", alt.Tooltip("score:Q", title="P(IsNext)", format=".3f")])
    rule = alt.Chart(rows).mark_rule(strokeDash=[4, 3], color="gray").encode(x=alt.datum(0.5))  # the 50% line
    return (bars + rule).properties(title=title, width=420, height=alt.Step(26))


def recipe_tally_chart(counts: dict[str, int], title: str) -> alt.Chart:
    """counts: {"mask", "random", "keep"} -> how many chosen tokens got that treatment; bars of the share."""
    n = max(sum(counts.values()), 1)
    names = {"mask": "[MASK]", "random": "random word", "keep": "unchanged"}
    df = pd.DataFrame({"became": [names[k] for k in counts], "count": list(counts.values()),
                       "share": [v / n for v in counts.values()]})
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("share:Q", title="share of the chosen tokens", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("became:N", title=None, sort=list(names.values())),
        color=alt.Color("became:N", legend=None, sort=list(names.values())),
        tooltip=["became", "count", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=title, width=260, height=alt.Step(24))
