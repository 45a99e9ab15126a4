"""Slow jobs on the language pages (Attention, Decoding) move a real progress bar from 0 to 1 from their
own counts: first the core jobs with a recorder, then the pages, with every bar they draw recorded."""
import pytest
import streamlit as st

from app_pages.parts import progress
from core.progress import ProgressClock
from tests.app.helpers import page


class Recorder:
    """An on_progress(done, total) that keeps every fraction, as the page's bar would show it."""

    def __init__(self):
        self.clock, self.fractions = ProgressClock(), []

    def __call__(self, done, total):
        self.fractions.append(self.clock.update(done, total).fraction)


@pytest.fixture
def bars(monkeypatch):
    """Every value each progress.Bar of a page shows, by what it is doing: {what: [0.0, ..., 1.0]}."""
    shown: dict[str, list[float]] = {}
    real_init, real_call = progress.Bar.__init__, progress.Bar.__call__

    def init(self, what, *args, **kwargs):
        real_init(self, what, *args, **kwargs)
        shown.setdefault(what, []).append(self.value)

    def call(self, done, total=None):
        real_call(self, done, total)
        shown[self.what].append(self.value)

    monkeypatch.setattr(progress.Bar, "__init__", init)
    monkeypatch.setattr(progress.Bar, "__call__", call)
    return shown


def moved_from_0_to_1(values: list[float]) -> bool:
    return len(values) >= 3 and values[0] == 0.0 and values[-1] == 1.0 and values == sorted(values)


def test_exposure_bias_reports_each_chunk_and_the_chunks_change_no_number():
    from core.text.decoding import train_seq2seq as study
    from core.text.decoding.seq2seq_data import make_pairs
    from core.text.decoding.seq2seq_model import load_translator

    model, tok = load_translator("gru-seq2seq", "offline")[:2]
    pairs = make_pairs(60, 5, "test")
    rec = Recorder()
    chunked = study.exposure_bias(model, tok, pairs, chunk=25, on_progress=rec)
    assert rec.fractions == pytest.approx([25 / 60, 50 / 60, 1.0])  # 25 + 25 + 10 dates
    whole = study.exposure_bias(model, tok, pairs, chunk=len(pairs))
    assert chunked["exact_free_running"] == whole["exact_free_running"]
    assert chunked["exact_teacher_forcing"] == pytest.approx(whole["exact_teacher_forcing"])
    assert [p["position"] for p in chunked["positions"]] == [p["position"] for p in whole["positions"]]
    for a, b in zip(chunked["positions"], whole["positions"]):
        assert a["teacher_forcing"] == pytest.approx(b["teacher_forcing"])
        assert a["free_running"] == pytest.approx(b["free_running"])


def test_near_orthogonal_count_reports_each_dimension():
    from core.text.attention import directions

    rec = Recorder()
    rows = directions.near_orthogonal_rows(20.0, seed=0, dims=(2, 4, 8, 16), tries=300, on_progress=rec)
    assert rec.fractions == [0.25, 0.5, 0.75, 1.0] and len(rows) == 8


def test_context_cost_reports_tokens_run():
    from core.text.attention import context_cost
    from core.text.lm.load import load_model

    model = load_model("gpt-tiny", "offline")[0]
    rec = Recorder()
    rows = context_cost.measure(model, [16, 32, 64], on_progress=rec)
    assert rec.fractions == pytest.approx([16 / 112, 48 / 112, 1.0]) and len(rows) == 6  # by tokens, not lengths


@pytest.mark.slow
def test_the_exposure_bias_button_moves_a_bar_from_0_to_1(bars):
    at = page("app_pages/decoding/page.py").run()  # the dates translator by default
    assert not at.exception, at.exception
    at.button(key="dec_tf_go").click().run()
    assert not at.exception and not at.error, at.exception
    shown = bars["Teacher forcing and free running on 200 held-out dates"]
    assert shown == [0.0, 0.25, 0.5, 0.75, 1.0]  # 200 dates, 50 at a time
    assert any("Whole-date exact match" in m.value for m in at.markdown)  # and then the result


@pytest.mark.slow
def test_the_attention_page_counts_and_measures_with_a_bar(bars):
    st.cache_data.clear()  # a cached result draws no progress: make both jobs run
    at = page("app_pages/attention/page.py").run()
    assert not at.exception, at.exception
    assert moved_from_0_to_1(bars["Counting near-orthogonal directions for N = 2 … 256"])
    assert moved_from_0_to_1(bars["Measuring the cost of context: one forward per length"])
