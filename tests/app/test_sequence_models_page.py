import pytest

from tests.app.helpers import charts, page


@pytest.mark.slow
def test_sequence_models_page_defaults_views_and_live_run():
    at = page("app_pages/sequence_models.py").run()
    assert not at.exception, at.exception
    assert len(charts(at)) >= 12  # every tab: bars, perplexity, Zipf, n-gram sizes, curve, gates, unit, forced, deep x4, gradients
    table = next(d.value for d in at.dataframe if "bits_per_char" in d.value.columns)
    assert {"word", "character", "GPT token"} <= set(table["unit"])
    assert any("follows “inside quotes”" in c.value for c in at.caption)
    at.text_input(key="ng_prompt").set_value("").run()
    assert not at.exception and any("empty context" in i.value for i in at.info)
    at.radio(key="cell_gate").set_value("reset r").run()
    assert not at.exception
    at.select_slider(key="gru_z").set_value(1.0).run()
    assert any("never changes" in c.value for c in at.caption)
    at.select_slider(key="cell_hidden").set_value(64).run()  # inside the form: a view rerun, no training
    assert any("32 units" in str(c.proto.spec) for c in charts(at))
    at.button(key="clip_go").click().run()
    assert not at.exception, at.exception
    at.button(key="race_start").click().run()
    for _ in range(2):  # AppTest does not tick fragments: each run() is one tick
        at.run()
    assert not at.exception, at.exception
    race = next(d.value for d in at.dataframe if "sample" in d.value.columns)
    assert list(race["cell"]) == ["RNN", "GRU", "LSTM"] and (race["step"] > 0).all()
    at.text_input(key="cell_text").set_value("§§").run()
    assert not at.exception and at.warning  # a clear message, not a traceback
