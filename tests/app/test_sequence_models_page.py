"""The Sequence models page: its tabs are lazy (only the open one runs), so each test opens the tab it checks."""
import pytest

from tests.app.helpers import charts, page


def open_tab(at, name: str):
    at.query_params.pop("seq_tab", None)  # the tab is bound to the URL: AppTest's URL would win over the state
    at.session_state["seq_tab"] = name
    return at.run()


@pytest.mark.slow
def test_ngram_zipf_and_clipping_tabs():
    at = page("app_pages/sequence_models/page.py").run()
    assert not at.exception, at.exception
    assert len(charts(at)) == 2  # next-word bars, perplexity by n
    at.text_input(key="seq_ng_prompt").set_value("").run()
    assert not at.exception and any("empty context" in i.value for i in at.info)
    open_tab(at, "Zipf's law & table sizes")
    assert not at.exception and len(charts(at)) == 2 and any("5-gram" in m.value for m in at.markdown)
    open_tab(at, "Vanishing gradients & clipping")
    assert not at.exception and len(charts(at)) == 1
    at.button(key="clip_go").click().run()
    assert not at.exception and len(charts(at)) == 3


@pytest.mark.slow
def test_cells_perplexity_deep_and_live_tabs():
    at = open_tab(page("app_pages/sequence_models/page.py"), "RNN, GRU and LSTM cells")
    assert not at.exception, at.exception
    assert len(charts(at)) == 4  # training curve, gate heatmap, the unit that tracks quotes, notes-vs-torch gap
    gap = next(m.value for m in at.markdown if "Where the notes and PyTorch differ" in m.value)
    assert float(gap.split("on average and up to **")[1].split("**")[0]) > 0.01  # the two reset gates differ
    assert any("follows “inside quotes”" in c.value for c in at.caption)
    at.radio(key="seq_cell_gate").set_value("reset r").run()
    assert not at.exception
    at.select_slider(key="seq_gru_z").set_value(1.0).run()
    assert any("never changes" in c.value for c in at.caption) and len(charts(at)) == 5
    at.select_slider(key="seq_cell_hidden").set_value(64).run()  # inside the form: no training until the button
    assert any("32 units" in str(c.proto.spec) for c in charts(at))
    at.text_input(key="seq_cell_text").set_value("§§").run()
    assert not at.exception and at.warning  # a clear message, not a traceback
    open_tab(at, "Perplexity, every model")
    table = next(d.value for d in at.dataframe if "bits per character" in d.value.columns)
    assert list(table["token"]) == ["word"] * 4 + ["character", "GPT token"]
    open_tab(at, "Deep & bidirectional")
    assert not at.exception and not at.error, [e.value for e in at.error]
    acc = {m.label: float(m.value.rstrip("%")) for m in at.metric}
    assert acc["Bidirectional"] > acc["Left to right only"] + 10  # trained: the right side helps at the blank
    guesses = next(d.value for d in at.dataframe if "guesses" in d.value.columns)
    assert set(guesses["model"]) == {"left to right", "bidirectional"} and len(guesses) == 4
    assert any("differs from `torch.nn.GRU(num_layers=2, bidirectional=True)` by" in m.value for m in at.markdown)
    open_tab(at, "Live training")
    at.button(key="race_start").click().run()
    for _ in range(2):  # AppTest does not tick fragments: each run() is one tick
        at.run()
    assert not at.exception, at.exception
    race = next(d.value for d in at.dataframe if "sample" in d.value.columns)
    assert list(race["cell"]) == ["RNN", "GRU", "LSTM"] and (race["step"] > 0).all()
