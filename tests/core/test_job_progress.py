"""Slow jobs report their own progress: each kind (a callback, a generator) moves from 0 to 1 in order,
with the real core functions the pages call (tiny settings)."""
import pytest
from transformers import GPT2Config, GPT2LMHeadModel

from core.progress import ProgressClock


class Recorder:
    """An on_progress(done, total) that keeps every fraction, as the page's bar would show it."""

    def __init__(self):
        self.clock, self.fractions = ProgressClock(), []

    def __call__(self, done, total):
        self.fractions.append(self.clock.update(done, total).fraction)

    def moved_from_0_to_1(self) -> bool:
        f = self.fractions
        return len(f) >= 2 and f[0] < 1 and f[-1] == 1.0 and f == sorted(f)


def test_ablating_every_head_reports_each_chunk():
    from core.text.attention.capture import Variant, ablation_kls, capture_ids

    gpt = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=4, n_embd=16, vocab_size=50, n_positions=16,
                                     attn_implementation="eager")).eval()
    ids = [1, 5, 9, 3]
    base = capture_ids(gpt, ids, [Variant(True)])[0]
    heads = [(l, h) for l in range(2) for h in range(4)]
    rec = Recorder()
    kls = ablation_kls(gpt, ids, True, heads, base["logits"], chunk=3, on_progress=rec)
    assert len(kls) == 8 and rec.moved_from_0_to_1() and len(rec.fractions) == 3  # 3 + 3 + 2 heads


def test_clipping_study_reports_every_step_of_both_runs():
    from core.text.rnn.view import clipping_runs

    rec = Recorder()
    rows = clipping_runs("the cat sat on the mat. " * 40, 1.0, 5.0, steps=6, hidden=8, on_progress=rec)
    assert rec.moved_from_0_to_1() and len(rec.fractions) == len(rows)


def test_beam_width_study_reports_every_search():
    from core.text.decoding.search import DecodeConfig, HFStepper
    from core.text.decoding.beam_width import k_study
    from core.text.lm.load import load_causal_lm

    model, tok, _ = load_causal_lm("gpt-tiny", "offline")
    rec = Recorder()
    k_study(lambda t: HFStepper(model, tok, t), ["The cat", "Tom went"], None, ks=(1, 2),
            cfg=DecodeConfig(max_new_tokens=3), on_progress=rec)
    assert rec.fractions == [0.25, 0.5, 0.75, 1.0]


def test_char_lm_training_is_a_generator_a_bar_follows():
    from core.text.rnn import char_lm

    rec = Recorder()
    cfg = char_lm.CharLMConfig(kind="gru", hidden=8, steps=5)
    for e in char_lm.train_char_lm("the cat sat on the mat. " * 40, cfg, 0):
        if isinstance(e, char_lm.TrainEvent):
            rec(e.step, cfg.steps)
    assert rec.moved_from_0_to_1()


def test_accuracy_by_length_reports_each_chunk():
    from core.text.decoding import train_seq2seq as study
    from core.text.decoding.seq2seq_data import make_pairs
    from core.text.decoding.seq2seq_model import load_translator

    model, tok = load_translator("gru-seq2seq", "offline")[:2]
    rec = Recorder()
    r = study.accuracy_by_length(model, tok, make_pairs(30, 3, "test"), chunk=10, on_progress=rec)
    assert r["n"] == 30 and rec.fractions == pytest.approx([1 / 3, 2 / 3, 1.0])
