"""Altair charts for the Vision transformers page: grids of patches, attention per layer,
positional-embedding similarity, Swin windows and masks, and the attention cost curves."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def _grid_frame(M: np.ndarray, **cols) -> pd.DataFrame:
    rows, c = np.indices(M.shape)
    return pd.DataFrame({"row": rows.ravel(), "col": c.ravel(), "value": np.asarray(M, np.float64).ravel(), **cols})


def grid_heatmap(M: np.ndarray, title: str, legend: str = "value", size: int = 220, scheme: str = "viridis",
                 fmt: str = ".3f") -> alt.Chart:
    """One [rows, cols] map as cells over the patch grid (row 0 on top); NaN cells left blank."""
    df = _grid_frame(M).dropna()
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("col:O", title="patch column", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("row:O", title="patch row", axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("value:Q", title=legend, scale=alt.Scale(scheme=scheme)),
        tooltip=[alt.Tooltip("row:O", title="row"), alt.Tooltip("col:O", title="column"),
                 alt.Tooltip("value:Q", title=legend, format=fmt)],
    ).properties(title=title, width=size, height=size * M.shape[0] / M.shape[1])


def layer_maps(maps: np.ndarray, title: str, columns: int = 6, size: int = 110) -> alt.Chart:
    """[L, g, g] maps, one small panel per layer, each scaled to its own maximum (so every layer's
    pattern is visible, not only the sharpest one)."""
    frames = []
    for l, m in enumerate(maps):
        frames.append(_grid_frame(m / (m.max() + 1e-12), layer=f"layer {l + 1}", order=l))
    df = pd.concat(frames)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("col:O", title=None, axis=None), y=alt.Y("row:O", title=None, axis=None),
        color=alt.Color("value:Q", title="share of the layer's max", scale=alt.Scale(scheme="inferno")),
        tooltip=["layer", "row", "col", alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=size, height=size).facet(
        facet=alt.Facet("layer:N", title=None, sort=alt.SortField("order")), columns=columns,
    ).properties(title=title)


def pos_similarity_panels(sim: np.ndarray, grid: int, step: int = 1, size: int = 60) -> alt.Chart:
    """The ViT paper's figure: for each patch position (every `step`-th row and column), the cosine
    similarity of its positional embedding to every other position's, as a little grid."""
    frames = []
    for r in range(0, grid, step):
        for c in range(0, grid, step):
            q = r * grid + c
            frames.append(_grid_frame(sim[q].reshape(grid, grid), qrow=r, qcol=c))
    df = pd.concat(frames)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None),
        color=alt.Color("value:Q", title="cosine similarity", scale=alt.Scale(scheme="viridis", domain=[-1, 1])),
        tooltip=[alt.Tooltip("qrow:O", title="query row"), alt.Tooltip("qcol:O", title="query column"),
                 "row", "col", alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=size, height=size).facet(
        row=alt.Row("qrow:O", title="input patch row"), column=alt.Column("qcol:O", title="input patch column"),
        spacing=2,
    ).properties(title="Positional embedding similarity (each panel: one position against all)")


def window_chart(window: np.ndarray, label: np.ndarray, title: str, size: int = 260,
                 highlight: int | None = None) -> alt.Chart:
    """A patch grid coloured by window index, each cell labelled (e.g. with the patch it holds).
    window, label: [H, W]; highlight: a window drawn with a thick outline."""
    rows, cols = np.indices(window.shape)
    df = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "window": window.ravel().astype(int),
                       "label": label.ravel().astype(str)})
    df["chosen"] = df["window"] == (highlight if highlight is not None else -1)
    base = alt.Chart(df).encode(x=alt.X("col:O", title="patch column"), y=alt.Y("row:O", title="patch row"))
    rect = base.mark_rect(stroke="black").encode(
        color=alt.Color("window:N", title="window", legend=None, scale=alt.Scale(scheme="tableau20")),
        strokeWidth=alt.condition("datum.chosen", alt.value(2.5), alt.value(0.2)),
        tooltip=["row", "col", "window", alt.Tooltip("label:N", title="patch")])
    text = base.mark_text(fontSize=8).encode(text="label:N")
    return (rect + text).properties(title=title, width=size, height=size * window.shape[0] / window.shape[1])


def mask_chart(mask: np.ndarray, title: str, size: int = 260) -> alt.Chart:
    """A window's additive attention mask [M*M, M*M]: 0 = may attend, -100 = blocked."""
    rows, cols = np.indices(mask.shape)
    df = pd.DataFrame({"query": rows.ravel(), "key": cols.ravel(),
                       "allowed": np.where(mask.ravel() == 0, "attends (0)", "blocked (−100)")})
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("key:O", title="key token in the window", axis=alt.Axis(labelFontSize=7)),
        y=alt.Y("query:O", title="query token in the window", axis=alt.Axis(labelFontSize=7)),
        color=alt.Color("allowed:N", title="mask", scale=alt.Scale(domain=["attends (0)", "blocked (−100)"],
                                                                   range=["#4c78a8", "#eeeeee"])),
        tooltip=["query", "key", "allowed"],
    ).properties(title=title, width=size, height=size)


def stages_chart(df: pd.DataFrame, title: str = "Patch merging: the four stages of Swin-T") -> alt.Chart:
    """df columns: stage, patches per side, channels. Bars of grid side and channels per stage."""
    long = df.melt(id_vars=["stage"], value_vars=["patches per side", "channels"], var_name="quantity")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("stage:O", title="stage"), y=alt.Y("value:Q", title=None),
        color=alt.Color("quantity:N", title=None, legend=None),
        tooltip=["stage", "quantity", "value"],
    ).properties(width=170, height=170).facet(column=alt.Column("quantity:N", title=None)).resolve_scale(
        y="independent").properties(title=title)


def cost_chart(df: pd.DataFrame, title: str = "Cost of global vs window attention") -> alt.Chart:
    """df: tokens, kind, multiply-adds, source ('formula' | 'FlopCounterMode'). Log-log: the global
    line rises with slope 2 (quadratic in tokens), the window one with slope 1 (linear)."""
    base = alt.Chart(df).encode(
        x=alt.X("tokens:Q", title="patches (h·w)", scale=alt.Scale(type="log")),
        y=alt.Y("multiply-adds:Q", title="multiply-adds", scale=alt.Scale(type="log")),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["kind", "source", "tokens", alt.Tooltip("multiply-adds:Q", format=",.0f")])
    lines = base.transform_filter("datum.source == 'formula'").mark_line()
    points = base.transform_filter("datum.source == 'FlopCounterMode'").mark_point(size=90, filled=True, shape="diamond")
    return (lines + points).properties(title=alt.TitleParams(title, subtitle=[
        "lines: the Swin paper's closed forms; diamonds: FlopCounterMode on torchvision's module (FLOPs / 2)"]),
        width=520, height=300)


def patch_loss_chart(loss: np.ndarray, title: str = "Loss per hidden patch (visible patches: no loss)") -> alt.Chart:
    return grid_heatmap(loss, title, legend="squared error", scheme="orangered", fmt=".4f")
