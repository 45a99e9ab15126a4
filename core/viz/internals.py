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
