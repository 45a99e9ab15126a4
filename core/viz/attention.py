"""Altair charts for the Attention lab: heatmaps, small multiples, the model view, bars.

Every chart takes the real tensors (from core.text.attention.capture) and only arranges them. Long prompts
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
WEIGHT_SCALE = dict(domain=[0.0, 1.0], range=["#ffffff", "#08306b"], interpolate="rgb")  # 0 is white: a masked cell shows empty


def token_labels(tokens: list[str]) -> list[str]:
    """Unique, readable axis labels: "3 ␣cat" (position, token with its leading space shown)."""
    return [f"{i} {readable(t)}" for i, t in enumerate(tokens)]


def readable(t: str) -> str:
    """A token as a student reads it: its leading space (or BPE's Ġ marker) as ␣, a newline (Ċ) as ⏎."""
    return t.replace("Ġ", " ").replace("Ċ", chr(10)).replace(" ", "␣").replace(chr(10), "⏎") or "∅"


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
    n = len(labels)
    axis = alt.Axis(labelOverlap=False, labelFontSize=9 if n > 16 else 11) if n <= 40 else alt.Axis()
    return alt.Chart(df, title=title).mark_rect().encode(
        x=alt.X("key:N", sort=labels, title="key (attended to)", axis=axis),
        y=alt.Y("query:N", sort=labels, title="query (attending)", axis=axis),
        color=alt.Color("weight:Q", scale=scale, legend=alt.Legend(orient="top", direction="horizontal")),
        tooltip=["query", "key", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width="container", height=size,  # as wide as its column, `size` tall
                 autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def small_multiples(W: torch.Tensor, tokens: list[str], max_side: int = 24, size: int | None = None,
                    title: str = "", row_px: int = 680) -> alt.Chart:
    """Every head of one layer: W [H, T, T] -> one small heatmap per head, up to 6 per row."""
    columns = min(6, W.shape[0])
    size = size or min(150, row_px // columns - 14)
    labels = token_labels(tokens)
    P, lab, _ = pool(W, labels, max_side)  # [H, n, n], all heads at once
    frames = [_long(P[h], lab, head=f"head {h}") for h in range(W.shape[0])]
    df = pd.concat(frames)
    return alt.Chart(df, title=title).mark_rect().encode(
        x=alt.X("key:N", sort=lab, axis=None), y=alt.Y("query:N", sort=lab, axis=None),
        color=alt.Color("weight:Q", scale=alt.Scale(**WEIGHT_SCALE), legend=None),
        tooltip=["head", "query", "key", alt.Tooltip("weight:Q", format=".3f")],
    ).properties(width=size, height=size).facet(facet=alt.Facet("head:N", sort=[f"head {h}" for h in range(W.shape[0])]),
                                                 columns=columns)


def model_view(W: torch.Tensor, budget_cells: int = 4800, cell: int = 5,
               selected: tuple[int, int] | None = None) -> alt.LayerChart:
    """Every layer x head as a thumbnail, in one chart: W [L, H, T, T], pooled to stay within
    budget_cells. The selected (layer, head) is drawn in orange; clicking a thumbnail selects it
    (a point selection named "pick" over the fields layer and head)."""
    L, H, T, _ = W.shape
    side = max(3, int(math.sqrt(budget_cells / (L * H))))
    P, _, _ = pool(W, [str(i) for i in range(T)], side)  # [L, H, n, n], every head at once
    n = P.shape[-1]
    layer, head, q, k = np.meshgrid(np.arange(L), np.arange(H), np.arange(n), np.arange(n), indexing="ij")
    gap = 1 + n // 4  # empty cells between thumbnails
    df = pd.DataFrame({"layer": layer.ravel(), "head": head.ravel(), "weight": P.numpy().ravel(),
                       "x": (head * (n + gap) + k).ravel(), "y": (layer * (n + gap) + q).ravel()})
    chosen = (df["layer"] == selected[0]) & (df["head"] == selected[1]) if selected else df["weight"] < 0  # none
    df["shade"] = df["weight"].where(~chosen, -df["weight"])  # negative: the chosen head's colour ramp
    df["x2"], df["y2"] = df["x"] + 1, df["y"] + 1
    pick = alt.selection_point(name="pick", fields=["layer", "head"], on="click")
    scale = alt.Scale(domain=[-1.0, 0.0, 1.0], range=["#a63603", "#ffffff", "#08306b"], interpolate="rgb")
    hidden = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    units_x, units_y = H * (n + gap) + 2 * gap, L * (n + gap) + 2 * gap  # the scales' domains below
    px = max(cell, 300 / units_x)  # pixels per cell: square cells, at least 300 px wide
    rects = alt.Chart(df).mark_rect().encode(
        x=alt.X("x:Q", axis=hidden, scale=alt.Scale(domain=[-gap * 2, H * (n + gap)], nice=False)), x2="x2:Q",
        y=alt.Y("y:Q", axis=hidden, scale=alt.Scale(domain=[-gap * 2, L * (n + gap)], nice=False, reverse=True)),
        y2="y2:Q", color=alt.Color("shade:Q", scale=scale, legend=None),
        tooltip=["layer", "head", alt.Tooltip("weight:Q", format=".3f")],
    ).add_params(pick)
    heads = pd.DataFrame({"t": [f"head {h}" for h in range(H)], "x": [h * (n + gap) + n / 2 for h in range(H)],
                          "y": [-gap] * H})
    layers = pd.DataFrame({"t": [f"L{l}" for l in range(L)], "x": [-gap] * L,
                           "y": [l * (n + gap) + n / 2 for l in range(L)]})
    text = lambda d: alt.Chart(d).mark_text(fontSize=11, color="#888").encode(x="x:Q", y="y:Q", text="t:N")  # grey: light and dark
    return alt.layer(rects, text(heads), text(layers)).properties(width=units_x * px, height=units_y * px)


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


def ablation_heatmap(grid: torch.Tensor, size: int = 260) -> alt.Chart:
    """grid [L, H]: the KL (bits) of the next-token prediction when one head is removed."""
    L, H = grid.shape
    df = pd.DataFrame({"layer": np.repeat([f"layer {l}" for l in range(L)], H), "head": np.tile([f"head {h}" for h in range(H)], L),
                       "KL (bits)": grid.double().numpy().ravel()})
    return alt.Chart(df, title="KL (bits) when one head is removed").mark_rect().encode(
        x=alt.X("head:N", sort=[f"head {h}" for h in range(H)], title=None),
        y=alt.Y("layer:N", sort=[f"layer {l}" for l in range(L)], title=None),
        color=alt.Color("KL (bits):Q", scale=alt.Scale(scheme="oranges"), legend=alt.Legend(orient="top")),
        tooltip=["layer", "head", alt.Tooltip("KL (bits):Q", format=".4f")]).properties(width="container", height=size)


def cost_chart(rows: list[dict], measure: str) -> alt.Chart:
    """rows from core.text.attention.context_cost.measure: `measure` ("memory (MB)" or "GFLOPs") against the
    context length T, attention vs MLP, log-log (a slope of 2 is quadratic, 1 is linear)."""
    log = alt.Scale(type="log", base=2)
    return alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("T:Q", scale=log, title="context length T (tokens)"), y=alt.Y(f"{measure}:Q", scale=alt.Scale(type="log")),
        color=alt.Color("part:N", title=None), tooltip=["T", "part", alt.Tooltip(f"{measure}:Q", format=".4g")],
    ).properties(title=alt.TitleParams(measure, anchor="start"), height=300)


def near_orthogonal_chart(rows: list[dict], epsilon: float) -> alt.Chart:
    """rows: dims, series ("within 90° ± ε (found)", "exactly orthogonal"), directions; log y."""
    return alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("dims:Q", scale=alt.Scale(type="log", base=2), title="dimensions N"),
        y=alt.Y("directions:Q", scale=alt.Scale(type="log")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=["dims", "series", "directions"],
    ).properties(title=alt.TitleParams(f"Directions that fit, every pair within 90° ± {epsilon:g}°", anchor="start"),
                 height=320)


def angle_histogram(angles, title: str) -> alt.Chart:
    """Distribution of pairwise angles (degrees)."""
    df = pd.DataFrame({"angle (degrees)": np.asarray(angles)})
    return alt.Chart(df).mark_bar(binSpacing=0).encode(
        x=alt.X("angle (degrees):Q", bin=alt.Bin(step=2, extent=[0, 180]), title="angle (degrees)"),
        y=alt.Y("count():Q", title="pairs")).properties(title=alt.TitleParams(title, anchor="start"), height=320)


def flops_extension_chart(rows: list[dict], limit: int, cross: float | None) -> alt.Chart:
    """rows from core.text.attention.context_cost.layer_flops: GFLOPs per layer against T (log-log), attention vs
    MLP, with the model's context limit and the measured crossover marked."""
    log = alt.Scale(type="log", base=2)
    lines = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("T:Q", scale=log, title="context length T (tokens)"),
        y=alt.Y("GFLOPs per layer:Q", scale=alt.Scale(type="log")),
        color=alt.Color("part:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["T", "part", alt.Tooltip("GFLOPs per layer:Q", format=".4g")])
    marks = pd.DataFrame([{"T": limit, "what": f"this model's context limit ({limit})"}]
                         + ([{"T": cross, "what": f"attention = MLP at T ≈ {cross:,.0f}"}] if cross else []))
    rules = alt.Chart(marks).mark_rule(strokeDash=[5, 4]).encode(
        x="T:Q", color=alt.Color("what:N", title=None, scale=alt.Scale(range=["#777777", "#e45756"]),
                                 legend=alt.Legend(orient="bottom")), tooltip=["what"])
    return (lines + rules).resolve_scale(color="independent").properties(
        title=alt.TitleParams("FLOPs of one layer, measured at each T", anchor="start"), height=320)
