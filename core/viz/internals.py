"""Altair charts of boxes in image coordinates (y grows downwards), for the detector-internals page."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def boxes_frame(boxes, names: list[str], **columns) -> pd.DataFrame:
    """boxes [N, 4] xyxy -> a DataFrame with x1, y1, x2, y2, name and any extra columns."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return pd.DataFrame({"x1": b[:, 0], "y1": b[:, 1], "x2": b[:, 2], "y2": b[:, 3], "name": names, **columns})


def boxes_chart(df: pd.DataFrame, extent: tuple[float, float], color: str = "name", title: str = "",
                size: int = 380, fill_opacity: float = 0.08, tooltip: list[str] | None = None) -> alt.Chart:
    """Outlined, lightly filled rectangles on a W x H canvas with the image's axes."""
    W, H = extent
    return alt.Chart(df).mark_rect(strokeWidth=2, fillOpacity=fill_opacity).encode(
        x=alt.X("x1:Q", scale=alt.Scale(domain=[0, W], nice=False), title="x"),
        x2="x2:Q",
        y=alt.Y("y1:Q", scale=alt.Scale(domain=[0, H], reverse=True, nice=False), title="y"),
        y2="y2:Q",
        color=alt.Color(f"{color}:N", legend=alt.Legend(orient="bottom")),
        stroke=alt.Color(f"{color}:N", legend=None),
        tooltip=tooltip or list(df.columns),
    ).properties(title=title, width=size, height=size * H / W)


def heatmap(M: np.ndarray, title: str = "", x_title: str = "column", y_title: str = "row",
            size: int = 260, scheme: str = "viridis", marks: list[tuple[int, int]] | None = None) -> alt.Chart:
    """A matrix as coloured cells (row 0 on top), with optional ringed cells (e.g. an assignment)."""
    rows, cols = np.indices(M.shape)
    df = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": np.asarray(M, dtype=np.float64).ravel()})
    base = alt.Chart(df).mark_rect().encode(
        x=alt.X("col:O", title=x_title), y=alt.Y("row:O", title=y_title),
        color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme)), tooltip=["row", "col", alt.Tooltip("value", format=".3f")])
    chart = base
    if marks:
        m = pd.DataFrame(marks, columns=["row", "col"])
        chart = base + alt.Chart(m).mark_point(shape="square", size=size * 2, filled=False, color="red",
                                                 strokeWidth=3).encode(x="col:O", y="row:O")
    return chart.properties(title=title, width=size * M.shape[1] / max(M.shape), height=size * M.shape[0] / max(M.shape))


def curve_chart(x, series: dict[str, np.ndarray], x_title: str, y_title: str = "value", title: str = "",
                height: int = 200) -> alt.Chart:
    """Several named curves over one x axis (e.g. IoU and GIoU as a box slides away)."""
    x = np.asarray(x, dtype=np.float64)
    df = pd.DataFrame({x_title: np.concatenate([x] * len(series)),
                       y_title: np.concatenate([np.asarray(v, dtype=np.float64) for v in series.values()]),
                       "measure": [k for k in series for _ in range(len(x))]})
    return alt.Chart(df).mark_line().encode(
        x=alt.X(f"{x_title}:Q", title=x_title), y=alt.Y(f"{y_title}:Q", title=y_title),
        color=alt.Color("measure:N", title=None)).properties(title=title, height=height)


def feature_map_chart(fmap: np.ndarray, box=None, points=None, cells=None, title: str = "",
                      size: int = 360) -> alt.Chart:
    """A 2-D feature map (float[H, W], cell (i, j) covering [j, j+1] x [i, i+1]) in greys, with an optional
    box (x1, y1, x2, y2) in feature-map units, sample points float[P, 2] as (x, y) in the same units (red
    dots), and cells, rectangles float[K, 4] such as RoI Pool's quantised bins (blue outlines)."""
    H, W = fmap.shape
    ys, xs = np.indices((H, W))
    fm = pd.DataFrame({"x": xs.ravel(), "x2": xs.ravel() + 1, "y": ys.ravel(), "y2": ys.ravel() + 1,
                       "value": np.asarray(fmap, dtype=np.float64).ravel()})
    xs_ = alt.Scale(domain=[0, W], nice=False)
    ys_ = alt.Scale(domain=[0, H], reverse=True, nice=False)
    chart = alt.Chart(fm).mark_rect().encode(
        x=alt.X("x:Q", scale=xs_, title="feature-map x"), x2="x2:Q",
        y=alt.Y("y:Q", scale=ys_, title="feature-map y"), y2="y2:Q",
        color=alt.Color("value:Q", scale=alt.Scale(scheme="greys"), legend=None),
        tooltip=["x", "y", alt.Tooltip("value:Q", format=".3f")])
    if cells is not None and len(cells):
        c = np.asarray(cells, dtype=np.float64).reshape(-1, 4)
        chart += alt.Chart(pd.DataFrame({"x1": c[:, 0], "y1": c[:, 1], "x2": c[:, 2], "y2": c[:, 3]})).mark_rect(
            fillOpacity=0, stroke="#1f77b4", strokeWidth=1.5).encode(
            x=alt.X("x1:Q", scale=xs_), x2="x2:Q", y=alt.Y("y1:Q", scale=ys_), y2="y2:Q")
    if box is not None:
        x1, y1, x2, y2 = (float(v) for v in box)
        chart += alt.Chart(pd.DataFrame({"x1": [x1], "x2": [x2], "y1": [y1], "y2": [y2]})).mark_rect(
            fillOpacity=0, stroke="orange", strokeWidth=2).encode(
            x=alt.X("x1:Q", scale=xs_), x2="x2:Q", y=alt.Y("y1:Q", scale=ys_), y2="y2:Q")
    if points is not None and len(points):
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        chart += alt.Chart(pd.DataFrame({"x": p[:, 0], "y": p[:, 1]})).mark_circle(color="red", size=30).encode(
            x=alt.X("x:Q", scale=xs_), y=alt.Y("y:Q", scale=ys_))
    return chart.properties(title=title, width=size, height=size * H / W)
