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
            size: int = 260, scheme: str = "viridis", marks: list[tuple[int, int]] | None = None,
            value_title: str = "value") -> alt.Chart:
    """A matrix as coloured cells (row 0 on top), with optional ringed cells (e.g. an assignment).

    Cells are square and sized by step (never by a fraction of a width), so a tall or wide matrix,
    e.g. 8 queries x 4 objects, keeps readable cells instead of collapsing.
    """
    M = np.asarray(M, dtype=np.float64).reshape(np.shape(M)[0], -1) if np.size(M) else np.zeros((0, 0))
    rows, cols = np.indices(M.shape)
    df = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": M.ravel()})
    step = int(max(14, min(40, size / max(1, *M.shape))))
    base = alt.Chart(df).mark_rect().encode(
        x=alt.X("col:O", title=x_title), y=alt.Y("row:O", title=y_title),
        color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme), title=value_title),
        tooltip=[alt.Tooltip("row:O", title=y_title), alt.Tooltip("col:O", title=x_title),
                 alt.Tooltip("value:Q", format=".3f", title=value_title)])
    chart = base
    if marks:
        m = pd.DataFrame(marks, columns=["row", "col"])
        chart = base + alt.Chart(m).mark_point(shape="square", size=step * step * 0.7, filled=False, color="red",
                                                 strokeWidth=3).encode(x="col:O", y="row:O")
    return chart.properties(title=title, width=alt.Step(step), height=alt.Step(step))


def spatial_map(M: np.ndarray, title: str = "", size: int = 240, scheme: str = "viridis", legend_title: str = "value",
                domain: tuple[float, float] | None = None) -> alt.Chart:
    """A map over image space (row 0 on top), e.g. an attention map, objectness per cell or 28x28 mask logits."""
    M = np.asarray(M, dtype=np.float64)
    H, W = M.shape
    ys, xs = np.indices((H, W))
    df = pd.DataFrame({"x": xs.ravel(), "x2": xs.ravel() + 1, "y": ys.ravel(), "y2": ys.ravel() + 1, "value": M.ravel()})
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("x:Q", scale=alt.Scale(domain=[0, W], nice=False), title=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=alt.Scale(domain=[0, H], reverse=True, nice=False), title=None), y2="y2:Q",
        color=alt.Color("value:Q", scale=scale, title=legend_title),
        tooltip=["x", "y", alt.Tooltip("value:Q", format=".3f")]).properties(title=title, width=size, height=size * H / W)


def maps_grid(maps: dict[str, np.ndarray], columns: int = 4, size: int = 150, scheme: str = "viridis",
              legend_title: str = "value") -> alt.Chart:
    """Several same-shape maps side by side, one panel per name (e.g. ASPP's branches, tap patterns per rate)."""
    frames = []
    for name, M in maps.items():
        M = np.asarray(M, dtype=np.float64)
        ys, xs = np.indices(M.shape)
        frames.append(pd.DataFrame({"x": xs.ravel(), "y": ys.ravel(), "value": M.ravel(), "panel": name}))
    df = pd.concat(frames)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("x:O", axis=None), y=alt.Y("y:O", axis=None),
        color=alt.Color("value:Q", scale=alt.Scale(scheme=scheme), title=legend_title),
        tooltip=["panel", "x", "y", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=size, height=size).facet(
        facet=alt.Facet("panel:N", sort=list(maps), title=None, header=alt.Header(labelFontSize=12)), columns=columns)


def matching_chart(gt_boxes, gt_names: list[str], pred_boxes, assignment: dict[int, int], extent: tuple[float, float],
                   title: str = "Truth (solid) and predictions (dashed), coloured by the object they answer",
                   size: int = 420) -> alt.Chart:
    """Ground-truth boxes and predicted boxes; a prediction takes the colour of the object it is matched to
    (grey: "no object"). The legend lists every object, whatever their number."""
    unmatched = "no object (unmatched)"
    domain = list(gt_names) + [unmatched]
    gt = boxes_frame(gt_boxes, list(gt_names), kind="truth", label=list(gt_names))
    preds = boxes_frame(pred_boxes, [gt_names[assignment[i]] if i in assignment else unmatched
                                     for i in range(len(np.asarray(pred_boxes).reshape(-1, 4)))],
                        kind="prediction", label=[f"query {i}" for i in range(len(np.asarray(pred_boxes).reshape(-1, 4)))])
    df = pd.concat([gt, preds])
    W, H = extent
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
               "#393b79", "#637939", "#8c6d31"]
    colors = [palette[i % len(palette)] for i in range(len(gt_names))] + ["#9e9e9e"]
    color = alt.Color("name:N", scale=alt.Scale(domain=domain, range=colors), title="object",
                      legend=alt.Legend(orient="bottom", columns=2, symbolLimit=0, labelLimit=0))
    return alt.Chart(df).mark_rect(fillOpacity=0.05, strokeWidth=2).encode(
        x=alt.X("x1:Q", scale=alt.Scale(domain=[0, W], nice=False), title="x"), x2="x2:Q",
        y=alt.Y("y1:Q", scale=alt.Scale(domain=[0, H], reverse=True, nice=False), title="y"), y2="y2:Q",
        color=color, stroke=alt.Color("name:N", scale=alt.Scale(domain=domain, range=colors), legend=None),
        strokeDash=alt.StrokeDash("kind:N", scale=alt.Scale(domain=["truth", "prediction"], range=[[1, 0], [5, 3]]),
                                  title="box"),
        tooltip=["label", "name", "kind"],
    ).properties(title=title, width=size, height=size * H / W)


def timing_chart(labels: list[str], ms: list[float], title: str = "Time for one image") -> alt.Chart:
    """Horizontal bars of milliseconds per method."""
    df = pd.DataFrame({"method": labels, "ms": ms})
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("method:N", sort=None, title=None), x=alt.X("ms:Q", title="milliseconds"),
        tooltip=["method", alt.Tooltip("ms:Q", format=".0f")]).properties(title=title, height=alt.Step(36))


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
