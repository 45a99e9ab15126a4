"""Altair charts for the Decoding lab: the search tree, the n-best list, cross-attention, the
length-penalty crossing lines and the studies. Every function takes a BeamTrace (core.text.decoding.search)
or plain rows and only arranges them."""
from __future__ import annotations

import altair as alt
import pandas as pd

from core.text.decoding.search import length_norm

STATUS_COLORS = alt.Scale(domain=["kept", "finished", "pruned"], range=["#1f77b4", "#2ca02c", "#c7c7c7"])


def tree_frames(tr, upto: int, greedy_tokens: list[int], show_pruned: bool = True):
    """Nodes and edges of the search tree up to step `upto` (x = step, y = rank by score).
    show_pruned=False leaves out the pruned candidates (the tree stays readable at large k)."""
    best = set(tr.path(tr.best.step, tr.best.index))
    gre = {tuple(greedy_tokens[:i + 1]) for i in range(len(greedy_tokens))}
    nodes, edges, pos, prefix = [], [], {}, {}
    root = {b: (-1, 0.0) for b in range(64)}
    for s, step in enumerate(tr.steps[:upto + 1]):
        order = sorted(range(len(step.candidates)), key=lambda i: -step.candidates[i].score)
        rank = {i: r for r, i in enumerate(order)}
        for i, c in enumerate(step.candidates):
            if c.score < -1e8 or (not show_pruned and c.status == "pruned" and (s, i) not in best):
                continue
            px, py = root[c.parent] if s == 0 else pos[(s - 1, c.parent)]
            pre = (() if s == 0 else prefix[(s - 1, c.parent)]) + (c.token,)
            y = -rank[i]
            nodes.append({"step": s, "y": y, "token": token_text(c.text), "status": c.status, "logprob": round(c.logprob, 3),
                          "score": round(c.score, 3), "norm_score": None if c.norm_score is None else round(c.norm_score, 3),
                          "parent beam": c.parent, "best beam": (s, i) in best, "greedy path": pre in gre})
            edges.append({"x": px, "y": py, "x2": s, "y2": y, "best beam": (s, i) in best, "status": c.status})
            if c.status == "kept":
                pos[(s, c.beam)] = (s, y)
                prefix[(s, c.beam)] = pre
    return pd.DataFrame(nodes), pd.DataFrame(edges)


def token_text(t: str) -> str:
    """A token as a student reads it: BPE's leading-space marker Ġ (and SentencePiece's ▁) shown as ␣."""
    return t.replace("Ġ", "␣").replace("▁", "␣").replace(" ", "␣").replace("Ċ", "⏎").replace(chr(10), "⏎") or "∅"


def tree_chart(nodes: pd.DataFrame, edges: pd.DataFrame) -> alt.Chart:
    """Kept and finished candidates carry their token as a label; pruned ones are small grey dots."""
    base_e = alt.Chart(edges)
    lines = base_e.mark_rule(opacity=0.5).encode(x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q",
                                                 color=alt.Color("status:N", scale=STATUS_COLORS, legend=None))
    best = base_e.transform_filter("datum['best beam']").mark_rule(color="#d62728", strokeWidth=3).encode(
        x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q")
    tips = ["step", "token", "status", "logprob", "score", "norm_score", "parent beam", "best beam", "greedy path"]
    rows = int(nodes.groupby("step").size().max()) if len(nodes) else 1
    size = 260 if rows <= 10 else 120
    pts = alt.Chart(nodes).mark_circle(opacity=0.9).encode(
        x=alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(padding=20, nice=False)),
        y=alt.Y("y:Q", title="rank at this step (by cumulative log-prob)", axis=alt.Axis(labels=False),
                scale=alt.Scale(padding=24, nice=False)),
        color=alt.Color("status:N", scale=STATUS_COLORS, title="candidate"), tooltip=tips,
        size=alt.condition("datum.status == 'pruned'", alt.value(size // 3), alt.value(size)),
        stroke=alt.condition("datum['greedy path']", alt.value("#ff7f0e"), alt.value(None)),
        strokeWidth=alt.value(3))
    text = alt.Chart(nodes).transform_filter("datum.status != 'pruned' || datum['best beam']").mark_text(
        fontSize=11 if rows <= 10 else 9, dy=-11).encode(x="step:Q", y="y:Q", text="token:N")
    return (lines + best + pts + text).properties(height=max(420, 22 * rows)).interactive()


def nbest_frame(tr) -> pd.DataFrame:
    rows = [{"output": h.text, "tokens": len(h.tokens), "log-prob (raw)": round(h.score, 4),
             f"length-normalised ({tr.form}, α={tr.alpha})": round(h.norm_score, 4)} for h in tr.hypotheses]
    df = pd.DataFrame(rows)
    df["rank by raw"] = df["log-prob (raw)"].rank(ascending=False, method="first").astype(int)
    return df


def attention_chart(tr, source_tokens: list[str]) -> alt.Chart | None:
    att = tr.attention_of(tr.best)
    if att is None:
        return None
    out_toks = [token_text(tr.steps[s].candidates[i].text) for s, i in tr.path(tr.best.step, tr.best.index)]
    rows = [{"output": f"{t:02d} {out_toks[t]}", "source": f"{j:02d} {token_text(source_tokens[j])}", "weight": float(att[t, j])}
            for t in range(att.shape[0]) for j in range(att.shape[1])]
    return alt.Chart(pd.DataFrame(rows)).mark_rect().encode(
        x=alt.X("source:O", title="source token", sort=None),
        y=alt.Y("output:O", title="decoded token", sort=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme="blues"), title="attention"), tooltip=["output", "source", "weight"]
    ).properties(height=max(200, 22 * att.shape[0]))


def penalty_chart(tr, form: str) -> alt.Chart:
    """The same finished hypotheses re-scored for a range of α: where lines cross, the ranking flips."""
    rows = [{"α": a / 4, "hypothesis": f"{i + 1}. {h.text[:24]!r} ({len(h.tokens)} tok)",
             "normalised score": h.score / length_norm(len(h.tokens), a / 4, form)}
            for i, h in enumerate(tr.hypotheses) for a in range(-4, 13)]
    return alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x="α:Q", y="normalised score:Q", color=alt.Color("hypothesis:N", sort=None),
        tooltip=["hypothesis", "α", "normalised score"]).properties(height=220)


def study_chart(rows: list[dict]) -> alt.FacetChart:
    """The beam-width study: one small line chart per measured quantity, against k (log2 axis)."""
    df = pd.DataFrame(rows)
    cols = [c for c in df.columns if c != "k" and df[c].notna().all()]
    long = df.melt("k", cols, var_name="measure", value_name="value")
    return (alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("k:Q", scale=alt.Scale(type="log", base=2), axis=alt.Axis(values=sorted(df["k"].unique().tolist()))),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)), tooltip=["k", "measure", alt.Tooltip("value:Q", format=".3f")])
        .properties(height=150, width=200).facet(facet=alt.Facet("measure:N", title=None, sort=cols), columns=3)
        .resolve_scale(y="independent"))


EXPOSURE_NAMES = {"teacher_forcing": "teacher forcing (gold previous tokens)",
                  "free_running": "free running (its own previous tokens)"}


def exposure_chart(positions: list[dict]) -> alt.Chart:
    """Token accuracy per output position, teacher forcing vs free running."""
    df = pd.DataFrame(positions).rename(columns=EXPOSURE_NAMES).melt(
        "position", var_name="decoder input", value_name="token accuracy")
    return alt.Chart(df).mark_line(point=True).encode(x="position:O", y=alt.Y("token accuracy:Q", scale=alt.Scale(zero=False)),
                                                      color=alt.Color("decoder input:N", title=None))


def length_curves_chart(curves: list[dict]) -> alt.Chart:
    """Exact match against source length, one line per model (rows: model, source length, exact match, n)."""
    return alt.Chart(pd.DataFrame(curves)).mark_line(point=True).encode(
        x=alt.X("source length:O", sort=None), y="exact match:Q", color="model:N", tooltip=["model", "n", "exact match"])
