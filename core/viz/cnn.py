"""Charts and pictures for the CNNs page. Each takes plain records or arrays and returns an alt.Chart
(or a uint8 image); nothing here runs a network."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def family_chart(records: list[dict]) -> alt.HConcatChart:
    """Parameters (split into fully connected vs the rest) and FLOPs per network, side by side."""
    df = pd.DataFrame(records)
    order = list(df["network"])
    p = pd.concat([
        pd.DataFrame({"network": df["network"], "part": "fully connected layers", "millions": df["fc_params"] / 1e6,
                      "share": df["fc_share"]}),
        pd.DataFrame({"network": df["network"], "part": "conv and the rest", "millions": df["conv_params"] / 1e6,
                      "share": 1 - df["fc_share"]})])
    params = alt.Chart(p).mark_bar().encode(
        y=alt.Y("network:N", sort=order, title=None),
        x=alt.X("millions:Q", title="parameters (millions)"),
        color=alt.Color("part:N", title="where the parameters are",
                        scale=alt.Scale(domain=["fully connected layers", "conv and the rest"],
                                        range=["#e45756", "#4c78a8"])),
        tooltip=["network", "part", alt.Tooltip("millions:Q", format=".2f"), alt.Tooltip("share:Q", format=".0%")],
    ).properties(title="Parameters", width=320, height=28 * len(order))
    f = df.assign(gflops=df["flops"] / 1e9)
    flops = alt.Chart(f).mark_bar(color="#72b7b2").encode(
        y=alt.Y("network:N", sort=order, title=None, axis=alt.Axis(labels=False)),
        x=alt.X("gflops:Q", title="GFLOPs per image"),
        tooltip=["network", "input", alt.Tooltip("gflops:Q", format=".3f", title="GFLOPs")],
    ).properties(title="FLOPs (FlopCounterMode)", width=260, height=28 * len(order))
    return alt.hconcat(params, flops).resolve_scale(y="shared")


def layer_chart(records: list[dict]) -> alt.HConcatChart:
    """Parameters and FLOPs of every row of a layer table, in order."""
    df = pd.DataFrame(records)
    df["row"] = range(len(df))
    df["label"] = [f"{r['layer']} {r['type']}" for r in records]
    base = alt.Chart(df).encode(y=alt.Y("label:N", sort=list(df["label"]), title=None),
                                tooltip=["layer", "type", "output", "params", "FLOPs"])
    p = base.mark_bar(color="#4c78a8").encode(x=alt.X("params:Q", title="parameters")).properties(
        title="Parameters per layer", width=260, height=max(120, 16 * len(df)))
    f = base.mark_bar(color="#72b7b2").encode(
        x=alt.X("FLOPs:Q", title="FLOPs"), y=alt.Y("label:N", sort=list(df["label"]), title=None,
                                                    axis=alt.Axis(labels=False))).properties(
        title="FLOPs per layer", width=220, height=max(120, 16 * len(df)))
    return alt.hconcat(p, f)


def paths_chart(records: list[dict], x: str, y: str, title: str, x_title: str) -> alt.Chart:
    """One bar per record (Inception paths, dense-block stages)."""
    df = pd.DataFrame(records)
    return alt.Chart(df).mark_bar(color="#4c78a8").encode(
        y=alt.Y(f"{y}:N", sort=list(df[y]), title=None), x=alt.X(f"{x}:Q", title=x_title),
        tooltip=list(df.columns)).properties(title=title, height=30 * len(df))


def topk_chart(top: list[tuple[int, float]], class_names) -> alt.Chart:
    df = pd.DataFrame({"class": [class_names[i] for i, _ in top], "probability": [p for _, p in top]})
    return alt.Chart(df).mark_bar(color="#4c78a8").encode(
        y=alt.Y("class:N", sort=list(df["class"]), title=None),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), title="probability"),
        tooltip=["class", alt.Tooltip("probability:Q", format=".3f")]).properties(title="Top-5 classes", height=160)


def _runs(df: pd.DataFrame) -> alt.Scale:
    """The left run red, the right one blue (in the order the runs first appear)."""
    return alt.Scale(domain=list(dict.fromkeys(df["run"])), range=["#e45756", "#4c78a8", "#54a24b", "#f58518"])


RUN_LEGEND = alt.Legend(orient="bottom", title=None)


def curves_chart(rows: list[dict], y_title: str, title: str, log: bool = False, unit: bool = False) -> alt.Chart:
    """rows: {step, run, value}; one line per run. unit: the y axis spans 0..1 (accuracy)."""
    df = pd.DataFrame(rows)
    scale = alt.Scale(type="log") if log else alt.Scale(domain=[0, 1]) if unit else alt.Scale(zero=False)
    return alt.Chart(df).mark_line(point=len(df) < 60).encode(
        x=alt.X("step:Q", title="step", axis=alt.Axis(format="d")), y=alt.Y("value:Q", title=y_title, scale=scale),
        color=alt.Color("run:N", scale=_runs(df), legend=RUN_LEGEND),
        tooltip=["run", "step", alt.Tooltip("value:Q", format=".4g")]).properties(title=title, height=240)


def activation_chart(rows: list[dict]) -> alt.Chart:
    """rows: {run, depth, layer, mean, std} at one evaluation step: the spread of each layer's outputs."""
    df = pd.DataFrame(rows)
    bars = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("depth:O", title="layer (input to output)"), y=alt.Y("std:Q", title="std of the layer's output"),
        color=alt.Color("run:N", scale=_runs(df), legend=RUN_LEGEND), tooltip=["run", "layer", alt.Tooltip("mean:Q", format=".3f"),
                                                            alt.Tooltip("std:Q", format=".3f")])
    means = alt.Chart(df).mark_line(point=True, strokeDash=[4, 3]).encode(
        x=alt.X("depth:O", title="layer (input to output)"), y=alt.Y("mean:Q", title="mean of the layer's output"),
        color=alt.Color("run:N", scale=_runs(df), legend=RUN_LEGEND),
        tooltip=["run", "layer", alt.Tooltip("mean:Q", format=".3f")])
    return alt.hconcat(bars.properties(title="Activation std per layer", height=220, width=300),
                       means.properties(title="Activation mean per layer", height=220, width=300))


def _to_uint8(a: np.ndarray) -> np.ndarray:
    lo, hi = float(a.min()), float(a.max())
    return ((a - lo) / (hi - lo) * 255).astype(np.uint8) if hi > lo else np.zeros(a.shape, np.uint8)


def feature_grid(activations: np.ndarray, channels: list[int], cols: int = 8, cell: int = 72) -> np.ndarray:
    """The chosen channels of a [C, h, w] activation as a grid of grey tiles (each scaled on its own),
    enlarged to cell pixels with nearest neighbour (so a 7 x 7 map shows its 49 cells)."""
    import cv2

    rows = (len(channels) + cols - 1) // cols
    pad = 2
    grid = np.full((rows * (cell + pad), cols * (cell + pad)), 255, np.uint8)
    for k, c in enumerate(channels):
        tile = cv2.resize(_to_uint8(activations[c]), (cell, cell), interpolation=cv2.INTER_NEAREST)
        r, q = divmod(k, cols)
        grid[r * (cell + pad): r * (cell + pad) + cell, q * (cell + pad): q * (cell + pad) + cell] = tile
    return grid


def cam_overlay(rgb: np.ndarray, cam: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """A [H, W] map in [0, 1] (at any size) as a jet heat map over the RGB image."""
    import cv2

    H, W = rgb.shape[:2]
    heat = cv2.applyColorMap((cv2.resize(cam.astype(np.float32), (W, H)) * 255).astype(np.uint8), cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return (alpha * heat + (1 - alpha) * rgb[..., :3]).astype(np.uint8)
