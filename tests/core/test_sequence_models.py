import math

import pytest
import torch
from torch import nn

from core.text.rnn import char_lm, cells as rnn_cells

from core.text.lm import ngram


@pytest.mark.parametrize("kind,cls", [("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)])
def test_hand_written_cells_equal_torch(kind, cls):
    torch.manual_seed(0)
    net = cls(5, 7)
    xs = torch.randn(6, 3, 5)  # [T, B, E]
    ref, _ = net(xs)
    ours = rnn_cells.run_cell(kind, rnn_cells.CellWeights.from_torch(net), xs)
    torch.testing.assert_close(ours.hidden, ref.detach(), atol=1e-6, rtol=1e-5)


def test_gru_step_equals_grucell_and_gates_are_in_range():
    torch.manual_seed(1)
    cell = nn.GRUCell(4, 6)
    w = rnn_cells.CellWeights(cell.weight_ih.detach(), cell.weight_hh.detach(), cell.bias_ih.detach(),
                              cell.bias_hh.detach())
    x, h = torch.randn(2, 4), torch.randn(2, 6)
    ours, gates = rnn_cells.gru_step(x, h, w)
    torch.testing.assert_close(ours, cell(x, h).detach())
    assert ((gates["update z"] > 0) & (gates["update z"] < 1)).all()


def test_lstm_step_equals_lstmcell():
    torch.manual_seed(2)
    cell = nn.LSTMCell(3, 5)
    w = rnn_cells.CellWeights(cell.weight_ih.detach(), cell.weight_hh.detach(), cell.bias_ih.detach(),
                              cell.bias_hh.detach())
    x, h, c = torch.randn(4, 3), torch.randn(4, 5), torch.randn(4, 5)
    (h1, c1), _ = rnn_cells.lstm_step(x, (h, c), w)
    rh, rc = cell(x, (h, c))
    torch.testing.assert_close(h1, rh.detach())
    torch.testing.assert_close(c1, rc.detach())


def test_ngram_probabilities_by_hand():
    lm = ngram.NGramLM(n=2, k=0.0).fit(["a b a c"])
    # bigrams: <s>->a, a->b, b->a, a->c, c-></s>
    assert lm.prob("b", ["a"]) == pytest.approx(0.5)
    assert lm.prob("c", ["b", "a"]) == pytest.approx(0.5)
    assert lm.prob("a", []) == pytest.approx(1.0)
    smooth = ngram.NGramLM(n=2, k=1.0).fit(["a b a c"])
    V = len(smooth.vocab)  # a, b, c, </s>
    assert V == 4
    assert smooth.prob("b", ["a"]) == pytest.approx((1 + 1) / (2 + V))
    assert sum(smooth.prob(w, ["a"]) for w in smooth.vocab) == pytest.approx(1.0)
    # perplexity of the training doc under the unsmoothed bigram: probs 1, .5, 1, .5, 1
    assert lm.perplexity(["a b a c"]) == pytest.approx(math.exp(-(2 * math.log(0.5)) / 5))


def test_char_lm_learns():
    text = "the cat sat on the mat. " * 200
    cfg = char_lm.CharLMConfig(kind="gru", hidden=32, steps=60, seq_len=24, batch=16, lr=1e-2)
    events = list(char_lm.train_char_lm(text, cfg))
    model = events[-1]
    losses = [e.loss for e in events[:-1]]
    assert losses[-1] < 0.5 * losses[0]
    chars, trace, probs = char_lm.trace_text(model, "the ca")
    assert chars == "the ca" and trace.gates["update z"].shape == (6, 1, 32)
    assert model.vocab.chars[int(probs[-1].argmax())] == "t"  # "the ca" -> "t"
    with pytest.raises(ValueError):
        char_lm.trace_text(model, "§§")
