"""Charts of the reproduction study: mean learning curves with a band across seeds, and the paired
95% intervals per claim against zero. Plain data in (the recorded runs, the judged claims), a chart out."""
from __future__ import annotations

import altair as alt
import pandas as pd

from core.viz.ssl import FIT_X, LEGEND


def curve_table(runs: list[dict], fraction: float) -> pd.DataFrame:
    """Recorded runs -> per (method, step): mean, std, min, max mAP across seeds and the seed count.
    mAP in points (x100), as the tables print it."""
    rows = [{"method": r["method"], "seed": r["seed"], "step": s, "map": 100 * m}
            for r in runs if r["fraction"] == fraction for s, m in r["curve"]]
    df = pd.DataFrame(rows, columns=["method", "seed", "step", "map"])
    g = df.groupby(["method", "step"])["map"]
    out = g.agg(["mean", "std", "min", "max", "count"]).reset_index()
    out["std"] = out["std"].fillna(0.0)
    out["lo"], out["hi"] = out["mean"] - out["std"], out["mean"] + out["std"]
    return out


def curve_band_chart(runs: list[dict], fraction: float, live: list[tuple[int, float]] | None = None,
                     live_label: str = "your run", title: str = "") -> alt.Chart:
    """Mean mAP per method along the run (line) with a band of +-1 std across seeds; `live` [(step, mAP
    0..1)] is drawn on top in black, so a run launched on the page can be seen landing on the record."""
    df = curve_table(runs, fraction)
    x = alt.X("step:Q", title="steps after the burn-in", axis=alt.Axis(format="d"))
    color = alt.Color("method:N", legend=LEGEND)
    band = alt.Chart(df).mark_area(opacity=0.18).encode(x=x, y=alt.Y("lo:Q", title="held-out mAP@[.5:.95] (x100)"),
                                                        y2="hi:Q", color=color)
    line = alt.Chart(df).mark_line(point=True).encode(
        x=x, y="mean:Q", color=color,
        tooltip=["method", "step", alt.Tooltip("mean:Q", format=".1f", title="mean"),
                 alt.Tooltip("std:Q", format=".1f", title="std"), alt.Tooltip("count:Q", title="seeds")])
    chart = band + line
    if live:
        ldf = pd.DataFrame([{"step": s, "map": 100 * m, "who": live_label} for s, m in live])
        chart = chart + alt.Chart(ldf).mark_line(point=True, color="black", strokeDash=[5, 3]).encode(
            x="step:Q", y="map:Q", tooltip=["who", "step", alt.Tooltip("map:Q", format=".1f")])
    return chart.properties(title=title, height=260, autosize=FIT_X)


def interval_chart(claims: list[dict], title: str = "") -> alt.Chart:
    """One row per claim: its paired mean gain (dot) and 95% interval (bar) in mAP points, with the zero
    line: a bar wholly right of zero is a reproduced claim, wholly left a contradicted one."""
    df = pd.DataFrame([{"claim": c["claim"], "mean": 100 * c["mean"], "lo": 100 * c["lo"], "hi": 100 * c["hi"],
                        "verdict": c["verdict"], "pairs": c["n"]} for c in claims if c["n"] >= 2],
                      columns=["claim", "mean", "lo", "hi", "verdict", "pairs"])
    y = alt.Y("claim:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    color = alt.Color("verdict:N", legend=LEGEND, scale=alt.Scale(
        domain=["reproduced", "not resolved", "contradicted"], range=["#2ca02c", "#7f7f7f", "#d62728"]))
    bars = alt.Chart(df).mark_rule(size=3).encode(
        x=alt.X("lo:Q", title="paired gain, mAP points (95% interval)"), x2="hi:Q", y=y, color=color)
    dots = alt.Chart(df).mark_point(filled=True, size=70).encode(
        x="mean:Q", y=y, color=color, tooltip=["claim", alt.Tooltip("mean:Q", format="+.2f"),
                                               alt.Tooltip("lo:Q", format="+.2f"), alt.Tooltip("hi:Q", format="+.2f"),
                                               "pairs", "verdict"])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="black", strokeDash=[4, 4]).encode(x="x:Q")
    return (bars + dots + zero).properties(title=title, height=max(60, 34 * len(df)), autosize=FIT_X)
