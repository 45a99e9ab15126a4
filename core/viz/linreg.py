"""Altair charts for the linear-regression page. Each takes plain data (arrays, DataFrames) and returns a chart."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def fit_chart(x: np.ndarray, y: np.ndarray, lines: pd.DataFrame, title: str = "Data and fits",
              height: int = 360) -> alt.Chart:
    """The points (x, y) and one or more fitted lines. lines has columns x, y, fit (the line's name).
    The axes are fixed by the data (plus a margin), so a diverging fit leaves the frame instead of
    rescaling it; lines are clipped at the frame."""
    lo, hi = float(np.min(y)), float(np.max(y))
    pad = 0.25 * (hi - lo) + 0.5
    y_scale = alt.Scale(domain=[lo - pad, hi + pad], nice=False)
    x_scale = alt.Scale(domain=[float(lines["x"].min()), float(lines["x"].max())], nice=False)
    points = alt.Chart(pd.DataFrame({"x": x, "y": y})).mark_circle(size=40, opacity=0.6).encode(
        x=alt.X("x", scale=x_scale), y=alt.Y("y", scale=y_scale))
    fit = alt.Chart(lines).mark_line(strokeWidth=3, clip=True).encode(
        x="x", y=alt.Y("y", scale=y_scale),
        color=alt.Color("fit", legend=alt.Legend(orient="bottom", title=None, labelLimit=300)), strokeDash="fit")
    return (points + fit).properties(title=title, height=height)


def loss_surface_chart(W0: np.ndarray, W1: np.ndarray, L: np.ndarray, path: pd.DataFrame, w_star: np.ndarray,
                       title: str = "Loss surface and the descent path (red: normal equation)",
                       height: int = 360) -> alt.Chart:
    """log10 of the loss on a (w0, w1) grid, the descent path (columns w0, w1, step) and the minimum."""
    n = W0.shape[0]
    path = path[(path["w0"].abs() < 1e6) & (path["w1"].abs() < 1e6)]  # clipped at the frame; huge values only slow Vega
    surface = pd.DataFrame({"w0": W0.ravel(), "w1": W1.ravel(), "log loss": np.log10(L.ravel() + 1e-9)})
    heat = alt.Chart(surface).mark_rect().encode(
        x=alt.X("w0:Q", bin=alt.Bin(maxbins=n), title="w0 (intercept)",
                scale=alt.Scale(domain=[float(W0.min()), float(W0.max())], nice=False)),
        y=alt.Y("w1:Q", bin=alt.Bin(maxbins=n), title="w1 (slope)",
                scale=alt.Scale(domain=[float(W1.min()), float(W1.max())], nice=False)),
        color=alt.Color("mean(log loss):Q", scale=alt.Scale(scheme="viridis"), title="log10 loss"))
    walk = alt.Chart(path).mark_line(point=True, color="white", clip=True).encode(x="w0:Q", y="w1:Q", order="step:Q",
                                                                        tooltip=["step", "w0", "w1"])
    star = alt.Chart(pd.DataFrame({"w0": [w_star[0]], "w1": [w_star[1]]})).mark_point(
        shape="diamond", size=200, color="red", filled=True).encode(x="w0:Q", y="w1:Q")
    return (heat + walk + star).properties(title=title, height=height)


def loss_curve_chart(curve: pd.DataFrame, steps: int | None = None, title: str = "Loss per gradient-descent step",
                     height: int = 300, cap: float | None = None, floor: float | None = None) -> alt.Chart:
    """Loss (log scale) against step; curve has columns step, loss. The x axis always runs to `steps`
    (the last step the page names), the y axis runs from `floor` (e.g. the minimum) to `cap` (default
    10 × the first loss), so
    a diverging run climbs out of a fixed frame instead of squashing it. Non-finite losses are dropped."""
    curve = curve[np.isfinite(curve["loss"]) & (curve["loss"] > 0)]
    steps = int(curve["step"].max()) if steps is None else steps
    first = float(curve["loss"].iloc[0]) if len(curve) else 1.0
    cap = first * 10 if cap is None else cap
    lo = min(float(curve["loss"].min()), first) if len(curve) else first / 10
    lo = min(lo, floor) if floor is not None and floor > 0 else lo  # e.g. the minimum loss: one frame either way
    domain = [lo * 0.8, max(cap, lo * 10)]
    y_scale = alt.Scale(type="log", domain=domain, nice=False)
    decades = [10.0**k for k in range(int(np.floor(np.log10(domain[0]))), int(np.ceil(np.log10(domain[1]))) + 1)]
    return alt.Chart(curve).mark_line(clip=True, point=len(curve) <= 40).encode(
        x=alt.X("step:Q", scale=alt.Scale(domain=[0, max(steps, 1)], nice=False), title="step"),
        y=alt.Y("loss:Q", scale=y_scale, title="loss L(w)", axis=alt.Axis(values=decades, format="~g")),
        tooltip=["step", alt.Tooltip("loss", format=".4g")]).properties(title=title, height=height)


def _vector_frame(vectors: dict[str, np.ndarray], start: dict[str, np.ndarray] | None = None,
                  axes: tuple[int, int] = (0, 1)) -> pd.DataFrame:
    """Arrows as rows x0, y0, x1, y1, vector (the components in `axes` of each vector)."""
    i, j = axes
    rows = []
    for name, v in vectors.items():
        s = np.zeros_like(v) if start is None or name not in start else start[name]
        moved = start is not None and name in start  # a moved arrow (e) is labelled at its middle
        rows.append({"x0": s[i], "y0": s[j], "x1": s[i] + v[i], "y1": s[j] + v[j], "vector": name,
                     "lx": s[i] + v[i] * (0.5 if moved else 1.0), "ly": s[j] + v[j] * (0.5 if moved else 1.0)})
    return pd.DataFrame(rows)


VECTOR_COLORS = {"a": "#3b5bdb", "a1": "#3b5bdb", "a2": "#1098ad", "b": "#212529", "p": "#e8590c", "e = b − p": "#c2255c"}


def vectors_chart(vectors: dict[str, np.ndarray], start: dict[str, np.ndarray] | None = None,
                  extent: float = 4.0, axes: tuple[int, int] = (0, 1), axis_titles: tuple[str, str] = ("x", "y"),
                  span: list[np.ndarray] | None = None, title: str = "", size: int = 320) -> alt.Chart:
    """Vectors drawn as arrows (a segment and a dot at the tip) on square, fixed axes [−extent, extent]².
    `start` moves an arrow's tail (e starts at p); `span` is a polygon (e.g. the line along a, or the
    parallelogram of a plane) drawn faintly underneath."""
    df = _vector_frame(vectors, start, axes)
    scale = alt.Scale(domain=[-extent, extent], nice=False)
    names = list(vectors)
    color = alt.Color("vector:N", scale=alt.Scale(domain=names, range=[VECTOR_COLORS.get(n, "#495057") for n in names]),
                      legend=alt.Legend(orient="right", title=None, labelLimit=200))
    x, y = alt.X("x0:Q", scale=scale, title=axis_titles[0]), alt.Y("y0:Q", scale=scale, title=axis_titles[1])
    seg = alt.Chart(df).mark_rule(strokeWidth=3, clip=True).encode(x=x, y=y, x2="x1:Q", y2="y1:Q", color=color)
    tips = alt.Chart(df).mark_circle(size=70, opacity=1, clip=True).encode(
        x=alt.X("x1:Q", scale=scale), y=alt.Y("y1:Q", scale=scale), color=color,
        tooltip=["vector", alt.Tooltip("x1", format=".3f", title=axis_titles[0]),
                 alt.Tooltip("y1", format=".3f", title=axis_titles[1])])
    labels = alt.Chart(df).mark_text(dx=10, dy=-10, fontSize=13, clip=True).encode(
        x=alt.X("lx:Q", scale=scale), y=alt.Y("ly:Q", scale=scale), color=color, text="vector:N")
    layers = [seg, tips, labels]
    if span is not None:
        i, j = axes
        poly = pd.DataFrame({"x": [q[i] for q in span], "y": [q[j] for q in span], "order": range(len(span))})
        layers.insert(0, alt.Chart(poly).mark_line(color="#adb5bd", strokeDash=[4, 3], clip=True).encode(
            x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), order="order:Q"))
    return alt.layer(*layers).properties(title=title, width=size, height=size)


def condition_chart(rows: list[dict], title: str = "Relative error of w against cond(X)",
                    mark_cond: float | None = None) -> alt.Chart:
    """log-log error of each solver as X gets worse conditioned, with the ε·cond and ε·cond² guides;
    `mark_cond` draws a vertical rule at one condition number (e.g. the user's X)."""
    df = pd.DataFrame(rows).dropna()
    df = df.assign(**{"relative error": df["relative error"].clip(lower=1e-17)})
    conds = np.array(sorted(set(pd.DataFrame(rows)["cond"])))
    eps = np.finfo(np.float64).eps
    guides = pd.DataFrame({"cond": np.concatenate([conds, conds]),
                           "relative error": np.concatenate([eps * conds, eps * conds**2]),
                           "guide": ["ε·cond"] * len(conds) + ["ε·cond²"] * len(conds)})
    y_scale = alt.Scale(type="log", domain=[1e-17, 1e3], nice=False)
    x = alt.X("cond:Q", scale=alt.Scale(type="log"), title="cond(X)")
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=x, y=alt.Y("relative error:Q", scale=y_scale, title="‖w − w_true‖ / ‖w_true‖"),
        color=alt.Color("method:N", legend=alt.Legend(orient="bottom", title=None, columns=2, labelLimit=300)),
        tooltip=["method", "cond", alt.Tooltip("relative error", format=".2e")])
    guide = alt.Chart(guides).mark_line(color="#868e96", strokeDash=[2, 2], clip=True).encode(
        x=x, y=alt.Y("relative error:Q", scale=y_scale), detail="guide:N")
    guides = guides[guides["relative error"] <= 1e3]  # a mark outside the frame would shrink the plot to fit it
    guide_text = alt.Chart(guides.groupby("guide").tail(1)).mark_text(align="right", dx=-4, dy=-8, color="#868e96",
                                                                      clip=True).encode(
        x=x, y=alt.Y("relative error:Q", scale=y_scale), text="guide:N")
    chart = guide + guide_text + lines
    conds_range = (float(conds.min()), float(conds.max()))
    if mark_cond is not None and np.isfinite(mark_cond) and conds_range[0] <= mark_cond <= conds_range[1]:
        here = pd.DataFrame({"cond": [mark_cond], "label": ["your X"]})
        rule = alt.Chart(here).mark_rule(color="#e8590c", strokeWidth=2).encode(x=x)
        chart = chart + rule + rule.mark_text(align="left", dx=4, dy=-150, color="#e8590c").encode(text="label:N")
    return chart.properties(title=title, height=420)


def predictions_chart(y: np.ndarray, y_hat: np.ndarray, target: str = "y", title: str = "Prediction against truth",
                      height: int = 420) -> alt.Chart:
    """Each row's prediction ŷ against its target y, with the line ŷ = y a perfect fit would sit on."""
    lo, hi = float(min(np.min(y), np.min(y_hat))), float(max(np.max(y), np.max(y_hat)))
    df = pd.DataFrame({"y": y, "ŷ": y_hat})
    scale = alt.Scale(domain=[lo, hi], nice=True)
    pts = alt.Chart(df).mark_circle(size=35, opacity=0.6).encode(
        x=alt.X("y:Q", scale=scale, title=f"{target} (truth)"), y=alt.Y("ŷ:Q", scale=scale, title=f"{target} (predicted)"),
        tooltip=[alt.Tooltip("y", format=".4g"), alt.Tooltip("ŷ", format=".4g")])
    diag = alt.Chart(pd.DataFrame({"y": [lo, hi], "ŷ": [lo, hi]})).mark_line(color="#868e96", strokeDash=[4, 3]).encode(
        x="y:Q", y="ŷ:Q")
    return (diag + pts).properties(title=title, height=height)


def two_runs_chart(curves: pd.DataFrame, steps: int, title: str = "Cost per iteration: KeyPoint's loop and its vectorised stepper",
                   height: int = 340, floor: float | None = None, cap: float | None = None) -> alt.Chart:
    """Loss curves of several runs on one fixed frame from `floor` (e.g. the minimum cost) to `cap` (e.g.
    10 × the starting cost), so a diverging run climbs out of the frame; curves has columns step, loss, run."""
    curves = curves[np.isfinite(curves["loss"]) & (curves["loss"] > 0)]
    hi = float(curves["loss"].max()) * 1.2 if cap is None and len(curves) else (cap or 1.0)
    lo = float(curves["loss"].min()) if len(curves) else 0.1
    lo = min(lo, floor) if floor is not None and floor > 0 else lo
    domain = [lo * 0.8, max(hi, lo * 10)]
    y_scale = alt.Scale(type="log", domain=domain, nice=False)
    decades = [10.0**k for k in range(int(np.floor(np.log10(domain[0]))), int(np.ceil(np.log10(domain[1]))) + 1)]
    runs = list(dict.fromkeys(curves["run"]))
    base = alt.Chart(curves).encode(
        x=alt.X("step:Q", scale=alt.Scale(domain=[0, steps], nice=False)),
        y=alt.Y("loss:Q", scale=y_scale, title="cost J(θ)", axis=alt.Axis(values=decades, format="~g")),
        color=alt.Color("run:N", scale=alt.Scale(domain=runs, range=["#74c0fc", "#1c3d8f", "#e8590c"][: len(runs)]),
                        legend=alt.Legend(orient="bottom", title=None, labelLimit=300)),
        tooltip=["run", "step", alt.Tooltip("loss", format=".6g")])
    # the first run wide and pale underneath, the others thin on top: where they agree, one line sits inside the other
    under = base.transform_filter(alt.datum.run == runs[0]).mark_line(clip=True, strokeWidth=7, opacity=0.8)
    over = base.transform_filter(alt.datum.run != runs[0]).mark_line(clip=True, strokeWidth=2)
    return (under + over).properties(title=title, height=height)


def cost_chart(df: pd.DataFrame, title: str = "Measured seconds (solid) and the O(·) curves (dashed)") -> alt.Chart:
    """Two panels, time against n (d fixed) and against d (n fixed), log-log. df is cost.fit_models' output."""
    panels = []
    for sweep, x in (("n grows", "n"), ("d grows", "d")):
        g = df[df["sweep"] == sweep]
        if g.empty:
            continue
        other = "d" if x == "n" else "n"
        fixed = int(g[other].iloc[0])
        span = [float(g[x].min()), float(g[x].max())]
        base = alt.Chart(g).encode(x=alt.X(f"{x}:Q", scale=alt.Scale(type="log", domain=span, nice=False),
                                           title=f"{'rows n' if x == 'n' else 'features d'} ({other} = {fixed})"),
                                   color=alt.Color("method:N", legend=alt.Legend(orient="bottom", title=None,
                                                                                 labelLimit=300)))
        y = alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="seconds")
        measured = base.mark_line(point=True).encode(y=y, tooltip=["n", "d", "method",
                                                                   alt.Tooltip("seconds", format=".4f")])
        model = base.mark_line(strokeDash=[5, 4], opacity=0.7).encode(y=alt.Y("model seconds:Q"))
        panels.append((measured + model).properties(title=f"As {x} grows", width=300, height=260))
    return alt.hconcat(*panels).properties(title=title)
