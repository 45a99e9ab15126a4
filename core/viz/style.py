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
