"""core.viz.style.scaled: presenter mode's bigger chart type, on any top-level chart."""
import altair as alt
import pandas as pd

from core.viz.style import AXIS_LABEL, TITLE, scaled


def _bar():
    return alt.Chart(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})).mark_bar().encode(x="a:Q", y="b:N")


def test_scale_one_leaves_the_chart_alone():
    c = _bar()
    assert scaled(c, 1.0) is c


def test_every_kind_of_chart_gets_bigger_type():
    for chart in (_bar(), _bar() + _bar(), alt.hconcat(_bar(), _bar()), _bar().facet(column="b:N")):
        cfg = scaled(chart, 2.0).to_dict()["config"]
        assert cfg["axis"]["labelFontSize"] == 2 * AXIS_LABEL
        assert cfg["title"]["fontSize"] == 2 * TITLE
        assert cfg["legend"]["labelFontSize"] == 2 * AXIS_LABEL and cfg["header"]["labelFontSize"] > 2 * AXIS_LABEL
