"""Altair charts for the Sequence models page: next-word bars, perplexity, training curves, gate
heatmaps. Every function takes plain rows or arrays and only arranges them."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

CENTRED = ("h", "candidate n", "candidate g", "cell c")  # tanh-valued: centre the colour scale at 0, gates at 0.5


def next_word_chart(dist: list[tuple[str, float]], title: str) -> alt.Chart:
    """P(next word | context) as horizontal bars, most likely first."""
    df = pd.DataFrame(dist, columns=["next word", "P"])
    return alt.Chart(df).mark_bar().encode(
        x="P:Q", y=alt.Y("next word:N", sort="-x", axis=alt.Axis(labelOverlap=False)), tooltip=["next word", "P"]
    ).properties(title=title, height=300)


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    """A left-aligned title whose details go in a subtitle line, so narrow charts never clip it."""
    return alt.TitleParams(text, subtitle=subtitle or "", anchor="start", limit=0)


def ngram_perplexity_chart(ns: list[int], perplexities: list[float], heading: str, subtitle: str = "") -> alt.Chart:
    df = pd.DataFrame({"n": ns, "perplexity": perplexities})
    return alt.Chart(df).mark_line(point=True).encode(
        x="n:O", y=alt.Y("perplexity:Q", scale=alt.Scale(type="log"))).properties(title=title(heading, subtitle), height=300)


def training_curve_chart(steps: list[int], bits: list[float], heading: str, subtitle: str = "") -> alt.Chart:
    df = pd.DataFrame({"step": steps, "train": bits})
    return alt.Chart(df).mark_line().encode(x="step", y=alt.Y("train", title="bits per character")).properties(
        title=title(heading, subtitle), height=300)  # Streamlit's fit sizing counts the title and axes in the height


def char_labels(chars: str) -> list[str]:
    """Unique axis labels: "07 a" (time step, the character with escapes shown)."""
    return [f"{t:02d} {repr(c)[1:-1]}" for t, c in enumerate(chars)]


def _cells(chars: str, values: np.ndarray) -> pd.DataFrame:
    """values [T, H] -> long rows (char label, unit, value), built with numpy (this runs on every rerun)."""
    T, H = values.shape
    return pd.DataFrame({"char": np.repeat(np.array(char_labels(chars), dtype=object), H),
                         "unit": np.tile(np.arange(H), T), "value": np.asarray(values, dtype=float).round(4).ravel()})


def gate_heatmap(chars: str, values: np.ndarray, gate: str) -> alt.Chart:
    """values [T, H]: one gate (or the hidden state) per time step and unit."""
    df = _cells(chars, values)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("char:N", sort=None, title="time step (input character)"), y=alt.Y("unit:O", title="hidden unit"),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domainMid=0 if gate in CENTRED else 0.5)),
        tooltip=["char", "unit", "value"]).properties(title=f"{gate} at every step", height=320)


def zipf_chart(ranks: np.ndarray, counts: np.ndarray, words: list[str], slope: float, intercept: float) -> alt.LayerChart:
    """Rank-frequency on log-log axes with the fitted line count = 10^b * rank^slope."""
    df = pd.DataFrame({"rank": ranks, "count": counts, "word": words})
    df["fit"] = 10 ** intercept * df["rank"] ** slope
    log = alt.Scale(type="log")
    pts = alt.Chart(df).mark_circle(size=30).encode(x=alt.X("rank:Q", scale=log, title="rank (most frequent = 1)"),
                                                    y=alt.Y("count:Q", scale=log, title="count in the corpus"),
                                                    tooltip=["rank", "word", "count"])
    line = alt.Chart(df).mark_line(color="#e45756").encode(x="rank:Q", y="fit:Q")
    return (pts + line).properties(title=title("Zipf's law", f"fitted slope {slope:.2f} (Zipf: about -1)"), height=300)


def ngram_sizes_chart(rows: list[dict], min_count: int) -> alt.Chart:
    """Distinct n-grams against n, before and after a count filter, with |V|^n for scale (log y)."""
    names = {"possible": "possible (|V|^n)", "distinct": "seen in the corpus", "kept": f"seen at least {min_count} times"}
    df = pd.DataFrame(rows).melt("n", list(names), var_name="series", value_name="n-grams")
    df["series"] = df["series"].map(names)
    return alt.Chart(df).mark_line(point=True).encode(
        x="n:O", y=alt.Y("n-grams:Q", scale=alt.Scale(type="log")), color=alt.Color("series:N", title=None, sort=list(names.values())),
        tooltip=["n", "series", alt.Tooltip("n-grams:Q", format=",.0f")]
    ).properties(title=title("How many n-grams a table needs", "log scale"), height=300)


def gradient_chart(df: pd.DataFrame) -> alt.Chart:
    """df: cell, steps back from the end, gradient norm -> one line per cell, log y."""
    return alt.Chart(df).mark_line().encode(
        x=alt.X("steps back from the end:Q"), y=alt.Y("gradient norm:Q", scale=alt.Scale(type="log"),
                                                      title="|d h_T / d x_t|"),
        color=alt.Color("cell:N", title=None), tooltip=["cell", "steps back from the end", "gradient norm"]
    ).properties(title=title("How far back the gradient reaches", "gradient of the last state w.r.t. each input"), height=340)


def runs_chart(rows: list[dict], value: str, heading: str, log: bool = False) -> alt.Chart:
    """rows: step, run (a label), and `value` -> one line per run (training loss, gradient norms...)."""
    df = pd.DataFrame(rows)
    y = alt.Y(f"{value}:Q", scale=alt.Scale(type="log") if log else alt.Undefined)
    return alt.Chart(df).mark_line().encode(x="step:Q", y=y, color=alt.Color("run:N", title=None),
                                            tooltip=["run", "step", alt.Tooltip(f"{value}:Q", format=".3f")]
                                            ).properties(title=title(heading), height=300)


def unit_chart(chars: str, values: np.ndarray, flags: list[bool], heading: str) -> alt.LayerChart:
    """One unit's value per character (line) over the inside-quotes flag (shaded bars)."""
    df = pd.DataFrame({"char": char_labels(chars), "value": values, "inside quotes": [float(f) for f in flags]})
    x = alt.X("char:N", sort=None, title="time step (input character)")
    band = alt.Chart(df).mark_bar(color="#f2cf5b", opacity=0.5).encode(x=x, y=alt.Y("inside quotes:Q", title="value"))
    line = alt.Chart(df).mark_line(point=True, color="#4c78a8").encode(x=x, y="value:Q", tooltip=["char", "value"])
    return (band + line).properties(title=title(heading, "yellow: inside quotes"), height=240)


def deep_states_chart(chars: str, panels: dict[str, np.ndarray]) -> alt.FacetChart:
    """Several [T, H] state arrays (e.g. "layer 1 forward") as one faceted heatmap, two per row."""
    df = pd.concat([_cells(chars, v).assign(states=name) for name, v in panels.items()])
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("char:N", sort=None, title=None), y=alt.Y("unit:O", title="unit"),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domainMid=0), title="h"),
        tooltip=["states", "char", "unit", "value"]).properties(width=300, height=120).facet(
        facet=alt.Facet("states:N", sort=list(panels), title=None), columns=2)
