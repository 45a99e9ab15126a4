"""core.private_init: torch's default initialisation and dropout, drawn from a private generator."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from core.private_init import Dropout, dropout_from, init_weights
from core.runtime import torch_rng


def _net():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 3),
                         nn.GRU(3, 5, num_layers=2, bidirectional=True), nn.LSTM(3, 2), nn.Embedding(6, 2, padding_idx=0),
                         nn.ConvTranspose2d(2, 3, 2), nn.LayerNorm(3))


def test_equals_torchs_own_init_under_the_same_seed():
    torch.manual_seed(5)
    reference = _net()  # torch's reset_parameters from the global generator seeded 5
    torch.manual_seed(123)
    ours = init_weights(_net(), torch_rng(5))  # torch_rng(5) draws what manual_seed(5) would
    for (name, a), b in zip(reference.state_dict().items(), ours.state_dict().values()):
        assert torch.equal(a, b), name


def test_multihead_attention_follows_torch():
    torch.manual_seed(0)
    m = init_weights(nn.MultiheadAttention(8, 2), torch_rng(1))
    assert torch.count_nonzero(m.in_proj_bias) == 0 and torch.count_nonzero(m.out_proj.bias) == 0
    bound = (6 / (8 + 24)) ** 0.5  # xavier_uniform_ on the [3E, E] in-projection
    assert m.in_proj_weight.abs().max() <= bound and m.in_proj_weight.std() > bound / 3


def test_unknown_parameters_are_an_error_not_a_silent_global_draw():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(torch.zeros(3))

    with pytest.raises(TypeError, match="init_parameters"):
        init_weights(nn.Sequential(Odd()), torch_rng(0))


def test_dropout_from_a_generator():
    x = torch.ones(4000)
    plain, ours = nn.Dropout(0.3), Dropout(0.3)
    torch.manual_seed(2)
    a = plain(x)
    torch.manual_seed(2)
    assert torch.equal(ours(x), a)  # without a generator it is nn.Dropout
    dropout_from(ours, torch_rng(9))
    y1 = ours(x)
    dropout_from(ours, torch_rng(9))
    assert torch.equal(ours(x), y1)
    assert torch.allclose(y1[y1 > 0], torch.tensor(1 / 0.7))
    assert abs(float((y1 == 0).float().mean()) - 0.3) < 0.03  # drops p of the units
    assert abs(float(y1.mean()) - 1.0) < 0.05  # keeps the expected value
    assert torch.equal(ours.eval()(x), x)
    with pytest.raises(TypeError, match="global"):
        dropout_from(nn.Sequential(nn.Dropout(0.5)), torch_rng(0))
