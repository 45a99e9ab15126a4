"""The k-study and the sentence-end EOS ids on the bundled tiny GPT."""
import pytest
import torch

from core.text.decoding.search import DecodeConfig, HFStepper, beam_search, greedy, sentence_end_ids
from core.text.decoding.beam_width import k_study


@pytest.fixture(scope="module")
def gpt_tiny():
    from core.text.lm.load import load_causal_lm

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


def test_beam_cost_is_k_times_v_per_step_and_penalty_direction():
    """The continuations beam search scores, counted from the logits: k·V per step, so the total
    is linear in the length; and α > 0 picks a longer finished hypothesis than α < 0 on a pool
    where the longer one has the lower raw log-prob (the hand computation below)."""
    import math

    from core.text.decoding.search import BeamTrace, DecodeConfig, Hypothesis, length_norm
    from core.text.decoding.beam_width import beam_cost, penalty_winners

    V, k = 7, 3

    class Toy:  # a fixed next-token distribution, no EOS: every search runs its full length
        prefix, eos, device = [0], [], "cpu"
        eos_tensor = torch.tensor([-1])

        def start(self, k):
            pass

        def next_logits(self, seqs):
            return torch.log_softmax(torch.arange(V, dtype=torch.float).repeat(seqs.shape[0], 1), -1), None

        def decode(self, toks):
            return " ".join(map(str, toks))

        def token_text(self, tok):
            return str(tok)

        def reorder(self, rows):
            pass

    rows = beam_cost(Toy, k, [2, 4, 8], DecodeConfig())
    assert [r["steps"] for r in rows] == [2, 4, 8]
    assert [r["scored continuations"] for r in rows] == [2 * k * V, 4 * k * V, 8 * k * V]
    assert all(r["per step"] == r["k·V"] == k * V for r in rows)
    assert rows[-1]["exhaustive: log10(V^steps)"] == pytest.approx(8 * math.log10(V))
    short, long_ = Hypothesis([1, 2], -2.0, 0, 1, 0, "short"), Hypothesis([1, 2, 3, 4, 5], -3.0, 0, 4, 0, "long")
    tr = BeamTrace("beam", [0], hypotheses=[short, long_], form="hf")
    wins = {r["α"]: r["picked"] for r in penalty_winners(tr, (-1.0, 0.0, 1.0))}
    # by hand: α = 1 → −2/2 = −1.0 vs −3/5 = −0.6: long; α = 0 → −2 vs −3: short; α = −1 → −4 vs −15: short
    assert wins == {-1.0: "short", 0.0: "short", 1.0: "long"}
    assert -3.0 / length_norm(5, 1.0, "hf") > -2.0 / length_norm(2, 1.0, "hf")
