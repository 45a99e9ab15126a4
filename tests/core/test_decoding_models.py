"""Sampling filters against references, the date task, the GRU stepper, and the bundled models."""
import datetime as dt
import random

import numpy as np
import pytest
import torch
from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

from core.text.decoding.search import DecodeConfig, beam_search, filter_logits, greedy, sample
from core.text.decoding.seq2seq_data import check_source, is_held_out, make_pairs, ordinal_words, render, year_words
from core.text.decoding.seq2seq_model import (EOS, GRUSeq2Seq, GRUSpec, GRUStepper, build_tokenizer, encode_sources,
                                     gru_greedy, shift_right)
from core.zoo import REPO_ROOT


def numpy_filter(logits: np.ndarray, t: float, k: int, p: float) -> np.ndarray:
    """Independent reference: the kept-token mask, written the textbook way with numpy."""
    x = logits / t
    keep = np.ones_like(x, dtype=bool)
    if k:
        keep &= x >= np.sort(x)[::-1][k - 1]
    if p < 1:
        probs = np.exp(x - x[keep].max()) * keep
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        before = np.cumsum(probs[order]) - probs[order]  # mass of the strictly more likely tokens
        nucleus = np.zeros_like(keep)
        nucleus[order[before < p]] = True
        keep &= nucleus
    return keep


@pytest.mark.parametrize("t,k,p", [(1.0, 5, 1.0), (0.5, 0, 0.9), (2.0, 0, 0.3), (1.0, 12, 0.7), (0.8, 1, 1.0)])
def test_filter_masks_match_hf_warpers_and_numpy(t, k, p):
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        logits = torch.randn(1, 50, generator=g) * 3
        ours = filter_logits(logits, t, k, p)
        ref = TemperatureLogitsWarper(t)(None, logits.clone())
        if k:
            ref = TopKLogitsWarper(k)(None, ref)
        if p < 1:
            ref = TopPLogitsWarper(p)(None, ref)
        assert torch.equal(torch.isfinite(ours), torch.isfinite(ref))
        assert np.array_equal(torch.isfinite(ours)[0].numpy(), numpy_filter(logits[0].double().numpy(), t, k, p))
        kept = torch.isfinite(ours)
        assert torch.allclose(ours[kept], logits[kept] / t)  # kept logits are only rescaled


class FixedStepper:
    """A 'model' whose next-token logits never change: sampling it draws i.i.d. tokens."""

    def __init__(self, logits):
        self.logits, self.device, self.prefix = logits, torch.device("cpu"), [0]
        self.eos, self.eos_tensor = set(), torch.tensor([-1])

    def start(self, n):
        pass

    def next_logits(self, seqs):
        return self.logits.expand(seqs.shape[0], -1), None

    def reorder(self, rows):
        pass

    def token_text(self, t):
        return str(t)

    def decode(self, toks):
        return " ".join(map(str, toks))


def test_seeded_samples_follow_the_filtered_distribution():
    logits = torch.randn(1, 12, generator=torch.Generator().manual_seed(3)) * 2
    cfg = DecodeConfig(max_new_tokens=4000, temperature=0.9, top_k=8, top_p=0.9)
    toks = sample(FixedStepper(logits), cfg, generator=torch.Generator().manual_seed(0)).best.tokens
    again = sample(FixedStepper(logits), cfg, generator=torch.Generator().manual_seed(0)).best.tokens
    assert toks == again  # a fixed seed reproduces the draw
    want = filter_logits(logits, 0.9, 8, 0.9).softmax(-1)[0].numpy()
    freq = np.bincount(toks, minlength=12) / len(toks)
    assert set(np.flatnonzero(freq)) <= set(np.flatnonzero(want))  # nothing outside the mask
    assert 0.5 * np.abs(freq - want).sum() < 0.03  # total variation distance


def test_dates_task_readings_and_split():
    rng = random.Random(0)
    assert ordinal_words(23) == "twenty-third" and ordinal_words(12) == "twelfth" and ordinal_words(30) == "thirtieth"
    assert year_words(1998, rng) == "nineteen ninety-eight" and year_words(1905, rng) == "nineteen oh five"
    p = render(dt.date(1998, 3, 4), random.Random(1), "numeric/")
    assert set(p.alternatives) == {"1998-03-04", "1998-04-03"}  # ambiguous: both readings are valid
    assert render(dt.date(1998, 3, 24), random.Random(1), "numeric/").alternatives == ("1998-03-24",)
    assert all(is_held_out(dt.date.fromisoformat(q.target)) for q in make_pairs(200, 0, "test"))
    assert not any(is_held_out(dt.date.fromisoformat(q.target)) for q in make_pairs(200, 0, "train"))
    with pytest.raises(ValueError, match="only knows"):
        check_source("3 März 1998")
    with pytest.raises(ValueError):
        check_source("   ")


@pytest.fixture(scope="module")
def gru():
    torch.manual_seed(0)
    tok = build_tokenizer()
    return GRUSeq2Seq(GRUSpec(vocab_size=len(tok), attention=True)).eval(), tok


def test_gru_stepper_agrees_with_teacher_forcing_and_batched_greedy(gru):
    model, tok = gru
    text = "the 3rd of March 1998"
    tr = greedy(GRUStepper(model, tok, text), DecodeConfig(max_new_tokens=10))
    src = encode_sources(tok, [text])
    assert tr.best.tokens == [t for t in gru_greedy(model, src, 10)[0].tolist()][:len(tr.best.tokens)]
    # step-by-step log-probs equal a teacher-forced forward over the greedy output
    labels = torch.tensor([tr.best.tokens])
    logp = model(src, shift_right(labels)).log_softmax(-1)[0]
    assert [s.candidates[0].logprob for s in tr.steps] == pytest.approx(
        logp[torch.arange(labels.shape[1]), labels[0]].tolist(), abs=1e-5)
    att = tr.attention_of(tr.best)
    assert att.shape == (len(tr.best.tokens), src.shape[1])
    assert torch.allclose(att.sum(-1), torch.ones(len(att)), atol=1e-5)


def test_gru_beam_search_never_worse_than_greedy(gru):
    model, tok = gru
    for text in ["3/4/98", "the twenty-third of May, two thousand and five"]:
        g = greedy(GRUStepper(model, tok, text), DecodeConfig(max_new_tokens=8, alpha=0.0))
        b = beam_search(GRUStepper(model, tok, text), DecodeConfig(max_new_tokens=8, num_beams=6, alpha=0.0))
        scores = [h.norm_score for h in b.hypotheses]
        assert scores == sorted(scores, reverse=True)
        if len(g.best.tokens) == 8 and g.best.tokens[-1] != EOS:  # both ran to the cap: comparable
            assert b.best.score >= g.best.score - 1e-5


BUNDLED = REPO_ROOT / "assets" / "seq2seq_dates" / "model.safetensors"


def test_bundled_transformer_translates_and_matches_generate():
    assert BUNDLED.is_file(), "the bundled date model is committed in assets/seq2seq_dates/"
    from core.text.decoding.search import HFStepper
    from core.text.decoding.seq2seq_model import load_translator, predict

    model, tok, res = load_translator("seq2seq-dates", "offline")
    assert res.source.kind == "bundled"
    pairs = make_pairs(60, 99, "test")
    preds = predict(model, tok, [p.source for p in pairs])
    assert np.mean([p in q.alternatives for p, q in zip(preds, pairs)]) > 0.8
    for q in pairs[:4]:
        tr = beam_search(HFStepper(model, tok, q.source), DecodeConfig(max_new_tokens=14, num_beams=4, alpha=1.0))
        src = tok(q.source, return_tensors="pt")["input_ids"]
        out = model.generate(input_ids=src, num_beams=4, num_return_sequences=4, max_new_tokens=14, length_penalty=1.0,
                             output_scores=True, return_dict_in_generate=True)
        assert [h.norm_score for h in tr.hypotheses] == pytest.approx(out.sequences_scores.tolist(), abs=1e-4)
        assert tok.decode(out.sequences[0], skip_special_tokens=True) == tr.best.text


def test_gru_cards_record_measured_length_curves():
    assert (REPO_ROOT / "assets" / "seq2seq_gru_noattn" / "card.json").is_file(), "committed GRU bundle missing"
    import json

    from core.zoo.record import from_card

    att = json.loads((REPO_ROOT / "assets" / "seq2seq_gru_attn" / "card.json").read_text())
    no = json.loads((REPO_ROOT / "assets" / "seq2seq_gru_noattn" / "card.json").read_text())
    ra, rn = from_card(att), from_card(no)
    assert ra.steps == rn.steps  # a fair comparison: same number of updates
    assert {b["lo"] for b in att["by_length"]} == {b["lo"] for b in no["by_length"]}
    assert sum(b["n"] for b in att["by_length"]) == ra.n_held_out
    assert ra.metric == "exact_match" and ra.value > rn.value  # attention removes the fixed-context bottleneck


@pytest.mark.slow
def test_training_generator_runs_a_few_steps_and_learns():
    from core.text.decoding.train_seq2seq import TrainConfig, accuracy_by_length, build, train

    cfg = TrainConfig(kind="gru-attn", budget_s=60, seed=0, steps=40)
    model, tok = build(cfg)
    events = list(train(cfg, model, tok))
    last = events[-1]
    assert last.step == 40 and [e.step for e in events] == list(range(1, 41))
    assert last.loss < 4.0 < torch.log(torch.tensor(float(len(tok)))).item()  # below chance
    r = accuracy_by_length(model.eval(), tok, make_pairs(20, 0, "test"))
    assert sum(b["n"] for b in r["by_length"]) == r["n"] == 20
