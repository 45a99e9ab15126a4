from tests.app.helpers import charts, page


def test_sequence_models_page_defaults_and_changes():
    at = page("app_pages/sequence_models.py").run()
    assert not at.exception
    assert len(charts(at)) == 4  # next-word bars, perplexity, training curve, gate heatmap
    at.text_input(key="ng_prompt").set_value("").run()
    assert not at.exception and any("empty context" in i.value for i in at.info)
    at.radio(key="cell_gate").set_value("reset r").run()
    assert not at.exception
    at.text_input(key="cell_text").set_value("§§").run()
    assert not at.exception and at.warning  # a clear message, not a traceback
