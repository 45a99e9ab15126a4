"""Linear regression page: every tab renders (generated data, the sample CSV, an uploaded CSV, bad CSVs),
the stable-rate buttons land either side of the bound, the cost tab measures on demand."""
import pytest

from core.learn import linreg
from tests.app.helpers import charts, page

PAGE = "app_pages/linear_regression/page.py"
# line tab: fit, surface, loss; projection: 2-D + two 3-D views; data tab: predictions + condition sweep;
# gradient-descent tab: the two runs
DEFAULT_CHARTS = 3 + 3 + 2 + 1


def _fresh():
    at = page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _warnings(at) -> str:
    return " | ".join(w.value for w in at.warning)


@pytest.mark.slow
def test_page_renders_every_tab_and_measures_on_demand():
    at = _fresh()
    assert [t.label for t in at.tabs][:5] == ["One feature, two ways", "Projection", "Your data: solving it well",
                                              "Gradient descent on your data", "Cost as the problem grows"]
    assert len(charts(at)) == DEFAULT_CHARTS
    labels = [m.label for m in at.metric]
    assert labels[0] == "Normal equation w"
    assert "max |θ_loop − θ_vectorised|" in labels
    assert not at.warning  # the default learning rates are stable and the default data is not collinear
    assert any("P² − P" in md.value for md in at.markdown)
    assert len(at.dataframe) == 2  # P (3-D) and the solver table
    assert any("\\frac{\\partial L}" in x.value for x in at.get("latex"))
    at.button(key="lr_cost_run").click().run()
    assert not at.exception
    assert len(charts(at)) == DEFAULT_CHARTS + 1 and len(at.dataframe) == 3


@pytest.mark.slow
def test_learning_rate_either_side_of_the_bound():
    at = _fresh()
    at.number_input(key="lin_eta").set_value(1.5).run()
    assert not at.exception
    assert "overshoots" in at.warning[0].value
    at.slider(key="lin_n").set_value(5)
    at.select_slider(key="lin_replay").set_value(0).run()
    assert not at.exception and len(charts(at)) == DEFAULT_CHARTS
    at.button(key="lr_below").click().run()
    assert "overshoots" not in _warnings(at)
    at.button(key="lr_above").click().run()
    assert "overshoots" in _warnings(at)
    at.slider(key="lin_gd_frac").set_value(1.01).run()
    assert "cost grows" in _warnings(at)


@pytest.mark.slow
def test_collinear_and_ill_conditioned_generated_data_are_explained():
    at = _fresh()
    at.select_slider(key="lin_gc").set_value(1.0).run()
    assert not at.exception
    assert "collinear" in _warnings(at) and "minimum-norm" in _warnings(at)
    at.select_slider(key="lin_gc").set_value(1 - 1e-6).run()
    assert "digits" in _warnings(at)  # cond(XᵀX) ~ 1e12


@pytest.mark.slow
def test_sample_and_uploaded_csvs_good_and_bad():
    at = _fresh()
    at.radio(key="lin_src").set_value("Sample CSV").run()
    assert not at.exception and len(charts(at)) == DEFAULT_CHARTS
    assert [b.key for b in at.get("download_button")] == ["lr_dl", "dl_solvers_price-k.csv"]  # sample, solver table
    at.radio(key="lin_src").set_value("Upload a CSV").run()
    assert not at.exception and any("Choose a CSV" in i.value for i in at.info)
    at.file_uploader(key="lr_upload").set_value(("houses.csv", linreg.sample_csv(), "text/csv")).run()
    assert not at.exception and len(charts(at)) == DEFAULT_CHARTS
    assert at.selectbox(key="lin_target").value == "price_k"
    at.multiselect(key="lin_feats").set_value(["area_m2"]).run()
    assert not at.exception and len(charts(at)) == DEFAULT_CHARTS
    for raw, message in [
        (b"a,b,y\n1,2,3\n2,oops,4\n3,5,9\n4,4,8\n", "text where a number should be"),
        (b"a;b;y\n1;2;3\n2;1;4\n3;5;9\n", "semicolon-separated"),
        (b"a,b,c,y\n1,2,3,4\n2,1,4,4\n", "more rows than columns"),
    ]:
        at.file_uploader(key="lr_upload").set_value(("bad.csv", raw, "text/csv")).run()
        assert not at.exception and not at.error, message
        assert message in _warnings(at)
        assert any("Choose or fix the data" in i.value for i in at.info)  # the gradient-descent tab waits


@pytest.mark.slow
def test_degenerate_projections_warn():
    at = _fresh()
    at.slider(key="lin_pj_a1").set_value(0.0)
    at.slider(key="lin_pj_a2").set_value(0.0)
    for i, v in enumerate((2.0, 0.0, 0.4)):  # a2 = 2·a1: a line, not a plane
        at.number_input(key=f"lin_pj3_a2_{i}").set_value(v)
    at.run()
    assert not at.exception and not at.error
    assert "zero vector" in _warnings(at) and "parallel" in _warnings(at)
