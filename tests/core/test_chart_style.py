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


def test_stacked_puts_side_by_side_panels_one_under_the_other():
    from core.viz.style import stacked

    side = stacked(alt.hconcat(_bar(), alt.hconcat(_bar(), _bar()))).to_dict()
    assert "hconcat" not in str(side) and len(side["vconcat"]) == 2 and len(side["vconcat"][1]["vconcat"]) == 2
    assert stacked(_bar().facet(column="b:N")).to_dict()["columns"] == 1
    assert stacked(_bar().facet(facet="b:N", columns=3)).to_dict()["columns"] == 1
    single = _bar()
    assert stacked(single) is single
    grid = _bar().facet(row="b:N", column="b:N")
    assert stacked(grid).to_dict()["facet"].keys() == {"row", "column"}


def test_stacked_takes_big_data_and_leaves_the_original_alone():
    import numpy as np

    from core.viz.style import stacked

    big = alt.Chart(pd.DataFrame({"a": np.arange(6000) % 7, "b": [str(i % 3) for i in range(6000)]})).mark_bar().encode(
        x="a:Q", y="b:N")
    facet = big.facet(facet="b:N", columns=3)
    assert stacked(facet).columns == 1 and facet.columns == 3  # no 5000-row refusal, original unchanged
    assert isinstance(stacked(alt.hconcat(big, big)), alt.VConcatChart)
