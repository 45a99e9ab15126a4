"""The k-study and the sentence-end EOS ids on the bundled tiny GPT."""
import pytest

from core.text.decoding import DecodeConfig, HFStepper, beam_search, greedy, sentence_end_ids
from core.text.decoding_study import k_study


@pytest.fixture(scope="module")
def gpt_tiny():
    from core.text.lm import load_causal_lm

    model, tok, _ = load_causal_lm("gpt-tiny", "offline")
    return model, tok


def test_sentence_ends_give_beam_over_greedy_and_a_reranking(gpt_tiny):
    model, tok = gpt_tiny
    ends = sentence_end_ids(tok)
    assert [tok.decode([i]) for i in ends] == sorted([".", "!", "?"], key=lambda t: tok.convert_tokens_to_ids(t))
    step = lambda: HFStepper(model, tok, "The cat", eos_token_id=ends)
    g = greedy(step(), DecodeConfig(max_new_tokens=20))
    b0 = beam_search(step(), DecodeConfig(max_new_tokens=20, num_beams=4, alpha=0.0))
    b1 = beam_search(step(), DecodeConfig(max_new_tokens=20, num_beams=4, alpha=1.0))
    assert b0.best.score > g.best.score  # the page's default example: beam beats greedy
    assert len({len(h.tokens) for h in b0.hypotheses}) > 1 and b0.best.tokens != b1.best.tokens  # α re-ranks
    assert len(b1.best.tokens) > len(b0.best.tokens)  # α > 0 favours the longer output


def test_k_study_rows(gpt_tiny):
    model, tok = gpt_tiny
    ends = sentence_end_ids(tok)
    rows = k_study(lambda t: HFStepper(model, tok, t, eos_token_id=ends), ["The cat", "Tom went to the"], None,
                   ks=(1, 4), cfg=DecodeConfig(max_new_tokens=12, alpha=0.0))
    assert [r["k"] for r in rows] == [1, 4] and rows[0]["exact match"] is None
    assert rows[1]["mean best log-prob"] >= rows[0]["mean best log-prob"] - 1e-6  # α = 0: a wider beam never scores lower here
    assert 0 < rows[1]["n-best diversity (distinct / all tokens)"] <= 1
