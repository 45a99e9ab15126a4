"""Fill-in-the-blank RNNs: the bidirectional stack beats the left-to-right one on held-out blanks,
our cells reproduce torch's trained stack, and the batches hide what they say they hide."""
import pytest
import torch

from core.text.rnn import fill as rf
from core.text.lm.corpus import CorpusConfig, generate


@pytest.fixture(scope="module")
def text():
    t = " ".join(generate(CorpusConfig(n_docs=1500, seed=0)))
    return t[: int(0.9 * len(t))], t[int(0.9 * len(t)):]


def test_blank_batches_hide_about_15_percent_and_keep_targets(text):
    train, _ = text
    v = rf.fill_vocab(train)
    data = v.encode(train)
    cfg = rf.FillConfig(batch=400)
    x, y, hid = rf.blank_batch(data, v.index[rf.BLANK], cfg, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (cfg.window, 400)
    assert abs(hid.float().mean().item() - 0.15) < 0.02
    assert (x[hid] == v.index[rf.BLANK]).all() and (x[~hid] == y[~hid]).all()


@pytest.mark.slow
def test_bidirectional_fills_blanks_better_and_equals_our_cells(text):
    train, held = text
    cfg = rf.FillConfig(steps=200)
    uni, v = rf.train_filler(train, cfg, False, seed=0)
    bi, _ = rf.train_filler(train, cfg, True, seed=0)
    a_uni, a_bi = rf.blank_accuracy(uni, v, held), rf.blank_accuracy(bi, v, held)
    assert a_bi > a_uni + 0.1 and a_uni > 0.2, (a_uni, a_bi)  # well above chance (1/45) for both
    trace, err = rf.states(bi, v, "The d_g barks.")
    assert err < 1e-5 and len(trace.forward) == len(trace.backward) == 2
    assert trace.output.shape == (14, 1, 2 * cfg.hidden)
    (pos, cands), = rf.fill_in(bi, v, "The d_g barks.")
    assert pos == 5 and len(cands) == 3 and cands[0][1] >= cands[1][1]
    uni2, _ = rf.train_filler(train, cfg, False, seed=0)  # seeded: the same weights again
    assert all(torch.equal(p, q) for p, q in zip(uni.parameters(), uni2.parameters()))
