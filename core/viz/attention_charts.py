"""Altair charts for the Attention lab: heatmaps, small multiples, the model view, bars.

Every chart takes the real tensors (from core.text.attention) and only arranges them. Long prompts
are pooled into blocks so a heatmap stays a few thousand cells: rows (queries) are averaged, columns
(keys) are summed, so each pooled row still sums to 1.
"""
from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import torch

SCHEME = "blues"
WEIGHT_SCALE = dict(domain=[0.0, 1.0], range=["#ffffff", "#08306b"])  # 0 is white: a masked cell shows empty


def token_labels(tokens: list[str]) -> list[str]:
    """Unique, readable axis labels: "3 ␣cat" (position, token with its leading space shown)."""
    return [f"{i} {t.replace(' ', '␣').replace(chr(10), '⏎') or '∅'}" for i, t in enumerate(tokens)]


def pool(A: torch.Tensor, labels: list[str], max_side: int) -> tuple[torch.Tensor, list[str], int]:
    """A [..., T, T] -> [..., n, n] with n <= max_side, block size b. Returns (pooled, labels, b)."""
    T = A.shape[-1]
    b = max(1, math.ceil(T / max_side))
    if b == 1:
        return A, labels, 1
    n = math.ceil(T / b)
    pad = n * b - T
    Ap = torch.nn.functional.pad(A, (0, pad, 0, pad)) if pad else A  # zeros add nothing to the sums
    Ap = Ap.reshape(*A.shape[:-2], n, b, n, b).sum(dim=(-3, -1))  # keys summed per block, queries summed ...
    counts = torch.full((n,), float(b))
    counts[-1] = b - pad
    Ap = Ap / counts[:, None]  # ... then averaged: rows still sum to 1
    names = [f"{i * b}–{min(T, (i + 1) * b) - 1}" for i in range(n)]
    return Ap, names, b


def _long(A: torch.Tensor, labels: list[str], **extra) -> pd.DataFrame:
    """[n, n] matrix -> long table (query, key, weight, extra columns), row-major."""
    n = A.shape[-1]
    lab = np.asarray(labels, dtype=object)
    df = pd.DataFrame({"query": np.repeat(lab, n), "key": np.tile(lab, n), "weight": A.reshape(-1).numpy()})
    for k, v in extra.items():
        df[k] = v
    return df


def heatmap(A: torch.Tensor, tokens: list[str], title: str = "", max_side: int = 48, size: int = 380,
            scheme: str = SCHEME, domain: tuple[float, float] | None = (0.0, 1.0)) -> alt.Chart:
    """One attention matrix [T, T] (query rows, key columns)."""
    labels = token_labels(tokens)
    A, labels, b = pool(A, labels, max_side)
    df = _long(A, labels)
    scale = alt.Scale(**WEIGHT_SCALE) if domain == (0.0, 1.0) else alt.Scale(scheme=scheme)
    title = title + (f" (pooled in blocks of {b} tokens)" if b > 1 else "")
    return alt.Chart(df, title=title).mark_rect().encode(
        x=alt.X("key:N", sort=labels, title="key (attended to)"),
        y=alt.Y("query:N", sort=labels, title="query (attending)"),
        color=alt.Color("weight:Q", scale=scale),
        tooltip=["query", "key", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=size, height=size)


def small_multiples(W: torch.Tensor, tokens: list[str], max_side: int = 24, size: int = 150,
                    title: str = "") -> alt.Chart:
    """Every head of one layer: W [H, T, T] -> one small heatmap per head."""
    labels = token_labels(tokens)
    P, lab, _ = pool(W, labels, max_side)  # [H, n, n], all heads at once
    frames = [_long(P[h], lab, head=f"head {h}") for h in range(W.shape[0])]
    df = pd.concat(frames)
    return alt.Chart(df, title=title).mark_rect().encode(
        x=alt.X("key:N", sort=lab, axis=None), y=alt.Y("query:N", sort=lab, axis=None),
        color=alt.Color("weight:Q", scale=alt.Scale(**WEIGHT_SCALE), legend=None),
        tooltip=["head", "query", "key", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=size, height=size).facet(facet=alt.Facet("head:N", sort=[f"head {h}" for h in range(W.shape[0])]),
                                                 columns=min(6, W.shape[0]))


def model_view(W: torch.Tensor, budget_cells: int = 4800, size: int = 70,
               selected: tuple[int, int] | None = None) -> alt.Chart:
    """Every layer x head as a thumbnail: W [L, H, T, T]. Pooled to stay within budget_cells.
    The selected (layer, head) is drawn in orange instead of blue."""
    L, H, T, _ = W.shape
    side = max(3, int(math.sqrt(budget_cells / (L * H))))
    labels = [str(i) for i in range(T)]
    P, lab, _ = pool(W, labels, side)  # [L, H, n, n], every head at once
    frames = [_long(P[layer, h], lab, layer=layer, head=h, chosen=(layer, h) == selected)
              for layer in range(L) for h in range(H)]
    df = pd.concat(frames)
    df["shade"] = df["weight"].where(~df["chosen"], -df["weight"])  # negative: the chosen head's colour ramp
    scale = alt.Scale(domain=[-1.0, 0.0, 1.0], range=["#a63603", "#ffffff", "#08306b"])
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("key:N", sort=lab, axis=None), y=alt.Y("query:N", sort=lab, axis=None),
        color=alt.Color("shade:Q", scale=scale, legend=None),
        tooltip=["layer", "head", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=size, height=size).facet(row=alt.Row("layer:O"), column=alt.Column("head:O"))


def bars(labels: list[str], values: list[float], title: str = "", value_name: str = "probability",
         color: str = "#4c78a8", horizontal: bool = True, width: int = 380) -> alt.Chart:
    """A simple bar chart in the given order."""
    df = pd.DataFrame({"label": labels, value_name: values})
    if horizontal:
        enc = dict(y=alt.Y("label:N", sort=labels, title=None), x=alt.X(f"{value_name}:Q"))
    else:
        enc = dict(x=alt.X("label:N", sort=labels, title=None), y=alt.Y(f"{value_name}:Q"))
    return alt.Chart(df, title=title).mark_bar(color=color).encode(
        **enc, tooltip=["label", alt.Tooltip(f"{value_name}:Q", format=".4f")]).properties(width=width)


def grouped_bars(df: pd.DataFrame, x: str, y: str, group: str, title: str = "",
                 sort: list[str] | None = None) -> alt.Chart:
    """Side-by-side bars: df has columns x (category), y (value), group (series); x in `sort` order."""
    return alt.Chart(df, title=title).mark_bar().encode(
        x=alt.X(f"{x}:N", title=None, sort=sort), xOffset=f"{group}:N", y=alt.Y(f"{y}:Q"),
        color=alt.Color(f"{group}:N"), tooltip=[x, group, alt.Tooltip(f"{y}:Q", format=".3f")])


def curve(xs: torch.Tensor, ys: torch.Tensor, points_x: torch.Tensor, points_y: torch.Tensor,
          title: str = "") -> alt.Chart:
    """A function's curve with some points on it (the nonlinearity and where the top neurons sit)."""
    line = alt.Chart(pd.DataFrame({"x": xs.tolist(), "y": ys.tolist()}), title=title).mark_line().encode(x="x:Q", y="y:Q")
    pts = alt.Chart(pd.DataFrame({"x": points_x.tolist(), "y": points_y.tolist()})).mark_point(
        color="#e45756", filled=True, size=60).encode(x="x:Q", y="y:Q", tooltip=["x", "y"])
    return (line + pts).properties(width=380, height=220)
