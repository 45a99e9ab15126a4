"""RNN, GRU and LSTM cells written out by hand, one time step at a time.

They take their weights from torch.nn.RNN / GRU / LSTM (layer 0), so the page can run a trained
torch model through these readable functions and show every gate. The tests check that both agree.
torch packs the gates in one matrix: GRU rows are [r; z; n], LSTM rows are [i; f; g; o].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class CellWeights:
    W_ih: torch.Tensor  # [G*H, E] input -> gates
    W_hh: torch.Tensor  # [G*H, H] previous hidden -> gates
    b_ih: torch.Tensor  # [G*H]
    b_hh: torch.Tensor  # [G*H]

    @staticmethod
    def from_torch(rnn: nn.RNNBase, layer: int = 0, reverse: bool = False, detach: bool = True) -> "CellWeights":
        """One layer (and direction: reverse=True is the backward one) of a torch RNN / GRU / LSTM.
        detach=False keeps the parameters themselves, so a loss through our cells trains them."""
        sfx = f"_l{layer}" + ("_reverse" if reverse else "")
        ws = [getattr(rnn, f"{p}{sfx}") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return CellWeights(*(w.detach() if detach else w for w in ws))


def rnn_step(x: torch.Tensor, h: torch.Tensor, w: CellWeights) -> tuple[torch.Tensor, dict]:
    """h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh).   x [B, E], h [B, H]."""
    h_new = torch.tanh(x @ w.W_ih.T + w.b_ih + h @ w.W_hh.T + w.b_hh)
    return h_new, {"h": h_new}


def gru_step(x: torch.Tensor, h: torch.Tensor, w: CellWeights, force_z: float | None = None,
             force_r: float | None = None) -> tuple[torch.Tensor, dict]:
    """GRU: a reset gate r decides how much of h feeds the candidate n; an update gate z mixes
    the old h with n. Note torch's convention h' = (1 − z)·n + z·h: z near 1 *keeps* the past.
    force_z / force_r pin a gate to a constant: z = 0, r = 1 is a plain RNN; z = 1 copies h."""
    gi = x @ w.W_ih.T + w.b_ih  # [B, 3H] input part of r, z, n
    gh = h @ w.W_hh.T + w.b_hh  # [B, 3H] hidden part of r, z, n
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r) if force_r is None else torch.full_like(h, force_r)  # reset gate
    z = torch.sigmoid(i_z + h_z) if force_z is None else torch.full_like(h, force_z)  # update gate
    n = torch.tanh(i_n + r * h_n)  # candidate state: r scales the recurrent part only
    h_new = (1 - z) * n + z * h
    return h_new, {"reset r": r, "update z": z, "candidate n": n, "h": h_new}


def gru_step_notes(x: torch.Tensor, h: torch.Tensor, w: CellWeights) -> tuple[torch.Tensor, dict]:
    """The GRU as the notes (and Cho et al., 2014) write it: the reset gate scales h *before* the
    recurrent matrix, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn). PyTorch (gru_step) applies it
    *after*: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). Same gates otherwise, same weights;
    the two agree only where r = 1."""
    H = h.shape[1]
    gi = x @ w.W_ih.T + w.b_ih  # [B, 3H]
    gh = h @ w.W_hh[:2 * H].T + w.b_hh[:2 * H]  # [B, 2H] hidden part of r and z only
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z = gh.chunk(2, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + (r * h) @ w.W_hh[2 * H:].T + w.b_hh[2 * H:])  # r ⊙ h, then the matrix
    h_new = (1 - z) * n + z * h
    return h_new, {"reset r": r, "update z": z, "candidate n": n, "h": h_new}


def lstm_step(x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], w: CellWeights):
    """LSTM: the cell c is a conveyor belt; f forgets, i writes g, o reads out through tanh."""
    h, c = state
    gates = x @ w.W_ih.T + w.b_ih + h @ w.W_hh.T + w.b_hh  # [B, 4H]
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return (h_new, c_new), {"input i": i, "forget f": f, "candidate g": g, "output o": o, "cell c": c_new,
                            "h": h_new}


@dataclass
class CellTrace:
    kind: str  # "rnn" | "gru" | "lstm"
    hidden: torch.Tensor  # [T, B, H] h after each step
    gates: dict[str, torch.Tensor]  # name -> [T, B, H]


def run_cell(kind: str, w: CellWeights, xs: torch.Tensor, force_z: float | None = None,
             force_r: float | None = None) -> CellTrace:
    """Unroll our cell over xs [T, B, E] from a zero state, recording every gate (differentiable:
    wrap in torch.no_grad() when only looking). force_z / force_r: see gru_step."""
    T, B, _ = xs.shape
    H = w.W_hh.shape[1]
    h = xs.new_zeros(B, H)
    c = xs.new_zeros(B, H)
    hs, record = [], {}
    for t in range(T):
        if kind == "rnn":
            h, g = rnn_step(xs[t], h, w)
        elif kind == "gru":
            h, g = gru_step(xs[t], h, w, force_z, force_r)
        elif kind == "gru-notes":  # the notes' reset gate (see gru_step_notes)
            h, g = gru_step_notes(xs[t], h, w)
        elif kind == "lstm":
            (h, c), g = lstm_step(xs[t], (h, c), w)
        else:
            raise ValueError(f"unknown cell {kind!r}")
        hs.append(h)
        for name, v in g.items():
            record.setdefault(name, []).append(v)
    return CellTrace(kind, torch.stack(hs), {k: torch.stack(v) for k, v in record.items()})
