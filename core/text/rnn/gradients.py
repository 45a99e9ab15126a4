"""Vanishing gradients and gradient clipping, measured.

`input_gradient_norms` asks: how much does the last hidden state depend on the input at step t?
|d h_T / d x_t| (of the loss sum(h_T)) for every t. For a plain RNN the chain rule gives a
product of Jacobians, dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh, one per step back: with small weights it
shrinks geometrically (vanishing), with large ones it grows (exploding). `rnn_bptt` writes that
product out by hand; autograd must agree. The LSTM's cell path (c_t = f*c_{t-1} + ...) is
multiplied only by the forget gate, so its gradient survives much longer.

`clip_by_global_norm` is gradient clipping as torch.nn.utils.clip_grad_norm_ does it: if the
norm of all gradients together exceeds θ, scale them all by θ / norm.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.text.rnn.cells import CellWeights, run_cell


def make_cell(kind: str, input_size: int, hidden: int, seed: int, weight_scale: float = 1.0,
              forget_bias: float = 0.0) -> nn.RNNBase:
    """A torch RNN / GRU / LSTM with torch's default init U(-1/sqrt(H), 1/sqrt(H)) (seeded), recurrent
    weights scaled by weight_scale; an LSTM's forget-gate bias raised by forget_bias (the usual
    trick, Jozefowicz et al. 2015: f starts near 1, so the cell remembers from the first step)."""
    g = torch.Generator().manual_seed(seed)
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](input_size, hidden)
    with torch.no_grad():
        for p in rnn.parameters():
            bound = hidden ** -0.5
            p.copy_(torch.rand(p.shape, generator=g) * 2 * bound - bound)
        rnn.weight_hh_l0.mul_(weight_scale)
        if kind == "lstm":
            rnn.bias_ih_l0[hidden:2 * hidden] += forget_bias  # rows [i; f; g; o]: the f block
    return rnn


def input_gradient_norms(rnn: nn.RNNBase, xs: torch.Tensor) -> torch.Tensor:
    """xs [T, 1, E] -> [T] |d sum(h_T) / d x_t| by autograd through our hand-written cells."""
    kind = {nn.RNN: "rnn", nn.GRU: "gru", nn.LSTM: "lstm"}[type(rnn)]
    xs = xs.detach().clone().requires_grad_(True)
    trace = run_cell(kind, CellWeights.from_torch(rnn), xs)
    trace.hidden[-1].sum().backward()
    return xs.grad[:, 0].norm(dim=-1)


def rnn_bptt(rnn: nn.RNN, xs: torch.Tensor) -> torch.Tensor:
    """The same norms for a plain tanh RNN, by hand: back-propagate g = dL/dh_t through
    g_{t-1} = W_hh^T (g_t * (1 - h_t^2)), and read dL/dx_t = W_ih^T (g_t * (1 - h_t^2))."""
    w = CellWeights.from_torch(rnn)
    with torch.no_grad():
        h = run_cell("rnn", w, xs).hidden[:, 0]  # [T, H]
        g = torch.ones(h.shape[1], dtype=xs.dtype)  # d sum(h_T) / d h_T
        norms = torch.zeros(xs.shape[0], dtype=xs.dtype)
        for t in range(xs.shape[0] - 1, -1, -1):
            pre = g * (1 - h[t] ** 2)  # through the tanh
            norms[t] = (w.W_ih.T @ pre).norm()
            g = w.W_hh.T @ pre  # one step further back
    return norms


@dataclass
class Clipped:
    grads: list[torch.Tensor]  # the gradients after clipping
    norm_before: float  # global L2 norm of all gradients together
    norm_after: float  # after clipping: min(norm_before, θ) (up to torch's 1e-6)
    scale: float  # what every gradient was multiplied by (1.0 when under the threshold)


def clip_by_global_norm(grads: list[torch.Tensor], theta: float) -> Clipped:
    """Scale every gradient by min(1, θ / (total norm + 1e-6)), as clip_grad_norm_ does."""
    total = torch.stack([g.detach().norm() for g in grads]).norm()
    scale = torch.clamp(theta / (total + 1e-6), max=1.0)
    out = [g * scale for g in grads]
    return Clipped(out, float(total), float(torch.stack([g.norm() for g in out]).norm()), float(scale))
