"""Deep and bidirectional RNNs from the hand-written cells, with torch's weights.

Deep (stacked): layer l reads layer l-1's hidden states as its input sequence.
Bidirectional: each layer runs one cell left to right and another right to left over the same
input; the layer's output at step t is [forward h_t ; backward h_t], 2H wide, and that is what the
next layer reads. Equal to torch.nn.RNN / GRU / LSTM(num_layers=L, bidirectional=True).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.text.rnn.cells import CellWeights, run_cell

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per cell (torch packs them in one matrix)


@dataclass
class DeepTrace:
    forward: list[torch.Tensor]  # per layer [T, B, H]: left-to-right hidden states
    backward: list[torch.Tensor]  # per layer [T, B, H]: right-to-left ones (empty lists if one direction)
    output: torch.Tensor  # [T, B, H * directions]: the last layer's concatenation, as torch returns it


def run_deep(rnn: nn.RNNBase, xs: torch.Tensor) -> DeepTrace:
    """Run a torch RNN / GRU / LSTM (any num_layers, bidirectional or not, batch_first=False)
    through our cells: xs [T, B, E] -> DeepTrace."""
    kind = {nn.RNN: "rnn", nn.GRU: "gru", nn.LSTM: "lstm"}[type(rnn)]
    fwd, bwd, inp = [], [], xs
    for layer in range(rnn.num_layers):
        f = run_cell(kind, CellWeights.from_torch(rnn, layer), inp).hidden  # [T, B, H]
        fwd.append(f)
        if rnn.bidirectional:
            b = run_cell(kind, CellWeights.from_torch(rnn, layer, reverse=True), inp.flip(0)).hidden.flip(0)
            bwd.append(b)
            f = torch.cat([f, b], dim=-1)  # [T, B, 2H]
        inp = f
    return DeepTrace(fwd, bwd, inp)


def param_count(kind: str, input_size: int, hidden: int, num_layers: int = 1, bidirectional: bool = False) -> int:
    """Weights of a stacked (bi)RNN from its shape: per layer and direction, G gate blocks of
    W_ih [H, in] + W_hh [H, H] + two biases [H]; layers above the first read 2H if bidirectional."""
    G, D = GATES[kind], 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden * D
        total += D * G * (hidden * n_in + hidden * hidden + 2 * hidden)
    return total
