"""Altair charts of the semi-supervised page: live training curves with method switches marked,
the two-moons decision boundary, pseudo-box quality against the score threshold, and Soft Teacher's
Fig. 3 scatters. Every function takes plain data (lists of dicts / tuples, arrays) and returns a chart."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

LEGEND = alt.Legend(orient="bottom", title=None, labelLimit=260, columns=2)  # under the plot: switch labels never cover it
# Streamlit's default "fit" autosize squeezes axes, title and a bottom legend into the chart's height,
# leaving a thin plot; "fit-x" stretches the width only, so `height` is the plot's own height.
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def switch_marks(labels: list[tuple[int, str]]) -> list[dict]:
    """(step, label) per event -> [{"step", "label"}] where the label changed (a method switch)."""
    return [{"step": cur[0], "label": cur[1]} for prev, cur in zip(labels, labels[1:]) if prev[1] != cur[1]]


def line_chart(rows: list[dict], y_title: str, switches: list[dict] | None = None, title: str = "",
               x_title: str = "step", y_domain: tuple | None = None, dashed: list[str] | None = None) -> alt.Chart:
    """rows [{"step", "series", "value"}] -> one line per series, with dashed vertical rules and their
    labels (at the top of the plot) at every switch. Series named in `dashed` are drawn dashed."""
    df = pd.DataFrame(rows, columns=["step", "series", "value"])
    df["dash"] = df["series"].isin(dashed or [])
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined)
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("step:Q", title=x_title, axis=alt.Axis(format="d")), y=y,
        color=alt.Color("series:N", legend=LEGEND),
        strokeDash=alt.StrokeDash("dash:N", legend=None, scale=alt.Scale(domain=[False, True], range=[[1, 0], [5, 3]])),
        tooltip=["step", "series", alt.Tooltip("value:Q", format=".3f")])
    chart = lines
    if switches:
        sw = pd.DataFrame(switches)
        rules = alt.Chart(sw).mark_rule(strokeDash=[4, 4], color="gray").encode(x="step:Q", tooltip=["step", "label"])
        text = alt.Chart(sw).mark_text(align="left", dx=3, dy=-4, color="gray", limit=140).encode(
            x="step:Q", y=alt.value(8), text="label:N")
        chart = lines + rules + text
    return chart.properties(title=title, height=220, autosize=FIT_X)


def boundary_chart(grid: np.ndarray, extent: float, unlabeled: np.ndarray, labeled: np.ndarray,
                   labels: list[int], title: str) -> alt.Chart:
    """grid f32[G, G] p(class 1) over [-extent, extent]^2, unlabeled f32[U, 2] points (black dots),
    labeled f32[L, 2] points with their classes (gold markers)."""
    G = grid.shape[0]
    ticks = np.linspace(-extent, extent, G)
    xx, yy = np.meshgrid(ticks, ticks)
    df = pd.DataFrame({"x": xx.ravel(), "y": yy.ravel(), "p": grid.ravel()})
    step = 2 * extent / (G - 1)
    heat = alt.Chart(df).mark_rect().encode(
        x=alt.X("x:Q", bin=alt.Bin(step=step), title=None), y=alt.Y("y:Q", bin=alt.Bin(step=step), title=None),
        color=alt.Color("p:Q", scale=alt.Scale(scheme="redblue", domain=[0, 1]), title="p(moon 1)",
                        legend=alt.Legend(orient="bottom", gradientLength=180)))
    pts = pd.DataFrame({"x": unlabeled[:, 0], "y": unlabeled[:, 1]})
    lpts = pd.DataFrame({"x": labeled[:, 0], "y": labeled[:, 1], "kind": [f"label {int(c)}" for c in labels]})
    dots = alt.Chart(pts).mark_circle(size=8, color="black", opacity=0.35).encode(x="x:Q", y="y:Q")
    big = alt.Chart(lpts).mark_point(size=90, filled=True, stroke="white").encode(
        x="x:Q", y="y:Q", shape=alt.Shape("kind:N", legend=alt.Legend(orient="bottom", title=None)),
        color=alt.value("gold"))
    return (heat + dots + big).properties(title=title, height=300, autosize=FIT_X).resolve_legend(color="independent")


def threshold_chart(curve: list[tuple[float, float, float]], title: str, marked: float | None = None) -> alt.Chart:
    """curve [(threshold, precision, recall)] -> precision and recall against the score threshold,
    with a vertical rule at the threshold in use."""
    df = pd.DataFrame([{"threshold": t, "series": s, "value": v} for t, p, r in curve
                       for s, v in (("precision", p), ("recall", r)) if v == v], columns=["threshold", "series", "value"])
    chart = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("threshold:Q", title="teacher score threshold"),
        y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1]), title="vs hidden truth (IoU >= 0.5)"),
        color=alt.Color("series:N", legend=LEGEND), tooltip=["threshold", "series", alt.Tooltip("value:Q", format=".3f")])
    if marked is not None:
        chart = chart + alt.Chart(pd.DataFrame({"t": [marked]})).mark_rule(color="red").encode(x="t:Q")
    return chart.properties(title=title, height=260, autosize=FIT_X)


def variance_iou_chart(points: list[tuple[float, float, float]], reg_threshold: float,
                       title: str = "Fig. 3c: box variance vs IoU") -> alt.Chart:
    """points [(localisation variance, IoU with ground truth, score)] -> log-x scatter, rule at the threshold."""
    df = pd.DataFrame(points, columns=["variance", "IoU", "score"])
    dots = alt.Chart(df).mark_circle(opacity=0.6).encode(
        x=alt.X("variance:Q", scale=alt.Scale(type="log"), title="localisation variance (log)"),
        y=alt.Y("IoU:Q", title="IoU with ground truth", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("score:Q", scale=alt.Scale(scheme="viridis"), title="score",
                        legend=alt.Legend(orient="bottom", gradientLength=160)),
        tooltip=["variance", "IoU", "score"])
    rule = alt.Chart(pd.DataFrame({"v": [reg_threshold]})).mark_rule(color="red").encode(x="v:Q")
    return (dots + rule).properties(title=title, height=260, autosize=FIT_X)


def score_iou_chart(points: list[tuple[float, float, float]], fg_threshold: float,
                    title: str = "Fig. 3b: foreground score vs IoU") -> alt.Chart:
    """The same points with the teacher's score on x: a high score does not promise a good box."""
    df = pd.DataFrame(points, columns=["variance", "IoU", "score"])
    dots = alt.Chart(df).mark_circle(opacity=0.6, color="#4c78a8").encode(
        x=alt.X("score:Q", title="teacher foreground score", scale=alt.Scale(zero=False)),
        y=alt.Y("IoU:Q", title="IoU with ground truth", scale=alt.Scale(domain=[0, 1])),
        tooltip=["variance", "IoU", "score"])
    rule = alt.Chart(pd.DataFrame({"v": [fg_threshold]})).mark_rule(color="red").encode(x="v:Q")
    return (dots + rule).properties(title=title, height=260, autosize=FIT_X)


# ---- pictures (uint8 arrays): pseudo-boxes and box jittering drawn on the image ----

def _big(image: np.ndarray, scale: int) -> "PIL.Image.Image":  # noqa: F821
    from PIL import Image

    return Image.fromarray(np.kron(image, np.ones((scale, scale, 1), np.uint8)))


def pseudo_box_pictures(shown: list[dict], scale: int = 2) -> list[np.ndarray]:
    """shown [{"image" uint8[H, W, 3], "boxes", "scores", "labels" (0-based), "gt"}] -> pictures with the
    teacher's pseudo-boxes (class + score) and the hidden ground truth as thin white boxes."""
    from PIL import ImageDraw

    from core.vision.shapes.generator import CLASSES
    from core.vision.types import Detections
    from core.viz.overlay import draw_detections

    out = []
    for s in shown:
        big = np.asarray(_big(s["image"], scale))
        dets = Detections(boxes=np.asarray(s["boxes"], np.float32).reshape(-1, 4) * scale,
                          scores=np.asarray(s["scores"], np.float32), labels=np.asarray(s["labels"], np.int64),
                          class_names=list(CLASSES))
        pil = _big(draw_detections(big, dets, line_width=2), 1)
        draw = ImageDraw.Draw(pil)
        for b in np.asarray(s["gt"]).reshape(-1, 4) * scale:
            draw.rectangle([float(v) for v in b], outline=(255, 255, 255), width=1)
        out.append(np.asarray(pil))
    return out


def jitter_picture(image: np.ndarray, box: np.ndarray, jittered: np.ndarray, refined: np.ndarray,
                   gt: np.ndarray, scale: int = 3) -> np.ndarray:
    """The picked pseudo-box (red), its jittered copies (thin grey), the teacher's refinements of them
    (orange) and the hidden ground truth (white), on the image enlarged `scale` times."""
    from PIL import ImageDraw

    pil = _big(image, scale)
    draw = ImageDraw.Draw(pil)
    for b in np.asarray(gt).reshape(-1, 4) * scale:
        draw.rectangle([float(v) for v in b], outline=(255, 255, 255), width=1)
    for b in jittered * scale:
        draw.rectangle([float(v) for v in b], outline=(170, 170, 170), width=1)
    for b in refined * scale:
        draw.rectangle([float(v) for v in b], outline=(255, 150, 0), width=1)
    draw.rectangle([float(v) for v in box * scale], outline=(230, 30, 30), width=2)
    return np.asarray(pil)


def spread_chart(rows: list[dict]) -> alt.Chart:
    """rows from jitter_view.spread_rows -> each coordinate's normalised spread under both norms."""
    df = pd.DataFrame([{"coordinate": r["coordinate"], "normalisation": n, "spread / side": r[k]}
                       for r in rows for n, k in (("paper: 0.5 (h + w)", "paper: / 0.5(h+w)"),
                                                  ("code: w or h", "code: / w or h"))])
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("coordinate:N", sort=["x1", "y1", "x2", "y2"], title=None),
        xOffset="normalisation:N", y=alt.Y("spread / side:Q", title="spread / side"),
        color=alt.Color("normalisation:N", legend=LEGEND),
        tooltip=["coordinate", "normalisation", alt.Tooltip("spread / side:Q", format=".4f")],
    ).properties(title="each coordinate's spread, normalised", height=240, autosize=FIT_X)


def sweep_chart(rows: list[tuple], tau: float) -> alt.Chart:
    """rows [(tau, precision, recall, kept)] from stac.threshold_sweep -> precision and recall of the
    kept pseudo-labels against the hidden truth, with a rule at the threshold in use."""
    return threshold_chart([(t, p, r) for t, p, r, _ in rows], "pseudo-labels vs hidden truth", marked=tau)


def view_pair_picture(weak: np.ndarray, strong: np.ndarray, scale: int = 12, gap: int = 6) -> np.ndarray:
    """FixMatch's two views of one digit side by side: weak (left) and strong (right), f32[H, W] in [0, 1]
    each, enlarged `scale` times (nearest) with a white gap. Returns uint8[H*scale, 2*W*scale + gap, 3]."""
    def big(a):
        g = (255 * (1.0 - np.clip(a, 0.0, 1.0))).astype(np.uint8)        # ink dark on white, as on paper
        return np.kron(g, np.ones((scale, scale), np.uint8))
    left, right = big(weak), big(strong)
    pic = np.concatenate([left, np.full((left.shape[0], gap), 255, np.uint8), right], axis=1)
    return np.repeat(pic[:, :, None], 3, axis=2)


def view_caption(v: dict, tau: float) -> str:
    """'weak: 3 (p 0.98 >= tau 0.95) -> pseudo-label 3 | strong: 3 | truth 3' for one fixmatch_views entry."""
    head = f"weak: {v['pseudo_label']} (p {v['confidence']:.2f} "
    if v["crossed"]:
        return (head + f">= τ {tau:.2f}) → pseudo-label {v['pseudo_label']} · strong says {v['strong_pred']} "
                f"(p {v['strong_p_pseudo']:.2f} for it) · truth {v['truth']}")
    return head + f"< τ {tau:.2f}) → no pseudo-label, no loss · truth {v['truth']}"


# viridis at 0, 0.25, 0.5, 0.75, 1 (the chart's scheme), interpolated linearly in between
VIRIDIS_AT = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float)


def background_weight_picture(image: np.ndarray, bg: np.ndarray, r: np.ndarray, pseudo: np.ndarray,
                              scale: int = 3) -> np.ndarray:
    """Soft Teacher's background candidates on the image, each outlined in the colour of r_j, the teacher's
    background probability (viridis: yellow = sure it is background, full weight; purple = the teacher
    suspects an object, little weight); the teacher's pseudo-boxes in thick white. The least sure
    candidates are drawn last, on top."""
    from PIL import ImageDraw

    pil = _big(image, scale)
    draw = ImageDraw.Draw(pil)
    for j in np.argsort(-np.asarray(r)):
        colour = tuple(int(np.interp(float(r[j]), VIRIDIS_AT, channel)) for channel in VIRIDIS.T)
        draw.rectangle([float(v) for v in bg[j] * scale], outline=colour, width=1 if r[j] > 0.5 else 2)
    for b in np.asarray(pseudo).reshape(-1, 4) * scale:
        draw.rectangle([float(v) for v in b], outline=(255, 255, 255), width=3)
    return np.asarray(pil)


def background_weight_chart(r: np.ndarray, w: np.ndarray, w_fg: float) -> alt.Chart:
    """Each background candidate's r_j (x) against its loss weight (y), with the weight of one foreground
    candidate as a rule: where the unlabeled classification loss puts its attention."""
    df = pd.DataFrame({"r_j (teacher's background probability)": np.asarray(r, float), "loss weight": np.asarray(w, float)})
    dots = alt.Chart(df).mark_circle(size=40, opacity=0.7).encode(
        x=alt.X("r_j (teacher's background probability):Q", scale=alt.Scale(domain=[0, 1])), y="loss weight:Q",
        color=alt.Color("r_j (teacher's background probability):Q", scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                        legend=None), tooltip=[alt.Tooltip("r_j (teacher's background probability):Q", format=".3f"),
                                               alt.Tooltip("loss weight:Q", format=".4f")])
    rule = alt.Chart(pd.DataFrame({"y": [w_fg], "what": ["one foreground candidate"]})).mark_rule(
        color="red", strokeDash=[4, 4]).encode(y="y:Q", tooltip=["what", alt.Tooltip("y:Q", format=".4f")])
    return (dots + rule).properties(title="background candidates: r_j and their weight", height=240, autosize=FIT_X)
