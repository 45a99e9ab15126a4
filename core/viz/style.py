"""Chart type size, shared by every chart builder's output: presenter mode scales it up.

Applied once, to the finished chart, so builders stay unchanged: `scaled(chart, 1.6)`.
"""
from __future__ import annotations

import altair as alt

# Vega-Lite's own defaults at scale 1 (px): axis labels 10, axis titles 11, legend 10/11, titles 13.
AXIS_LABEL, AXIS_TITLE, TITLE, TEXT = 10, 11, 13, 11


def scaled(chart: alt.TopLevelMixin, scale: float = 1.0) -> alt.TopLevelMixin:
    """The chart with every axis, legend, header, title and text mark's type `scale` times the default.
    Scale 1 returns the chart untouched. Sizes a builder sets on one axis or mark keep their own value."""
    if scale == 1.0:
        return chart
    label, title = round(AXIS_LABEL * scale, 1), round(AXIS_TITLE * scale, 1)
    return (chart.configure_axis(labelFontSize=label, titleFontSize=title)
            .configure_legend(labelFontSize=label, titleFontSize=title)
            .configure_header(labelFontSize=title, titleFontSize=title)
            .configure_title(fontSize=round(TITLE * scale, 1))
            .configure_text(fontSize=round(TEXT * scale, 1)))




def _stack(d: dict) -> dict:
    """A Vega-Lite spec with side-by-side panels put one under the other, at every level."""
    if "hconcat" in d:
        d["vconcat"] = d.pop("hconcat")
    if "facet" in d and "row" not in d["facet"]:  # a grid of rows and columns stays as it is
        d["facet"] = d["facet"].get("column", d["facet"])  # .facet(column=...) becomes a wrapped facet
        d["columns"] = 1
    if "concat" in d:
        d["columns"] = 1
    for k in ("vconcat", "concat"):
        if k in d:
            d[k] = [_stack(sub) for sub in d[k]]
    return d


def stacked(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart for a phone's width: panels side by side (hconcat, a facet's columns) one under the other.
    A single view comes back unchanged (wider than the screen, it scrolls inside its own box)."""
    d = _stack(chart.to_dict())
    for key, cls in (("vconcat", alt.VConcatChart), ("facet", alt.FacetChart), ("concat", alt.ConcatChart)):
        if key in d:
            return cls.from_dict(d, validate=False)
    return chart
