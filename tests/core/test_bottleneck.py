"""The fixed-context bottleneck: reversal data built right, and the bundled GRUs (with and without
attention) hold their card's held-out figures: without attention long sources fail, with it they don't."""
import pytest
import torch

from core.catalog import ROOT
from core.text.decoding import bottleneck as b
from core.text.decoding.seq2seq_model import EOS, PAD


def test_reversal_batches():
    cfg = b.BottleneckConfig()
    src, labels, lengths = b.sample_batch(cfg, torch.Generator().manual_seed(0), 200)
    assert int(lengths.min()) >= cfg.min_len and int(lengths.max()) <= cfg.max_len
    for s, y, L in zip(src, labels, lengths.tolist()):
        assert (s[:L] >= b.FIRST).all() and (s[L:] == PAD).all()
        assert torch.equal(y[:L], s[:L].flip(0)) and y[L] == EOS and (y[L + 1:] == PAD).all()


@pytest.fixture(scope="module")
def bundled():
    loaded = b.load_bundled(ROOT)
    assert loaded is not None, f"bundle missing: {b.COMMAND}"
    return loaded


def test_bundled_models_hold_their_card_and_show_the_bottleneck(bundled):
    models, card = bundled
    cfg = b.BottleneckConfig(**card["config"])
    got = {k: b.exact_match_by_length(models[k], cfg) for k in ("with", "without")}
    for k in ("with", "without"):  # the card's figures are what the bundle measures now
        assert {int(L): v for L, v in card["by_length"][k].items()} == pytest.approx(got[k])
    long_ = [L for L in got["with"] if L >= 15]
    mean = lambda k, Ls: sum(got[k][L] for L in Ls) / len(Ls)  # noqa: E731
    assert mean("with", long_) >= 0.5 and mean("without", long_) <= 0.1  # the floor: long sources
    assert mean("with", [2, 3, 4]) >= 0.9 and mean("without", [2, 3, 4]) >= 0.9  # short ones fit in the vector
