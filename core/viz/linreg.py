"""Altair charts for the linear-regression page. Each takes plain data (arrays, DataFrames) and returns a chart."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def fit_chart(x: np.ndarray, y: np.ndarray, lines: pd.DataFrame, title: str = "Data and fits",
              height: int = 360) -> alt.Chart:
    """The points (x, y) and one or more fitted lines. lines has columns x, y, fit (the line's name)."""
    points = alt.Chart(pd.DataFrame({"x": x, "y": y})).mark_circle(size=40, opacity=0.6).encode(x="x", y="y")
    fit = alt.Chart(lines).mark_line(strokeWidth=3).encode(
        x="x", y=alt.Y("y", scale=alt.Scale(zero=False)),
        color=alt.Color("fit", legend=alt.Legend(orient="bottom")), strokeDash="fit")
    return (points + fit).properties(title=title, height=height)


def loss_surface_chart(W0: np.ndarray, W1: np.ndarray, L: np.ndarray, path: pd.DataFrame, w_star: np.ndarray,
                       title: str = "Loss surface and the descent path (red: normal equation)",
                       height: int = 360) -> alt.Chart:
    """log10 of the loss on a (w0, w1) grid, the descent path (columns w0, w1, step) and the minimum."""
    n = W0.shape[0]
    surface = pd.DataFrame({"w0": W0.ravel(), "w1": W1.ravel(), "log loss": np.log10(L.ravel() + 1e-9)})
    heat = alt.Chart(surface).mark_rect().encode(
        x=alt.X("w0:Q", bin=alt.Bin(maxbins=n), title="w0 (intercept)"),
        y=alt.Y("w1:Q", bin=alt.Bin(maxbins=n), title="w1 (slope)"),
        color=alt.Color("mean(log loss):Q", scale=alt.Scale(scheme="viridis"), title="log10 loss"))
    walk = alt.Chart(path).mark_line(point=True, color="white").encode(x="w0:Q", y="w1:Q", order="step:Q",
                                                                        tooltip=["step", "w0", "w1"])
    star = alt.Chart(pd.DataFrame({"w0": [w_star[0]], "w1": [w_star[1]]})).mark_point(
        shape="diamond", size=200, color="red", filled=True).encode(x="w0:Q", y="w1:Q")
    return (heat + walk + star).properties(title=title, height=height)


def loss_curve_chart(curve: pd.DataFrame, title: str = "Loss per gradient-descent step",
                     height: int = 220) -> alt.Chart:
    """Loss (log scale) against step; curve has columns step, loss."""
    return alt.Chart(curve).mark_line().encode(x="step", y=alt.Y("loss", scale=alt.Scale(type="log"))).properties(
        title=title, height=height)
