"""Deep / bidirectional RNNs, GRU gate forcing, per-step gradients and clipping, against torch."""
import pytest
import torch
from torch import nn

from core.text.rnn import gradients, cells as rnn_cells, deep as rnn_deep


@pytest.mark.parametrize("cls,kind", [(nn.RNN, "rnn"), (nn.GRU, "gru"), (nn.LSTM, "lstm")])
def test_two_layer_bidirectional_equals_torch(cls, kind):
    torch.manual_seed(0)
    net = cls(5, 7, num_layers=2, bidirectional=True)
    xs = torch.randn(6, 3, 5)
    ref, _ = net(xs)
    tr = rnn_deep.run_deep(net, xs)
    assert tr.output.shape == ref.shape == (6, 3, 14)
    torch.testing.assert_close(tr.output, ref.detach(), atol=1e-5, rtol=1e-4)
    assert len(tr.forward) == len(tr.backward) == 2 and tr.backward[0].shape == (6, 3, 7)
    # torch's final state of the first layer's backward direction is our backward state at t = 0
    torch.testing.assert_close(tr.backward[1][0], ref[0, :, 7:].detach(), atol=1e-5, rtol=1e-4)
    assert rnn_deep.param_count(kind, 5, 7, 2, True) == sum(p.numel() for p in net.parameters())
    assert rnn_deep.param_count(kind, 5, 7, 3, False) == sum(p.numel() for p in cls(5, 7, num_layers=3).parameters())


def test_gru_forcing_extremes():
    torch.manual_seed(1)
    cell = nn.GRU(4, 6)
    w = rnn_cells.CellWeights.from_torch(cell)
    x, h = torch.randn(2, 4), torch.randn(2, 6)
    copy, _ = rnn_cells.gru_step(x, h, w, force_z=1.0)
    torch.testing.assert_close(copy, h)  # z = 1 copies the old state
    plain, _ = rnn_cells.gru_step(x, h, w, force_z=0.0, force_r=1.0)
    H = 6  # z = 0, r = 1: a plain tanh RNN with the candidate's weights
    rnn_w = rnn_cells.CellWeights(w.W_ih[2 * H:], w.W_hh[2 * H:], w.b_ih[2 * H:], w.b_hh[2 * H:])
    torch.testing.assert_close(plain, rnn_cells.rnn_step(x, h, rnn_w)[0])


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_per_step_gradient_norms_equal_autograd_on_torch_modules(kind):
    cell = gradients.make_cell(kind, 4, 8, seed=0, forget_bias=1.0)
    xs = torch.randn(12, 1, 4, generator=torch.Generator().manual_seed(3))
    ours = gradients.input_gradient_norms(cell, xs)
    x = xs.clone().requires_grad_(True)  # reference: torch's own fused module, autograd
    out, _ = cell(x)
    out[-1].sum().backward()
    torch.testing.assert_close(ours, x.grad[:, 0].norm(dim=-1), atol=1e-6, rtol=1e-4)
    if kind == "rnn":  # the Jacobian product written out by hand agrees too
        torch.testing.assert_close(gradients.rnn_bptt(cell, xs), ours, atol=1e-6, rtol=1e-4)


def test_rnn_gradient_vanishes_and_lstm_keeps_it():
    xs = torch.randn(60, 1, 8, generator=torch.Generator().manual_seed(1))
    rnn = gradients.input_gradient_norms(gradients.make_cell("rnn", 8, 32, 0), xs)
    lstm = gradients.input_gradient_norms(gradients.make_cell("lstm", 8, 32, 0, forget_bias=2.0), xs)
    assert rnn[0] / rnn[-1] < 1e-6 and lstm[0] / lstm[-1] > 1e-3


@pytest.mark.parametrize("theta", [0.1, 1.0, 100.0])
def test_clipping_equals_clip_grad_norm(theta):
    torch.manual_seed(2)
    params = [nn.Parameter(torch.randn(5, 3)), nn.Parameter(torch.randn(7))]
    for p in params:
        p.grad = torch.randn_like(p) * 3
    ours = gradients.clip_by_global_norm([p.grad for p in params], theta)
    total = torch.nn.utils.clip_grad_norm_(params, theta)
    assert ours.norm_before == pytest.approx(float(total), rel=1e-6)
    for g, p in zip(ours.grads, params):
        torch.testing.assert_close(g, p.grad)
    assert ours.norm_after == pytest.approx(min(theta, float(total)), rel=1e-4)


def test_the_notes_reset_gate_differs_from_torchs_on_the_same_weights():
    """PyTorch's GRU (reset after W_hh) is torch.nn.GRU; the notes' form (reset before the matrix,
    Cho et al. 2014) is checked against the formula written out here; on the same weights they differ."""
    g = torch.Generator().manual_seed(0)
    net = torch.nn.GRU(5, 6)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.6)
    xs = torch.randn(9, 2, 5, generator=g)
    w = rnn_cells.CellWeights.from_torch(net)
    with torch.no_grad():
        ours = rnn_cells.run_cell("gru", w, xs).hidden
        notes = rnn_cells.run_cell("gru-notes", w, xs).hidden
        torch.testing.assert_close(ours, net(xs)[0], atol=1e-6, rtol=0)
        Wir, Wiz, Win = net.weight_ih_l0.chunk(3)
        Whr, Whz, Whn = net.weight_hh_l0.chunk(3)
        bir, biz, bin_ = net.bias_ih_l0.chunk(3)
        bhr, bhz, bhn = net.bias_hh_l0.chunk(3)
        h, ref = torch.zeros(2, 6), []
        for x in xs:  # Cho et al.: h~ = tanh(W x + U (r * h))
            r = torch.sigmoid(x @ Wir.T + bir + h @ Whr.T + bhr)
            z = torch.sigmoid(x @ Wiz.T + biz + h @ Whz.T + bhz)
            n = torch.tanh(x @ Win.T + bin_ + (r * h) @ Whn.T + bhn)
            h = (1 - z) * n + z * h
            ref.append(h)
        torch.testing.assert_close(notes, torch.stack(ref), atol=1e-6, rtol=0)
    assert float((notes - ours).abs().max()) > 0.05  # the two forms really differ
