"""The Decoding lab renders with defaults, with typed input, k and the length penalty changed."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "decoding" / "page.py")


def charts(at):
    return list(at.get("vega_lite_chart"))


def tree_shown(at) -> bool:
    """The search-tree chart is there, with its statuses and the best-beam layer."""
    return any("best beam" in c.proto.spec and "pruned" in c.proto.spec for c in charts(at))


def nbest(at):
    return next(d.value for d in at.dataframe if "log-prob (raw)" in d.value.columns)


def dates(at):
    return at.selectbox(key="dec_model").set_value("seq2seq-dates").run(timeout=180)


@pytest.mark.slow
def test_default_is_a_translator_with_cross_attention():
    at = AppTest.from_file(PAGE, default_timeout=180).run(timeout=180)
    assert not at.exception and not at.error, at.exception
    assert at.selectbox(key="dec_model").value == "seq2seq-dates"
    heads = [s.value for s in at.subheader]
    assert any("Cross-attention" in h for h in heads) and any("Teacher forcing" in h for h in heads)
    import re  # the bottleneck, measured on the bundled reversal GRUs: long sources fail without attention

    cap = next(c.value for c in at.caption if "Sources of 15 or more symbols" in c.value)
    with_, without = (int(x) for x in re.findall(r"\*\*(\d+)%\*\*", cap))
    assert with_ >= 50 and without <= 10
    assert any("decoded token" in str(c.proto.spec) and "source token" in str(c.proto.spec) for c in charts(at))


@pytest.mark.slow
def test_defaults_show_beam_beating_greedy_and_the_penalty_reranking():
    at = AppTest.from_file(PAGE, default_timeout=180).run(timeout=180)
    at.button(key="dec_to_gpt").click().run(timeout=180)  # the GPT, one click away
    assert not at.exception, at.exception
    assert at.selectbox(key="dec_model").value == "gpt-tiny"
    assert any("search tree" in s.value for s in at.subheader)
    assert tree_shown(at) and len(at.dataframe) >= 2
    assert not at.error and not at.warning
    assert any("higher log-prob" in i.value for i in at.info)  # "The cat": beam > greedy
    first_at_1 = nbest(at)["output"][0]
    assert nbest(at)["tokens"].nunique() > 1  # sentence ends: hypotheses of different lengths
    at.select_slider(key="dec_alpha").set_value(0.0).run(timeout=180)
    assert nbest(at)["output"][0] != first_at_1  # the length penalty re-ranks the n-best list
    at.slider(key="dec_k").set_value(16).run(timeout=180)
    assert not at.exception and tree_shown(at)


@pytest.mark.slow
def test_typed_input_k_and_length_penalty():
    at = AppTest.from_file(PAGE, default_timeout=180).run(timeout=180)  # the dates translator by default
    at.text_input(key="dec_text").set_value("the fifth of november, nineteen eighty-two").run(timeout=180)
    at.slider(key="dec_k").set_value(8).run(timeout=180)
    at.select_slider(key="dec_alpha").set_value(-1.0).run(timeout=180)
    at.selectbox(key="dec_form").set_value("gnmt").run(timeout=180)
    assert not at.exception, at.exception
    assert not at.error
    assert len(nbest(at)) == 8  # k hypotheses in the pool
    assert "1982-11-05" in set(nbest(at)["output"])
    assert len(charts(at)) >= 2 and tree_shown(at)


def test_bad_input_gives_a_clear_message():
    at = dates(AppTest.from_file(PAGE, default_timeout=180).run(timeout=180))
    at.text_input(key="dec_text").set_value("3 März 1998 ✓").run(timeout=180)
    assert not at.exception
    assert any("only knows" in w.value for w in at.warning)


@pytest.mark.slow
def test_gru_without_attention_and_studies():
    at = AppTest.from_file(PAGE, default_timeout=180).run(timeout=180)
    at.selectbox(key="dec_model").set_value("gru-seq2seq-noattn").run(timeout=180)
    assert not at.exception, at.exception
    assert any("no attention" in i.value for i in at.info)
    at.slider(key="dec_study_n").set_value(3).run(timeout=180)
    at.button(key="dec_study_go").click().run(timeout=180)
    at.button(key="dec_tf_go").click().run(timeout=180)
    assert not at.exception, at.exception
    assert not at.error
    assert any("Whole-date exact match" in m.value for m in at.markdown)
    assert any("teacher forcing (gold previous tokens)" in str(c.proto) for c in charts(at))
    assert any("n-best diversity" in str(c.proto) for c in charts(at))  # the k-study's measures, in words


@pytest.mark.slow
def test_attention_layer_choice_and_open_ended_prompt():
    at = dates(AppTest.from_file(PAGE, default_timeout=180).run(timeout=180))
    at.selectbox(key="dec_layer").set_value(None).run(timeout=180)  # mean over layers
    assert not at.exception, at.exception
    at.selectbox(key="dec_model").set_value("gpt-tiny").run(timeout=180)
    assert not at.exception, at.exception
    assert not at.error
    assert tree_shown(at)
    at.toggle(key="dec_sentence").set_value(False).run(timeout=180)
    at.text_input(key="dec_text").set_value("The cat").run(timeout=180)
    assert not at.exception and not at.error


@pytest.mark.slow
def test_beam_cost_measured_and_the_penalty_direction():
    at = AppTest.from_file(PAGE, default_timeout=180).run(timeout=180)
    at.button(key="dec_to_gpt").click().run(timeout=180)
    wins = next(d.value for d in at.dataframe if "picked" in d.value.columns)
    assert wins["tokens"].iloc[-1] > wins["tokens"].iloc[0]  # α = 3 picks a longer output than α = −1
    at.button(key="dec_cost_go").click().run(timeout=180)
    assert not at.exception and not at.error
    cost = next(d.value for d in at.dataframe if "k·V" in d.value.columns)
    assert (cost["per step"] == cost["k·V"]).all() and cost["scored continuations"].is_monotonic_increasing
