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





def stacked(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart for a phone's width: panels side by side (hconcat, a facet's columns) one under the other,
    at every level. A single view comes back unchanged (wider than the screen, it scrolls in its own box).
    Works on the chart objects (never to_dict: that would refuse datasets over altair's 5000-row limit)."""
    if isinstance(chart, alt.HConcatChart):
        rest = {k: v for k, v in chart._kwds.items() if k != "hconcat" and v is not alt.Undefined}
        return alt.VConcatChart(vconcat=[stacked(c) for c in chart.hconcat], **rest)
    if isinstance(chart, (alt.VConcatChart, alt.ConcatChart)):
        out = chart.copy(deep=False)
        key = "vconcat" if isinstance(chart, alt.VConcatChart) else "concat"
        setattr(out, key, [stacked(c) for c in getattr(chart, key)])
        if key == "concat":
            out.columns = 1
        return out
    if isinstance(chart, alt.FacetChart):
        facet = chart.facet
        if isinstance(facet, alt.FacetMapping) or hasattr(facet, "row"):
            if facet.row is not alt.Undefined or facet.column is alt.Undefined:
                return chart  # a grid of rows and columns stays as it is
            out = chart.copy(deep=False)
            column = facet.column
            out.facet = alt.Facet(column) if isinstance(column, str) else column  # the column's field, wrapped
        else:
            out = chart.copy(deep=False)
        out.columns = 1
        return out
    return chart
